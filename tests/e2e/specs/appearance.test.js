// @ts-check
// Foundation: the UI follows the OS light/dark preference. WebKitGTK derives `prefers-color-scheme` from the GTK
// theme, so each run starts the real app with GTK_THEME set as a desktop would, and reads what the page shows.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { appTest, startApp } from '../lib/app.js';

/** Relative luminance (0 black … 1 white) of a CSS `rgb(…)`/`rgba(…)` colour. */
function luminance(css) {
  const m = css.match(/rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/);
  if (!m) throw new Error(`not an rgb colour: ${css}`);
  const [r, g, b] = m.slice(1, 4).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** What the page shows: whether it sees a dark preference, and its background and text colours. */
async function looks(app) {
  await app.waitFor('connector-card-outlook365', 20_000);
  return app.browser.execute(() => {
    const body = getComputedStyle(document.body);
    return {
      dark: matchMedia('(prefers-color-scheme: dark)').matches,
      background: body.backgroundColor,
      text: body.color,
    };
  });
}

for (const theme of /** @type {const} */ (['light', 'dark'])) {
  describe(`appearance: ${theme}`, () => {
    /** @type {import('../lib/app.js').App | undefined} */
    let app;
    const current = () => app;

    before(async () => {
      app = await startApp({ name: `appearance-${theme}`, env: { GTK_THEME: theme === 'dark' ? 'Adwaita:dark' : 'Adwaita' } });
    });

    after(async () => {
      await app?.stop();
    });

    appTest(current, `follows a ${theme} desktop`, async (app) => {
      const seen = await looks(app);
      assert.equal(seen.dark, theme === 'dark', `prefers-color-scheme: ${JSON.stringify(seen)}`);
      const bg = luminance(seen.background);
      const fg = luminance(seen.text);
      if (theme === 'dark') assert.ok(bg < 0.1 && fg > 0.5, `a dark page with light text: ${JSON.stringify(seen)}`);
      else assert.ok(bg > 0.8 && fg < 0.2, `a light page with dark text: ${JSON.stringify(seen)}`);
      // WCAG contrast of body text on the background: at least 4.5:1 either way.
      const contrast = (Math.max(bg, fg) + 0.05) / (Math.min(bg, fg) + 0.05);
      assert.ok(contrast >= 4.5, `text contrast ${contrast.toFixed(1)}:1`);
      await app.browser.pause(300);
      await app.screenshot(`e2e-catalogue-${theme}`);
    });
  });
}
