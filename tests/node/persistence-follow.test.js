// tests/node/persistence-follow.test.js (js/persistence/follow.js,
// writer-wait.js, js/storage/notify.js) — read-only instances that follow
// the writer, and writable opens that wait for it, over MemoryStorage,
// NodeFileStorage and IndexedDbStorage on fake-indexeddb: new records are
// applied on the writer's announcement, a checkpoint that deleted needed
// records swaps in the new snapshot, duplicate, forged and missed
// announcements are harmless, a damaged record is CORRUPT and the follower
// keeps its last good state, every state a follower shows was committed;
// waitForWriter / becomeWriter are granted when the writer closes or its
// lease runs out, and an AbortSignal ends the wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { EdgeVec } from '../../js/index.js';
import { MemoryStorage } from '../../js/storage/index.js';
import { NodeFileStorage } from '../../js/storage/node-file.js';
import { IndexedDbStorage } from '../../js/storage/indexeddb.js';
import { InProcessLocks } from '../../js/storage/locks.js';
import { clustered, rowsOf, mulberry32 } from './helpers/data.js';
import { rejectsWith } from './helpers/assert-error.js';

const DIM = 8;
const rows = rowsOf(clustered({ seed: 71, n: 400, dim: DIM }), DIM);
const queries = rowsOf(clustered({ seed: 72, n: 4, dim: DIM }), DIM);

