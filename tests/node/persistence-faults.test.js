// tests/node/persistence-faults.test.js (js/persistence/lifecycle.js over
// js/storage/node-file.js and js/storage/indexeddb.js) — the fault matrix of
// EdgeVec.open: every persisted object of a database (the manifest, the
// snapshot file or each snapshot chunk, each log record) is damaged in turn
// — seeded single-bit flips, numeric fields changed but well-formed, wrong
// lengths, deletion — and each open, read-only and writable, must give back
// exactly the last committed state or fail with CORRUPT / UNSUPPORTED_VERSION
// leaving every stored byte as it was. Then the error codes of each kind of
// damage, the newer-version refusals, a lost manifest, and databases with a
// format 1 manifest as earlier releases wrote it.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { EdgeVec, EdgeVecError } from '../../js/index.js';
import { IndexedDbStorage, InProcessLocks } from '../../js/storage/index.js';
import { NodeFileStorage } from '../../js/storage/node-file.js';
import { encodeManifest } from '../../js/storage/manifest.js';
import { clustered, rowsOf, mulberry32 } from './helpers/data.js';

const DIM = 8;
const N = 100;
const data = clustered({ seed: 1201, n: N + 40, dim: DIM });
const rows = rowsOf(data, DIM);
const queries = rowsOf(clustered({ seed: 1202, n: 4, dim: DIM }), DIM);
const MAX_ID = 1001;
/** Small chunks so that the snapshot is several of them, over several transactions. */
const IDB_OPTIONS = { chunkBytes: 4096, transactionBytes: 8192 };
const TMP = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const NAME = 'db';

/** Everything observable about an index, for before/after comparisons. */
function fingerprint(db) {
  const vectors = [];
  for (let id = 0; id < MAX_ID; id++) {
    const v = db.get(id);
    if (v) vectors.push([id, Array.from(v)]);
  }
  return {
    size: db.size,
    vectors,
    searches: queries.map((q) => db.search(q, 5).map((h) => [Number(h.id), h.distance])),
  };
}

/**
 * Writes the database every case starts from: a snapshot (generation 2,
 * after the creation's generation 1) and three log records after it.
 * @returns {Promise<{ prev: object, final: object }>} the states before and after the last commit
 */
async function build(storage) {
  const db = await EdgeVec.open(NAME, { storage, dimensions: DIM, seed: 9, autoCheckpoint: false });
  await db.insertBatch(data.subarray(0, N * DIM), { ids: Array.from({ length: N }, (_, i) => i) });
  await db.checkpoint();
  await db.insertBatch(data.subarray(N * DIM, (N + 20) * DIM), { ids: Array.from({ length: 20 }, (_, i) => 500 + i) });
  await db.flush();
  db.softDeleteBatch([3, 4, 5]);
  await db.flush();
  const prev = fingerprint(db);
  db.insert(rows[N + 30], 1000);
  db.softDelete(7);
  await db.flush();
  const final = fingerprint(db);
  await db.close();
  return { prev, final };
}

// ---------------------------------------------------------------------------
// The two backends as sets of stored objects: dump everything, restore a
// (damaged) copy, list the objects that hold data.

/**
 * @typedef {object} Backend
 * @property {string} label
 * @property {() => Promise<void>} init
 * @property {() => object} storage           a fresh storage over the current place
 * @property {() => Promise<Map<string, unknown>>} dump  every stored object, by key
 * @property {(objects: Map<string, unknown>) => Promise<void>} restore  replaces everything
 */

/** @param {(fn: () => Promise<void>) => void} cleanup @returns {Backend} */
function fileBackend(cleanup) {
  let root = '';
  const dir = () => join(root, NAME);
  return {
    label: 'NodeFileStorage',
    async init() {
      root = await mkdtemp(join(TMP, 'edgevec-faults-'));
      cleanup(() => rm(root, { recursive: true, force: true }));
    },
    storage: () => new NodeFileStorage(root),
    async dump() {
      const out = new Map();
      for (const f of (await readdir(dir())).sort()) out.set(f, new Uint8Array(await readFile(join(dir(), f))));
      return out;
    },
    async restore(objects) {
      await rm(dir(), { recursive: true, force: true });
      await mkdir(dir(), { recursive: true });
      for (const [f, bytes] of objects) await writeFile(join(dir(), f), /** @type {Uint8Array} */ (bytes));
    },
  };
}

const STORES = ['meta', 'chunks', 'log'];
const idbKey = (store, key) => `${store}:${JSON.stringify(key)}`;

