// @ts-check
// Automations, end to end in the real window: from a sandbox connection's Automate…, the form (new mail with a
// subject filter, a command), Test with the newest item running the command for real; Add; mail delivered into
// the sandbox reaching the command through Run now, in the history; Pause; then Microsoft revoking the account
// stops the automation, which the section says with its connection's Fix; Remove.
//
// PATCHBAY_SCREENSHOTS=docs/screenshots refreshes the README's pictures from this run.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
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

describe('automations', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;
  let adele = { id: '', sandbox: '' };
  let out = '';
  const delivered = () => {
    try {
      return readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  };

  /** The service's log (it runs the automations), for failure messages. */
  const serviceLog = () => {
    try {
      return readFileSync(path.join(current()?.dataDir ?? '', 'service.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no service log)';
    }
  };

  before(async () => {
    // PATCHBAY_SANDBOX_CONTROL: the test delivers mail and revokes the account through /_sandbox/….
    app = await startApp({ name: 'automations', env: { BROWSER: 'true', PATCHBAY_SANDBOX_CONTROL: '1' } });
    await app.waitFor('connector-card-outlook365', 20_000);
    out = path.join(app.dataDir, 'delivered.jsonl');
  });

  after(async () => {
    await app?.stop();
  });

  appTest(current, 'the form tests the command with the newest matching message, then adds the automation', async (app) => {
    adele = await connect(app, ADELE, 'Work mail');
    await control(adele.sandbox, 'deliver-mail', {
      email: ADELE,
      from_name: 'Fabrikam Billing',
      from_address: 'billing@fabrikam.example',
      subject: 'Invoice 2026-117',
      has_attachments: true,
    });
    await app.click(`automate-${adele.id}`);
    await app.waitFor('automation-dialog');
    await app.type('automation-subject', 'Invoice');
    await app.type('automation-command', `sh -c 'cat >> ${out}; echo >> ${out}'`);
    await app.type('automation-name', 'Save invoices');
    await app.click('automation-test');
    await app.waitFor('automation-test-result', 20_000);
    assert.equal(await app.text('automation-test-result'), 'Worked with “Invoice 2026-117” (exit 0).');
    assert.equal(delivered().length, 1, 'the test ran the command once');
    assert.equal(delivered()[0].item.subject, 'Invoice 2026-117');
    await shot(app, 'automation-form');
    await app.click('automation-add');
    await app.waitGone('automation-dialog', 20_000);
    await app.waitFor('automations-list', 10_000);
  });

  appTest(current, 'new mail reaches the command once, and the history says so', async (app) => {
    const row = (await app.browser.$$('[data-testid="automations-list"] > li'))[0];
    assert.ok(row, 'an automation is listed');
    assert.equal(await row.getAttribute('data-state'), 'active');
    await control(adele.sandbox, 'deliver-mail', {
      email: ADELE,
      from_name: 'Fabrikam Billing',
      from_address: 'billing@fabrikam.example',
      subject: 'Invoice 2026-118',
      has_attachments: true,
    });
    await control(adele.sandbox, 'deliver-mail', {
      email: ADELE,
      from_name: 'Newsletter',
      from_address: 'news@contoso.example',
      subject: 'This week at Contoso',
    });
    await app.click('automation-run-now');
    await app.browser.waitUntil(async () => delivered().length === 2, {
      timeout: 20_000,
      timeoutMsg: `the new invoice reached the command (delivered: ${JSON.stringify(delivered())})\n${serviceLog()}`,
    });
    assert.equal(delivered()[1].item.subject, 'Invoice 2026-118');
    assert.equal(delivered()[1].trigger, 'new_mail');
    await app.click('automation-history-toggle');
    await app.waitFor('automation-history', 15_000);
    const history = await app.text('automation-history');
    assert.match(history, /Invoice 2026-118\s*delivered\s*1\s*exit 0/);
    assert.doesNotMatch(history, /This week at Contoso/);
    await shot(app, 'automations');
    await app.click('automation-pause');
    await app.browser.waitUntil(async () => (await app.text('automation-state')) === 'Paused', {
      timeout: 10_000,
      timeoutMsg: 'Pause shows Paused',
    });
    await app.click('automation-pause');
    await app.browser.waitUntil(async () => (await app.text('automation-state')) === 'Active', {
      timeout: 10_000,
      timeoutMsg: 'Resume shows Active',
    });
  });

  appTest(current, 'a revoked account stops the automation, said with its Fix; Remove removes it', async (app) => {
    await control(adele.sandbox, 'revoke', { user: ADELE });
    await control(adele.sandbox, 'expire-access-tokens', { user: ADELE });
    await app.click('automation-run-now');
    await app.waitFor('automations-stopped', 20_000);
    assert.equal(await app.text('automations-stopped'), '1 automation stopped: Work mail needs Fix.');
    assert.equal(await app.text('automation-state'), 'Stopped');
    assert.ok(await app.isDisplayed('automation-fix'), 'Fix is offered');
    await app.click('automation-remove');
    await app.click('automation-remove-confirm');
    await app.waitFor('automations-empty', 10_000);
  });
});
