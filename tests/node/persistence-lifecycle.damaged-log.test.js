// tests/node/persistence-lifecycle.damaged-log.test.js
// (js/persistence/lifecycle.js, js/wasm/persist.js) — a stored log record
// that fails its check. Both backends store each record atomically, so such
// a record was committed and then damaged: EdgeVec.open fails with CORRUPT
// naming it (seq, reason, byte offset), read-only and writable alike, and
// leaves every stored byte as it was. Only `dropDamagedLog: true` opens
// without it (and the records after it), lists exactly those in
// db.openReport, and, when writable, makes the drop durable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { NodeFileStorage } from '../../js/storage/node-file.js';
import { clustered, rowsOf } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';

const DIM = 8;
const data = clustered({ seed: 81, n: 200, dim: DIM });
const rows = rowsOf(data, DIM);

/**
 * A database of a snapshot (ids 0..49) and three log records: ids 50..59,
 * then 60..69, then 70..79. Returns the seqs of the records.
 * @param {import('../../js/storage/interface.js').EdgeVecStorage} storage
 * @param {string} name
 */
async function build(storage, name) {
  const db = await EdgeVec.open(name, { storage, dimensions: DIM, autoCheckpoint: false, seed: 3 });
  await db.insertBatch(data.subarray(0, 50 * DIM));
  await db.checkpoint();
  for (let b = 0; b < 3; b++) {
    const from = 50 + 10 * b;
    await db.insertBatch(data.subarray(from * DIM, (from + 10) * DIM));
    await db.flush();
  }
  await db.close();
  const h = await storage.open(name, { readOnly: true });
  const seqs = (await h.readLog()).map((r) => r.seq);
  await h.close();
  assert.equal(seqs.length, 3);
  return seqs;
}

/** Everything a MemoryStorage holds for a database, as comparable values. */
function memoryDump(storage, name) {
  const db = storage.dbs.get(name);
  return {
    manifest: { ...db.manifest },
    snapshot: Array.from(db.snapshot),
    log: [...db.log.entries()].map(([seq, bytes]) => [seq, bytes instanceof Uint8Array ? Array.from(bytes) : bytes]),
  };
}

/** @param {EdgeVec} db @returns {number[]} the live ids among 0..99 */
function liveIds(db) {
  const out = [];
  for (let id = 0; id < 100; id++) if (db.has(id)) out.push(id);
  return out;
}

const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);

/**
 * Damages one record of a fresh database in a MemoryStorage, then checks
 * that a read-only and a writable open both fail with CORRUPT naming it and
 * change nothing.
 * @param {string} what
 * @param {(log: Map<number, any>, seqs: number[]) => number} damage  returns the seq it damaged
 * @param {RegExp | ((seqs: number[]) => RegExp)} reason
 */
async function refusedEverywhere(what, damage, reason) {
  const storage = new MemoryStorage();
  const seqs = await build(storage, 'd');
  const bad = damage(storage.dbs.get('d').log, seqs);
  const why = typeof reason === 'function' ? reason(seqs) : reason;
  const before = memoryDump(storage, 'd');
  for (const readOnly of [true, false]) {
    const err = await rejectsWith(() => EdgeVec.open('d', { storage, readOnly }), 'CORRUPT',
      { message: new RegExp(`log record ${bad}\\b`) });
    assert.equal(err.section, 'log', what);
    assert.equal(err.seq, bad, what);
    assert.equal(typeof err.offset, 'number', what);
    assert.match(err.message, why, what);
    assert.match(err.message, new RegExp(`byte ${err.offset} of its \\d+`), what);
    assert.match(err.message, /dropDamagedLog/, 'it says how to open anyway');
    assert.deepEqual(memoryDump(storage, 'd'), before, `${what}, readOnly ${readOnly}: storage unchanged`);
  }
  // The failed writable open released the lock.
  const h = await storage.open('d');
  await h.close();
  return { storage, seqs, bad };
}

test('a bit flipped in the middle of the last record: CORRUPT (checksum), nothing changed', async () => {
  await refusedEverywhere('bit flip', (log, seqs) => {
    const last = seqs[2];
    const rec = log.get(last);
    rec[rec.length >> 1] ^= 0x08;
    return last;
  }, /checksum/);
});

test('the last record truncated: CORRUPT (truncated), nothing changed', async () => {
  await refusedEverywhere('truncated', (log, seqs) => {
    const last = seqs[2];
    log.set(last, log.get(last).slice(0, log.get(last).length - 5));
    return last;
  }, /truncated/);
  // Cut before the length field too: the core's framing check names it.
  await refusedEverywhere('truncated to 6 bytes', (log, seqs) => {
    log.set(seqs[2], log.get(seqs[2]).slice(0, 6));
    return seqs[2];
  }, /truncated/);
});

