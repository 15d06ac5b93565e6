// tests/node/helpers/assert-error.js — assertions on EdgeVecError: the code
// (the contract), the index where there is one, and that the message names
// the problem in words.
import assert from 'node:assert/strict';
import { EdgeVecError } from '../../../js/index.js';

/**
 * Runs fn (sync or async) and checks it throws/rejects an EdgeVecError.
 * @param {() => unknown} fn
 * @param {string} code
 * @param {{ index?: number, inserted?: number, message?: RegExp }} [expect]
 * @returns {Promise<EdgeVecError>}
 */
export async function rejectsWith(fn, code, expect = {}) {
  let caught;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected ${code}, but nothing was thrown`);
  assert.ok(caught instanceof EdgeVecError, `expected an EdgeVecError, got ${caught}`);
  assert.equal(caught.name, 'EdgeVecError');
  assert.equal(caught.code, code, `code of: ${caught.message}`);
  assert.ok(caught.message.length > 10, 'a message a person can read');
  if ('index' in expect) assert.equal(caught.index, expect.index, `index of: ${caught.message}`);
  if ('inserted' in expect) assert.equal(caught.inserted, expect.inserted, `inserted of: ${caught.message}`);
  if (expect.message) assert.match(caught.message, expect.message);
  return caught;
}

/**
 * Sync variant: checks that fn throws synchronously (not a rejected promise).
 * @param {() => unknown} fn
 * @param {string} code
 * @param {{ index?: number, message?: RegExp }} [expect]
 * @returns {EdgeVecError}
 */
export function throwsWith(fn, code, expect = {}) {
  let caught;
  try {
    const r = fn();
    assert.ok(!(r instanceof Promise), 'expected a synchronous throw, got a promise');
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected ${code}, but nothing was thrown`);
  assert.ok(caught instanceof EdgeVecError, `expected an EdgeVecError, got ${caught}`);
  assert.equal(caught.code, code, `code of: ${caught.message}`);
  if ('index' in expect) assert.equal(caught.index, expect.index, `index of: ${caught.message}`);
  if (expect.message) assert.match(caught.message, expect.message);
  return caught;
}
