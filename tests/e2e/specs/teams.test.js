// @ts-check
// Microsoft Teams, end to end in the real window: the wizard refuses a personal account in words before any
// sign-in and offers "Read channel messages" as a choice of its own with the admin-consent link; a sandbox Teams
// connection's preview shows the recent chats with their last message as text and the teams joined (one Graph
// $batch behind the scenes), opens a chat for its messages and a team for its channels, each with Open in Teams;
// the automation form offers the chat and channel triggers with their fields. Then the preview on a dark desktop.
//
// PATCHBAY_SCREENSHOTS=docs/screenshots refreshes the README's pictures from this run.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { appTest, byTestId, startApp } from '../lib/app.js';
import { ADELE, addSandboxConnection as connect, shot } from '../lib/sandbox.js';

const CONNECTOR = 'teams';

/** The text of the element with this test id, buttons' included, as the DOM holds it. */
async function content(app, testId) {
  await app.waitFor(testId);
  return String(await app.el(testId).getProperty('textContent'));
}

/** Click the button with this accessible label inside the element with this test id. */
async function clickLabelled(app, within, label) {
  const button = app.browser.$(`${byTestId(within)} button[aria-label="${label}"]`);
  await button.waitForDisplayed({ timeout: 10_000, timeoutMsg: `no button "${label}" in ${within}` });
  await button.click();
}

/** Open a connection's preview and wait until both sections have loaded. */
async function openPreview(app, id) {
  await app.click(`preview-${id}`);
  await app.waitFor('preview-screen');
  await app.waitFor('preview-updated', 20_000);
  for (const section of ['recent_chats', 'joined_teams']) await app.waitGone(`${section}-skeleton`, 20_000);
}

/** The chat titles the preview lists, in order. */
async function chatTitles(app) {
  return app.browser.execute(
    (selector) => [...document.querySelectorAll(selector)].map((e) => (e.textContent ?? '').trim()),
    `${byTestId('recent_chats-list')} ${byTestId('chat-open')}`,
  );
}

