// @ts-check
// "Use with an AI assistant", end to end in the real window: a sandbox connection's panel lists the tools it would
// offer under each choice and the configuration to paste; then the real `patchbay mcp` (the CLI beside the app
// binary), driven over stdio as an assistant drives it, saves a draft and sends a mail, and the panel lists both
// from the data folder's log.
//
// PATCHBAY_SCREENSHOTS=docs/screenshots refreshes the README's pictures from this run.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe } from 'node:test';
import { appBinary, appTest, startApp } from '../lib/app.js';
import { ADELE, addSandboxConnection as connect, shot } from '../lib/sandbox.js';

/** The tools listed in the panel, in order. */
async function listedTools(app) {
  const items = await app.browser.$$('[data-testid="assistant-tools"] li');
  const names = [];
  for (const item of items) names.push(await item.getAttribute('data-tool'));
  return names;
}

/**
 * Run `patchbay mcp ARGS` on the app's data folder and make `calls` ([name, arguments]) over raw JSON-RPC, as an
 * assistant would: the answers, in order.
 */
async function mcp(app, args, calls) {
  const cli = path.join(path.dirname(appBinary()), 'patchbay');
  const child = spawn(cli, ['mcp', ...args], {
    env: { ...process.env, PATCHBAY_DATA_DIR: app.dataDir, PATCHBAY_LOG: 'warn' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = readline.createInterface({ input: child.stdout });
  const answers = new Map();
  const waiters = new Map();
  lines.on('line', (line) => {
    const message = JSON.parse(line);
    if (message.id === undefined) return;
    answers.set(message.id, message);
    waiters.get(message.id)?.(message);
  });
  const ask = (id, method, params) =>
    new Promise((resolve, reject) => {
      waiters.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      setTimeout(() => reject(new Error(`no answer to ${method} within 30 s; stderr: ${stderr}`)), 30_000).unref();
    });
  await ask(0, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } });
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  const results = [];
  let id = 1;
  for (const [name, params] of calls) {
    const answer = /** @type {any} */ (await ask(id++, 'tools/call', { name, arguments: params }));
    results.push(answer.result);
  }
  child.stdin.end();
  await new Promise((resolve) => child.on('exit', resolve));
  return results;
}

describe('assistant', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;
  let adele = { id: '', sandbox: '' };

  before(async () => {
    app = await startApp({ name: 'assistant', env: { BROWSER: 'true' } });
    await app.waitFor('connector-card-outlook365', 20_000);
  });

  after(async () => {
    await app?.stop();
  });

  appTest(current, 'the panel shows the tools each choice offers and the configuration to paste', async (app) => {
    adele = await connect(app, ADELE, 'Work mail');
    await app.click(`assistant-${adele.id}`);
    await app.waitFor('assistant-dialog');
    await app.waitFor('assistant-tools', 15_000);
    assert.deepEqual(await listedTools(app), ['list_connections', 'search_mail', 'list_messages', 'get_message', 'list_events']);
    const json = JSON.parse(await app.text('assistant-json'));
    const server = json.mcpServers['patchbay-work-mail'];
    assert.ok(server, JSON.stringify(json));
    assert.deepEqual(server.args, ['mcp', '--connection', adele.id]);
    assert.match(server.command, /patchbay$/);
    assert.match(await app.text('assistant-command'), /^claude mcp add patchbay-work-mail -- \S*patchbay mcp --connection /);

    await app.click('assistant-access-send');
    await app.browser.waitUntil(async () => (await listedTools(app)).includes('send_mail'), {
      timeout: 5_000,
      timeoutMsg: 'Send adds send_mail',
    });
    assert.deepEqual((await listedTools(app)).slice(5), ['create_draft', 'create_event', 'send_mail']);
    assert.match(await app.text('assistant-command'), /--allow-write --allow-send$/);
    assert.ok(await app.isDisplayed('assistant-writes-empty'), 'nothing written yet');
    await app.keys('Escape');
    await app.waitGone('assistant-dialog');
  });

  appTest(current, "what `patchbay mcp` wrote and sent shows in the panel, never the mail's text", async (app) => {
    const results = await mcp(app, ['--connection', adele.id, '--allow-write', '--allow-send'], [
      ['create_draft', { to: ['megan@contoso.example'], subject: 'Agenda', body: 'The text of the draft' }],
      ['send_mail', { to: ['megan@contoso.example'], cc: ['alex@contoso.example'], subject: 'Hi', body: 'The text of the mail' }],
      ['create_event', { subject: 'Planning', start: '2030-01-07T10:00:00Z', end: '2030-01-07T11:00:00Z' }],
    ]);
    for (const r of results) assert.equal(r.isError, false, JSON.stringify(r));
    assert.deepEqual(results[1].structuredContent, { sent: true });

    await app.click(`assistant-${adele.id}`);
    await app.waitFor('assistant-writes', 15_000);
    const log = await app.text('assistant-writes');
    assert.match(log, /Draft/);
    assert.match(log, /Sent/);
    assert.match(log, /megan@contoso\.example, alex@contoso\.example/);
    assert.match(log, /“Planning”/);
    assert.doesNotMatch(log, /The text of/);
    await app.click('assistant-access-drafts');
    // The picture shows the configuration and the log.
    await app.browser.execute(() => document.querySelector('[data-testid="assistant-command"]')?.scrollIntoView({ block: 'start' }));
    await shot(app, 'assistant');
    await app.click('assistant-close');
    await app.waitGone('assistant-dialog');
  });
});
