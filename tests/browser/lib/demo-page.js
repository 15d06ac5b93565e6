// lib/demo-page.js — what every demo spec checks of a page in examples/: that
// it loaded the package (or shows why not), and that its error box is empty.
import { expect } from '../fixtures.js';

/**
 * Waits for a demo page to say it is ready (or fails with the error it shows).
 * @param {any} tab
 * @param {string} [what]  for the timeout message
 */
export async function waitDemoReady(tab, what = 'demo page to load EdgeVec') {
  const r = await tab.waitFor(() => {
    if (document.body.dataset.ready === 'true') return 'ready';
    const err = document.querySelector('#error');
    return err && !err.hidden ? `error: ${err.textContent}` : false;
  }, null, { message: what });
  expect(r).toBe('ready');
}

/** The page's error box must be empty. @param {any} tab */
export async function expectNoError(tab) {
  const err = await tab.evaluate(() => {
    const e = document.querySelector('#error');
    return e && !e.hidden ? e.textContent : '';
  });
  expect(err, 'error shown in the page').toBe('');
}
