// @ts-check
// Start-up time measured over WebDriver (used by scripts/measure): from asking tauri-driver for a session — which
// spawns the app — to the first connector card found in the page (the page has called list_connectors and
// rendered its answer). It includes WebDriver's own overhead (session set-up, ~0.4 s warm), so it is an upper
// bound of spawn-to-first-paint. Prints one JSON line.
//
//   PATCHBAY_APP_BINARY=/path/to/release/patchbay-app node measure-startup.js [runs]

import { startApp } from './lib/app.js';

const runs = Number(process.argv[2] || 3);
const results = [];
for (let i = 0; i < runs; i++) {
  const app = await startApp({ name: `measure-${i}` });
  try {
    await app.browser.$('[data-testid^="connector-card-"]').waitForExist({ timeout: 30_000, interval: 20 });
    const firstCardMs = performance.now() - app.sessionStartedAt;
    results.push({ sessionMs: Math.round(app.sessionMs), firstCardMs: Math.round(firstCardMs) });
  } finally {
    await app.stop();
  }
}
const sorted = results.map((r) => r.firstCardMs).sort((a, b) => a - b);
console.log(JSON.stringify({ runs: results, medianFirstCardMs: sorted[Math.floor(sorted.length / 2)] }));