/** Everything a search-side user can see, for comparisons. @param {EdgeVec} db */
function view(db) {
  return {
    size: db.size,
    ids: Array.from(db.ids()),
    searches: queries.map((q) => db.search(q, 5).map((h) => [h.id, h.distance])),
  };
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until cond() holds (polling), or fails after `ms`.
 * @param {() => boolean} cond
 * @param {string} what
 * @param {number} [ms]
 */
async function until(cond, what, ms = 2000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** The three backends, each a factory of "another tab's" storage over the same data. */
const backends = [
  { name: 'MemoryStorage', make: async () => { const s = new MemoryStorage(); return { tab: () => s, done: async () => {} }; } },
  {
    name: 'NodeFileStorage',
    make: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'edgevec-follow-'));
      return { tab: () => new NodeFileStorage(dir), done: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'IndexedDbStorage',
    make: async () => {
      const factory = new IDBFactory();
      // One realm's locks, as two handles of one page share them.
      const locks = new InProcessLocks();
      return { tab: () => new IndexedDbStorage({ indexedDB: factory, IDBKeyRange, locks, chunkBytes: 4096 }), done: async () => {} };
    },
  },
];

for (const backend of backends) {
  test(`${backend.name}: a follower applies each new commit on the writer's announcement`, async () => {
    const env = await backend.make();
    const w = await EdgeVec.open('db', { storage: env.tab(), dimensions: DIM, idType: 'number', autoCheckpoint: false });
    await w.insertBatch(rows.slice(0, 50)); await w.flush();
    /** @type {import('../../types/index.js').FollowChange[]} */
    const changes = [];
    const r = await EdgeVec.open('db', {
      storage: env.tab(), readOnly: true, follow: true, followIntervalMs: 0, idType: 'number',
      onChange: (c) => changes.push(c),
    });
    assert.equal(r.size, 50);
    await w.insertBatch(rows.slice(50, 80)); await w.flush();
    await until(() => r.size === 80, 'the first commit');
    assert.deepEqual(view(r), view(w));
    w.softDelete(3); w.softDelete(60); await w.flush();
    await until(() => r.size === 78, 'the second commit');
    assert.deepEqual(view(r), view(w));
    assert.equal(r.has(3), false);
    assert.deepEqual(changes.map((c) => [c.size, c.reloaded]), [[80, false], [78, false]]);
    assert.equal(changes[1].seq, changes[0].seq + 1);
    await r.close(); await w.close();
    await env.done();
  });

  test(`${backend.name}: after a checkpoint that deleted the records it needs, the follower swaps in the new snapshot`, async () => {
    const env = await backend.make();
    const w = await EdgeVec.open('db', { storage: env.tab(), dimensions: DIM, idType: 'number', autoCheckpoint: false });
    await w.insertBatch(rows.slice(0, 40)); await w.flush();
    // Not following: nothing happens until refresh().
    const r = await EdgeVec.open('db', { storage: env.tab(), readOnly: true, idType: 'number' });
    const before = view(r);
    await w.insertBatch(rows.slice(40, 90)); await w.flush();
    w.softDelete(7); w.compact(); await w.checkpoint();
    await w.insertBatch(rows.slice(90, 100)); await w.flush();
    await sleep(20);
    assert.deepEqual(view(r), before, 'a read-only open without follow stays as it loaded');
    const change = await r.refresh();
    assert.equal(change.reloaded, true);
    assert.equal(change.size, 99);
    assert.deepEqual(view(r), view(w));
    // Same object, still read-only, and a second refresh finds nothing new.
    await rejectsWith(() => r.insert(rows[0]), 'READ_ONLY');
    const again = await r.refresh();
    assert.deepEqual([again.seq, again.generation, again.reloaded], [change.seq, change.generation, false]);
    await r.close(); await w.close();
    await env.done();
  });
}

test('a checkpoint that covers only records the follower has: it goes on with the log, no reload', async () => {
  const storage = new MemoryStorage();
  const w = await EdgeVec.open('db', { storage, dimensions: DIM, idType: 'number', autoCheckpoint: false });
  await w.insertBatch(rows.slice(0, 30)); await w.flush();
  const r = await EdgeVec.open('db', { storage, readOnly: true, idType: 'number' });
  await w.checkpoint();
  await w.insertBatch(rows.slice(30, 40)); await w.flush();
  const change = await r.refresh();
  assert.equal(change.reloaded, false);
  assert.equal(change.generation, 2);
  assert.deepEqual(view(r), view(w));
  await r.close(); await w.close();
});

test('duplicate and forged announcements change nothing; a missed one is caught by the timer or refresh()', async () => {
  const storage = new MemoryStorage();
  const w = await EdgeVec.open('db', { storage, dimensions: DIM, idType: 'number' });
  await w.insertBatch(rows.slice(0, 20)); await w.flush();
  const changes = [];
  const errors = [];
  const r = await EdgeVec.open('db', {
    storage, readOnly: true, follow: true, followIntervalMs: 0, idType: 'number',
    onChange: (c) => changes.push(c), onFollowError: (e) => errors.push(e),
  });
  const held = await r.refresh();
  const channel = new BroadcastChannel(storage.channelPrefix + 'db');
  // A message about what it holds, three times; one that claims far more
  // than was stored; garbage.
  for (let i = 0; i < 3; i++) channel.postMessage({ kind: 'commit', seq: held.seq, generation: held.generation });
  channel.postMessage({ kind: 'commit', seq: 1e9, generation: 99 });
  channel.postMessage('hello');
  await sleep(50);
  assert.deepEqual(changes, []);
  assert.deepEqual(errors, []);
  assert.equal(r.size, 20);
  channel.close();

  // A writer whose announcements never arrive (no BroadcastChannel in its
  // realm, say): a follower with no timer sees nothing until refresh(), one
  // with a timer catches up by itself.
  await w.close();
  const saved = globalThis.BroadcastChannel;
  // @ts-ignore
  delete globalThis.BroadcastChannel;
  let silent;
  try {
    silent = await EdgeVec.open('db', { storage, idType: 'number' });
    await silent.insertBatch(rows.slice(20, 35)); await silent.flush();
  } finally {
    globalThis.BroadcastChannel = saved;
  }
  const ticking = await EdgeVec.open('db', { storage, readOnly: true, follow: true, followIntervalMs: 30, idType: 'number' });
  await silent.insertBatch(rows.slice(35, 45)); await silent.flush();
  await sleep(60);
  assert.equal(r.size, 20, 'no message, no timer: unchanged');
  await until(() => ticking.size === 45, 'the timer');
  assert.equal((await r.refresh()).size, 45);
  assert.deepEqual(view(r), view(silent));
  await r.close(); await ticking.close(); await silent.close();
});

test('a damaged new record: CORRUPT to onFollowError (once) and from refresh(); the follower keeps its last good state', async () => {
  const storage = new MemoryStorage();
  const w = await EdgeVec.open('db', { storage, dimensions: DIM, idType: 'number', autoCheckpoint: false });
  await w.insertBatch(rows.slice(0, 20)); await w.flush();
  const errors = [];
  const r = await EdgeVec.open('db', {
    storage, readOnly: true, follow: true, followIntervalMs: 20, idType: 'number', onFollowError: (e) => errors.push(e),
  });
  // Commit A arrives whole; commit B is damaged in storage before anyone
  // reads it (a bit flipped in its middle); commit C comes after it.
  await w.insertBatch(rows.slice(20, 25)); await w.flush();
  await until(() => r.size === 25, 'commit A');
  const good = view(r);
  const stored = storage.dbs.get('db').log;
  // B is damaged as soon as its flush resolves, before its announcement
  // (a task) reaches the follower; then C.
  w.insert(rows[25]);
  await w.flush();
  const seqB = Math.max(...stored.keys());
  const bytes = stored.get(seqB);
  bytes[bytes.byteLength >> 1] ^= 0x10;
  w.insert(rows[26]); await w.flush();
  await until(() => errors.length > 0, 'the error');
  await sleep(80); // several timer ticks: still reported once
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, 'CORRUPT');
  assert.equal(errors[0].section, 'log');
  assert.equal(errors[0].seq, seqB);
  assert.deepEqual(view(r), good, 'the last good state: commit A, nothing of B or C');
  await rejectsWith(() => r.refresh(), 'CORRUPT', { message: new RegExp(`record ${seqB}`) });
  assert.deepEqual(view(r), good);
  // The writer checkpoints (its own index is whole): the follower loads the
  // new snapshot and is whole again.
  await w.checkpoint();
  await until(() => r.size === 27, 'the checkpoint');
  assert.deepEqual(view(r), view(w));
  await r.close(); await w.close();
});

