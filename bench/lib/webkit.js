// bench/lib/webkit.js — a WebKit page for benchmarks. WebKitGTK has no
// Playwright driver on this platform, so, as the browser suite does
// (tests/browser/fixtures.js), it is driven through WebKitWebDriver and
// Debian's MiniBrowser, which needs an X display: this starts its own Xvfb
// (on a display it picks with -displayfd) unless DISPLAY is set.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { Builder } from 'selenium-webdriver';

const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** @returns {Promise<number>} a port nothing listens on now */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Xvfb on a display of its choosing; resolves once it accepts clients. */
async function startXvfb() {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const display = await new Promise((resolve, reject) => {
    let out = '';
    child.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    child.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it reported a display`)));
  });
  return { display, stop: () => child.kill() };
}

/**
 * A MiniBrowser session on about:blank, with `scriptTimeoutMs` for
 * executeAsyncScript.
 * @param {number} scriptTimeoutMs
 * @returns {Promise<{ driver: import('selenium-webdriver').WebDriver, version: string, stop: () => Promise<void> }>}
 */
export async function startWebKit(scriptTimeoutMs) {
  for (const file of [WEBKIT_DRIVER, MINIBROWSER]) {
    if (!fs.existsSync(file)) throw new Error(`WebKit needs ${file} (Debian: webkit2gtk-driver)`);
  }
  const xvfb = process.env.DISPLAY ? null : await startXvfb();
  const port = await freePort();
  const child = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
    stdio: 'ignore',
    env: { ...process.env, ...(xvfb ? { DISPLAY: xvfb.display } : {}) },
  });
  const stopAll = async () => {
    child.kill();
    xvfb?.stop();
  };
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let tries = 0; ; tries++) {
      try {
        if ((await fetch(`${url}/status`)).ok) break;
      } catch {
        // not listening yet
      }
      if (tries > 150) throw new Error(`WebKitWebDriver did not start on ${url}`);
      await sleep(100);
    }
    const driver = await new Builder().usingServer(url).withCapabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    }).build();
    await driver.manage().setTimeouts({ script: scriptTimeoutMs, pageLoad: 60_000 });
    const caps = await driver.getCapabilities();
    const version = `webkit (MiniBrowser) ${caps.get('browserVersion') ?? ''}`.trim();
    return {
      driver,
      version,
      async stop() {
        await driver.quit().catch(() => {});
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
