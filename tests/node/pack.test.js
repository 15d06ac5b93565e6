// tests/node/pack.test.js — the npm package as a user gets it: `npm pack`,
// install the tarball into a temporary project (offline: it has no
// dependencies), import it by name from plain JS and type-check a
// TypeScript file against its published types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * @param {string} file
 * @param {string[]} args
 * @param {string} cwd
 * @returns {Promise<string>} stdout
 */
function run(file, args, cwd) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: 120000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed:\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const CONSUMER_JS = `
import { EdgeVec, EdgeVecError } from 'edgevec-c';
const db = await EdgeVec.create({ dimensions: 4, metric: 'cosine', seed: 1 });
const { ids } = await db.insertBatch([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [1, 1, 0, 0]]);
const hits = db.search([1, 0.1, 0, 0], 2);
let code;
try { db.insert([0, 0, 0, 0]); } catch (e) { code = e instanceof EdgeVecError ? e.code : 'not an EdgeVecError'; }
const wasmUrl = import.meta.resolve('edgevec-c/edgevec.wasm');
db.dispose();
// Persistence to files, through the Node-only entry.
const { NodeFileStorage } = await import('edgevec-c/storage/node');
const storage = new NodeFileStorage(new URL('./data/', import.meta.url).pathname);
const saved = await EdgeVec.open('notes', { storage, dimensions: 2 });
saved.insert([1, 2], 42n);
await saved.close();
const loaded = await EdgeVec.open('notes', { storage });
const persisted = loaded.has(42n);
await loaded.close();
// The way out, through its own entry: NDJSON out of one index, into another.
const { exportNdjson, importNdjson } = await import('edgevec-c/transfer');
const from = await EdgeVec.create({ dimensions: 2 });
from.insert([1, 2], 2n ** 64n - 1n);
const moved = await EdgeVec.create({ dimensions: 2 });
await importNdjson(moved, exportNdjson(from));
const transferred = String(moved.ids()[0]);
// The browser-safe backends, through their own entry (not the package's).
const { MemoryStorage } = await import('edgevec-c/storage');
const entry = await import('edgevec-c');
const memory = await EdgeVec.open('m', { storage: new MemoryStorage(), dimensions: 2 });
const storageEntry = [typeof MemoryStorage, memory.size, 'MemoryStorage' in entry, 'IndexedDbStorage' in entry];
await memory.close();
// Worker mode: the worker script is found next to the installed package's files.
const inWorker = await EdgeVec.create({ dimensions: 2, worker: true });
await inWorker.insert([1, 2], 9n);
const workerHit = String((await inWorker.search([1, 2], 1))[0].id);
let workerCode;
try { await inWorker.insert([1, 2, 3]); } catch (e) { workerCode = e instanceof EdgeVecError ? e.code : 'not an EdgeVecError'; }
await inWorker.dispose();
const workerUrl = import.meta.resolve('edgevec-c/worker.js');
// The lite entry: its own module, the package's error class.
const lite = await import('edgevec-c/lite');
const small = await lite.EdgeVec.create({ dimensions: 4, metric: 'cosine', seed: 1 });
await small.insertBatch([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [1, 1, 0, 0]]);
const liteHits = small.search([1, 0.1, 0, 0], 2).map((h) => String(h.id));
let liteCode;
try { small.insert([0, 0, 0, 0]); } catch (e) { liteCode = e instanceof EdgeVecError ? e.code : 'not an EdgeVecError'; }
small.dispose();
const liteWasmUrl = import.meta.resolve('edgevec-c/edgevec-lite.wasm');
console.log(JSON.stringify({ ids: [...ids].map(String), hits: hits.map((h) => String(h.id)), code, wasmUrl, persisted, transferred,
  workerHit, workerCode, workerUrl, storageEntry, liteHits, liteCode, liteWasmUrl, liteEntry: Object.keys(lite).sort() }));
`;

