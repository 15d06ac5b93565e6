// playwright.config.js — the browser suite: the same spec files in three
// projects, one per engine, in two phases (ALONE below). Run it through
// tests/browser/run.sh (`npm test`), which starts the X server WebKit needs
// and runs both phases.
//
// Only `engine` differs between projects; tests/browser/fixtures.js turns it
// into a Playwright browser (Chromium, Firefox over WebDriver BiDi) or a
// WebKitWebDriver session, all with the browsers Debian installs.
import { defineConfig } from '@playwright/test';

// Specs that measure how long the page's main thread is held and assert a
// bound on it (worker.spec.js: no task of 50 ms while a worker works). A
// test running beside one in the other worker (another engine's large
// insert, or the same spec in another engine) takes enough of the two cores
// to stretch the page's tasks past that bound; alone, the same spec shows
// no such task. So they run in a second phase, one test at a time
// (EDGEVEC_BROWSER_PHASE=alone; tests/browser/run.sh runs both phases).
const ALONE = '**/worker.spec.js';
const ALONE_PHASE = process.env.EDGEVEC_BROWSER_PHASE === 'alone';

export default defineConfig({
  testDir: '.',
  testMatch: ALONE_PHASE ? ALONE : '**/*.spec.js',
  testIgnore: ALONE_PHASE ? [] : ALONE,
  outputDir: ALONE_PHASE ? './output/results-alone' : './output/results',
  globalSetup: './global-setup.js',
  // Two workers for two cores: the engines spend much of their time waiting
  // on each other's protocol round trips, and the wasm work is one thread.
  workers: ALONE_PHASE ? 1 : process.env.EDGEVEC_BROWSER_WORKERS ? Number(process.env.EDGEVEC_BROWSER_WORKERS) : 2,
  fullyParallel: true,
  forbidOnly: true,
  // In the second phase one retry, in a fresh browser: a timing bound that
  // the shared machine's own hiccups can break once (a task of the page
  // stretched while its thread waited for a core) must fail twice to fail.
  retries: ALONE_PHASE ? 1 : 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: ALONE_PHASE ? './output/results-alone.json' : './output/results.json' }]],
  projects: [
    { name: 'chromium', use: { engine: 'chromium' } },
    { name: 'firefox', use: { engine: 'firefox' } },
    // WebKitWebDriver (the only way to drive WebKitGTK here) has, rarely and
    // not reproducibly, left one call unanswered until the test timed out
    // while the same test passes on its own many times over. One retry in a
    // fresh session keeps such a hang from failing the run; a test that
    // fails twice still fails, and a retried pass is listed as flaky.
    { name: 'webkit', use: { engine: 'webkit' }, retries: 1 },
  ],
});
