// tests/node/wasm-threads.test.js (js/wasm/threads.js) — the choice of
// module at load: Node takes the module with threads (dist/mt/) and sizes
// it from the machine's cores; when dist/mt/ is missing or broken the
// default module is loaded instead with nothing for the app to do; a
// script that used threads exits by itself, and the app's globalThis.Worker
// is left as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EdgeVec } from '../../js/index.js';
import { MAX_THREADS, platformThreads } from '../../js/wasm/threads.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('Node: the module with threads, one thread per core (at most MAX_THREADS)', async () => {
  const want = Math.min(MAX_THREADS, availableParallelism());
  assert.equal(platformThreads(), want >= 2 ? want : 0);
  const db = await EdgeVec.create({ dimensions: 4 });
  assert.equal(db.threads, want >= 2 ? want : 1);
  db.dispose();
});

/**
 * A copy of the package's js/ and default module in a temporary directory,
 * with dist/mt/ as `mt` says: 'missing', or 'broken' (a glue that throws).
 * Returns what its EdgeVec reports after a few operations.
 * @param {'missing' | 'broken'} mt
 * @param {import('node:test').TestContext} t
 */
async function copyWith(mt, t) {
  const dir = await mkdtemp(join(tmpdir(), 'edgevec-threads-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await cp(join(root, 'js'), join(dir, 'js'), { recursive: true });
  await mkdir(join(dir, 'dist'));
  await cp(join(root, 'dist/edgevec.js'), join(dir, 'dist/edgevec.js'));
  await cp(join(root, 'dist/edgevec.wasm'), join(dir, 'dist/edgevec.wasm'));
  await writeFile(join(dir, 'package.json'), '{"type": "module"}\n');
  if (mt === 'broken') {
    await cp(join(root, 'dist/mt'), join(dir, 'dist/mt'), { recursive: true });
    await writeFile(join(dir, 'dist/mt/edgevec-mt.mjs'), 'throw new Error("a broken download");\n');
  }
  const { EdgeVec: Copy } = await import(pathToFileURL(join(dir, 'js/index.js')).href);
  const db = await Copy.create({ dimensions: 3 });
  await db.insertBatch([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  const result = { threads: db.threads, batch: db.searchBatch([[0, 0.9, 0.1], [1, 0, 0]], 1).map((r) => r[0].id) };
  db.dispose();
  return result;
}

test('dist/mt/ missing: the default module, threads 1, everything works', async (t) => {
  assert.deepEqual(await copyWith('missing', t), { threads: 1, batch: [1n, 0n] });
});

test('dist/mt/ broken: the default module, threads 1, everything works', async (t) => {
  assert.deepEqual(await copyWith('broken', t), { threads: 1, batch: [1n, 0n] });
});

test('a script that used threads exits by itself; globalThis.Worker is untouched', () => {
  const script = `
    import { EdgeVec } from ${JSON.stringify(pathToFileURL(join(root, 'js/index.js')).href)};
    const db = await EdgeVec.create({ dimensions: 8 });
    const v = new Float32Array(8 * 3000).map((_, i) => Math.sin(i));
    await db.insertBatch(v);
    db.searchBatch(v.subarray(0, 8 * 100), 5);
    console.log(JSON.stringify({ threads: db.threads, worker: typeof globalThis.Worker }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.signal, null, 'ended by itself, not by the timeout');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim());
  assert.ok(out.threads >= 2 || availableParallelism() < 2);
  assert.equal(out.worker, 'undefined');
});