describe('teams', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;
  let teams = { id: '', sandbox: '' };

  before(async () => {
    app = await startApp({ name: 'teams', env: { BROWSER: 'true' } });
    await app.waitFor(`connector-card-${CONNECTOR}`, 20_000);
  });

  after(async () => {
    await app?.stop();
  });

  appTest(current, 'the wizard refuses a personal account in words, and offers channel messages with the admin-consent link', async (app) => {
    await app.click(`add-connection-${CONNECTOR}`);
    await app.waitFor('wizard');
    await app.click('env-sandbox');
    await app.click('next');
    await app.click('auth-built_in_app');
    await app.click('account-personal');
    await app.waitFor('personal-refused');
    assert.match(await app.text('personal-refused'), /Microsoft Teams is not for personal Microsoft accounts\./);
    assert.match(await app.text('personal-refused'), /Sign in with a work or school account/);
    await app.click('next');
    assert.equal(await app.isDisplayed('connect'), false, 'no sign-in is offered');
    await shot(app, 'teams-personal-refused');

    await app.click('account-work');
    await app.waitGone('personal-refused');
    assert.equal(await app.el('opt-in-read_channel_messages').isSelected(), false, 'channel messages are a choice, off');
    await app.click('opt-in-read_channel_messages');
    await app.waitFor('admin-consent-needed');
    await app.el('admin-consent-needed').scrollIntoView({ block: 'end' });
    await app.browser.waitUntil(async () => app.browser.$(byTestId('admin-consent-link')).isExisting(), {
      timeout: 15_000,
      timeoutMsg: `no admin-consent link: ${await content(app, 'admin-consent-needed')}`,
    });
    assert.match(await content(app, 'admin-consent-needed'), /Read channel messages needs an administrator's approval/);
    const link = await app.value('admin-consent-link-url');
    assert.match(link, /\/adminconsent\?client_id=/);
    assert.match(decodeURIComponent(link), /ChannelMessage\.Read\.All/);
    await app.el('admin-consent-needed').scrollIntoView({ block: 'end' });
    await shot(app, 'teams-channel-permission');
    await app.keys('Escape');
    await app.waitGone('wizard');
  });

  appTest(current, "a Teams connection's preview shows the recent chats as text and the teams, and opens each", async (app) => {
    teams = await connect(app, ADELE, 'Contoso Teams', CONNECTOR);
    assert.equal(await app.el(`preview-${teams.id}`).getAttribute('title'), 'Preview: Recent chats and Teams and channels');

    const started = Date.now();
    await openPreview(app, teams.id);
    console.log(`# Preview clicked → chats and teams shown: ${Date.now() - started} ms`);
    assert.equal(await app.text('preview-title'), 'Contoso Teams');
    assert.deepEqual(await chatTitles(app), ['Megan Bowen', 'Spring launch', 'Alex Wilber', 'Weekly sync']);
    const chats = await content(app, 'recent_chats-list');
    assert.match(chats, /Are we still on for 3pm\?/);
    assert.match(chats, /You:\s*Training deck is uploaded\./);
    assert.doesNotMatch(chats, /<\/?(p|div|at|img)\b/, 'no markup in the texts');
    assert.ok(await app.browser.$(`${byTestId('recent_chats-list')} button[aria-label="Open in Teams: Megan Bowen"]`).isExisting());
    assert.match(await content(app, 'joined_teams-list'), /Contoso Team[\s\S]*Project Apollo/);
    await shot(app, 'teams-preview');

    // A chat opened: its newest messages, and back.
    await clickLabelled(app, 'recent_chats-list', 'Show the messages of Spring launch');
    await app.waitFor('recent_chats-messages', 15_000);
    assert.match(await content(app, 'recent_chats-messages'), /Training deck is uploaded\./);
    assert.ok(await app.isDisplayed('recent_chats-more'), 'older messages to load');
    await app.click('recent_chats-back');
    await app.waitFor('recent_chats-list');

    // A team opened: its channels, each with Open in Teams.
    await clickLabelled(app, 'joined_teams-list', 'Show the channels of Contoso Team');
    await app.waitFor('team-channels', 15_000);
    assert.match(await content(app, 'team-channels'), /General/);
    assert.ok(await app.browser.$(`${byTestId('team-channels')} button[aria-label="Open in Teams: General"]`).isExisting());
    await shot(app, 'teams-channels');
    await app.click('preview-back');
    await app.waitFor(`connection-${teams.id}`);
  });

  appTest(current, 'the automation form offers the chat and channel triggers with their fields', async (app) => {
    await app.click(`automate-${teams.id}`);
    await app.waitFor('automation-dialog');
    assert.equal(await app.el('automation-on-chat-message').isSelected(), true, "the connector's first trigger");
    await app.browser.waitUntil(async () => /Spring launch/.test(String(await app.el('automation-chat').getProperty('textContent'))), {
      timeout: 15_000,
      timeoutMsg: 'the chats to pick from did not load',
    });
    assert.ok(await app.isDisplayed('automation-mentions-me'));
    assert.ok(await app.isDisplayed('automation-contains'));
    await app.click('automation-on-channel-message');
    await app.browser.waitUntil(async () => /Contoso Team/.test(String(await app.el('automation-team').getProperty('textContent'))), {
      timeout: 15_000,
      timeoutMsg: 'the teams to pick from did not load',
    });
    await shot(app, 'teams-automation-form');
    await app.click('automation-cancel');
    await app.waitGone('automation-dialog');
  });
});

describe('teams: dark', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;

  before(async () => {
    app = await startApp({ name: 'teams-dark', env: { BROWSER: 'true', GTK_THEME: 'Adwaita:dark' } });
    await app.waitFor(`connector-card-${CONNECTOR}`, 20_000);
  });

  after(async () => {
    await app?.stop();
  });

  appTest(current, 'the Teams preview reads well on a dark desktop', async (app) => {
    const { id } = await connect(app, ADELE, 'Contoso Teams', CONNECTOR);
    await openPreview(app, id);
    const dark = await app.browser.execute(() => matchMedia('(prefers-color-scheme: dark)').matches);
    assert.equal(dark, true, 'the page sees a dark preference');
    assert.equal((await chatTitles(app)).length, 4);
    await shot(app, 'teams-preview-dark');
  });
});
