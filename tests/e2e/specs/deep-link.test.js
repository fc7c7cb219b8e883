// @ts-check
// A sign-in that comes back through a patchbay:// link, end to end: the wizard asks for the deep-link redirect,
// the sandbox (playing Microsoft) redirects the browser to patchbay://oauth/callback, and the desktop hands that
// link to Patchbay through its registered handler (`gio open`, as a browser does): a second Patchbay starts with
// the link, passes it to the running one and ends, and the waiting sign-in completes. The same link opened again
// belongs to no sign-in any more and changes nothing.
//
// scripts/test runs it against the build; scripts/test-package against the installed package
// (PATCHBAY_APP_BINARY=/usr/bin/patchbay-app), where the handler is the package's desktop entry.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { after, before, describe } from 'node:test';
import { appTest, startApp } from '../lib/app.js';
import { ADELE, shot, signInUntilRedirect } from '../lib/sandbox.js';

const run = promisify(execFile);
const DEEP_LINK = 'patchbay://oauth/callback';

describe('patchbay:// sign-in', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;

  before(async () => {
    // `true` stands in for the browser; PATCHBAY_SANDBOX_CONTROL lets the test register its app in the sandbox.
    app = await startApp({ name: 'deep-link', env: { BROWSER: 'true', PATCHBAY_SANDBOX_CONTROL: '1' } });
    await app.waitFor('connector-card-outlook365', 20_000);
  });

  after(async () => {
    await app?.stop();
  });

  appTest(current, 'a sign-in whose redirect is patchbay://oauth/callback completes through the link handler', async (app) => {
    const clientId = randomUUID();
    await app.click('add-connection-outlook365');
    await app.waitFor('wizard');
    await app.click('env-sandbox');
    await app.click('next');
    await app.click('auth-bring_your_own_app');
    await app.type('client-id', clientId);
    await (await app.browser.$('//summary[contains(., "I registered a different redirect URI")]')).click();
    await app.type('own-redirect', DEEP_LINK);
    await app.keys('Tab');
    await app.browser.waitUntil(async () => (await app.value('redirect-uri')) === DEEP_LINK, {
      timeout: 10_000,
      timeoutMsg: 'the wizard advises registering the deep link',
    });
    await app.click('next');
    await app.click('connect');
    await app.waitFor('waiting', 20_000);
    const authUrl = new URL(await app.value('auth-url'));
    assert.equal(authUrl.searchParams.get('redirect_uri'), DEEP_LINK);

    // The app registration, as its owner would make it in Entra: a public client ("Mobile and desktop
    // applications") with the deep link as its redirect URI. The sandbox checks it when the browser arrives.
    const registered = await fetch(`${authUrl.origin}/_sandbox/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: clientId, public: true, redirect_uris: [DEEP_LINK], name: 'Deep link test' }),
    });
    assert.ok(registered.ok, `the sandbox refused the app registration: ${registered.status} ${await registered.text()}`);

    const end = await signInUntilRedirect(authUrl.href, ADELE);
    assert.ok('location' in end, `the sandbox showed an error page: ${JSON.stringify(end)}`);
    assert.equal(`${end.location.protocol}//${end.location.host}${end.location.pathname}`, DEEP_LINK);
    await run('gio', ['open', end.location.href]);

    await app.waitFor('result', 20_000);
    assert.equal(await app.text('account-email'), ADELE);
    await shot(app, 'deep-link-result');

    // The same link again (a replay, or a page that kept it) belongs to no sign-in now: nothing changes.
    await run('gio', ['open', end.location.href]);
    await app.browser.waitUntil(
      async () => readFileSync(app.appLog, 'utf8').includes('does not belong to a sign-in Patchbay started'),
      { timeout: 10_000, timeoutMsg: 'the running app did not refuse the replayed link' },
    );
    assert.equal(await app.text('account-email'), ADELE, 'the result stays as it was');
    await app.click('done');
    await app.waitGone('wizard');
  });
});
