// webkit-driver.js — WebKit through WebKitWebDriver and Debian's
// MiniBrowser (WebKitGTK has no Playwright driver on this platform): the
// driver process and a browser session in it. Shared by the browser suite
// (fixtures.js) and the benchmarks that run in WebKit (bench/lib/webkit.js),
// so it imports nothing of Playwright.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { Builder } from 'selenium-webdriver';

const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @returns {Promise<number>} a port nothing listens on now */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts WebKitWebDriver for the X display `display` and waits until its
 * /status says ready.
 * @param {string | undefined} display
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 */
export async function startWebKitDriver(display) {
  if (!fs.existsSync(WEBKIT_DRIVER) || !fs.existsSync(MINIBROWSER)) {
    throw new Error(`WebKit needs ${WEBKIT_DRIVER} and ${MINIBROWSER} (Debian: webkit2gtk-driver)`);
  }
  if (!display) {
    throw new Error('WebKit needs an X display: tests/browser/run.sh and bench/lib/webkit.js start Xvfb');
  }
  const port = await freePort();
  const child = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DISPLAY: display },
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited: ${stderr}`);
    try {
      const r = await fetch(`${url}/status`);
      if (r.ok && (await r.json()).value?.ready !== false) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`WebKitWebDriver did not start on ${url}: ${stderr}`);
    }
    await sleep(100);
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * A new MiniBrowser session of the driver at `driverUrl`, with
 * `scriptTimeoutMs` for executeAsyncScript.
 * @param {string} driverUrl
 * @param {number} scriptTimeoutMs
 * @returns {Promise<import('selenium-webdriver').WebDriver>}
 */
export async function startMiniBrowser(driverUrl, scriptTimeoutMs) {
  const driver = await new Builder().usingServer(driverUrl).withCapabilities({
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
  }).build();
  await driver.manage().setTimeouts({ script: scriptTimeoutMs, pageLoad: 60_000 });
  return driver;
}
