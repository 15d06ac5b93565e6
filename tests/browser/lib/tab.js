// tab.js — one small driver interface over two automation protocols, so the
// same spec file runs in Chromium and Firefox (Playwright pages) and in
// WebKitGTK (WebDriver through selenium-webdriver).
//
// The interface is what a spec needs and no more:
//   goto(url), reload(), evaluate(fn, arg), start(fn, arg) (evaluate without
//   waiting), waitFor(fn, arg, opts), waitForSelector(sel), waitEnabled(sel),
//   click(sel), fill(sel, text) (typed), paste(sel, text), selectOption(sel, v),
//   text(sel), screenshot(path), kill()
//
// evaluate() behaves the same in every engine, on purpose stricter than
// Playwright alone: `fn` is serialised with toString() (so it must not close
// over Node variables; pass data as `arg`), the page's result travels as a
// JSON string (so a BigInt fails loudly everywhere, as WebDriver would make
// it fail), and a page exception comes back as an Error in Node with the
// page's name, message and `code` (EdgeVecError's stable code).
import fs from 'node:fs';
import path from 'node:path';
import { By, Key } from 'selenium-webdriver';

// The wrapper evaluated in the page. It yields a plain object either way so
// neither protocol's own error reporting (which differ) is involved.
function wrapperSource(fn, arg) {
  const src = typeof fn === 'function' ? fn.toString() : `() => (${fn})`;
  return `(async () => {
    try {
      const __v = await (${src})(${JSON.stringify(arg ?? null)});
      return { ok: true, json: __v === undefined ? 'null' : JSON.stringify(__v) };
    } catch (e) {
      return { ok: false, name: (e && e.name) || 'Error', message: String((e && e.message) || e),
               code: e && e.code !== undefined ? String(e.code) : null,
               index: e && typeof e.index === 'number' ? e.index : null,
               stack: (e && e.stack) || '' };
    }
  })()`;
}

function unwrap(r) {
  if (!r || typeof r !== 'object') throw new Error(`page returned no result: ${r}`);
  if (r.ok) return JSON.parse(r.json);
  const err = new Error(`in page: ${r.name}: ${r.message}${r.code ? ` [${r.code}]` : ''}`);
  err.pageName = r.name;
  err.code = r.code;
  err.index = r.index;
  err.pageStack = r.stack;
  throw err;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class BaseTab {
  /**
   * Polls fn(arg) in the page until it returns a truthy value, which is
   * returned. If it returns { fatal: message }, waiting stops with that
   * error (e.g. the page shows an error, so the awaited state never comes). Polling (rather than each protocol's own wait) keeps the
   * timing semantics identical across engines.
   */
  async waitFor(fn, arg, { timeout = 30_000, interval = 100, message } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        last = await this.evaluate(fn, arg);
        // { fatal: message } from the page: stop waiting, it will not come.
        if (last && typeof last === 'object' && typeof last.fatal === 'string') {
          throw Object.assign(new Error(`waitFor: ${last.fatal}`), { fatal: true });
        }
        if (last) return last;
      } catch (err) {
        if (err.fatal) throw err;
        // A page mid-navigation may refuse scripts for a moment.
        last = err;
      }
      if (Date.now() > deadline) {
        const why = last instanceof Error ? `; last error: ${last.message}` : '';
        throw new Error(`waitFor timed out after ${timeout} ms: ${message ?? String(fn)}${why}`);
      }
      await sleep(interval);
    }
  }

  /** Waits until an element matching `selector` exists and is visible. */
  waitForSelector(selector, opts) {
    return this.waitFor(
      (sel) => {
        const el = document.querySelector(sel);
        if (!el) return false;
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
      },
      selector,
      { message: `selector ${selector}`, ...opts },
    );
  }

  /** textContent of the first match (throws if none). */
  text(selector) {
    return this.evaluate((sel) => {
      const el = document.querySelector(sel);
      if (!el) throw new Error(`no element ${sel}`);
      return el.textContent;
    }, selector);
  }

  /** Waits for an element to be present and enabled, as a person waits to click. */
  async waitEnabled(selector, opts) {
    await this.waitFor(
      (sel) => {
        const el = document.querySelector(sel);
        if (!el) return false;
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && !el.disabled;
      },
      selector,
      { message: `enabled ${selector}`, ...opts },
    );
  }
}

/** Chromium and Firefox: a Playwright Page. */
export class PlaywrightTab extends BaseTab {
  /** @param {{ crashable?: boolean }} [opts] crashable: Chromium, where
   * kill() can crash the renderer over CDP */
  constructor(page, { crashable = false } = {}) {
    super();
    this.page = page;
    this.crashable = crashable;
    this.closed = false;
  }

  async goto(url) {
    await this.page.goto(url, { waitUntil: 'load' });
  }