/** @returns {Backend} */
function idbBackend() {
  let factory = new IDBFactory();
  const dbName = `edgevec:${NAME}`;
  const connect = (f, version, upgrade) => new Promise((resolve, reject) => {
    const req = f.open(dbName, version);
    req.onupgradeneeded = () => { if (upgrade) upgrade(req.result); };
    req.onerror = () => reject(req.error);
    req.onsuccess = () => resolve(req.result);
  });
  return {
    label: 'IndexedDbStorage',
    async init() {},
    storage: () => new IndexedDbStorage({ indexedDB: factory, IDBKeyRange, locks: new InProcessLocks(), ...IDB_OPTIONS }),
    async dump() {
      const db = await connect(factory);
      const out = new Map();
      out.set('version', db.version);
      await new Promise((resolve, reject) => {
        const tx = db.transaction(STORES, 'readonly');
        for (const store of STORES) {
          const keys = tx.objectStore(store).getAllKeys();
          const values = tx.objectStore(store).getAll();
          values.onsuccess = () => keys.result.forEach((k, i) => out.set(idbKey(store, k), values.result[i]));
        }
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
      return out;
    },
    async restore(objects) {
      factory = new IDBFactory();
      const db = await connect(factory, /** @type {number} */ (objects.get('version')), (d) => {
        for (const s of STORES) d.createObjectStore(s);
      });
      await new Promise((resolve, reject) => {
        const tx = db.transaction(STORES, 'readwrite');
        for (const [k, value] of objects) {
          if (k === 'version') continue;
          const at = k.indexOf(':');
          tx.objectStore(k.slice(0, at)).put(value, JSON.parse(k.slice(at + 1)));
        }
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
  };
}

/**
 * The stored objects that hold data, by kind.
 * @param {Map<string, unknown>} pristine
 */
function objectsOf(pristine) {
  const keys = [...pristine.keys()];
  const file = keys.includes('manifest.json');
  const logKeys = keys.filter((k) => (file ? /^log-\d+\.bin$/.test(k) : k.startsWith('log:')))
    .sort((a, b) => seqOf(a) - seqOf(b));
  return {
    manifest: file ? 'manifest.json' : idbKey('meta', 'manifest'),
    snapshots: keys.filter((k) => (file ? /^snapshot-\d+\.bin$/.test(k) : k.startsWith('chunks:'))),
    log: logKeys,
  };
}

/** @param {string} key a log file name or an IndexedDB log key */
function seqOf(key) {
  return Number(/(\d+)(?:\.bin)?$/.exec(key)[1]);
}

// ---------------------------------------------------------------------------
// Damage

/** A copy of `objects` with `key` changed by `fn` (undefined: deleted). */
function damaged(objects, key, fn) {
  const out = new Map(objects);
  const v = fn(objects.get(key));
  if (v === undefined) out.delete(key); else out.set(key, v);
  return out;
}

/** @param {Uint8Array} bytes @param {number} offset @param {number} bit */
function flip(bytes, offset, bit) {
  const out = bytes.slice();
  out[offset] ^= 1 << bit;
  return out;
}

/**
 * Seeded offsets over a byte string: some chosen for what they hold (the
 * snapshot prelude and the header's wal_seq and total_len), the rest at random.
 */
function offsets(length, count, seed, fixed = []) {
  const rand = mulberry32(seed);
  const set = new Set(fixed.filter((o) => o < length));
  while (set.size < Math.min(length, count + fixed.length)) set.add(Math.floor(rand() * length));
  return [...set].sort((a, b) => a - b);
}
const SNAPSHOT_OFFSETS = [0, 7, 8, 11, 12, 16, 17, 18, 19, 20, 24, 64, 104, 105, 112];

/**
 * Byte-string damage: bit flips, truncations.
 * @returns {{ label: string, fn: (v: Uint8Array) => unknown }[]}
 */
function byteDamage(length, count, seed, fixed = []) {
  const rand = mulberry32(seed ^ 0x5bd1e995);
  const out = offsets(length, count, seed, fixed).map((o) => {
    const bit = Math.floor(rand() * 8);
    return { label: `bit ${bit} of byte ${o} flipped`, fn: (v) => flip(v, o, bit) };
  });
  for (const n of new Set([0, 1, 19, 20, length >> 1, length - 1])) {
    if (n < length) out.push({ label: `truncated to ${n} bytes`, fn: (v) => v.slice(0, n) });
  }
  return out;
}

/** The manifest's numeric fields, each changed by ±1, with the stored crc kept or recomputed. */
function fieldDamage(fields) {
  const out = [];
  for (const f of fields) {
    for (const delta of [1, -1]) {
      for (const recompute of [false, true]) {
        out.push({
          label: `${f} ${delta > 0 ? '+1' : '-1'}${recompute ? ' (crc recomputed)' : ''}`,
          change: (/** @type {Record<string, number>} */ m) => {
            const next = { ...m, [f]: m[f] + delta };
            if (!recompute) return next;
            const { format, crc, ...rest } = next;
            return encodeManifest(/** @type {any} */ (rest));
          },
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// The check of one damaged state

/**
 * Opens the damaged state read-only and writable (from the damaged bytes
 * each time) and checks the outcome.
 * @param {Backend} backend
 * @param {Map<string, unknown>} state the damaged objects
 * @param {string} label
 * @param {object} expected the last committed state (fingerprint)
 * @param {{ mustFail?: boolean }} [rule]
 * @returns {Promise<string[]>} the outcome of each open
 */
async function openBoth(backend, state, label, expected, rule = {}) {
  const outcomes = [];
  for (const readOnly of [true, false]) {
    await backend.restore(state);
    const before = await backend.dump();
    const what = `${backend.label}, ${label}, ${readOnly ? 'read-only' : 'writable'} open`;
    let db = null;
    try {
      db = await EdgeVec.open(NAME, { storage: backend.storage(), readOnly, autoCheckpoint: false });
    } catch (err) {
      assert.ok(err instanceof EdgeVecError, `${what}: not an EdgeVecError: ${err && err.stack}`);
      assert.ok(err.code === 'CORRUPT' || err.code === 'UNSUPPORTED_VERSION', `${what}: ${err.code}: ${err.message}`);
      if (err.code === 'CORRUPT') assert.ok(typeof err.section === 'string' && err.section, `${what}: CORRUPT without a section`);
      assert.deepEqual(await backend.dump(), before, `${what}: a failed open changed the stored bytes`);
      outcomes.push(err.code);
      continue;
    }
    try {
      assert.ok(!rule.mustFail, `${what}: opened instead of failing`);
      assert.deepEqual(fingerprint(db), expected, `${what}: opened on a state that is not the last committed one`);
    } finally {
      await db.close();
    }
    outcomes.push('ok');
  }
  return outcomes;
}

/**
 * @param {Backend} backend
 * @param {Map<string, unknown>} pristine
 * @param {string} key
 * @param {{ label: string, fn: (v: any) => unknown }[]} damages
 * @param {object} expected
 */
async function matrix(backend, pristine, key, damages, expected) {
  const counts = new Map();
  for (const d of damages) {
    const outcomes = await openBoth(backend, damaged(pristine, key, d.fn), `${key}: ${d.label}`, expected);
    for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  }
  return counts;
}

// ---------------------------------------------------------------------------

for (const make of [fileBackend, idbBackend]) {
  describe(`fault matrix: ${make === fileBackend ? 'NodeFileStorage' : 'IndexedDbStorage'}`, () => {
    /** @type {Backend} */
    let backend;
    /** @type {Map<string, unknown>} */
    let pristine;
    let states;
    let objects;

    /** @type {(() => Promise<void>)[]} */
    const cleanups = [];
    after(() => Promise.all(cleanups.map((fn) => fn())));

    before(async () => {
      backend = make((fn) => cleanups.push(fn));
      await backend.init();
      states = await build(backend.storage());
      pristine = await backend.dump();
      objects = objectsOf(pristine);
      assert.equal(objects.log.length, 3, 'three log records after the snapshot');
      if (backend.label === 'IndexedDbStorage') assert.ok(objects.snapshots.length >= 3, `${objects.snapshots.length} chunks`);
    });

    it('the undamaged database opens to the last committed state, read-only and writable', async () => {
      assert.deepEqual(await openBoth(backend, pristine, 'undamaged', states.final), ['ok', 'ok']);
      assert.notDeepEqual(states.prev, states.final);
    });

    it('manifest: bit flips, changed fields, truncation, deletion', async () => {
      const key = objects.manifest;
      const value = pristine.get(key);
      // A well-formed manifest whose snapshotSeq skips every record: only the
      // snapshot's own wal_seq can tell.
      const raiseSeq = (m) => {
        const { format, crc, ...rest } = m;
        return encodeManifest({ ...rest, snapshotSeq: seqOf(objects.log.at(-1)) });
      };
      /** @type {{ label: string, fn: (v: any) => unknown }[]} */
      const damages = [];
      const fields = ['generation', 'snapshotSeq', 'snapshotBytes', 'snapshotHeaderCrc'];
      if (value instanceof Uint8Array) {
        // JSON text: a flipped bit in every byte, then every length.
        damages.push(...byteDamage(value.byteLength, value.byteLength, 11));
        for (let n = 0; n < value.byteLength; n += 7) damages.push({ label: `truncated to ${n}`, fn: (v) => v.slice(0, n) });
        const json = (m) => new TextEncoder().encode(JSON.stringify(m));
        const parsed = JSON.parse(new TextDecoder().decode(value));
        for (const d of fieldDamage(fields)) damages.push({ label: d.label, fn: () => json(d.change(parsed)) });
        damages.push({ label: 'snapshotSeq raised to the last record (crc recomputed)', fn: () => json(raiseSeq(parsed)) });
      } else {
        // A structured record: flipped bits in each field's float64 form,
        // each field removed, each numeric field changed.
        fields.push('chunkCount');
        const rand = mulberry32(12);
        for (const f of [...fields, 'format', 'crc']) {
          for (let i = 0; i < 8; i++) {
            const bit = Math.floor(rand() * 64);
            damages.push({
              label: `bit ${bit} of ${f} flipped`,
              fn: (m) => {
                const f64 = new Float64Array([m[f]]);
                const u8 = new Uint8Array(f64.buffer);
                u8[bit >> 3] ^= 1 << (bit & 7);
                return { ...m, [f]: f64[0] };
              },
            });
          }
          damages.push({ label: `${f} removed`, fn: (m) => { const c = { ...m }; delete c[f]; return c; } });
        }
        for (const d of fieldDamage(fields)) damages.push({ label: d.label, fn: (m) => d.change(m) });
        damages.push({ label: 'snapshotSeq raised to the last record (crc recomputed)', fn: (m) => raiseSeq(m) });
        damages.push({ label: 'not a record', fn: () => 'manifest' });
      }
      damages.push({ label: 'deleted', fn: () => undefined });
      const counts = await matrix(backend, pristine, key, damages, states.final);
      assert.ok(damages.length > 60, `${damages.length} damages`);
      assert.equal(counts.get('ok') ?? 0, 0, `every damaged manifest is refused: ${JSON.stringify([...counts])}`);
    });

    it('snapshot: bit flips, truncation, deletion of the file or of each chunk', async () => {
      let total = 0;
      for (const [i, key] of objects.snapshots.entries()) {
        const value = /** @type {Uint8Array} */ (pristine.get(key));
        const damages = byteDamage(value.byteLength, 30, 100 + i, i === 0 ? SNAPSHOT_OFFSETS : [value.byteLength - 1]);
        damages.push({ label: 'deleted', fn: () => undefined });
        damages.push({ label: 'one byte longer', fn: (v) => { const c = new Uint8Array(v.byteLength + 1); c.set(v); return c; } });
        if (!(pristine.get(objects.manifest) instanceof Uint8Array)) {
          damages.push({ label: 'not bytes', fn: (v) => Array.from(v) });
        }
        const counts = await matrix(backend, pristine, key, damages, states.final);
        assert.equal(counts.get('ok') ?? 0, 0, `${key}: every damage is refused: ${JSON.stringify([...counts])}`);
        total += damages.length;
      }
      assert.ok(total >= 40, `${total} damages`);
    });

    for (const which of [0, 1, 2]) {
      // A damaged record is CORRUPT wherever it is, the last one included:
      // each record is stored atomically, so it cannot be a torn write.
      it(`log record ${which + 1} of 3: bit flips and truncation are CORRUPT`, async () => {
        const key = objects.log[which];
        const value = /** @type {Uint8Array} */ (pristine.get(key));
        const damages = byteDamage(value.byteLength, 30, 200 + which, [0, 1, 2, 3, 4, 8, 12, 16, value.byteLength - 1]);
        if (!(pristine.get(objects.manifest) instanceof Uint8Array)) {
          damages.push({ label: 'not bytes', fn: (v) => Array.from(v) });
        }
        for (const d of damages) {
          const outcomes = await openBoth(backend, damaged(pristine, key, d.fn), `${key}: ${d.label}`, states.final, { mustFail: true });
          assert.deepEqual(outcomes, ['CORRUPT', 'CORRUPT'], `${key}: ${d.label}`);
        }
      });
    }

    it('log records deleted: a gap is CORRUPT; the last one gone is the state before its commit', async () => {
      for (const [i, key] of objects.log.entries()) {
        const state = damaged(pristine, key, () => undefined);
        if (i < objects.log.length - 1) {
          assert.deepEqual(await openBoth(backend, state, `${key} deleted`, states.final, { mustFail: true }), ['CORRUPT', 'CORRUPT']);
        } else {
          // Nothing records where the log ends (each record is its own
          // atomic write), so a deleted last record looks like one that was
          // never committed: the open gives the state before it.
          assert.deepEqual(await openBoth(backend, state, `${key} deleted`, states.prev), ['ok', 'ok']);
        }
      }
    });

    it('error codes name what failed: section, object, and nothing changed', async () => {
      const file = backend.label === 'NodeFileStorage';
      const snap0 = objects.snapshots[0];
      const cases = [
        ['manifest unreadable', objects.manifest, (v) => (file ? new TextEncoder().encode('{"format":2,') : { ...v, crc: 'x' }), 'manifest'],
        ['manifest missing', objects.manifest, () => undefined, 'manifest'],
        ['snapshot missing', snap0, () => undefined, 'snapshot'],
        ['snapshot truncated', snap0, (v) => v.slice(0, v.byteLength - 3), 'snapshot'],
      ];
      if (!file) {
        cases.push(['log value not bytes', objects.log[1], () => 'not bytes', 'log']);
        cases.push(['chunk not bytes', objects.snapshots[1], () => 12, 'snapshot']);
      }
      for (const [label, key, fn, section] of cases) {
        for (const readOnly of [true, false]) {
          await backend.restore(damaged(pristine, key, fn));
          const before = await backend.dump();
          let caught = null;
          try {
            const db = await EdgeVec.open(NAME, { storage: backend.storage(), readOnly, dimensions: DIM });
            await db.close();
          } catch (err) {
            caught = err;
          }
          const what = `${label} (${readOnly ? 'read-only' : 'writable'})`;
          assert.ok(caught instanceof EdgeVecError, `${what}: ${caught}`);
          assert.equal(caught.code, 'CORRUPT', `${what}: ${caught.message}`);
          assert.equal(caught.section, section, what);
          assert.deepEqual(await backend.dump(), before, `${what}: nothing changed`);
          if (section === 'snapshot') {
            assert.equal(caught.generation, 2, what);
            if (file) assert.match(caught.file, /snapshot-2\.bin$/, what);
            else assert.equal(caught.chunk, label === 'chunk not bytes' ? 1 : 0, `${what}: ${caught.message}`);
            assert.match(caught.message, file ? /snapshot-2\.bin/ : /generation 2.*chunk \d/, what);
          }
          if (section === 'manifest' && file) assert.match(caught.file, /manifest\.json$/, what);
          if (section === 'log') {
            assert.equal(caught.seq, seqOf(objects.log[1]), what);
            assert.match(caught.message, new RegExp(`record ${seqOf(objects.log[1])}`), what);
          }
        }
      }
    });

    it('a lost manifest is CORRUPT, never a new database, even when opened with dimensions', async () => {
      // After the checkpoint: the snapshot (and the log) without a manifest.
      const noManifest = damaged(pristine, objects.manifest, () => undefined);
      // A checkpoint that left no log: only the snapshot.
      let snapshotOnly = noManifest;
      for (const k of objects.log) snapshotOnly = damaged(snapshotOnly, k, () => undefined);
      // Only log records left: the manifest and the snapshot both gone.
      let logOnly = noManifest;
      for (const k of objects.snapshots) logOnly = damaged(logOnly, k, () => undefined);
      for (const state of [snapshotOnly, noManifest, logOnly]) {
        for (const options of [{ readOnly: true }, {}, { dimensions: DIM }]) {
          await backend.restore(state);
          const before = await backend.dump();
          let caught = null;
          try {
            await (await EdgeVec.open(NAME, { storage: backend.storage(), ...options })).close();
          } catch (err) {
            caught = err;
          }
          assert.ok(caught instanceof EdgeVecError, String(caught));
          assert.equal(caught.code, 'CORRUPT', caught.message);
          assert.equal(caught.section, 'manifest');
          assert.match(caught.message, /manifest/);
          assert.deepEqual(await backend.dump(), before, 'nothing changed');
        }
      }
    });

    it('a newer manifest format is UNSUPPORTED_VERSION and changes nothing', async () => {
      const newer = (v) => (v instanceof Uint8Array
        ? new TextEncoder().encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(v)), format: 3, more: 'fields' }))
        : { ...v, format: 3, more: 'fields' });
      const state = damaged(pristine, objects.manifest, newer);
      assert.deepEqual(await openBoth(backend, state, 'manifest format 3', states.final, { mustFail: true }),
        ['UNSUPPORTED_VERSION', 'UNSUPPORTED_VERSION']);
    });

    it('a database with a format 1 manifest, as earlier releases wrote it, still opens; the next checkpoint writes format 2', async () => {
      const old = (v, change = {}) => {
        const m = v instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(v)) : v;
        const f1 = { format: 1, generation: m.generation, snapshotSeq: m.snapshotSeq, snapshotBytes: m.snapshotBytes };
        if (!(v instanceof Uint8Array)) f1.chunkCount = m.chunkCount;
        Object.assign(f1, change);
        return v instanceof Uint8Array ? new TextEncoder().encode(JSON.stringify(f1)) : f1;
      };
      const state = damaged(pristine, objects.manifest, (v) => old(v));
      assert.deepEqual(await openBoth(backend, state, 'format 1 manifest', states.final), ['ok', 'ok']);
      // Without a checksum a format 1 manifest's fields are still checked
      // against the snapshot: a wrong generation or snapshotSeq is refused
      // (the snapshot's own wal_seq disagrees) and deletes nothing.
      const lastSeq = seqOf(objects.log.at(-1));
      for (const change of [{ generation: 3 }, { generation: 1 }, { snapshotSeq: 2 }, { snapshotSeq: 0 }, { snapshotSeq: lastSeq }, { snapshotBytes: 5 }]) {
        const bad = damaged(pristine, objects.manifest, (v) => old(v, change));
        assert.deepEqual(await openBoth(backend, bad, `format 1 manifest with ${JSON.stringify(change)}`, states.final, { mustFail: true }),
          ['CORRUPT', 'CORRUPT']);
      }
      await backend.restore(state);
      const db = await EdgeVec.open(NAME, { storage: backend.storage() });
      await db.checkpoint();
      await db.close();
      const after = (await backend.dump()).get(objects.manifest);
      const m = after instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(after)) : after;
      assert.equal(m.format, 2);
      assert.equal(m.generation, 3);
      assert.equal(typeof m.crc, 'number');
    });

    it('leftovers of interrupted checkpoints stay until the open has decoded everything, then go', async () => {
      // An orphan of a checkpoint cut short (generation 3) and a record the
      // snapshot already holds (seq 1).
      const orphan = new Map(pristine);
      if (backend.label === 'NodeFileStorage') {
        orphan.set('snapshot-3.bin', new Uint8Array([1, 2, 3]));
        orphan.set('snapshot-3.bin.tmp-1-1', new Uint8Array([4]));
        orphan.set(`log-${'1'.padStart(16, '0')}.bin`, new Uint8Array([5]));
      } else {
        orphan.set(idbKey('chunks', [3, 0]), new Uint8Array([1, 2, 3]));
        orphan.set(idbKey('log', 1), new Uint8Array([5]));
      }
      // A writable open that fails (here: the snapshot is damaged) keeps them.
      const broken = damaged(orphan, objects.snapshots[0], (v) => flip(v, 40, 3));
      assert.deepEqual(await openBoth(backend, broken, 'damaged snapshot with leftovers', states.final, { mustFail: true }),
        ['CORRUPT', 'CORRUPT']);
      // A read-only open keeps them; a writable one that decodes removes them.
      assert.deepEqual(await openBoth(backend, orphan, 'leftovers', states.final), ['ok', 'ok']);
      await backend.restore(orphan);
      const db = await EdgeVec.open(NAME, { storage: backend.storage() });
      await db.close();
      assert.deepEqual([...(await backend.dump()).keys()].sort(), [...pristine.keys()].sort());
    });

    if (make === idbBackend) {
      it('a newer IndexedDB schema version is UNSUPPORTED_VERSION and changes nothing', async () => {
        const state = new Map(pristine);
        state.set('version', 2);
        assert.deepEqual(await openBoth(backend, state, 'schema version 2', states.final, { mustFail: true }),
          ['UNSUPPORTED_VERSION', 'UNSUPPORTED_VERSION']);
      });
    }
  });
}
