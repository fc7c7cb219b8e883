// @ts-check
// Flows, end to end in the real window: the Automations screen's ready recipes; "Save email attachments to
// OneDrive" opening the form as "When new mail … then save attachments" with the OneDrive connection chosen; Test
// with the newest item saving its attachments into the sandbox's drive for real (a hostile name made safe); Add;
// new mail saved by the service after Run now, said in the history; forwarding saying it sends mail.
//
// PATCHBAY_SCREENSHOTS=docs/screenshots refreshes the README's pictures from this run.

import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { after, before, describe } from 'node:test';
import { appTest, startApp } from '../lib/app.js';
import { ADELE, addSandboxConnection as connect, shot } from '../lib/sandbox.js';

/** POST a sandbox control endpoint. */
async function control(sandbox, what, body) {
  const r = await fetch(`${sandbox}/_sandbox/${what}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return JSON.parse(text);
}

/** A file in Adele's drive (its JSON), or null. */
async function driveFile(sandbox, filePath) {
  const r = await fetch(`${sandbox}/_sandbox/files?user=${encodeURIComponent(ADELE)}&path=${encodeURIComponent(filePath)}`);
  return r.status === 200 ? r.json() : null;
}

describe('flows', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;
  let mail = { id: '', sandbox: '' };
  let files = { id: '', sandbox: '' };

  const serviceLog = () => {
    try {
      return readFileSync(path.join(current()?.dataDir ?? '', 'service.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no service log)';
    }
  };

  before(async () => {
    app = await startApp({ name: 'flows', env: { BROWSER: 'true', PATCHBAY_SANDBOX_CONTROL: '1' } });
    await app.waitFor('connector-card-outlook365', 20_000);
  });

  after(async () => {
    await app?.stop();
  });

  appTest(current, 'a recipe saves email attachments to OneDrive: tested with the newest mail, then added', async (app) => {
    mail = await connect(app, ADELE, 'Work mail');
    files = await connect(app, ADELE, 'My files', 'onedrive-sharepoint');
    await app.waitFor('automation-recipes', 15_000);
    assert.match(await app.text('recipe-attachments-to-drive'), /Save email attachments to OneDrive/);
    await shot(app, 'flows-recipes');

    await control(mail.sandbox, 'deliver-mail', {
      user: ADELE,
      from_name: 'Fabrikam Billing',
      from_address: 'billing@fabrikam.example',
      subject: 'Invoice 2026-120',
      attachments: [
        { kind: 'file', name: 'INV-120.pdf', content_type: 'application/pdf', text: '%PDF invoice 120' },
        { kind: 'file', name: '../../.bashrc', content_type: 'text/plain', text: 'not a path' },
      ],
    });
    await app.click('recipe-attachments-to-drive');
    await app.waitFor('automation-dialog');
    assert.equal(await app.value('automation-dest-connection'), files.id, 'the OneDrive connection is chosen');
    assert.ok(await app.el('automation-does-save_attachments').isSelected(), 'then: save attachments');
    // The folder picker browses the drive's folders.
    await app.click('automation-dest-browse');
    await app.waitFor('folder-picker-list', 20_000);
    assert.match(await app.text('folder-picker-list'), /Documents/);
    const documents = await app.el('folder-picker-list').$('button=Documents');
    await documents.click();
    await app.browser.waitUntil(async () => (await app.text('folder-picker-here')) === '/Documents', {
      timeout: 15_000,
      timeoutMsg: 'the picker went into Documents',
    });
    await app.waitFor('folder-picker-list', 20_000);
    await shot(app, 'flows-folder-picker');
    await app.click('folder-picker-use');
    assert.equal(await app.value('automation-dest-folder'), '/Documents');
    await app.el('automation-dest-folder').clearValue();
    await app.type('automation-dest-folder', '/Invoices');
    await app.type('automation-name', 'Invoices to OneDrive');
    await app.click('automation-test');
    await app.waitFor('automation-test-result', 30_000);
    assert.match(await app.text('automation-test-result'), /^Worked with “Invoice 2026-120”/);
    const saved = await driveFile(files.sandbox, '/Invoices/INV-120.pdf');
    assert.ok(saved, 'Test saved the attachment to the drive');
    assert.ok(await driveFile(files.sandbox, '/Invoices/bashrc'), 'the hostile name made safe, inside the folder');
    await shot(app, 'flows-form');
    await app.click('automation-add');
    await app.waitGone('automation-dialog', 20_000);
    await app.waitFor('automations-list', 10_000);

    await control(mail.sandbox, 'deliver-mail', {
      user: ADELE,
      from_name: 'Fabrikam Billing',
      from_address: 'billing@fabrikam.example',
      subject: 'Invoice 2026-121',
      attachments: [{ kind: 'file', name: 'INV-121.pdf', content_type: 'application/pdf', text: '%PDF invoice 121' }],
    });
    await app.click('automation-run-now');
    await app.browser.waitUntil(async () => (await driveFile(files.sandbox, '/Invoices/INV-121.pdf')) !== null, {
      timeout: 30_000,
      timeoutMsg: `the new invoice's attachment reached the drive\n${serviceLog()}`,
    });
    await app.click('automation-history-toggle');
    await app.waitFor('automation-history', 15_000);
    await app.browser.waitUntil(async () => /saved INV-121\.pdf to/.test(await app.text('automation-history')), {
      timeout: 15_000,
      timeoutMsg: 'the history says what was saved',
    });
    assert.match(await app.text(`automation-${(await firstAutomationId(app))}`), /Invoices to OneDrive/);
    await shot(app, 'flows-history');
  });

  appTest(current, 'a post to Teams picks its chat, previews the message as text and posts it as text', async (app) => {
    await connect(app, ADELE, 'Contoso Teams', 'teams');
    await control(mail.sandbox, 'deliver-mail', {
      user: ADELE,
      from_name: 'Megan Bowen',
      from_address: 'megan@contoso.example',
      subject: '<b>Quarterly</b> numbers',
    });
    await app.waitFor('recipe-mail-to-teams');
    await app.click('recipe-mail-to-teams');
    await app.waitFor('automation-dialog');
    assert.ok(await app.el('automation-does-post_to_teams').isSelected(), 'then: post to Teams');
    await app.browser.waitUntil(async () => (await app.el('automation-post-chat').$$('option')).length > 1, {
      timeout: 20_000,
      timeoutMsg: "the Teams connection's chats are offered",
    });
    await app.el('automation-post-chat').selectByIndex(1);
    await app.click('automation-test');
    await app.waitFor('automation-test-result', 30_000);
    assert.match(await app.text('automation-test-result'), /^Worked with “<b>Quarterly<\/b> numbers”/);
    await app.waitFor('automation-message-preview');
    assert.match(
      await app.text('automation-message-preview'),
      /New mail from Megan Bowen <megan@contoso\.example>: <b>Quarterly<\/b> numbers/,
      'the preview shows the characters, not bold',
    );
    const r = await fetch(`${mail.sandbox}/_sandbox/teams/sent?user=${encodeURIComponent(ADELE)}`);
    const { sent } = await r.json();
    assert.equal(sent.length, 1, JSON.stringify(sent));
    const posted = sent[0].content_type === 'text' ? sent[0].content : sent[0].content.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
    assert.match(posted, /<b>Quarterly<\/b> numbers/);
    await app.el('automation-message-preview').scrollIntoView({ block: 'center' });
    await shot(app, 'flows-teams');
    await app.click('automation-cancel');
    await app.waitGone('automation-dialog');
  });

  appTest(current, 'forwarding says that it sends mail', async (app) => {
    await app.click('automation-new');
    await app.waitFor('automation-dialog');
    await app.click('automation-does-forward');
    await app.waitFor('automation-sends');
    assert.match(await app.text('automation-sends'), /This sends mail/);
    await app.type('automation-forward-to', 'ap@contoso.example');
    await shot(app, 'flows-forward');
    await app.click('automation-cancel');
    await app.waitGone('automation-dialog');
  });
});

/** The id of the first automation listed. */
async function firstAutomationId(app) {
  const row = (await app.browser.$$('[data-testid="automations-list"] > li'))[0];
  assert.ok(row, 'an automation is listed');
  return (await row.getAttribute('data-testid')).replace('automation-', '');
}