test('a record stored under the wrong seq, stray bytes, a value that is not bytes: CORRUPT naming it', async () => {
  // The middle record's bytes stored again under the last seq.
  await refusedEverywhere('wrong seq', (log, seqs) => {
    log.set(seqs[2], log.get(seqs[1]).slice());
    return seqs[2];
  }, (seqs) => new RegExp(`holds sequence number ${seqs[1]}, not the one it is stored under`));
  // Swapped: the first one that disagrees is named.
  await refusedEverywhere('swapped', (log, seqs) => {
    const a = log.get(seqs[1]);
    log.set(seqs[1], log.get(seqs[2]));
    log.set(seqs[2], a);
    return seqs[1];
  }, /holds sequence number/);
  await refusedEverywhere('stray bytes', (log, seqs) => {
    const rec = log.get(seqs[2]);
    const longer = new Uint8Array(rec.length + 3);
    longer.set(rec);
    log.set(seqs[2], longer);
    return seqs[2];
  }, /3 stray bytes/);
  await refusedEverywhere('not bytes', (log, seqs) => {
    log.set(seqs[1], 'EVWL');
    return seqs[1];
  }, /not bytes/);
  await refusedEverywhere('a missing record', (log, seqs) => {
    log.delete(seqs[1]);
    return seqs[2];
  }, /gap/);
});

test('dropDamagedLog: true opens without the damaged record and those after it, and reports exactly them', async () => {
  const storage = new MemoryStorage();
  const seqs = await build(storage, 'd');
  const log = storage.dbs.get('d').log;
  const rec = log.get(seqs[1]);
  rec[40] ^= 0x01;
  const sizes = seqs.map((s) => log.get(s).length);
  const before = memoryDump(storage, 'd');

  const reader = await EdgeVec.open('d', { storage, readOnly: true, dropDamagedLog: true });
  assert.deepEqual(liveIds(reader), range(0, 60), 'the snapshot and the first record');
  const dropped = reader.openReport.droppedLogRecords;
  assert.deepEqual(dropped.map((d) => [d.seq, d.bytes]), [[seqs[1], sizes[1]], [seqs[2], sizes[2]]]);
  assert.match(dropped[0].reason, /checksum/);
  assert.equal(dropped[0].offset, 0);
  assert.match(dropped[1].reason, new RegExp(`follows the damaged record ${seqs[1]}`));
  reader.dispose();
  assert.deepEqual(memoryDump(storage, 'd'), before, 'a read-only open changes nothing');

  const writer = await EdgeVec.open('d', { storage, dropDamagedLog: true });
  assert.deepEqual(writer.openReport.droppedLogRecords, dropped);
  assert.deepEqual(liveIds(writer), range(0, 60));
  // The drop is durable at once: a snapshot covering the dropped seqs
  // replaced them.
  const h = await storage.open('d', { readOnly: true });
  assert.equal((await h.readManifest()).snapshotSeq, seqs[2]);
  assert.deepEqual(await h.readLog(), []);
  writer.insert(rows[150], 150);
  await writer.close();
  const again = await EdgeVec.open('d', { storage });
  assert.deepEqual(again.openReport.droppedLogRecords, [], 'nothing dropped this time');
  assert.deepEqual(liveIds(again), range(0, 60));
  assert.equal(again.has(150), true);
  await again.close();
  await h.close();
});

test('openReport: empty for a clean open, undefined for an in-memory index; dropDamagedLog must be a boolean', async () => {
  const storage = new MemoryStorage();
  await build(storage, 'c');
  const db = await EdgeVec.open('c', { storage, dropDamagedLog: true });
  assert.deepEqual(db.openReport, { droppedLogRecords: [] });
  assert.equal(liveIds(db).length, 80);
  await db.close();
  const mem = await EdgeVec.create({ dimensions: DIM });
  assert.equal(mem.openReport, undefined);
  mem.dispose();
  await rejectsWith(() => EdgeVec.open('c', { storage, dropDamagedLog: 1 }), 'INVALID_ARGUMENT', { message: /dropDamagedLog/ });
});

test('NodeFileStorage: a bit flipped in the middle of the last log-*.bin is CORRUPT, files unchanged; dropping it is durable', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'edgevec-damaged-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const storage = new NodeFileStorage(dir);
  const seqs = await build(storage, 'f');
  const dbDir = join(dir, 'f');
  const logs = (await readdir(dbDir)).filter((n) => /^log-\d+\.bin$/.test(n)).sort();
  const last = join(dbDir, logs[logs.length - 1]);
  const bytes = await readFile(last);
  bytes[bytes.length >> 1] ^= 0x40;
  await writeFile(last, bytes);
  /** Every file but the lock, with its bytes. */
  const files = async () => {
    const out = {};
    for (const n of (await readdir(dbDir)).sort()) if (n !== 'LOCK') out[n] = (await readFile(join(dbDir, n))).toString('base64');
    return out;
  };
  const before = await files();
  for (const readOnly of [true, false]) {
    const err = await rejectsWith(() => EdgeVec.open('f', { storage: new NodeFileStorage(dir), readOnly }), 'CORRUPT');
    assert.equal(err.seq, seqs[2]);
    assert.match(err.message, /checksum/);
    assert.deepEqual(await files(), before, `readOnly ${readOnly}: files unchanged`);
  }
  const dropped = await EdgeVec.open('f', { storage: new NodeFileStorage(dir), dropDamagedLog: true });
  assert.deepEqual(dropped.openReport.droppedLogRecords.map((d) => d.seq), [seqs[2]]);
  assert.deepEqual(liveIds(dropped), range(0, 70));
  await dropped.close();
  const again = await EdgeVec.open('f', { storage: new NodeFileStorage(dir) });
  assert.deepEqual(liveIds(again), range(0, 70));
  await again.close();
});
