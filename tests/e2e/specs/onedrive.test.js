// @ts-check
// OneDrive & SharePoint, end to end in the real window: a sandbox connection of the OneDrive connector offers
// Preview, AI assistant… and Automate… as Outlook's do; its preview shows recent files, the drive's top folder, the
// storage and the sites followed (one Graph $batch behind the scenes), browses into a folder and back, loads more
// of the 300-file /Archive/2025, and opens a followed site's library; the automation form offers "A file changes
// in a folder" with its fields and tests it with the newest file; the assistant panel lists the file tools per
// choice. Then the preview on a dark desktop.
//
// PATCHBAY_SCREENSHOTS=docs/screenshots refreshes the README's pictures from this run.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { appTest, byTestId, startApp } from '../lib/app.js';
import { ADELE, addSandboxConnection as connect, shot } from '../lib/sandbox.js';

const CONNECTOR = 'onedrive-sharepoint';

/** The rows of the file list with this test id. */
async function rows(app, list) {
  return app.browser.$$(`${byTestId(list)} ${byTestId('file-item')}`);
}

/** The names shown in the file list with this test id (a folder's is a button, a file's plain text). */
async function names(app, list) {
  return app.browser.execute(
    (selector) => [...document.querySelectorAll(selector)].map((e) => e.textContent ?? ''),
    `${byTestId(list)} :is(${byTestId('file-folder')}, ${byTestId('file-name')})`,
  );
}

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

/** Wait until the drive's browser shows the folder at `path`. */
async function at(app, path) {
  await app.browser.waitUntil(async () => (await app.el('drive_root-browser').getAttribute('data-path')) === path, {
    timeout: 15_000,
    timeoutMsg: `the browser did not reach ${path}`,
  });
}

/** Open a connection's preview and wait until every section has loaded. */
async function openPreview(app, id) {
  await app.click(`preview-${id}`);
  await app.waitFor('preview-screen');
  await app.waitFor('preview-updated', 20_000);
  for (const section of ['drive_root', 'quota', 'sites', 'recent_files']) await app.waitGone(`${section}-skeleton`, 20_000);
}

