// @ts-check
// Connect, end to end in the real window: catalogue → wizard → Sandbox → built-in app → Connect → the sandbox's
// sign-in pages driven over plain HTTP (as the person's browser would) → the result screen with the account →
// the connection listed on the home screen. Then a bring-your-own app whose sign-in is declined shows the
// error in words and keeps what was typed.
//
// PATCHBAY_SCREENSHOTS=docs/screenshots refreshes the README's pictures from this run.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { appTest, startApp } from '../lib/app.js';
import { ADELE, shot, signInLikeABrowser } from '../lib/sandbox.js';

const DEMO_APP_CLIENT_ID = 'b7f3c1d2-5e6a-4f8b-9c0d-1e2f3a4b5c6d';

describe('connect', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;

  before(async () => {
    // No real browser under Xvfb: `true` stands in for it (so Patchbay reports the browser opened) and the test
    // plays the browser over HTTP.
    app = await startApp({ name: 'connect', env: { BROWSER: 'true' } });
    await app.waitFor('connector-card-outlook365', 20_000);
  });

  after(async () => {
    await app?.stop();
  });

  appTest(current, 'the catalogue screenshot for the README', async (app) => {
    await app.waitFor('search');
    await shot(app, 'catalogue');
  });

  appTest(current, 'a built-in-app connection against the sandbox, from the catalogue to the list', async (app) => {
    await app.click('add-connection-outlook365');
    await app.waitFor('wizard');
    await app.click('env-sandbox');
    await app.browser.waitUntil(
      () => app.browser.execute(() => !!document.querySelector('[data-testid="env-sandbox"]')?.closest('.selected')),
      { timeout: 5_000, timeoutMsg: 'the Sandbox choice shows as selected' },
    );
    await shot(app, 'wizard-environment');
    await app.click('next');

    await app.click('auth-built_in_app');
    const builtIn = await app.text('builtin-app');
    assert.match(builtIn, /14d82eec-204b-4c2f-b7e8-296a70dab67e/, 'the screen says which app signs in');
    assert.match(builtIn, /admin/i, 'and that an admin may need to approve it');
    await shot(app, 'wizard-auth');
    await app.click('next');

    await app.click('connect');
    await app.waitFor('waiting', 20_000);
    const authUrl = await app.value('auth-url');
    const url = new URL(authUrl);
    assert.equal(url.hostname, '127.0.0.1', 'the in-process sandbox signs in');
    assert.equal(url.searchParams.get('prompt'), 'select_account');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    await shot(app, 'wizard-waiting');

    const back = await signInLikeABrowser(authUrl, ADELE);
    assert.equal(back.status, 200, back.text);
    assert.match(back.text, /You can close this tab/);

    await app.waitFor('result', 20_000);
    assert.equal(await app.text('account-email'), ADELE);
    assert.match(await app.text('account-name'), /Adele/);
    assert.equal(await app.value('connection-name'), ADELE, 'the name defaults to the email');
    await app.type('connection-name', 'Adele at Contoso');
    await app.click('save-name');
    await shot(app, 'wizard-result');
    await app.click('done');
    await app.waitGone('wizard');

    const list = await app.waitFor('connections-list');
    await app.browser.waitUntil(async () => (await list.getText()).includes('Adele at Contoso'), {
      timeout: 10_000,
      timeoutMsg: 'the new connection is listed with its name',
    });
    assert.match(await list.getText(), new RegExp(ADELE));
    await shot(app, 'connections');
  });

  appTest(current, 'a declined sign-in shows what happened and keeps what was typed', async (app) => {
    await app.click('add-connection-outlook365');
    await app.waitFor('wizard');
    await app.click('env-sandbox');
    await app.click('next');
    await app.click('auth-bring_your_own_app');
    await app.type('client-id', DEMO_APP_CLIENT_ID);
    const advice = await app.text('redirect-advice');
    assert.match(advice, /http:\/\/localhost/, 'the redirect URI to register is shown');
    await shot(app, 'wizard-byo');
    await app.click('next');
    await app.click('connect');
    await app.waitFor('waiting', 20_000);
    const authUrl = await app.value('auth-url');
    assert.equal(new URL(authUrl).searchParams.get('client_id'), DEMO_APP_CLIENT_ID);
    await signInLikeABrowser(authUrl, ADELE, false);
    const error = await app.waitFor('error', 20_000);
    const [words] = (await error.getText()).split('Details');
    assert.match(words, /Sign-in was cancelled/);
    // The provider's own words are only under "Details", for an administrator.
    assert.doesNotMatch(words, /access_denied|AADSTS/, 'no raw protocol words in the message');
    await shot(app, 'wizard-declined');
    // Back to the app settings: the client ID is still there.
    await app.click('back');
    assert.equal(await app.value('client-id'), DEMO_APP_CLIENT_ID);
  });

  appTest(current, 'an error Microsoft shows on its own page, pasted into the wizard, names the fix', async (app) => {
    const unknownApp = '00000000-1111-2222-3333-444444444444';
    if (await app.isDisplayed('wizard')) {
      await app.keys('Escape'); // the wizard a previous test left open
      await app.waitGone('wizard');
    }
    await app.click('add-connection-outlook365');
    await app.waitFor('wizard');
    await app.click('env-sandbox');
    await app.click('next');
    await app.click('auth-bring_your_own_app');
    await app.type('client-id', unknownApp);
    await app.click('next');
    await app.click('connect');
    await app.waitFor('waiting', 20_000);
    const page = await signInLikeABrowser(await app.value('auth-url'), ADELE);
    assert.ok(page.errorPage, 'the sandbox stays on its error page');
    assert.match(page.errorPage, /AADSTS700016/);

    await app.click('page-error-toggle');
    await app.type('page-error-text', page.errorPage);
    await shot(app, 'wizard-page-error');
    await app.click('page-error-explain');
    const error = await app.waitFor('error', 20_000);
    assert.equal(await error.getAttribute('data-code'), 'app_not_found');
    const [words] = (await error.getText()).split('Details');
    assert.match(words, new RegExp(`The app ${unknownApp} is not known in this tenant`));
    assert.match(words, /Directory \(tenant\) ID/);
    await shot(app, 'wizard-page-error-explained');
    await app.click('back');
    assert.equal(await app.value('client-id'), unknownApp, 'what was typed is kept');
  });
});