const CONSUMER_TS = `
import { EdgeVec, EdgeVecError, type SearchResult } from 'edgevec-c';
const db = await EdgeVec.create({ dimensions: 4, idType: 'number' });
const hits: SearchResult<'number'>[] = db.search([1, 0, 0, 0], 1);
const first: number | undefined = hits[0]?.id;
// @ts-expect-error dimensions is required
await EdgeVec.create({});
function isAborted(e: unknown): boolean { return e instanceof EdgeVecError && e.code === 'ABORTED'; }
import { NodeFileStorage } from 'edgevec-c/storage/node';
const files = await EdgeVec.open('x', { storage: new NodeFileStorage('/tmp/x'), dimensions: 2 });
await files.close();
import { exportFvecs, type ImportResult } from 'edgevec-c/transfer';
import { MemoryStorage, IndexedDbStorage } from 'edgevec-c/storage';
const inMemory = await EdgeVec.open('y', { storage: new MemoryStorage(), dimensions: 2 });
await inMemory.close();
void IndexedDbStorage;
for await (const chunk of exportFvecs(db)) { const rows: number = chunk.rows; void rows; }
const inWorker = await EdgeVec.create({ dimensions: 2, worker: true });
const workerHits: SearchResult[] = await inWorker.search([1, 0], 1);
await inWorker.dispose();
import { EdgeVec as LiteEdgeVec, type SearchResult as LiteSearchResult } from 'edgevec-c/lite';
const small = await LiteEdgeVec.create({ dimensions: 2, idType: 'number' });
const liteHits: LiteSearchResult<'number'>[] = small.search([1, 0], 1);
// @ts-expect-error the lite entry has no filters
small.search([1, 0], 1, { filter: 'a = 1' });
export type { ImportResult };
export { first, isAborted, workerHits, liteHits };
`;

test('npm pack, install the tarball elsewhere, import it by name', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'edgevec-pack-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  const packed = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', dir], root));
  const files = packed[0].files.map((f) => f.path);
  for (const want of ['package.json', 'LICENSE', 'js/index.js', 'js/edgevec.js', 'types/index.d.ts',
    'js/transfer/index.js', 'types/transfer.d.ts', 'dist/edgevec.js', 'dist/edgevec.wasm',
    'js/worker/worker.js', 'js/worker/client.js', 'js/worker/methods.js', 'js/worker/protocol.js',
    'js/worker/spawn.js', 'js/worker/option.js', 'types/worker.d.ts',
    'dist/mt/edgevec-mt.mjs', 'dist/mt/edgevec-mt.wasm', 'dist/mt/edgevec-mt.worker.js',
    'dist/mt/package.json', 'js/wasm/threads.js', 'js/lite/index.js', 'js/lite/edgevec.js', 'types/lite.d.ts',
    'dist/edgevec-lite.js', 'dist/edgevec-lite.wasm']) {
    assert.ok(files.includes(want), `the package ships ${want}`);
  }
  for (const f of files) {
    assert.ok(!/^(src|tests|build|bench|scripts|examples|node_modules)\//.test(f), `nothing of the build tree: ${f}`);
  }

  const project = join(dir, 'app');
  await run('mkdir', ['-p', project], dir);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts',
    join(dir, packed[0].filename)], project);
  assert.ok((await readdir(join(project, 'node_modules', 'edgevec-c', 'dist'))).includes('edgevec.wasm'));

  await writeFile(join(project, 'main.js'), CONSUMER_JS);
  const out = JSON.parse((await run(process.execPath, ['main.js'], project)).trim());
  assert.deepEqual(out.ids, ['0', '1', '2', '3']);
  assert.equal(out.hits[0], '0');
  assert.equal(out.code, 'INVALID_VECTOR');
  assert.ok(out.wasmUrl.endsWith('/node_modules/edgevec-c/dist/edgevec.wasm'), out.wasmUrl);
  assert.equal(out.persisted, true);
  assert.equal(out.transferred, '18446744073709551615');
  assert.deepEqual(out.storageEntry, ['function', 0, false, false]);
  assert.equal(out.workerHit, '9');
  assert.equal(out.workerCode, 'DIMENSION_MISMATCH');
  assert.ok(out.workerUrl.endsWith('/node_modules/edgevec-c/js/worker/worker.js'), out.workerUrl);
  assert.deepEqual(out.liteHits, out.hits);
  assert.equal(out.liteCode, 'INVALID_VECTOR');
  assert.ok(out.liteWasmUrl.endsWith('/node_modules/edgevec-c/dist/edgevec-lite.wasm'), out.liteWasmUrl);
  assert.deepEqual(out.liteEntry, ['EdgeVec', 'EdgeVecError']);

  await writeFile(join(project, 'main.ts'), CONSUMER_TS);
  await writeFile(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
      lib: ['es2022', 'dom'], types: [], skipLibCheck: false,
    },
    files: ['main.ts'],
  }));
  await run(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
});
