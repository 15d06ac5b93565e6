// tests/node/storage-node-file.test.js (js/storage/node-file.js) —
// NodeFileStorage beyond the conformance suite: a crash at every file system
// call of a checkpoint and of a log append leaves the old or the new state;
// leftovers of interrupted writes are ignored by readers and removed by the
// next writer; the lock file (live, stale, fresh, same process); ENOSPC.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { NodeFileStorage, encodeName } from '../../js/storage/node-file.js';
import { bytesOf, rejectsWith } from './storage-helpers/conformance.js';
import { faultyFs } from './storage-helpers/fs-faults.js';

const snapA = bytesOf(35, 1);
const snapB = bytesOf(95, 2);

const summary = (state) => ({
  manifest: state.manifest,
  snapshot: state.snapshot && [...state.snapshot],
  log: state.log.map((r) => [r.seq, [...r.bytes]]),
});
const OLD = {
  manifest: { generation: 1, snapshotSeq: 2, snapshotBytes: 35 },
  snapshot: [...snapA],
  log: [3, 4, 5].map((s) => [s, [...bytesOf(s, s)]]),
};
const NEW = { manifest: { generation: 2, snapshotSeq: 5, snapshotBytes: 95 }, snapshot: [...snapB], log: [] };
const logName = (seq) => `log-${String(seq).padStart(16, '0')}.bin`;

/** A pid that belongs to no running process any more (one spawn per file). */
let dead = 0;
function deadPid() {
  if (!dead) dead = spawnSync(process.execPath, ['-e', '']).pid;
  return dead;
}

// The crash loops make hundreds of fsyncs; on a busy disk that is seconds of
// waiting that prove nothing more, so use a memory-backed tmpfs where there
// is one (the calls, and their order, are the same).
const TMP = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

