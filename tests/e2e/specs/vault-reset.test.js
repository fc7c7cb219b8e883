// @ts-check
// The vault key gone from the keychain (a reset keychain), end to end in the real window: after a restart,
// "This computer" says so and offers a new key, which asks first; making one sets the sealed secrets aside
// (nothing is deleted), the connection turns to "Needs reconnect", and Fix brings it back under the new key. The
// same as `patchbay reset-vault`, without a terminal. (A running Patchbay keeps the key it loaded: a keychain
// reset shows at the next start.)

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe } from 'node:test';
import { appTest, startApp } from '../lib/app.js';
import { ADELE, addSandboxConnection, shot, signInLikeABrowser } from '../lib/sandbox.js';

const run = promisify(execFile);
// A keychain entry of this spec's own, so the other specs' vault key is never touched.
const SERVICE = 'dev.patchbay.vault (e2e vault reset)';

describe('vault reset', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;
  // One data folder for both runs of the app.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'patchbay-e2e-vault-'));
  const env = { BROWSER: 'true', PATCHBAY_KEYCHAIN_SERVICE: SERVICE, PATCHBAY_DATA_DIR: dataDir };

  before(async () => {
    app = await startApp({ name: 'vault-reset', env });
    await app.waitFor('connector-card-outlook365', 20_000);
  });

  after(async () => {
    await app?.stop();
    await run('secret-tool', ['clear', 'service', SERVICE]).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  appTest(current, 'a vault key gone from the keychain is replaced from the window, and Fix brings the connection back', async (first) => {
    const { id } = await addSandboxConnection(first, ADELE, 'Work mail');
    await first.browser.waitUntil(async () => (await first.text(`status-${id}`)) === 'Healthy', {
      timeout: 15_000,
      timeoutMsg: 'the new connection shows as healthy',
    });
    // The keychain is reset while Patchbay is not running.
    await first.stop();
    app = undefined;
    await run('secret-tool', ['clear', 'service', SERVICE]);
    app = await startApp({ name: 'vault-reset-after', env });

    await app.click('diagnose');
    await app.waitFor('check-keychain', 20_000);
    const keychain = await app.el('check-keychain');
    assert.equal(await keychain.getAttribute('data-status'), 'failed');
    assert.match(await keychain.getText(), /vault key is missing/);
    await app.click('reset-vault');
    await app.waitFor('reset-vault-confirm');
    await shot(app, 'vault-reset-confirm');
    await app.click('reset-vault-confirm');
    const done = await app.text('reset-vault-done', 20_000);
    assert.match(done, /Made a new vault key\. The old sealed secrets are in .*orphaned-\d+/);
    const folder = /** @type {string} */ (done.match(/in (\S*orphaned-\d+)\./)?.[1]);
    assert.deepEqual(readdirSync(folder), [`${id}.sealed`], 'set aside, not deleted');
    assert.equal(path.basename(path.dirname(folder)), 'secrets');
    assert.equal(await (await app.el('check-keychain')).getAttribute('data-status'), 'ok');

    await app.browser.waitUntil(async () => (await app.text(`status-${id}`)) === 'Needs reconnect', {
      timeout: 15_000,
      timeoutMsg: 'the connection, without its secrets, needs a new sign-in',
    });
    await app.click(`fix-${id}`);
    await app.waitFor('fix-dialog');
    await app.click('fix-sign-in');
    await app.waitFor('waiting', 20_000);
    const back = await signInLikeABrowser(await app.value('auth-url'), ADELE);
    assert.equal(back.status, 200, back.text);
    await app.waitFor('fix-done', 20_000);
    await app.click('fix-close');
    await app.waitGone('fix-dialog');
    await app.browser.waitUntil(async () => (await app.text(`status-${id}`)) === 'Healthy', {
      timeout: 15_000,
      timeoutMsg: 'the fixed connection shows as healthy under the new key',
    });
  });
});
