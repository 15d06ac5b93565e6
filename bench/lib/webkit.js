// bench/lib/webkit.js — a WebKit page for benchmarks, driven as the browser
// suite drives it (tests/browser/lib/webkit-driver.js: WebKitWebDriver and
// Debian's MiniBrowser). MiniBrowser needs an X display: this starts its
// own Xvfb (on a display it picks with -displayfd) unless DISPLAY is set.
import { spawn } from 'node:child_process';
import { startMiniBrowser, startWebKitDriver } from '../../tests/browser/lib/webkit-driver.js';

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
  const xvfb = process.env.DISPLAY ? null : await startXvfb();
  let webDriver = null;
  try {
    webDriver = await startWebKitDriver(xvfb ? xvfb.display : process.env.DISPLAY);
    const driver = await startMiniBrowser(webDriver.url, scriptTimeoutMs);
    const caps = await driver.getCapabilities();
    const version = `webkit (MiniBrowser) ${caps.get('browserVersion') ?? ''}`.trim();
    const stopDriver = webDriver;
    return {
      driver,
      version,
      async stop() {
        await driver.quit().catch(() => {});
        await stopDriver.stop();
        xvfb?.stop();
      },
    };
  } catch (err) {
    await webDriver?.stop();
    xvfb?.stop();
    throw err;
  }
}
