// @ts-check
// Start the built Patchbay app under tauri-driver and drive it over WebDriver (WebdriverIO's standalone
// `remote()`, classic WebDriver protocol, pointed explicitly at 127.0.0.1 so it never looks for or downloads a
// browser or driver).
//
// Reusable by every spec:
//   const app = await startApp();             // tauri-driver + a WebDriver session = the app's window
//   await app.waitFor('search');              // element by data-testid, waits until displayed
//   await app.type('search', 'teams');        // clear + type
//   await app.click('add-connection-outlook365');
//   await app.text('no-match');               // visible text
//   await app.screenshot('e2e-something');    // artifacts/e2e-something.png (the webview)
//   await app.stop();                         // ends the session (the app quits) and tauri-driver
//
// Environment:
//   PATCHBAY_APP_BINARY  the app to run (default: $CARGO_TARGET_DIR or ../../target, then /debug/patchbay-app)
//   PATCHBAY_ARTIFACTS   where logs and screenshots go (default: <repo>/artifacts)
//   DISPLAY              an X display (scripts/test starts Xvfb)

import { spawn, execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { remote } from 'webdriverio';

// The tests only ever talk to 127.0.0.1/::1 (tauri-driver, and the app's own loopback servers): refuse any other
// TCP target, so a client library that tried to reach the internet (to fetch a driver, say) fails loudly.
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;
const originalConnect = net.Socket.prototype.connect;
/** @this {net.Socket} */
net.Socket.prototype.connect = /** @type {any} */ (
  function connect(/** @type {any[]} */ ...args) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    let host;
    if (first && typeof first === 'object') {
      host = first.path ? undefined : first.host;
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      host = typeof args[1] === 'string' ? args[1] : undefined;
    }
    if (host !== undefined && !LOOPBACK.test(String(host))) {
      throw new Error(`e2e: refusing a connection to ${host}: the tests only talk to 127.0.0.1/::1`);
    }
    return originalConnect.apply(this, /** @type {any} */ (args));
  }
);

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../../..');
export const ARTIFACTS = process.env.PATCHBAY_ARTIFACTS || path.join(REPO, 'artifacts');
const HOST = '127.0.0.1';
const DEFAULT_WAIT_MS = 10_000;

/** The app binary under test. */
export function appBinary() {
  if (process.env.PATCHBAY_APP_BINARY) return process.env.PATCHBAY_APP_BINARY;
  const target = process.env.CARGO_TARGET_DIR || path.join(REPO, 'target');
  return path.join(target, 'debug', 'patchbay-app');
}

/** A free TCP port on 127.0.0.1. */
async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Wait until something accepts connections on HOST:port, or the process dies, or time runs out. */
async function waitForPort(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited (code ${child.exitCode}) before listening`);
    const ok = await new Promise((resolve) => {
      const sock = net.connect({ host: HOST, port }, () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on ${HOST}:${port} within ${timeoutMs} ms`);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function slug(name) {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
}

/** CSS selector for a data-testid. */
export function byTestId(id) {
  return `[data-testid="${id}"]`;
}

/**
 * Start tauri-driver and a WebDriver session running the app.
 * @param {{ name?: string, env?: Record<string, string> }} [options]
 *   name: used for log file names (artifacts/e2e-<name>-app.log); env: extra app environment.
 */
