// playwright.config.js — the browser suite: the same spec files in three
// projects, one per engine. Run it through tests/browser/run.sh (`npm test`),
// which starts the X server WebKit needs.
//
// Only `engine` differs between projects; tests/browser/fixtures.js turns it
// into a Playwright browser (Chromium, Firefox over WebDriver BiDi) or a
// WebKitWebDriver session, all with the browsers Debian installs.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.js',
  outputDir: './output/results',
  globalSetup: './global-setup.js',
  // Two workers for two cores: the engines spend much of their time waiting
  // on each other's protocol round trips, and the wasm work is one thread.
  workers: process.env.EDGEVEC_BROWSER_WORKERS ? Number(process.env.EDGEVEC_BROWSER_WORKERS) : 2,
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: './output/results.json' }]],
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
