// @ts-check
// Foundation: the window opens, the catalogue shows the connectors from the core's catalogue, search filters it,
// and the keyboard reaches the search box.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { promisify } from 'node:util';
import { ARTIFACTS, REPO, appTest, startApp } from '../lib/app.js';

/** The catalogue the core ships: the ground truth for what the UI must list. */
const catalogue = JSON.parse(readFileSync(path.join(REPO, 'crates/patchbay-core/catalogue/connectors.json'), 'utf8'));
/** @type {{ id: string, name: string, status: string, permissions: { scope: string }[] }[]} */
const connectors = Array.isArray(catalogue) ? catalogue : catalogue.connectors;
const byId = Object.fromEntries(connectors.map((c) => [c.id, c]));

describe('catalogue', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;

  before(async () => {
    app = await startApp({ name: 'catalogue' });
    console.log(`# app session ready in ${Math.round(app.sessionMs)} ms (app log ${app.appLog})`);
  });

  after(async () => {
    if (app) console.log(`# last screen: ${await app.screenshot('e2e-catalogue-end').catch((e) => `none (${e})`)}`);
    await app?.stop();
  });

  appTest(current, 'the window opens with the title Patchbay', async (app) => {
    await app.waitFor('search', 20_000);
    assert.equal(await app.browser.getTitle(), 'Patchbay');
    // The page talked to the app without an error (a failed command shows an alert, data-testid="error" or
    // "connections-error").
    await app.waitFor('connector-card-outlook365', 20_000);
    for (const alert of await app.browser.$$('[role="alert"]')) {
      if (await alert.isDisplayed()) assert.fail(`the window shows an error: ${await alert.getText()}`);
    }
    // The native X window carries the title too: ImageMagick finds a window by its name (and grabs it).
    const shot = path.join(ARTIFACTS, 'e2e-window.png');
    await promisify(execFile)('import', ['-window', 'Patchbay', shot]).catch((e) => {
      throw new Error(`no X window named "Patchbay" on ${process.env.DISPLAY}: ${e.stderr || e}`);
    });
  });

  appTest(current, 'the catalogue lists Outlook as available, with its permissions', async (app) => {
    const outlook = byId.outlook365;
    assert.ok(outlook, 'the core catalogue has outlook365');
    const card = await app.waitFor('connector-card-outlook365', 20_000);
    const text = await card.getText();
    assert.match(text, /Microsoft Outlook 365/);
    assert.match(text, /Available/);
    const add = app.el('add-connection-outlook365');
    assert.ok(await add.isEnabled(), 'Add connection is enabled for Outlook');
    assert.match(await add.getText(), /Add connection/);

    // The permission list: its summary counts them; opened, it shows every scope.
    const summary = await card.$('summary');
    assert.match(await summary.getText(), new RegExp(`^${outlook.permissions.length} permissions?$`));
    await summary.click();
    const opened = await card.getText();
    for (const p of outlook.permissions) {
      assert.ok(opened.includes(p.scope), `the Outlook card shows the scope ${p.scope}`);
    }
  });

  appTest(current, 'Teams is listed and can be added', async (app) => {
    for (const id of ['teams']) {
      assert.ok(byId[id], `the core catalogue has ${id}`);
      const card = await app.waitFor(`connector-card-${id}`);
      const text = await card.getText();
      assert.ok(text.includes(byId[id].name), `the ${id} card names ${byId[id].name}: ${text}`);
      assert.doesNotMatch(text, /Coming soon/i);
      assert.equal(await app.el(`add-connection-${id}`).isEnabled(), true, `${id} can be added`);
    }
    const cards = await app.allByTestIdPrefix('connector-card-');
    assert.equal(cards.length, connectors.length, 'one card per connector in the catalogue');
  });

  appTest(current, 'searching "teams" leaves only the Teams card', async (app) => {
    await app.type('search', 'teams');
    await app.browser.waitUntil(async () => (await app.allByTestIdPrefix('connector-card-')).length === 1, {
      timeout: 5000,
      timeoutMsg: 'the search did not narrow the catalogue to one card',
    });
    const cards = await app.allByTestIdPrefix('connector-card-');
    assert.equal(await cards[0].getAttribute('data-testid'), 'connector-card-teams');
    assert.equal(await app.isDisplayed('no-match'), false);
  });

  appTest(current, 'searching "zzz" shows the no-match message', async (app) => {
    await app.type('search', 'zzz');
    const message = await app.text('no-match', 5000);
    assert.match(message, /zzz/);
    assert.equal((await app.allByTestIdPrefix('connector-card-')).length, 0);
    // Clearing the search brings every connector back.
    await app.type('search', '');
    await app.waitFor('connector-card-outlook365', 5000);
    assert.equal((await app.allByTestIdPrefix('connector-card-')).length, connectors.length);
  });

  appTest(current, 'Tab reaches the search box', async (app) => {
    // Start from the top of the page with nothing focused.
    await app.browser.execute(() => {
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
      window.scrollTo(0, 0);
    });
    const seen = [];
    for (let i = 0; i < 15; i++) {
      await app.keys('Tab');
      const focused = await app.focusedTestId();
      seen.push(focused);
      if (focused === 'search') break;
    }
    assert.equal(seen.at(-1), 'search', `Tab went through ${JSON.stringify(seen)} without reaching the search box`);
    // And typing there filters: the keyboard alone can search.
    await app.keys('t', 'e', 'a', 'm', 's');
    await app.browser.waitUntil(async () => (await app.allByTestIdPrefix('connector-card-')).length === 1, {
      timeout: 5000,
      timeoutMsg: 'typing into the focused search box did not filter',
    });
  });

  appTest(current, 'Check this computer finds the keychain, the data folder and the listener working', async (app) => {
    await app.click('diagnose');
    const verdict = await app.waitFor('diagnostics-verdict', 20_000);
    for (const id of ['keychain', 'data_dir', 'secrets', 'loopback']) {
      const check = await app.waitFor(`check-${id}`);
      assert.equal(await check.getAttribute('data-status'), 'ok', `${id}: ${await check.getText()}`);
    }
    assert.doesNotMatch(await verdict.getText(), /problem/);
    await app.browser.execute(() => document.querySelector('[data-testid="diagnostics"]')?.scrollIntoView());
    await app.browser.pause(300);
    await app.screenshot('e2e-diagnostics');
  });
});
