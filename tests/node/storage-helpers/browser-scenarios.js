// Storage-level scenarios for real browsers (no Node imports): the browser
// suite (tests/browser/storage-scenarios.spec.js) imports this module in a
// page, served from the repository root.
//
//   checkpointLoop(name, options, progress)
//                           commits forever in this tab: a log record, then a
//                           3 MB checkpoint, again and again; `progress`
//                           counts them ({ commits, checkpoints }) so a test
//                           can wait for a point before it kills the tab.
//                           Close the tab at any moment to kill it mid-commit.
//   inspectAfterKill(name)  in a fresh tab: a read-only load must be a
//                           complete state (the snapshot of generation g is
//                           3 MB of byte g, log records follow snapshotSeq
//                           without gaps and hold byte seq), and the next
//                           writable open followed by removeLeftovers (as
//                           EdgeVec.open does) must leave chunks of the
//                           current generation only. Returns { ok, ... } with what
//                           it saw (orphan generations before and after).

import { IndexedDbStorage } from '../../../js/storage/index.js';

/** Small chunks so a checkpoint spans several transactions. */
export const SCENARIO_OPTIONS = { chunkBytes: 256 * 1024, transactionBytes: 512 * 1024 };
const SNAPSHOT_BYTES = 3e6;

/** @param {string} name @param {object} [options] @param {{ commits?: number, checkpoints?: number }} [progress] */
export async function checkpointLoop(name, options = SCENARIO_OPTIONS, progress = {}) {
  const h = await new IndexedDbStorage(options).open(name);
  let m = await h.readManifest();
  let seq = Math.max(m ? m.snapshotSeq : 0, ...(await h.readLog()).map((r) => r.seq));
  for (;;) {
    seq++;
    await h.appendLog(seq, new Uint8Array(100).fill(seq & 255));
    progress.commits = (progress.commits ?? 0) + 1;
    const gen = (m ? m.generation : 0) + 1;
    m = await h.writeSnapshot(new Uint8Array(SNAPSHOT_BYTES).fill(gen & 255), seq);
    progress.checkpoints = (progress.checkpoints ?? 0) + 1;
  }
}

/** Generations that have chunks, read directly from IndexedDB. */
function chunkGenerations(dbName) {
  return new Promise((resolve, reject) => {
    const q = indexedDB.open(dbName);
    q.onerror = () => reject(q.error);
    q.onsuccess = () => {
      const db = q.result;
      const t = db.transaction('chunks', 'readonly');
      const keys = t.objectStore('chunks').getAllKeys();
      t.oncomplete = () => { db.close(); resolve([...new Set(keys.result.map((k) => k[0]))].sort((a, b) => a - b)); };
      t.onabort = () => { db.close(); reject(t.error); };
    };
  });
}

/** @param {string} name @param {object} [options] */
export async function inspectAfterKill(name, options = SCENARIO_OPTIONS) {
  const storage = new IndexedDbStorage(options);
  let reader;
  try {
    reader = await storage.open(name, { readOnly: true });
  } catch (err) {
    // killed before the database was created: nothing to check
    return { ok: err.code === 'NOT_FOUND', missing: true, code: err.code };
  }
  const state = await reader.load();
  await reader.close();
  const m = state.manifest;
  const snapshotOk = !m || (state.snapshot.length === SNAPSHOT_BYTES && state.snapshot.every((b) => b === (m.generation & 255)));
  const from = m ? m.snapshotSeq : 0;
  const logOk = state.log.every((rec, i) => rec.seq === from + 1 + i && rec.bytes.length === 100 && rec.bytes.every((b) => b === (rec.seq & 255)));
  const prefix = options.prefix ?? 'edgevec:';
  const before = await chunkGenerations(prefix + name);
  const writer = await storage.open(name);
  // A writable open that leaves the clean-up to an explicit call (after the
  // state it would replace has been read) gets that call here.
  if (typeof writer.removeLeftovers === 'function') await writer.removeLeftovers();
  const after = await chunkGenerations(prefix + name);
  await writer.close();
  const cleanOk = JSON.stringify(after) === JSON.stringify(m ? [m.generation] : []);
  return {
    ok: snapshotOk && logOk && cleanOk,
    generation: m && m.generation, snapshotSeq: from, logRecords: state.log.length,
    snapshotOk, logOk, cleanOk, generationsBefore: before, generationsAfter: after,
  };
}
