// @ts-check
// Keeping a connection alive, end to end in the real window: connect to the sandbox, an administrator revokes
// the account there, the next sweep turns the connection's badge to "Needs reconnect" with the reason in words,
// and Fix (signing in again as the same account) brings it back to "Healthy" — without a reload.
//
// PATCHBAY_SCREENSHOTS=docs/screenshots refreshes the README's pictures from this run.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { appTest, startApp } from '../lib/app.js';
import { ADELE, addSandboxConnection, shot, signInLikeABrowser } from '../lib/sandbox.js';

describe('keep alive', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;
  /** The in-process sandbox's address, learnt from the sign-in URL. */
  let sandbox = '';
  let id = '';

  before(async () => {
    // A sweep every 3 s, so "within one sweep" is seconds here; `true` stands in for the browser.
    // PATCHBAY_SANDBOX_CONTROL: the test revokes the account through the sandbox's /_sandbox/revoke.
    app = await startApp({
      name: 'keep-alive',
      env: { BROWSER: 'true', PATCHBAY_CHECK_INTERVAL_SECS: '3', PATCHBAY_SANDBOX_CONTROL: '1' },
    });
    await app.waitFor('connector-card-outlook365', 20_000);
  });

  after(async () => {
    await app?.stop();
  });

  appTest(current, 'a new sandbox connection is healthy, and says who it acts as', async (app) => {
    ({ id, sandbox } = await addSandboxConnection(app, ADELE, 'Work mail'));
    await app.browser.waitUntil(async () => (await app.text(`status-${id}`)) === 'Healthy', {
      timeout: 15_000,
      timeoutMsg: 'the new connection shows as healthy',
    });
    const text = await app.text(`connection-${id}`);
    assert.match(text, /Acts as adele@contoso\.example: anything done through this connection is done as this user\./);
  });

  appTest(current, 'revoking the account in the sandbox turns the badge to needs reconnect, with the reason', async (app) => {
    assert.ok(id && sandbox, 'the previous test connected');
    const revoked = await fetch(`${sandbox}/_sandbox/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: ADELE }),
    });
    assert.equal(revoked.status, 200, await revoked.text());
    const started = Date.now();
    await app.browser.waitUntil(async () => (await app.text(`status-${id}`)) === 'Needs reconnect', {
      timeout: 20_000,
      timeoutMsg: 'the badge did not turn to "Needs reconnect" within a few sweeps',
    });
    console.log(`# revocation → badge: ${Date.now() - started} ms (sweep every 3 s)`);
    const item = await app.waitFor(`connection-${id}`);
    const words = await item.getText();
    assert.match(words, /password was changed or reset/);
    assert.doesNotMatch(words.split('What Microsoft said')[0], /invalid_grant|AADSTS/, 'no raw protocol words up front');
    assert.match(await app.text('attention-count'), /1 needs attention/);
    await shot(app, 'connections-broken');
  });

  appTest(current, 'Fix signs in again as the same account and the connection is healthy again', async (app) => {
    await app.click(`fix-${id}`);
    await app.waitFor('fix-dialog');
    assert.equal(await app.text('fix-account'), ADELE);
    await app.click('fix-sign-in');
    await app.waitFor('waiting', 20_000);
    const authUrl = new URL(await app.value('auth-url'));
    assert.equal(authUrl.searchParams.get('login_hint'), ADELE, 'the sign-in names the account to fix');
    await shot(app, 'fix-waiting');
    const back = await signInLikeABrowser(authUrl.toString(), ADELE);
    assert.equal(back.status, 200, back.text);
    await app.waitFor('fix-done', 20_000);
    await shot(app, 'fix-done');
    await app.click('fix-close');
    await app.waitGone('fix-dialog');
    await app.browser.waitUntil(async () => (await app.text(`status-${id}`)) === 'Healthy', {
      timeout: 15_000,
      timeoutMsg: 'the fixed connection shows as healthy',
    });
    // It stays healthy through the next sweeps: the new sign-in refreshes.
    await app.browser.pause(4000);
    assert.equal(await app.text(`status-${id}`), 'Healthy');
    const list = await app.allByTestIdPrefix('connection-');
    assert.equal(list.length, 1, 'fixed in place, not added again');
    await app.screenshot('e2e-connections-fixed');
  });
});