test('a record that passes its check but does not apply: the follower is rebuilt from storage without it, and reports it', async () => {
  const storage = new MemoryStorage();
  const w = await EdgeVec.open('db', { storage, dimensions: DIM, idType: 'number', autoCheckpoint: false });
  await w.insertBatch(rows.slice(0, 10)); await w.flush();
  const changes = [];
  const r = await EdgeVec.open('db', { storage, readOnly: true, follow: true, followIntervalMs: 0, idType: 'number', onChange: (c) => changes.push(c) });
  w.insert(rows[10], 100); await w.flush();
  await until(() => r.size === 11, 'the good commit');
  const good = view(r);
  // The same insert again under the next seq, with its CRC made right: a
  // record that passes every check and then cannot apply (the id exists).
  const log = storage.dbs.get('db').log;
  const last = Math.max(...log.keys());
  const copy = log.get(last).slice();
  const dv = new DataView(copy.buffer);
  dv.setUint32(16, last + 1, true);
  dv.setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)) >>> 0, true);
  log.set(last + 1, copy);
  const err = await rejectsWith(() => r.refresh(), 'CORRUPT', { message: /^refresh: .*rebuilt/ });
  assert.equal(err.seq, last + 1);
  assert.deepEqual(view(r), good);
  assert.deepEqual(changes.map((c) => [c.seq, c.reloaded]), [[last, false], [last, true]],
    'the index was rebuilt (reloaded) at the last good record');
  await r.close(); w.dispose();
});

