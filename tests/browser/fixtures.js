// fixtures.js — the Playwright fixtures every browser spec uses, so one spec
// file runs unchanged in Chromium, Firefox and WebKit.
//
//   server  (worker) the project's own static server (scripts/serve.js) on a
//                    free 127.0.0.1 port, plus the packed npm package
//                    mounted at /node_modules/edgevec-c/, whose js/ and dist/
//                    also serve /js/ and /dist/ (see global-setup.js)
//   engine  (option) 'chromium' | 'firefox' | 'webkit', set per project
//   tabs    (test)   tabs.open(path?) -> a Tab (lib/tab.js). All tabs of one
//                    test share one origin's storage (one Playwright context,
//                    or one WebDriver session); every test gets fresh storage.
//   tab     (test)   the first tab, already open on about:blank
//   shot    (test)   shot(tab, name): a screenshot into tests/browser/output/
//
// Chromium and Firefox are Playwright's own drivers (Firefox over WebDriver
// BiDi). WebKitGTK has no Playwright driver here, so the WebKit project runs
// WebKitWebDriver (one per worker) and opens a MiniBrowser session per test
// through selenium-webdriver. A missing display or driver throws, which
// fails the test: nothing is ever skipped for an engine.
import { test as base, expect, chromium, firefox } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.js';
import { PlaywrightTab, WebDriverTab } from './lib/tab.js';
import { startMiniBrowser, startWebKitDriver } from './lib/webkit-driver.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const OUTPUT_DIR = path.join(HERE, 'output');

// The browsers come from Debian's archive (scripts/bootstrap.sh), never from
// `npx playwright install`. Flags: no sandbox (CI runs as root), and nothing
// that phones home or updates itself mid-run.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const FIREFOX = '/usr/bin/firefox-esr';
// Long enough for a 10,000-vector insert in the slowest engine; a hung page
// still fails well inside the test timeout.
const SCRIPT_TIMEOUT_MS = 120_000;

/** One MiniBrowser (one WebDriver session): the WebKit analogue of a
 * Playwright browser context. Windows are its tabs. */
class WebKitSession {
  static async start(driverUrl) {
    const driver = await startMiniBrowser(driverUrl, SCRIPT_TIMEOUT_MS);
    const s = new WebKitSession(driver);
    s.spare = await driver.getWindowHandle();
    s.current = s.spare;
    return s;
  }

  constructor(driver) {
    this.driver = driver;
    this.current = null;
    // The session's first window, handed to the first open(); WebDriver
    // ends a session when its last window closes, so closeWindow keeps one.
    this.spare = null;
    this.handles = new Set();
  }

  async open() {
    let handle;
    if (this.spare) {
      handle = this.spare;
      this.spare = null;
    } else {
      // A separate window, not a tab: a background tab in MiniBrowser is
      // never painted, so its screenshot would hang.
      await this.driver.switchTo().newWindow('window');
      handle = await this.driver.getWindowHandle();
    }
    this.current = null;
    await this.driver.switchTo().window(handle);
    this.current = handle;
    await this.driver.manage().window().setRect({ width: 1280, height: 900 });
    this.handles.add(handle);
    return new WebDriverTab(this, handle);
  }

  async closeWindow(handle) {
    const all = await this.driver.getAllWindowHandles();
    if (all.length <= 1) {
      await this.driver.switchTo().newWindow('window');
      this.spare = await this.driver.getWindowHandle();
    }
    await this.driver.switchTo().window(handle);
    await this.driver.close();
    this.handles.delete(handle);
    this.current = null;
  }

  async quit() {
    await this.driver.quit();
  }
}

export const test = base.extend({
  engine: ['chromium', { option: true, scope: 'worker' }],

  server: [
    async ({}, use) => {
      // The storage conformance cases are written to run in a page too
      // (they import only the package); the suite serves them from there.
      const mounts = {
        '/tests/node/storage-helpers/': path.join(HERE, '..', 'node', 'storage-helpers'),
      };
      // One build for the whole run (see global-setup.js): the packed copy.
      const packed = process.env.EDGEVEC_PACKED_DIR;
      if (!packed) throw new Error('EDGEVEC_PACKED_DIR is not set: global-setup.js did not run');
      mounts['/node_modules/edgevec-c/'] = packed;
      mounts['/js/'] = path.join(packed, 'js');
      mounts['/dist/'] = path.join(packed, 'dist');
      const s = await startServer({ port: 0, mounts });
      await use({ url: s.url, port: s.port });
      await s.close();
    },
    { scope: 'worker' },
  ],

  // Launched by hand rather than through Playwright's `browser` fixture so
  // the WebKit project never starts a Playwright browser at all.
  pwBrowser: [
    async ({ engine }, use) => {
      let b = null;
      if (engine === 'chromium') {
        b = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      } else if (engine === 'firefox') {
        // WebDriver BiDi mode (channel moz-firefox) with Debian's Firefox ESR.
        b = await firefox.launch({ channel: 'moz-firefox', executablePath: FIREFOX });
      } else if (engine !== 'webkit') {
        throw new Error(`unknown engine ${engine}`);
      }
      await use(b);
      if (b) await b.close();
    },
    { scope: 'worker' },
  ],

  webkitDriver: [
    async ({ engine }, use) => {
      if (engine !== 'webkit') {
        await use(null);
        return;
      }
      const d = await startWebKitDriver(process.env.DISPLAY);
      await use(d);
      await d.stop();
    },
    { scope: 'worker' },
  ],

  tabs: async ({ engine, server, webkitDriver, pwBrowser }, use, testInfo) => {
    const opened = [];
    let session = null;
    let context = null;
    const tabs = {
      async open(urlPath) {
        let t;
        if (engine === 'webkit') {
          session ??= await WebKitSession.start(webkitDriver.url);
          t = await session.open();
        } else {
          context ??= await pwBrowser.newContext({ viewport: { width: 1280, height: 900 } });
          t = new PlaywrightTab(await context.newPage(), { crashable: engine === 'chromium' });
        }
        opened.push(t);
        if (urlPath) await t.goto(new URL(urlPath, server.url).href);
        return t;
      },
      url: (p) => new URL(p, server.url).href,
      get all() {
        return opened;
      },
    };
    await use(tabs);
    // A failed test leaves a picture of every tab it still had open.
    if (testInfo.status !== testInfo.expectedStatus) {
      for (const [i, t] of opened.entries()) {
        if (t.closed) continue;
        const file = path.join(OUTPUT_DIR, engine, 'failed',
          `${testInfo.titlePath.slice(1).join(' ').replace(/[^a-z0-9]+/gi, '-')}-tab${i}.png`);
        await Promise.race([t.screenshot(file).catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
      }
    }
    if (session) await session.quit().catch(() => {});
    if (context) await context.close().catch(() => {});
  },

  tab: async ({ tabs }, use) => {
    await use(await tabs.open());
  },

  shot: async ({ engine }, use, testInfo) => {
    await use(async (tab, name) => {
      const file = path.join(OUTPUT_DIR, engine, `${name}.png`);
      await tab.screenshot(file);
      await testInfo.attach(name, { path: file, contentType: 'image/png' });
      return file;
    });
  },
});

export { expect };