  async reload() {
    await this.page.reload({ waitUntil: 'load' });
  }

  async evaluate(fn, arg) {
    return unwrap(await this.page.evaluate(wrapperSource(fn, arg)));
  }

  /** Starts fn in the page and returns at once (for work a test interrupts). */
  async start(fn, arg) {
    await this.page.evaluate(`(${wrapperSource(fn, arg)}, true)`);
  }

  async click(selector) {
    await this.waitEnabled(selector);
    await this.page.click(selector);
  }

  async fill(selector, text) {
    await this.waitEnabled(selector);
    // Select what is there and type over it, as a person would.
    await this.page.locator(selector).fill('');
    await this.page.locator(selector).pressSequentially(String(text));
  }

  /** For large text a person would paste rather than type. */
  async paste(selector, text) {
    await this.waitEnabled(selector);
    await this.page.locator(selector).fill(String(text));
  }

  async selectOption(selector, value) {
    await this.waitEnabled(selector);
    await this.page.selectOption(selector, String(value));
  }

  async screenshot(file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.page.screenshot({ path: file, fullPage: true });
  }

  /** Ends the tab without warning. In Chromium the renderer process is
   * crashed first (CDP Page.crash), the closest a test gets to a killed
   * tab; elsewhere the page is closed with no unload handlers, so it gets
   * no chance to finish what it was doing. */
  async kill() {
    if (this.closed) return;
    this.closed = true;
    if (this.crashable) {
      const crashed = new Promise((r) => this.page.once('crash', r));
      const cdp = await this.page.context().newCDPSession(this.page);
      // The reply never comes: the target dies while handling it.
      cdp.send('Page.crash').catch(() => {});
      await Promise.race([crashed, new Promise((r) => setTimeout(r, 3000))]);
    }
    await this.page.close({ runBeforeUnload: false });
  }
}

/** WebKitGTK: one window of a WebDriver session. Every call first makes
 * this tab's window current, since WebDriver has a single focus. */
export class WebDriverTab extends BaseTab {
  constructor(session, handle) {
    super();
    this.session = session;
    this.driver = session.driver;
    this.handle = handle;
    this.closed = false;
  }

  async focus() {
    if (this.closed) throw new Error('tab is closed');
    if (this.session.current !== this.handle) {
      await this.driver.switchTo().window(this.handle);
      this.session.current = this.handle;
    }
  }

  async goto(url) {
    await this.focus();
    await this.driver.get(url);
  }

  async reload() {
    await this.focus();
    await this.driver.navigate().refresh();
  }

  async evaluate(fn, arg) {
    await this.focus();
    const script = `const __done = arguments[arguments.length - 1];
      ${wrapperSource(fn, arg)}.then(__done, (e) => __done({ ok: false, name: 'Error', message: String(e) }));`;
    return unwrap(await this.driver.executeAsyncScript(script));
  }

  async start(fn, arg) {
    await this.focus();
    await this.driver.executeScript(`${wrapperSource(fn, arg)}; return true;`);
  }

  async click(selector) {
    await this.waitEnabled(selector);
    await this.focus();
    await this.driver.findElement(By.css(selector)).click();
  }

  async fill(selector, text) {
    await this.waitEnabled(selector);
    await this.focus();
    const el = await this.driver.findElement(By.css(selector));
    await el.clear();
    // WebKitWebDriver drops a literal '\n'; the Enter key makes the newline.
    await el.sendKeys(String(text).replace(/\r?\n/g, Key.ENTER));
  }

  async paste(selector, text) {
    // WebDriver has no paste; typing is the closest real input it offers.
    await this.fill(selector, text);
  }

  async selectOption(selector, value) {
    await this.waitEnabled(selector);
    await this.focus();
    const opt = await this.driver.findElement(
      By.css(`${selector} option[value="${String(value).replace(/"/g, '\\"')}"]`),
    );
    await opt.click();
  }

  async screenshot(file) {
    await this.focus();
    // WebKitGTK returns the last painted frame, which can predate the DOM
    // changes the test just waited for: let two frames paint first (with a
    // timer as a fallback should frames be throttled).
    await this.driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
      const t = setTimeout(done, 500);
      requestAnimationFrame(() => requestAnimationFrame(() => { clearTimeout(t); done(); }));`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const png = await this.driver.takeScreenshot();
    fs.writeFileSync(file, Buffer.from(png, 'base64'));
  }

  /** Closes the window while its page is busy. Not a process crash: a
   * crashed WebKitWebProcess ends the whole WebDriver session, and with it
   * the session's (ephemeral) storage the next tab must find. WebKit may
   * let the page run on briefly after the close, which the killed-tab
   * spec allows for (it checks at least, never exactly, the commits seen). */
  async kill() {
    if (this.closed) return;
    await this.session.closeWindow(this.handle);
    this.closed = true;
  }
}
