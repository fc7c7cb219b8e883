// @ts-check
// Preview, end to end in the real window: a sandbox connection shows its own inbox and agenda (one Graph $batch
// behind the scenes), with times in the mailbox's time zone; a connection whose sign-in left out Calendars.Read
// still shows its inbox, and the agenda says which permission it needs and offers Fix. Then the same screen in
// a dark desktop, for the README.
//
// PATCHBAY_SCREENSHOTS=docs/screenshots refreshes the README's pictures from this run.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { appTest, startApp } from '../lib/app.js';
import { ADELE, addSandboxConnection as connect, shot } from '../lib/sandbox.js';

const MEGAN = 'megan@contoso.example';
/** The built-in app's client ID, which the sandbox registers as Microsoft's own. */
const BUILT_IN_CLIENT_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';

/** Open a connection's preview and wait until both parts have finished loading (the skeletons are gone). */
async function openPreview(app, id) {
  await app.click(`preview-${id}`);
  await app.waitFor('preview-screen');
  await app.waitFor('preview-updated', 20_000);
  await app.waitGone('inbox-skeleton', 20_000);
  await app.waitGone('agenda-skeleton', 20_000);
}

describe('preview', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;
  let adele = { id: '', sandbox: '' };

  before(async () => {
    // PATCHBAY_SANDBOX_CONTROL: a test leaves scopes out of the grant through the sandbox's /_sandbox/deny-scopes.
    app = await startApp({ name: 'preview', env: { BROWSER: 'true', PATCHBAY_SANDBOX_CONTROL: '1' } });
    await app.waitFor('connector-card-outlook365', 20_000);
  });

  after(async () => {
    await app?.stop();
  });

  appTest(current, "a connection's preview shows its inbox and its agenda by day, in the mailbox's time zone", async (app) => {
    adele = await connect(app, ADELE, 'Adele at work');
    const started = Date.now();
    await openPreview(app, adele.id);
    console.log(`# Preview clicked → inbox and agenda shown: ${Date.now() - started} ms`);
    assert.equal(await app.text('preview-title'), 'Adele at work');

    // Inbox: the newest 25 messages of the demo mailbox, with who sent them and when.
    const messages = await app.allByTestIdPrefix('inbox-message');
    assert.equal(messages.length, 25, 'the first page holds 25 messages');
    const first = await messages[0].getText();
    assert.ok(first.trim().length > 0, 'the first row has words in it');
    assert.match(await app.text('unread-count'), /^\d+ unread$/);
    assert.ok((await app.allByTestIdPrefix('attachment-mark')).length > 0, 'messages with attachments are marked');

    // Agenda: days as headings, times in Adele's mailbox zone (Outlook's "W. Europe Standard Time").
    const zone = await app.text('preview-zone');
    assert.match(zone, /Europe\/Berlin/, zone);
    assert.match(zone, /mailbox time zone/, zone);
    assert.match(zone, /W\. Europe Standard Time/, zone);
    const days = await app.allByTestIdPrefix('agenda-day-heading');
    assert.ok(days.length >= 3, `a week of events spreads over several days (${days.length})`);
    const events = await app.allByTestIdPrefix('agenda-event');
    assert.ok(events.length >= 5, `the demo week has events (${events.length})`);
    assert.ok((await app.allByTestIdPrefix('agenda-join')).length > 0, 'online meetings offer Join');
    const agenda = await app.text('preview-agenda');
    assert.match(agenda, /All day/i, 'all-day events say so');

    await shot(app, 'preview');

    // Load more follows Graph's next link and appends the next page.
    await app.click('inbox-more');
    await app.browser.waitUntil(async () => (await app.allByTestIdPrefix('inbox-message')).length > 25, {
      timeout: 15_000,
      timeoutMsg: 'Load more added no messages',
    });
  });

  appTest(current, 'Refresh fetches again and says when it was updated', async (app) => {
    await app.click('preview-refresh');
    await app.browser.waitUntil(async () => /Updated (just now|\d+ s ago)/.test(await app.text('preview-updated')), {
      timeout: 15_000,
      timeoutMsg: 'the preview says when it was updated',
    });
    await app.waitFor('inbox-list');
    await app.click('preview-back');
    await app.waitFor(`connection-${adele.id}`);
  });

  appTest(current, 'without Calendars.Read the inbox still shows and the agenda names the permission, with Fix', async (app) => {
    // Consent succeeds but leaves the calendar scopes out of the grant, as when a person unticks them.
    const denied = await fetch(`${adele.sandbox}/_sandbox/deny-scopes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: BUILT_IN_CLIENT_ID, scopes: ['Calendars.Read', 'Calendars.ReadWrite'] }),
    });
    assert.equal(denied.status, 200, await denied.text());
    const megan = await connect(app, MEGAN, 'Megan, no calendar');
    await openPreview(app, megan.id);
    assert.equal((await app.allByTestIdPrefix('inbox-message')).length, 25, 'the inbox shows');
    const problem = await app.text('agenda-problem');
    assert.match(problem, /calendar needs permission Calendars\.Read/i, problem);
    assert.ok(await app.isDisplayed('agenda-problem-fix'), 'the missing permission offers Fix');
    // Megan's mailbox is in New York.
    assert.match(await app.text('preview-zone'), /America\/New_York/);
    await shot(app, 'preview-missing-permission');
    await app.click('agenda-problem-fix');
    await app.waitFor('fix-dialog');
    await app.keys('Escape');
    await app.waitGone('fix-dialog');
  });
});

describe('preview: dark', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;

  before(async () => {
    app = await startApp({ name: 'preview-dark', env: { BROWSER: 'true', GTK_THEME: 'Adwaita:dark' } });
    await app.waitFor('connector-card-outlook365', 20_000);
  });

  after(async () => {
    await app?.stop();
  });

  appTest(current, 'the preview reads well on a dark desktop', async (app) => {
    const { id } = await connect(app, ADELE, 'Adele at work');
    await openPreview(app, id);
    const dark = await app.browser.execute(() => matchMedia('(prefers-color-scheme: dark)').matches);
    assert.equal(dark, true, 'the page sees a dark preference');
    assert.equal((await app.allByTestIdPrefix('inbox-message')).length, 25);
    await shot(app, 'preview-dark');
  });
});