describe('onedrive', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;
  let files = { id: '', sandbox: '' };

  before(async () => {
    app = await startApp({ name: 'onedrive', env: { BROWSER: 'true' } });
    await app.waitFor(`connector-card-${CONNECTOR}`, 20_000);
  });

  after(async () => {
    await app?.stop();
  });

  appTest(current, "a OneDrive connection's preview shows its files, storage and sites, and browses into a folder", async (app) => {
    files = await connect(app, ADELE, "Adele's files", CONNECTOR);
    assert.equal(await app.el(`preview-${files.id}`).getAttribute('title'), 'Preview: My files, Storage, Sites and Recent files');
    assert.ok(await app.isDisplayed(`assistant-${files.id}`), 'AI assistant… is offered');
    assert.equal(
      await app.el(`automate-${files.id}`).getAttribute('title'),
      'Run something on this computer when a file changes in a folder',
    );

    const started = Date.now();
    await openPreview(app, files.id);
    console.log(`# Preview clicked → files, storage and sites shown: ${Date.now() - started} ms`);
    assert.equal(await app.text('preview-title'), "Adele's files");

    const recent = await rows(app, 'recent_files-list');
    assert.ok(recent.length > 0 && recent.length <= 10, `recent files (${recent.length})`);
    const top = await names(app, 'drive_root-list');
    for (const name of ['Archive', 'Documents', 'Empty folder', 'Pictures']) assert.ok(top.includes(name), `${name} in ${top}`);
    assert.match(await app.text('quota-meter'), /used of 1 TB/);
    assert.match(await content(app, 'sites-list'), /Contoso Team/);
    assert.match(await app.text('preview-zone'), /this computer's time zone\)\.$/);
    await shot(app, 'onedrive-preview');

    // Into Documents: its files, and the way back in the breadcrumb.
    await clickLabelled(app, 'drive_root-list', 'Open folder Documents');
    await at(app, '/Documents');
    assert.match(await content(app, 'drive_root-crumbs'), /OneDrive\s*›\s*Documents/);
    const documents = await names(app, 'drive_root-list');
    for (const name of ['Welcome.md', 'Budget 2026.csv', 'Project Plan.docx', 'Contract.pdf', 'Invoices']) {
      assert.ok(documents.includes(name), `${name} in ${documents}`);
    }
    assert.equal(await app.focusedTestId(), 'drive_root-here', 'the keyboard follows into the folder (its name in the breadcrumb)');
    await app.browser.pause(400);
    await app.screenshot('e2e-onedrive-folder');

    await app.click('drive_root-back');
    await at(app, '/');
  });

  appTest(current, 'Load more in /Archive/2025 brings the next page of its 300 files', async (app) => {
    await clickLabelled(app, 'drive_root-list', 'Open folder Archive');
    await at(app, '/Archive');
    await clickLabelled(app, 'drive_root-list', 'Open folder 2025');
    await at(app, '/Archive/2025');
    assert.equal((await rows(app, 'drive_root-list')).length, 50, 'a page of 50');
    await app.click('drive_root-more');
    await app.browser.waitUntil(async () => (await rows(app, 'drive_root-list')).length === 100, {
      timeout: 15_000,
      timeoutMsg: 'Load more added no files',
    });
    const shown = await names(app, 'drive_root-list');
    assert.equal(new Set(shown).size, 100, 'no file twice');
    assert.equal(shown[99], 'log-2025-100.txt');
    assert.ok(await app.isDisplayed('drive_root-more'), 'more pages to come');
  });

  appTest(current, "a followed site's library browses like the drive", async (app) => {
    await clickLabelled(app, 'sites-list', 'Show the libraries of Contoso Team');
    await app.waitFor('sites-libraries');
    assert.match(await content(app, 'sites-libraries'), /Documents[\s\S]*Policies/);
    await clickLabelled(app, 'sites-libraries', 'Browse the library Documents');
    await app.waitFor('sites-library-browser', 15_000);
    assert.match(await content(app, 'sites-library-crumbs'), /Documents/);
    await app.browser.pause(400);
    await app.screenshot('e2e-onedrive-library');
    await app.click('sites-back');
    await app.waitFor('sites-libraries');
    await app.click('sites-back');
    await app.waitFor('sites-list');
    await app.click('preview-back');
    await app.waitFor(`connection-${files.id}`);
  });

  appTest(current, 'the automation form offers "A file changes in a folder" with its fields, and tests it', async (app) => {
    await app.click(`automate-${files.id}`);
    await app.waitFor('automation-dialog');
    assert.equal(await app.el('automation-on-file-changed').isSelected(), true, 'the connector\'s own trigger');
    assert.equal(await app.el('automation-on-new-mail').isExisting(), false, 'no mail trigger for files');
    assert.equal(await app.value('automation-file-folder'), '/');
    await app.type('automation-file-folder', '/Documents/Invoices/2026');
    await app.type('automation-name-matches', 'INV-2026-*.pdf');
    await app.type('automation-command', "sh -c 'cat > /dev/null'");
    await app.type('automation-name', 'New invoices');
    await app.click('automation-test');
    await app.waitFor('automation-test-result', 20_000);
    assert.match(
      await app.text('automation-test-result'),
      /^Worked with “\/Documents\/Invoices\/2026\/INV-2026-\d+\.pdf” \(exit 0\)\.$/,
    );
    // The result is at the form's end: in view for the picture.
    await app.el('automation-test-result').scrollIntoView({ block: 'end' });
    await shot(app, 'onedrive-automation-form');
    await app.click('automation-add');
    await app.waitGone('automation-dialog', 20_000);
    await app.browser.waitUntil(async () => /New invoices/.test(await app.text('automations-list')), {
      timeout: 15_000,
      timeoutMsg: 'the new automation is not listed',
    });
  });

  appTest(current, "the assistant panel lists OneDrive's tools for each choice", async (app) => {
    await app.click(`assistant-${files.id}`);
    await app.waitFor('assistant-dialog');
    await app.waitFor('assistant-tools', 15_000);
    const tools = async () => {
      const out = [];
      for (const li of await app.browser.$$(`${byTestId('assistant-tools')} li`)) out.push(await li.getAttribute('data-tool'));
      return out;
    };
    // Read only: the reads, and downloads into the files folder the panel names.
    assert.deepEqual(await tools(), ['list_connections', 'search_files', 'list_files', 'read_file', 'download_file']);
    assert.match(await app.text('assistant-access'), /Read, and upload files and make folders/);
    await app.click('assistant-access-send');
    const all = await tools();
    for (const t of ['upload_file', 'create_folder', 'share_link']) assert.ok(all.includes(t), `${t} in ${all}`);
    assert.match(await app.text('assistant-tools'), /Shares with others/);
    assert.match(await app.text('assistant-command'), new RegExp(`--connection ${files.id} --allow-write --allow-send --files-dir `));
    await shot(app, 'onedrive-assistant');
    await app.click('assistant-close');
    await app.waitGone('assistant-dialog');
  });
});

describe('onedrive: dark', () => {
  /** @type {import('../lib/app.js').App | undefined} */
  let app;
  const current = () => app;

  before(async () => {
    app = await startApp({ name: 'onedrive-dark', env: { BROWSER: 'true', GTK_THEME: 'Adwaita:dark' } });
    await app.waitFor(`connector-card-${CONNECTOR}`, 20_000);
  });

  after(async () => {
    await app?.stop();
  });

  appTest(current, 'the files preview reads well on a dark desktop', async (app) => {
    const { id } = await connect(app, ADELE, "Adele's files", CONNECTOR);
    await openPreview(app, id);
    const dark = await app.browser.execute(() => matchMedia('(prefers-color-scheme: dark)').matches);
    assert.equal(dark, true, 'the page sees a dark preference');
    assert.ok((await rows(app, 'drive_root-list')).length >= 4);
    await shot(app, 'onedrive-preview-dark');
  });
});