test('every state a follower shows is one the writer committed (seeded random commits and checkpoints)', async () => {
  const rand = mulberry32(73);
  const storage = new MemoryStorage();
  const w = await EdgeVec.open('db', { storage, dimensions: DIM, idType: 'number', autoCheckpoint: false });
  await w.insertBatch(rows.slice(0, 10)); await w.flush();
  /** @type {Map<number, string>} the writer's view after each commit, by seq */
  const committed = new Map();
  const seen = [];
  const r = await EdgeVec.open('db', {
    storage, readOnly: true, follow: true, followIntervalMs: 0, idType: 'number',
    onChange: (c) => seen.push([c.seq, JSON.stringify(view(r))]),
  });
  committed.set((await r.refresh()).seq, JSON.stringify(view(w)));
  let next = 10;
  for (let step = 0; step < 40; step++) {
    const n = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < n && next < rows.length; i++) w.insert(rows[next++]);
    if (rand() < 0.3) w.softDelete(Math.floor(rand() * next));
    await w.flush();
    if (rand() < 0.2) await w.checkpoint();
    // The writer's position: what a fresh reader loads.
    const probe = await EdgeVec.open('db', { storage, readOnly: true, idType: 'number' });
    committed.set((await probe.refresh()).seq, JSON.stringify(view(w)));
    await probe.close();
    if (rand() < 0.5) await sleep(1); // let some announcements land between commits, others pile up
  }
  await until(() => r.size === w.size && seen.length > 0 && seen.at(-1)[0] === Math.max(...committed.keys()), 'the last commit');
  for (const [seq, state] of seen) assert.equal(state, committed.get(seq), `the state shown at seq ${seq} was committed`);
  assert.ok(seen.length >= 5, `several intermediate states were shown (${seen.length})`);
  await r.close(); await w.close();
});

for (const backend of backends) {
  test(`${backend.name}: waitForWriter is granted once the writer closes; its writes persist`, async () => {
    const env = await backend.make();
    const a = await EdgeVec.open('db', { storage: env.tab(), dimensions: DIM, idType: 'number' });
    await a.insertBatch(rows.slice(0, 10));
    await rejectsWith(() => EdgeVec.open('db', { storage: env.tab(), idType: 'number' }), 'LOCKED');
    let granted = false;
    const waiting = EdgeVec.open('db', { storage: env.tab(), idType: 'number', waitForWriter: true })
      .then((db) => { granted = true; return db; });
    await sleep(150);
    assert.equal(granted, false, 'still waiting while the writer is open');
    await a.close();
    const b = await waiting;
    assert.equal(b.size, 10, 'it sees what the writer committed at close');
    b.insert(rows[10], 500); await b.close();
    const c = await EdgeVec.open('db', { storage: env.tab(), readOnly: true, idType: 'number' });
    assert.equal(c.size, 11);
    assert.equal(c.has(500), true);
    await c.close();
    await env.done();
  });

  test(`${backend.name}: becomeWriter catches up with the writer's last commit, then writes the same data`, async () => {
    const env = await backend.make();
    const a = await EdgeVec.open('db', { storage: env.tab(), dimensions: DIM, idType: 'number', autoCheckpoint: false });
    await a.insertBatch(rows.slice(0, 10)); await a.flush();
    const b = await EdgeVec.open('db', { storage: env.tab(), readOnly: true, idType: 'number' });
    const becoming = b.becomeWriter();
    await sleep(100);
    // Commits made while b waits, the last one by close() itself.
    await a.insertBatch(rows.slice(10, 20)); await a.checkpoint();
    a.insert(rows[20], 300);
    const expected = view(a);
    await a.close();
    await becoming;
    assert.deepEqual(view(b), expected);
    b.insert(rows[21], 301); b.softDelete(300);
    await rejectsWith(() => b.refresh(), 'INVALID_ARGUMENT', { message: /readOnly/ });
    await b.close();
    const c = await EdgeVec.open('db', { storage: env.tab(), idType: 'number' });
    assert.equal(c.size, 21);
    assert.equal(c.has(301), true);
    assert.equal(c.has(300), false);
    await c.close();
    await env.done();
  });
}

