// @ts-check
// What the person's browser does against the sandbox, played over plain HTTP (no browser runs under Xvfb), and
// pictures of the window for the README. Shared by the specs that sign in.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, REPO } from './app.js';

export const ADELE = 'adele@contoso.example';

/** Save a picture of the window, and copy it for the README when asked. */
export async function shot(app, name) {
  // WebKitWebDriver snapshots the last painted frame: give the page a moment to paint the latest state.
  await app.browser.pause(400);
  await app.screenshot(`e2e-${name}`);
  const out = process.env.PATCHBAY_SCREENSHOTS;
  if (out) {
    mkdirSync(path.resolve(REPO, out), { recursive: true });
    copyFileSync(path.join(ARTIFACTS, `e2e-${name}.png`), path.resolve(REPO, out, `${name}.png`));
  }
}

/** The content of `<meta name="…" content="…">` on a sandbox page. */
export function meta(html, name) {
  const m = html.match(new RegExp(`<meta name="${name}" content="([^"]*)"`));
  return m ? m[1].replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>') : undefined;
}

/**
 * Walk the sandbox's sign-in and consent pages as `user`, then deliver the final redirect to Patchbay's loopback
 * listener, as a browser would. Returns the listener's page text; or, when the sandbox shows an error page and
 * stays there (as Microsoft does for AADSTS50011, 700016, 90094), `{ errorPage }` with the error it shows.
 */
export async function signInLikeABrowser(authUrl, user, accept = true) {
  const end = await signInUntilRedirect(authUrl, user, accept);
  if ('errorPage' in end) return end;
  const back = await fetch(end.location, { redirect: 'manual' });
  return { status: back.status, text: await back.text(), location: end.location };
}

/**
 * Walk the sandbox's sign-in and consent pages as `user` and stop at the redirect back to Patchbay: returns
 * `{ location }` (a loopback URL, or a patchbay:// link for the browser to hand to the desktop), or `{ errorPage }`.
 */
export async function signInUntilRedirect(authUrl, user, accept = true) {
  let response = await fetch(authUrl, { redirect: 'manual' });
  for (let i = 0; i < 6; i++) {
    const current = response.url || authUrl;
    if (response.status >= 300 && response.status < 400) {
      return { location: new URL(/** @type {string} */ (response.headers.get('location')), current) };
    }
    const html = await response.text();
    const kind = meta(html, 'pb-page');
    const fields = new URLSearchParams({ tx: meta(html, 'pb-tx') || '' });
    if (kind === 'sign-in') {
      fields.set('login', user);
      fields.set('passwd', 'demo');
    } else if (kind === 'consent' || kind === 'admin-consent') {
      fields.set('accept', accept ? 'yes' : 'no');
    } else if (kind === 'error') {
      return { status: response.status, errorPage: meta(html, 'pb-error') || '' };
    } else {
      throw new Error(`unexpected sandbox page ${kind} (${response.status}): ${meta(html, 'pb-error') || html.slice(0, 200)}`);
    }
    const action = new URL(/** @type {string} */ (meta(html, 'pb-action')), current);
    response = await fetch(action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    });
  }
  throw new Error('the sandbox never redirected back to Patchbay');
}

/** The test ids of the listed connections ("connection-<id>"). */
export async function connectionTestIds(app) {
  const ids = [];
  for (const item of await app.allByTestIdPrefix('connection-')) ids.push(String(await item.getAttribute('data-testid')));
  return ids;
}

/**
 * Add a sandbox connection of `connector` (Outlook unless said) through the wizard (built-in app) as `user`, named
 * `name`. Returns its id and the sandbox's origin (for its /_sandbox control endpoints).
 * @param {import('./app.js').App} app
 */
export async function addSandboxConnection(app, user, name, connector = 'outlook365') {
  const before = new Set(await connectionTestIds(app));
  await app.click(`add-connection-${connector}`);
  await app.waitFor('wizard');
  await app.click('env-sandbox');
  await app.click('next');
  await app.click('auth-built_in_app');
  await app.click('next');
  await app.click('connect');
  await app.waitFor('waiting', 20_000);
  const authUrl = await app.value('auth-url');
  const back = await signInLikeABrowser(authUrl, user);
  assert.equal(back.status, 200, back.text);
  await app.waitFor('result', 20_000);
  await app.type('connection-name', name);
  await app.click('save-name');
  await app.click('done');
  await app.waitGone('wizard');
  const added = (await connectionTestIds(app)).find((t) => !before.has(t));
  assert.ok(added, 'the new connection is listed');
  return { id: added.replace('connection-', ''), sandbox: new URL(authUrl).origin };
}
