// tests/node/storage-node-file.lock.test.js (js/storage/node-file.js) — the
// LOCK file of NodeFileStorage: "<pid> <token>", a LOCK with our own pid but
// a token no handle of this process holds is a previous process's (the
// restart of a container's pid 1), the legacy "<pid>" form of older
// versions, and the fence before every commit point: a writer whose LOCK no
// longer holds its token fails with LOCKED and changes nothing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { NodeFileStorage } from '../../js/storage/node-file.js';
import { bytesOf, rejectsWith } from './storage-helpers/conformance.js';

const TMP = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const OTHER_TOKEN = '5eed'.repeat(8);
const LOCK_LINE = new RegExp(`^${process.pid} ([0-9a-f]{32})\n$`);

async function tempRoot(t) {
  const root = await mkdtemp(join(TMP, 'edgevec-lock-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

/** gen 1 = bytesOf(35, 1) at seq 2, log 3..5, in root/db; closed. */
async function seed(root) {
  const h = await new NodeFileStorage(root).open('db');
  for (let seq = 1; seq <= 3; seq++) await h.appendLog(seq, bytesOf(seq, seq));
  await h.writeSnapshot(bytesOf(35, 1), 2);
  for (let seq = 4; seq <= 5; seq++) await h.appendLog(seq, bytesOf(seq, seq));
  await h.close();
}

/** Every file of the database directory with its bytes. */
async function dirState(root) {
  const dir = join(root, 'db');
  const out = {};
  for (const name of (await readdir(dir)).sort()) out[name] = [...(await readFile(join(dir, name)))];
  return out;
}

const loaded = async (h) => {
  const s = await h.load();
  return { manifest: s.manifest, snapshot: [...s.snapshot], log: s.log.map((r) => r.seq) };
};
const SEEDED = { manifest: { generation: 1, snapshotSeq: 2, snapshotBytes: 35 }, snapshot: [...bytesOf(35, 1)], log: [3, 4, 5] };

/** A process that stays alive until the test ends. */
function liveChild(t) {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  t.after(() => child.kill());
  return child;
}

describe('NodeFileStorage LOCK', () => {
  it('a LOCK with our own pid and a token no handle holds is a previous process\'s: stale', async (t) => {
    const root = await tempRoot(t);
    await seed(root);
    const lockPath = join(root, 'db', 'LOCK');
    const storage = new NodeFileStorage(root);
    // What a killed process that had our pid leaves (pid 1 in a container,
    // restarted as pid 1), in the current form and in the legacy one.
    for (const left of [`${process.pid} ${OTHER_TOKEN}\n`, `${process.pid}\n`]) {
      await writeFile(lockPath, left);
      const h = await storage.open('db');
      const mine = await readFile(lockPath, 'utf8');
      assert.match(mine, LOCK_LINE, `replaced ${JSON.stringify(left)}`);
      assert.notEqual(mine, left);
      assert.deepEqual(await loaded(h), SEEDED);
      await h.appendLog(6, bytesOf(6, 6)); // and it can write
      await h.close();
      assert.equal(existsSync(lockPath), false, 'close() removes its own LOCK');
      const r = await storage.open('db', { readOnly: true });
      assert.deepEqual((await r.readLog()).map((x) => x.seq), [3, 4, 5, 6]);
      await r.close();
      await unlink(join(root, 'db', `log-${String(6).padStart(16, '0')}.bin`));
    }
  });

  it('a LOCK held by a live handle of this process, or by a live process, is LOCKED', async (t) => {
    const root = await tempRoot(t);
    await seed(root);
    const lockPath = join(root, 'db', 'LOCK');
    const h = await new NodeFileStorage(root).open('db');
    const held = await readFile(lockPath, 'utf8');
    assert.match(held, LOCK_LINE);
    // Same directory through another spelling of its path: only the token
    // tells that this process's own handle holds it.
    // (join() would normalise "<root>/." back to root.)
    const sameDir = `${root}/./../${basename(root)}`;
    await rejectsWith(new NodeFileStorage(sameDir).open('db'), 'LOCKED');
    await rejectsWith(new NodeFileStorage(sameDir).remove('db'), 'LOCKED');
    assert.equal(await readFile(lockPath, 'utf8'), held, 'a refused open leaves LOCK alone');
    await h.close();

    const child = liveChild(t);
    for (const text of [`${child.pid} ${OTHER_TOKEN}\n`, `${child.pid}\n`]) {
      await writeFile(lockPath, text);
      await rejectsWith(new NodeFileStorage(root).open('db'), 'LOCKED');
      assert.equal(await readFile(lockPath, 'utf8'), text);
    }
    // The same LOCKs once that process is gone: stale.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    for (const text of [`${dead} ${OTHER_TOKEN}\n`, `${dead}\n`]) {
      await writeFile(lockPath, text);
      await (await new NodeFileStorage(root).open('db')).close();
    }
  });

  it('a writer whose LOCK no longer holds its token fails appendLog and writeSnapshot with LOCKED, changing nothing', async (t) => {
    const root = await tempRoot(t);
    await seed(root);
    const lockPath = join(root, 'db', 'LOCK');
    const child = liveChild(t);
    const takeovers = {
      'a previous process of our pid took it back': `${process.pid} ${OTHER_TOKEN}\n`,
      'another process took it over': `${child.pid} ${OTHER_TOKEN}\n`,
      'an older version took it over': `${child.pid}\n`,
      'LOCK was deleted': null,
    };
    for (const [what, text] of Object.entries(takeovers)) {
      const h = await new NodeFileStorage(root).open('db');
      await h.appendLog(6, bytesOf(6, 6)); // still ours: commits
      if (text === null) await unlink(lockPath);
      else await writeFile(lockPath, text);
      const before = await dirState(root);
      await rejectsWith(h.appendLog(7, bytesOf(7, 7)), 'LOCKED', /no longer this handle's/);
      assert.deepEqual(await dirState(root), before, `appendLog changed nothing (${what})`);
      // A checkpoint would otherwise write snapshot-2.bin, the very file the
      // new writer's next checkpoint writes, and then the manifest.
      await rejectsWith(h.writeSnapshot(bytesOf(80, 3), 6), 'LOCKED', /no longer this handle's/);
      assert.deepEqual(await dirState(root), before, `writeSnapshot changed nothing (${what})`);
      await h.close();
      assert.deepEqual(await dirState(root), before, `close() left the other writer's LOCK alone (${what})`);
      // Clean up for the next round: back to the seeded state, no LOCK.
      await unlink(join(root, 'db', `log-${String(6).padStart(16, '0')}.bin`));
      if (text !== null) await unlink(lockPath);
    }
  });
});