test('IndexedDB without Web Locks: a writer that vanished keeps its record until its lease runs out, then the waiting open gets it', async () => {
  const factory = new IDBFactory();
  const LEASE = { leaseMs: 400, heartbeatMs: 100 };
  // Two tabs without Web Locks: each realm has its own fallback locks.
  const tab = () => new IndexedDbStorage({ indexedDB: factory, IDBKeyRange, locks: new InProcessLocks(), lease: LEASE });
  const a = await EdgeVec.open('db', { storage: tab(), dimensions: DIM, idType: 'number' });
  await a.insertBatch(rows.slice(0, 5)); await a.flush();
  // Another tab that then died without closing left its writer record,
  // with a fresh heartbeat that nobody renews.
  const raw = await new Promise((resolve, reject) => {
    const req = factory.open('edgevec:db');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const deadAt = Date.now();
  const put = raw.transaction(['meta'], 'readwrite');
  put.objectStore('meta').put({ token: 'a-tab-that-died', heartbeatAt: deadAt }, 'writer');
  await new Promise((r) => { put.oncomplete = r; });
  raw.close();
  // a's own heartbeat now finds the record is not its own and stops; a is
  // fenced (and stands for the dead tab from here on).
  await rejectsWith(() => EdgeVec.open('db', { storage: tab(), idType: 'number' }), 'LOCKED');
  const b = await EdgeVec.open('db', { storage: tab(), idType: 'number', waitForWriter: true });
  const waited = Date.now() - deadAt;
  assert.ok(waited >= LEASE.leaseMs - 20, `granted only once the lease ran out (${waited} ms)`);
  assert.equal(b.size, 5);
  b.insert(rows[5], 77); await b.flush();
  await rejectsWith(() => { a.insert(rows[6]); return a.flush(); }, 'LOCKED');
  await b.close();
  a.dispose();
  const c = await EdgeVec.open('db', { storage: tab(), readOnly: true, idType: 'number' });
  assert.equal(c.size, 6);
  await c.close();
});

test('an AbortSignal ends a waiting open and a waiting becomeWriter with ABORTED; nothing changes', async () => {
  const storage = new MemoryStorage();
  const a = await EdgeVec.open('db', { storage, dimensions: DIM, idType: 'number' });
  await a.insertBatch(rows.slice(0, 5)); await a.flush();
  const ctl = new AbortController();
  const waiting = EdgeVec.open('db', { storage, idType: 'number', waitForWriter: true, signal: ctl.signal });
  setTimeout(() => ctl.abort(new Error('the user went elsewhere')), 120);
  const err = await rejectsWith(() => waiting, 'ABORTED', { message: /wait/ });
  assert.equal(/** @type {Error} */ (err.cause).message, 'the user went elsewhere');
  // Already aborted: no wait at all.
  await rejectsWith(() => EdgeVec.open('db', { storage, idType: 'number', waitForWriter: true, signal: AbortSignal.abort() }), 'ABORTED');

  const r = await EdgeVec.open('db', { storage, readOnly: true, follow: true, followIntervalMs: 0, idType: 'number' });
  const ctl2 = new AbortController();
  const becoming = r.becomeWriter({ signal: ctl2.signal });
  setTimeout(() => ctl2.abort(), 80);
  await rejectsWith(() => becoming, 'ABORTED');
  // Still a read-only follower.
  await rejectsWith(() => r.insert(rows[9]), 'READ_ONLY');
  a.insert(rows[5]); await a.flush();
  await until(() => r.size === 6, 'following after the aborted wait');
  await a.close();
  await r.becomeWriter();
  r.insert(rows[6]); await r.close();
  const c = await EdgeVec.open('db', { storage, readOnly: true, idType: 'number' });
  assert.equal(c.size, 7);
  await c.close();
});

test('option and call checks', async () => {
  const storage = new MemoryStorage();
  const w = await EdgeVec.open('db', { storage, dimensions: DIM, idType: 'number' });
  await w.flush();
  await rejectsWith(() => EdgeVec.open('db', { storage, follow: true }), 'INVALID_ARGUMENT', { message: /read-only/ });
  await rejectsWith(() => EdgeVec.open('db', { storage, readOnly: true, waitForWriter: true }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.open('db', { storage, readOnly: true, follow: 1 }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.open('db', { storage, readOnly: true, follow: true, followIntervalMs: -1 }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.open('db', { storage, readOnly: true, onChange: 'x' }), 'INVALID_ARGUMENT');
  await rejectsWith(() => EdgeVec.open('db', { storage, waitForWriter: true, signal: {} }), 'INVALID_ARGUMENT');
  await rejectsWith(() => w.refresh(), 'INVALID_ARGUMENT', { message: /readOnly/ });
  await rejectsWith(() => w.becomeWriter(), 'INVALID_ARGUMENT', { message: /readOnly/ });
  const mem = await EdgeVec.create({ dimensions: DIM });
  await rejectsWith(() => mem.refresh(), 'INVALID_ARGUMENT', { message: /readOnly/ });
  await rejectsWith(() => mem.becomeWriter(), 'INVALID_ARGUMENT', { message: /readOnly/ });
  const r = await EdgeVec.open('db', { storage, readOnly: true });
  await rejectsWith(() => r.becomeWriter({ signal: 5 }), 'INVALID_ARGUMENT', { message: /signal/ });
  await rejectsWith(() => r.becomeWriter(7), 'INVALID_ARGUMENT', { message: /options/ });
  const ctl = new AbortController();
  const first = r.becomeWriter({ signal: ctl.signal });
  await rejectsWith(() => r.becomeWriter(), 'INVALID_ARGUMENT', { message: /already waiting/ });
  ctl.abort();
  await rejectsWith(() => first, 'ABORTED');
  r.dispose();
  await rejectsWith(() => r.refresh(), 'DISPOSED');
  await w.close();
});

/**
 * Starts a writer in another process over `dir`: it inserts `n` rows with
 * ids from `firstId`, flushes, prints "flushed", then waits for a line on
 * stdin: "close" closes the database and exits, "die" exits at once
 * without closing (its LOCK stays, naming a process that is gone).
 */
function childWriter(dir, firstId, n) {
  const index = fileURLToPath(new URL('../../js/index.js', import.meta.url));
  const nodeFile = fileURLToPath(new URL('../../js/storage/node-file.js', import.meta.url));
  const script = `
    const { EdgeVec } = await import(${JSON.stringify(index)});
    const { NodeFileStorage } = await import(${JSON.stringify(nodeFile)});
    const db = await EdgeVec.open('db', { storage: new NodeFileStorage(${JSON.stringify(dir)}), dimensions: ${DIM}, idType: 'number' });
    const rows = ${JSON.stringify(rows.slice(0, n).map((r) => Array.from(r)))};
    await db.insertBatch(rows, { ids: rows.map((_, i) => ${firstId} + i) });
    await db.flush();
    console.log('flushed');
    process.stdin.once('data', async (d) => {
      if (String(d).trim() === 'close') await db.close();
      process.exit(0);
    });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const flushed = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => { if (String(d).includes('flushed')) resolve(undefined); });
    child.once('exit', (code) => reject(new Error(`the writer process exited (${code}) before flushing`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { flushed, exited, send: (line) => child.stdin.write(`${line}\n`) };
}

test('NodeFileStorage across processes: the timer follows a writer in another process; waitForWriter gets the database when it closes, or dies', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgevec-follow-proc-'));
  try {
    const first = await EdgeVec.open('db', { storage: new NodeFileStorage(dir), dimensions: DIM, idType: 'number' });
    await first.close();
    const r = await EdgeVec.open('db', { storage: new NodeFileStorage(dir), readOnly: true, follow: true, followIntervalMs: 40, idType: 'number' });
    const child = childWriter(dir, 100, 12);
    await child.flushed;
    await until(() => r.size === 12, "the other process's commit", 5000);
    assert.equal(r.has(111), true);
    // It closes: a waiting open here gets the database.
    const waiting = EdgeVec.open('db', { storage: new NodeFileStorage(dir), idType: 'number', waitForWriter: true });
    await sleep(100);
    child.send('close');
    const w = await waiting;
    assert.equal(w.size, 12);
    await w.close();
    // Another writer process dies without closing: its LOCK names a process
    // that is gone, which the waiting open recognises.
    const dying = childWriter(dir, 200, 3);
    await dying.flushed;
    await rejectsWith(() => EdgeVec.open('db', { storage: new NodeFileStorage(dir), idType: 'number' }), 'LOCKED');
    const waiting2 = EdgeVec.open('db', { storage: new NodeFileStorage(dir), idType: 'number', waitForWriter: true });
    await sleep(100);
    dying.send('die');
    await dying.exited;
    const w2 = await waiting2;
    assert.equal(w2.size, 15);
    assert.equal(w2.has(202), true);
    await w2.close();
    await until(() => r.size === 15, 'the dead writer\'s flushed commit', 5000);
    await r.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