export async function startApp(options = {}) {
  const name = slug(options.name || 'app');
  const binary = appBinary();
  if (!existsSync(binary)) throw new Error(`no app binary at ${binary}: build it (scripts/test does)`);
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    throw new Error('no DISPLAY: run the e2e tests through scripts/test (it starts Xvfb and a session bus)');
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'patchbay-e2e-'));
  // A spec may bring its own data folder (to start the app twice over the same one).
  const dataDir = options.env?.PATCHBAY_DATA_DIR ?? path.join(work, 'data');
  mkdirSync(dataDir, { recursive: true });
  const appLog = path.join(ARTIFACTS, `e2e-${name}-app.log`);
  const driverLog = path.join(ARTIFACTS, `e2e-${name}-tauri-driver.log`);
  const pidFile = path.join(work, 'app.pid');

  // WebKitWebDriver starts the "browser" itself; a wrapper records the app's pid and sends its stderr/stdout to
  // the app log. `exec` keeps the pid.
  const wrapper = path.join(work, 'patchbay-app');
  writeFileSync(
    wrapper,
    `#!/bin/sh\necho $$ > '${pidFile}'\nexec '${binary}' "$@" >>'${appLog}' 2>&1\n`,
  );
  chmodSync(wrapper, 0o755);
  writeFileSync(appLog, `# ${new Date().toISOString()} ${binary}\n`);

  const port = await freePort();
  let nativePort = await freePort();
  while (nativePort === port) nativePort = await freePort();
  const logStream = createWriteStream(driverLog);
  await new Promise((r) => logStream.once('open', r));
  const driver = spawn(
    'tauri-driver',
    ['--port', String(port), '--native-port', String(nativePort), '--native-host', HOST],
    {
      env: {
        ...process.env,
        PATCHBAY_DATA_DIR: dataDir,
        PATCHBAY_LOG: process.env.PATCHBAY_LOG || 'debug',
        ...(options.env || {}),
      },
      stdio: ['ignore', logStream, logStream],
      detached: true, // its own process group: stop() ends tauri-driver and WebKitWebDriver together
    },
  );
  const driverPid = /** @type {number} */ (driver.pid);

  const stopDriver = async () => {
    if (driver.exitCode === null && driver.signalCode === null) {
      try {
        process.kill(-driverPid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await Promise.race([new Promise((r) => driver.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
      if (driver.exitCode === null && driver.signalCode === null) {
        try {
          process.kill(-driverPid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    logStream.end();
  };

  let browser;
  let t0 = performance.now();
  try {
    await waitForPort(port, driver, 15_000);
    t0 = performance.now();
    browser = await remote({
      hostname: HOST,
      port,
      path: '/',
      logLevel: 'warn',
      connectionRetryCount: 1,
      connectionRetryTimeout: 60_000,
      capabilities: /** @type {any} */ ({
        'tauri:options': { application: wrapper },
        'wdio:enforceWebDriverClassic': true,
      }),
    });
  } catch (e) {
    await stopDriver();
    throw new Error(`could not start the app under tauri-driver (logs: ${driverLog}, ${appLog}): ${e}`);
  }
  const sessionMs = performance.now() - t0;
  const appPid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
  return new App({ browser, name, binary, dataDir, work, appLog, driverLog, appPid, stopDriver, sessionMs, sessionStartedAt: t0 });
}

export class App {
  constructor(o) {
    /** @type {WebdriverIO.Browser} */
    this.browser = o.browser;
    this.name = o.name;
    this.binary = o.binary;
    this.dataDir = o.dataDir;
    this.appLog = o.appLog;
    this.driverLog = o.driverLog;
    /** @type {number | undefined} */
    this.appPid = o.appPid;
    /** Milliseconds from starting the WebDriver session request to the session being ready. */
    this.sessionMs = o.sessionMs;
    /** performance.now() when the session (and so the app) was requested. */
    this.sessionStartedAt = o.sessionStartedAt;
    this._work = o.work;
    this._stopDriver = o.stopDriver;
    this._stopped = false;
  }

  /** The element with this data-testid (not waited for). */
  el(testId) {
    return this.browser.$(byTestId(testId));
  }

  /** All elements whose data-testid starts with a prefix, e.g. "connector-card-". */
  async allByTestIdPrefix(prefix) {
    return this.browser.$$(`[data-testid^="${prefix}"]`);
  }

  /** Wait until the element with this data-testid is displayed; returns it. */
  async waitFor(testId, timeout = DEFAULT_WAIT_MS) {
    const el = this.el(testId);
    await el.waitForDisplayed({ timeout, timeoutMsg: `[data-testid="${testId}"] was not displayed within ${timeout} ms` });
    return el;
  }

  /** Wait until the element with this data-testid is gone or hidden. */
  async waitGone(testId, timeout = DEFAULT_WAIT_MS) {
    await this.el(testId).waitForDisplayed({
      timeout,
      reverse: true,
      timeoutMsg: `[data-testid="${testId}"] was still displayed after ${timeout} ms`,
    });
  }

  async isDisplayed(testId) {
    const el = this.el(testId);
    return (await el.isExisting()) && (await el.isDisplayed());
  }

  /** Visible text of the element (waits for it). */
  async text(testId, timeout) {
    return (await this.waitFor(testId, timeout)).getText();
  }

  /** The value of an input (waits for it). */
  async value(testId, timeout) {
    return (await this.waitFor(testId, timeout)).getValue();
  }

  async click(testId, timeout) {
    const el = await this.waitFor(testId, timeout);
    await el.waitForEnabled({ timeout: timeout ?? DEFAULT_WAIT_MS });
    await el.click();
  }

  /** Replace an input's text by typing, as keystrokes (select all + Backspace, then the text). */
  async type(testId, text, timeout) {
    const el = await this.waitFor(testId, timeout);
    await el.click();
    // Real key events, so the page sees `input` events (WebDriver's Element Clear only fires `change`).
    await this.browser.keys(['Control', 'a']);
    await this.browser.keys(['Backspace']);
    if (text) await el.addValue(text);
  }

  /** Press keys (WebDriver key names, e.g. 'Tab', 'Enter') on whatever has focus. */
  async keys(...keys) {
    await this.browser.keys(keys);
  }

  /** data-testid (or tag name) of the focused element. */
  async focusedTestId() {
    return this.browser.execute(() => {
      const a = document.activeElement;
      return a ? a.getAttribute('data-testid') || a.tagName.toLowerCase() : null;
    });
  }

  /** Screenshot of the webview to artifacts/<name>.png; falls back to the X root window. Returns the path. */
  async screenshot(name) {
    const file = path.join(ARTIFACTS, `${slug(name)}.png`);
    try {
      await this.browser.saveScreenshot(file);
    } catch (e) {
      await promisify(execFile)('import', ['-window', 'root', file]).catch(() => {
        throw new Error(`no screenshot possible: ${e}`);
      });
    }
    return file;
  }

  /** The pid of the resident service the window started for this data folder (as its status file says), if any. */
  servicePid() {
    try {
      return JSON.parse(readFileSync(path.join(this.dataDir, 'service.json'), 'utf8')).pid;
    } catch {
      return undefined;
    }
  }

  /**
   * End the session (WebKitWebDriver closes the app) and tauri-driver; make sure the app process is gone, and the
   * resident service it started (which would otherwise outlive the test, as it outlives a window).
   */
  async stop() {
    if (this._stopped) return;
    this._stopped = true;
    const service = this.servicePid();
    try {
      await this.browser.deleteSession();
    } catch {
      /* the app may already be gone */
    }
    await this._stopDriver();
    for (const [pid, signal] of [
      [this.appPid, null],
      [service, 'SIGTERM'],
    ]) {
      if (!pid) continue;
      if (signal && isAlive(pid)) {
        try {
          process.kill(pid, signal);
        } catch {
          /* gone */
        }
      }
      const deadline = Date.now() + 5000;
      while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (isAlive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    rmSync(this._work, { recursive: true, force: true });
  }
}

/**
 * A node:test test that, when it fails, saves artifacts/e2e-<test>.png and prints its path and the app log's.
 * @param {() => App | undefined} getApp
 * @param {string} name
 * @param {(app: App) => Promise<void>} fn
 */
export function appTest(getApp, name, fn) {
  return test(name, async () => {
    const app = getApp();
    if (!app) throw new Error('the app did not start (see the before hook error)');
    try {
      await fn(app);
    } catch (e) {
      let shot;
      try {
        shot = await app.screenshot(`e2e-${name}`);
      } catch (se) {
        shot = `(no screenshot: ${se})`;
      }
      console.error(`\n  failed: ${name}\n  screenshot: ${shot}\n  app log:    ${app.appLog}\n  driver log: ${app.driverLog}\n`);
      throw e;
    }
  });
}
