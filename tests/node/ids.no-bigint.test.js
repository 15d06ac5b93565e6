// tests/node/ids.no-bigint.test.js (js/ids.js) — the number[] fallback: a
// child process removes BigUint64Array / BigInt64Array (and BigInt) from the
// global scope before the package loads, then runs the whole API through
// number ids (tests/node/helpers/no-bigint-child.js holds the checks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./helpers/no-bigint-child.js', import.meta.url));

/** @param {string[]} args */
function run(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [child, ...args], { timeout: 60000 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code ?? 1 : 0, stdout, stderr });
    });
  });
}

test('without BigInt, BigUint64Array and BigInt64Array: the whole API on numbers', async () => {
  const r = await run([]);
  assert.equal(r.code, 0, r.stderr);
  const seen = JSON.parse(r.stdout.trim().split('\n').at(-1));
  assert.equal(seen.ok, true);
  assert.equal(seen.bigint, 'undefined');
  assert.equal(seen.bigUint64Array, 'undefined');
  assert.ok(seen.abortedAfter > 0);
});

test('with BigInt but without BigUint64Array: the same', async () => {
  const r = await run(['--keep-bigint']);
  assert.equal(r.code, 0, r.stderr);
  const seen = JSON.parse(r.stdout.trim().split('\n').at(-1));
  assert.equal(seen.ok, true);
  assert.equal(seen.bigint, 'function');
  assert.equal(seen.bigUint64Array, 'undefined');
});