async function tempRoot(t) {
  const root = await mkdtemp(join(TMP, 'edgevec-nodefile-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

/** gen 1 = snapA at seq 2, log 3..5, in root/db */
async function seed(root) {
  const h = await new NodeFileStorage(root).open('db');
  for (let seq = 1; seq <= 3; seq++) await h.appendLog(seq, bytesOf(seq, seq));
  await h.writeSnapshot(snapA, 2);
  for (let seq = 4; seq <= 5; seq++) await h.appendLog(seq, bytesOf(seq, seq));
  await h.close();
}

/**
 * Runs `work` on a copy of `seedRoot` with a crash at call k, for k = 1, 2,
 * ... until a run completes, and checks after each crash what a restarted
 * process finds.
 */
async function crashEverywhere(t, seedRoot, work, check, afterCrash = () => {}) {
  const outcomes = [];
  for (let k = 1; k < 500; k++) {
    const root = await tempRoot(t);
    await cp(seedRoot, root, { recursive: true });
    const f = faultyFs({ crashAt: k });
    let handle = null;
    let finished = false;
    try {
      handle = await new NodeFileStorage(root, { fs: f.fs }).open('db');
      await work(handle);
      finished = true;
    } catch (err) {
      assert.equal(err.name, 'EdgeVecError', String(err));
      assert.equal(err.code, 'STORAGE');
      assert.ok(f.dead, `failed without a crash: ${err.message}`);
    }
    if (handle) await handle.close(); // forgets the in-process lock; the dead fs keeps LOCK on disk
    // The restarted process finds LOCK as the crash left it: naming our own
    // pid (as a container's pid 1 restarts as pid 1) with a token no handle
    // holds. Only a LOCK cut short while it was being written (no complete
    // line) waits out its 10 s of being "written"; the restart comes later.
    const lockPath = join(root, 'db', 'LOCK');
    const lockText = await readFile(lockPath, 'utf8').catch(() => null);
    if (lockText !== null && !lockText.endsWith('\n')) await utimes(lockPath, new Date(0), new Date(0));
    afterCrash(await readdir(join(root, 'db')));

    const storage = new NodeFileStorage(root);
    const reader = await storage.open('db', { readOnly: true });
    const seen = summary(await reader.load());
    await reader.close();
    const writer = await storage.open('db');
    assert.deepEqual(summary(await writer.load()), seen, `writer and reader agree after crash at ${k}`);
    await writer.removeLeftovers(); // as EdgeVec.open does once the state decoded
    const files = (await readdir(join(root, 'db'))).sort();
    await writer.close();
    check(seen, { k, finished, files, op: f.ops.at(-1) });
    outcomes.push(seen);
    if (!f.dead) return outcomes;
  }
  throw new Error('never finished');
}

describe('NodeFileStorage', () => {
  it('a crash at any file system call of a checkpoint leaves the old state or the new one', async (t) => {
    const seedRoot = await tempRoot(t);
    await seed(seedRoot);
    let sawNew = false;
    const outcomes = await crashEverywhere(t, seedRoot, (h) => h.writeSnapshot(snapB, 5), (seen, { k, finished, files, op }) => {
      const isNew = JSON.stringify(seen) === JSON.stringify(NEW);
      assert.ok(isNew || JSON.stringify(seen) === JSON.stringify(OLD), `crash at ${k} (${op}) left a third state`);
      if (finished) assert.ok(isNew, 'a completed writeSnapshot is durable');
      if (sawNew) assert.ok(isNew, `crash at ${k} went back to the old state`);
      sawNew ||= isNew;
      // removeLeftovers cleaned every leftover
      const want = isNew
        ? ['LOCK', 'manifest.json', 'snapshot-2.bin']
        : ['LOCK', logName(3), logName(4), logName(5), 'manifest.json', 'snapshot-1.bin'];
      assert.deepEqual(files, want.sort(), `files after crash at ${k} (${op})`);
    });
    assert.ok(outcomes.length > 15, `${outcomes.length} crash points`);
    assert.ok(outcomes.some((o) => JSON.stringify(o) === JSON.stringify(OLD)));
  });

  it('a crash at any file system call of the first checkpoint leaves the log alone or the new state, never CORRUPT', async (t) => {
    const seedRoot = await tempRoot(t);
    const h = await new NodeFileStorage(seedRoot).open('db');
    for (let seq = 1; seq <= 3; seq++) await h.appendLog(seq, bytesOf(seq, seq));
    await h.close();
    const logOnly = { manifest: null, snapshot: null, log: [1, 2, 3].map((s) => [s, [...bytesOf(s, s)]]) };
    const first = { manifest: { generation: 1, snapshotSeq: 2, snapshotBytes: 35 }, snapshot: [...snapA], log: [[3, [...bytesOf(3, 3)]]] };
    let sawOrphan = false;
    const outcomes = await crashEverywhere(t, seedRoot, (w) => w.writeSnapshot(snapA, 2), (seen, { k, finished, files }) => {
      const isNew = JSON.stringify(seen) === JSON.stringify(first);
      assert.ok(isNew || JSON.stringify(seen) === JSON.stringify(logOnly), `crash at ${k} left a third state`);
      if (finished) assert.ok(isNew);
      assert.deepEqual(files, (isNew ? ['LOCK', logName(3), 'manifest.json', 'snapshot-1.bin'] : ['LOCK', logName(1), logName(2), logName(3)]).sort(),
        `files after crash at ${k}`);
    }, (dir) => { sawOrphan ||= dir.includes('snapshot-1.bin') && !dir.includes('manifest.json'); });
    assert.ok(sawOrphan, 'some crash left the new snapshot file without a manifest');
    assert.ok(outcomes.length > 8, `${outcomes.length} crash points`);
  });

  it('a crash at any file system call of appendLog loses at most that record', async (t) => {
    const seedRoot = await tempRoot(t);
    await seed(seedRoot);
    const withSix = { ...OLD, log: [...OLD.log, [6, [...bytesOf(60, 6)]]] };
    await crashEverywhere(t, seedRoot, (h) => h.appendLog(6, bytesOf(60, 6)), (seen, { k, finished }) => {
      const s = JSON.stringify(seen);
      assert.ok(s === JSON.stringify(OLD) || s === JSON.stringify(withSix), `crash at ${k}`);
      if (finished) assert.equal(s, JSON.stringify(withSix));
    });
  });

  it('leftovers of interrupted writes are ignored by readers and the writable open, and removed by removeLeftovers', async (t) => {
    const root = await tempRoot(t);
    await seed(root);
    const dir = join(root, 'db');
    const junk = {
      'manifest.json.tmp-123-1': '{"format":1,"generation":7,"snapsh', // torn
      'snapshot-3.bin': 'a snapshot whose manifest never flipped',
      'snapshot-2.bin.tmp-123-2': 'half',
      [`${logName(9)}.tmp-123-3`]: 'half a record',
      [logName(1)]: 'a record the snapshot already holds',
    };
    for (const [name, text] of Object.entries(junk)) await writeFile(join(dir, name), text);
    await writeFile(join(dir, 'NOTES.txt'), 'not ours: left alone');

    const storage = new NodeFileStorage(root);
    const reader = await storage.open('db', { readOnly: true });
    assert.deepEqual(summary(await reader.load()), OLD);
    assert.deepEqual((await reader.readLog(0)).map((r) => r.seq), [3, 4, 5], 'records <= snapshotSeq never come back');
    assert.equal(await reader.sizeBytes(), 35 + 3 + 4 + 5);
    await reader.close();
    for (const name of Object.keys(junk)) assert.ok((await readdir(dir)).includes(name), 'a reader deletes nothing');

    const writer = await storage.open('db');
    assert.deepEqual(summary(await writer.load()), OLD);
    for (const name of Object.keys(junk)) assert.ok((await readdir(dir)).includes(name), 'a writable open deletes nothing');
    await writer.removeLeftovers();
    assert.deepEqual((await readdir(dir)).sort(),
      ['LOCK', 'NOTES.txt', logName(3), logName(4), logName(5), 'manifest.json', 'snapshot-1.bin'].sort());
    await writer.writeSnapshot(snapB, 5);
    await writer.close();
  });

  it('a torn manifest, or one naming another length, is CORRUPT', async (t) => {
    const root = await tempRoot(t);
    await seed(root);
    await writeFile(join(root, 'db', 'manifest.json'), '{"format":1,"generation":');
    await rejectsWith(new NodeFileStorage(root).open('db'), 'CORRUPT', /manifest/);
    await writeFile(join(root, 'db', 'manifest.json'), '{"format":1,"generation":1,"snapshotSeq":2,"snapshotBytes":36}');
    const r = await new NodeFileStorage(root).open('db', { readOnly: true });
    await rejectsWith(r.readSnapshot(1), 'CORRUPT', /36/);
    await r.close();
  });

  it('lock file: a live owner is LOCKED, a dead owner is stale, a fresh empty one is being written', async (t) => {
    const root = await tempRoot(t);
    await seed(root);
    const lockPath = join(root, 'db', 'LOCK');
    const storage = new NodeFileStorage(root);

    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    t.after(() => child.kill());
    await writeFile(lockPath, `${child.pid}\n`);
    await rejectsWith(storage.open('db'), 'LOCKED');
    await rejectsWith(storage.remove('db'), 'LOCKED');
    const reader = await storage.open('db', { readOnly: true }); // readers need no lock
    assert.equal((await reader.readManifest()).generation, 1);
    await reader.close();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await exited;
    const h = await storage.open('db'); // the owner died: stale
    assert.match(await readFile(lockPath, 'utf8'), new RegExp(`^${process.pid} [0-9a-f]{32}\n$`));
    // This process holds it, whatever the spelling of the path.
    const sameDir = `${root}/./../${basename(root)}`; // not normalised, as join() would
    await rejectsWith(new NodeFileStorage(sameDir).open('db'), 'LOCKED');
    await h.close();
    assert.equal(await readFile(lockPath).catch(() => null), null, 'close() removes LOCK');

    await writeFile(lockPath, '');
    await rejectsWith(storage.open('db'), 'LOCKED');
    await writeFile(lockPath, `${deadPid()}\n`);
    await (await storage.open('db')).close();
  });

  it('ENOSPC is STORAGE_QUOTA, leaves no temporary file, and the handle stays usable', async (t) => {
    const root = await tempRoot(t);
    let full = false;
    const f = faultyFs({ enospc: () => full });
    const h = await new NodeFileStorage(root, { fs: f.fs }).open('db');
    await h.appendLog(1, bytesOf(10));
    full = true;
    await rejectsWith(h.appendLog(2, bytesOf(10)), 'STORAGE_QUOTA', /no space/);
    await rejectsWith(h.writeSnapshot(bytesOf(100), 1), 'STORAGE_QUOTA');
    assert.deepEqual((await readdir(join(root, 'db'))).sort(), ['LOCK', logName(1)]);
    full = false;
    await h.appendLog(2, bytesOf(10));
    await h.writeSnapshot(bytesOf(100), 2);
    assert.deepEqual(await h.readManifest(), { generation: 1, snapshotSeq: 2, snapshotBytes: 100 });
    await h.close();
  });

  it('a first snapshot whose manifest cannot be written leaves no snapshot file behind (it would read as a lost manifest)', async (t) => {
    const root = await tempRoot(t);
    let full = true;
    const f = faultyFs({ enospc: (path) => full && path.includes('manifest.json') });
    const h = await new NodeFileStorage(root, { fs: f.fs }).open('db');
    await rejectsWith(h.writeSnapshot(bytesOf(100), 0), 'STORAGE_QUOTA');
    assert.deepEqual((await readdir(join(root, 'db'))).sort(), ['LOCK']);
    full = false;
    await h.close();
    const again = await new NodeFileStorage(root).open('db');
    assert.deepEqual(summary(await again.load()), { manifest: null, snapshot: null, log: [] }, 'still new, not CORRUPT');
    await again.writeSnapshot(bytesOf(100), 0);
    await again.close();
  });

  it('remove is atomic: an interrupted removal is invisible and cleaned by list()', async (t) => {
    const root = await tempRoot(t);
    await seed(root);
    await mkdir(join(root, '.removed-999-1'));
    await writeFile(join(root, '.removed-999-1', 'manifest.json'), '{}');
    const storage = new NodeFileStorage(root);
    assert.deepEqual(await storage.list(), ['db']);
    assert.deepEqual((await readdir(root)).sort(), ['db']);
    await storage.remove('db');
    assert.deepEqual(await readdir(root), []);
  });

  it('encodes names into safe, case-distinct file names', () => {
    assert.equal(encodeName('abc-_09'), 'abc-_09');
    assert.equal(encodeName('A'), '%41');
    assert.equal(encodeName('..'), '%2E%2E');
    assert.equal(encodeName('a/b'), 'a%2Fb');
    assert.equal(encodeName('é'), '%C3%A9');
    assert.ok(!/[A-Z./\\]/.test(encodeName('Any/Path\\With.Dots').replace(/%[0-9A-F]{2}/g, '')));
  });

  it('uses fsync for strict durability only', async (t) => {
    for (const durability of ['strict', 'relaxed']) {
      const root = await tempRoot(t);
      const f = faultyFs();
      const h = await new NodeFileStorage(root, { fs: f.fs, durability }).open('db');
      await h.appendLog(1, bytesOf(3));
      await h.writeSnapshot(bytesOf(9), 1);
      await h.close();
      const syncs = f.ops.filter((op) => op.startsWith('sync'));
      if (durability === 'strict') {
        // each file, and its directory after each rename
        assert.ok(syncs.some((op) => op.includes('.tmp-')), 'file data synced');
        assert.ok(syncs.some((op) => op === `sync ${root}/db`), 'directory synced');
      } else {
        assert.deepEqual(syncs, []);
      }
    }
  });
});
