// js/storage/node-file.js — NodeFileStorage: the storage interface over a
// directory, for Node (servers, tests, scripts). Never imported by the browser
// entry point.
//
// ## Layout
//
//   <root>/<encoded name>/          one directory per database; the name is
//                                   encoded so any string is a safe file name:
//                                   [a-z0-9_-] kept, every other UTF-8 byte
//                                   as %XX (so case-insensitive file systems
//                                   cannot merge two names)
//     LOCK                          writer lock: "<pid> <token>\n", created O_EXCL
//     manifest.json                 {"format":2,"generation":g,"snapshotSeq":s,"snapshotBytes":n,
//                                    "snapshotHeaderCrc":h,"crc":c} (./manifest.js; format 1,
//                                   without the last two, is still read)
//     snapshot-<g>.bin              the snapshot of generation g
//     log-<seq, 16 digits>.bin      one log record
//     pending-<g>                   empty: the first snapshot, generation g, is being written
//     <file>.tmp-<pid>-<n>          a write in progress
//   <root>/.removed-*               a database being removed
//
// ## Writes and what a crash leaves
//
// Every file is written as: temporary file, write, fsync, rename over the
// final name, fsync the directory. The rename is the commit point, so a
// crash leaves the old file or the new one, and at worst a temporary file,
// which is never read and is deleted by removeLeftovers().
//
// appendLog(seq)          commit point: rename of log-<seq>.bin.
// writeSnapshot(bytes, seq), generation g current:
//   0. with no manifest yet (g = 0) only: pending-<g+1> written (as above)
//   1. snapshot-<g+1>.bin written (as above)   crash: orphan file
//      and read back: bytes other than those written are CORRUPT, the
//      file is removed and nothing else changes
//   2. manifest.json naming g+1 (as above)     COMMIT POINT
//   3. unlink snapshot-<g>.bin and log files <= seq, fsync the directory
//                                              crash: leftovers that no read
//                                              returns (reads filter on the
//                                              manifest)
// A writable open deletes nothing: leftovers are removed by
// removeLeftovers(), which the persistence layer calls only once the
// snapshot and the log have been read and decoded without error, so a
// damaged manifest can never make an open delete the data it names wrongly.
// snapshot-<g>.bin files with no manifest.json are CORRUPT (the manifest is
// missing), never a new database, unless a pending-<g> marker says the
// first checkpoint was cut short; only a directory with no committed
// snapshot is new.
// remove(name): rename of the directory to .removed-*, then deletion; a
// crash leaves a .removed-* directory that list() and remove() clean up.
//
// With `durability: 'relaxed'` the fsyncs are skipped: still atomic against
// a crash of the process, not against a power cut.
//
// ## Lock
//
// A writable open creates LOCK with O_EXCL and writes "<pid> <token>\n" into
// it, the token being random and new for every handle. If LOCK exists:
//   - our own pid: live only if its token is held by a handle of this
//     process (another handle may reach the same directory through another
//     spelling of its path). Any other token is a previous process's that
//     had the same pid: after a restart in a container the process is
//     often pid 1 again, and without the token its lock would look live
//     forever;
//   - another pid: live while that process exists (same host), else stale;
//   - "<pid>\n" (written by older versions, which had no token): the same,
//     except that our own pid there is always a previous process's;
//   - anything else (no complete line: being written, or torn by a crash
//     while it was): treated as being written for 10 s, then as stale.
// A stale LOCK is replaced; a live one gives LOCKED. The directory must not
// be shared between hosts (a pid means nothing on another machine). Reuse of
// another pid after a crash can make a stale lock look live: delete LOCK by
// hand when no process uses the database. Two processes replacing the same
// stale lock at the same instant can both succeed (check-then-unlink is not
// atomic), which is why writes are fenced too: just before each commit
// point (the rename of a log record, of a snapshot, of the manifest) the
// writer reads LOCK, and if it no longer holds its token the write fails
// with LOCKED and its temporary file is deleted, so nothing changes. (The
// check and the rename are two calls; what it closes is a writer that lost
// the lock long before its commit, not one overtaken within that instant.)

import { corruptError, fromFsError, isTypedError, storageError } from './errors.js';
import { newToken } from './locks.js';
import {
  checkName, checkSeq, checkAppendSeq, nextManifest, logStart, notCurrentSnapshot, notFound,
  closedError, refuseReadOnly, checkDurability, WriteQueue, copyBytes, publicManifest, sameBytes, checkReadBack,
} from './interface.js';
import {
  encodeManifest, decodeManifest, checkSnapshotBytes, snapshotHeaderCrc, missingManifest,
} from './manifest.js';

/** @typedef {import('./interface.js').StorageManifest} StorageManifest */
/** @typedef {import('./interface.js').StorageHandle} StorageHandle */
/** @typedef {import('./interface.js').StorageState} StorageState */
/** @typedef {import('./interface.js').LogRecord} LogRecord */
/** @typedef {import('./interface.js').StorageOpenOptions} StorageOpenOptions */
/** @typedef {import('./manifest.js').CheckedManifest} CheckedManifest */

/**
 * The subset of `node:fs/promises` used here (typed by hand so that the
 * package type-checks without @types/node).
 * @typedef {object} FileHandleLike
 * @property {(data: Uint8Array) => Promise<void>} writeFile
 * @property {() => Promise<void>} sync
 * @property {() => Promise<void>} close
 */
/**
 * @typedef {object} FsLike
 * @property {(path: string, flags: string) => Promise<FileHandleLike>} open
 * @property {(path: string) => Promise<Uint8Array>} readFile
 * @property {(path: string) => Promise<string[]>} readdir
 * @property {(from: string, to: string) => Promise<void>} rename
 * @property {(path: string) => Promise<void>} unlink
 * @property {(path: string, options: { recursive: boolean }) => Promise<unknown>} mkdir
 * @property {(path: string, options: { recursive: boolean, force: boolean }) => Promise<void>} rm
 * @property {(path: string) => Promise<{ size: number, mtimeMs: number, isDirectory(): boolean, isFile(): boolean }>} stat
 */

/**
 * @typedef {object} NodeFileStorageOptions
 * @property {'strict' | 'relaxed'} [durability]  default 'strict' (fsync every write)
 * @property {FsLike} [fs]  default `node:fs/promises`; tests pass one that injects faults
 */

const MANIFEST = 'manifest.json';
const LOCK = 'LOCK';
const MAX_ENCODED = 200;
const SNAPSHOT_RE = /^snapshot-(\d+)\.bin$/;
const LOG_RE = /^log-(\d{16})\.bin$/;
const TMP_RE = /\.tmp-\d+-\d+$/;
const PENDING_RE = /^pending-(\d+)$/;
/** A LOCK file this young with no pid yet is being written, not stale. */
const FRESH_LOCK_MS = 10_000;
/** "<pid> <token>\n", or "<pid>\n" from older versions. */
const LOCK_RE = /^(\d+)(?: ([0-9a-f]+))?\n$/;

/** @returns {{ pid: number, platform: string, kill: (pid: number, signal: number) => void }} */
function proc() {
  return /** @type {any} */ (globalThis).process;
}

/** Paths of LOCK files held by handles of this process. */
const heldLocks = new Set();
/** Tokens of the LOCK files held by handles of this process. */
const heldTokens = new Set();
let tmpCounter = 0;

/** @param {string} name @returns {string} */
export function encodeName(name) {
  let out = '';
  for (const byte of new TextEncoder().encode(name)) {
    const c = String.fromCharCode(byte);
    out += /[a-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** @param {string} entry @returns {string | null} */
export function decodeName(entry) {
  if (!/^(?:[a-z0-9_-]|%[0-9A-F]{2})+$/.test(entry)) return null;
  const bytes = [];
  for (let i = 0; i < entry.length; i++) {
    if (entry[i] === '%') { bytes.push(parseInt(entry.slice(i + 1, i + 3), 16)); i += 2; } else bytes.push(entry.charCodeAt(i));
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
}

/** @param {number} seq */
function logFile(seq) {
  return `log-${String(seq).padStart(16, '0')}.bin`;
}

/** @param {unknown} err @returns {string} */
function errCode(err) {
  return err && typeof err === 'object' && 'code' in err ? String(err.code) : '';
}

/** @param {Uint8Array} buf a Buffer from readFile; returned as a plain, exact Uint8Array */
function plainBytes(buf) {
  return buf.byteOffset === 0 && buf.buffer.byteLength === buf.byteLength
    ? new Uint8Array(buf.buffer) : new Uint8Array(buf);
}

/**
 * @param {string} text  contents of a LOCK file
 * @returns {{ pid: number, token: string | null } | null}  null: not a complete LOCK
 */
function parseLock(text) {
  const m = LOCK_RE.exec(text);
  return m ? { pid: Number(m[1]), token: m[2] ?? null } : null;
}

/**
 * Whether the writer a LOCK names may still be running.
 * @param {{ pid: number, token: string | null }} owner
 */
function ownerAlive(owner) {
  if (owner.pid === proc().pid) return owner.token !== null && heldTokens.has(owner.token);
  return pidAlive(owner.pid);
}

/** @param {number} pid */
function pidAlive(pid) {
  try {
    proc().kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

export class NodeFileStorage {
  /**
   * @param {string} root  directory that holds the databases (created on demand)
   * @param {NodeFileStorageOptions} [options]
   */
  constructor(root, options = {}) {
    if (typeof root !== 'string' || root === '') throw storageError('STORAGE', 'NodeFileStorage needs a directory path');
    const durability = checkDurability(options.durability);
    this.root = root.replace(/[\\/]+$/, '') || '/';
    this.durability = durability;
    /** @type {FsLike | null} */
    this.fsImpl = options.fs ?? null;
  }

  /** @returns {Promise<FsLike>} */
  async fs() {
    if (!this.fsImpl) {
      // A computed specifier keeps browser bundlers from trying to resolve it.
      const spec = 'node:fs/promises';
      this.fsImpl = /** @type {FsLike} */ (await import(spec));
    }
    return this.fsImpl;
  }

  /** @param {string} name */
  dirOf(name) {
    checkName(name);
    const enc = encodeName(name);
    if (enc.length > MAX_ENCODED) throw storageError('STORAGE', `database name "${name}" is too long for a file name`);
    return `${this.root}/${enc}`;
  }

  /**
   * Writes `bytes` to dir/file atomically (temporary file, fsync, rename,
   * fsync of the directory). `beforeCommit`, if given, runs just before the
   * rename; if it throws, the temporary file is deleted and nothing changed.
   * @param {string} dir @param {string} file @param {Uint8Array} bytes
   * @param {() => Promise<void>} [beforeCommit]
   */
  async writeAtomic(dir, file, bytes, beforeCommit) {
    const fs = await this.fs();
    const tmp = `${dir}/${file}.tmp-${proc().pid}-${++tmpCounter}`;
    const fh = await fs.open(tmp, 'wx');
    try {
      try {
        await fh.writeFile(bytes);
        if (this.durability === 'strict') await fh.sync();
      } finally {
        await fh.close();
      }
      if (beforeCommit) await beforeCommit();
      await fs.rename(tmp, `${dir}/${file}`);
    } catch (err) {
      // Give the space back now (after ENOSPC especially); a crash instead
      // leaves the file to removeLeftovers().
      await fs.unlink(tmp).catch(() => {});
      throw err;
    }
    await this.syncDir(dir);
  }

  /** Makes renames and unlinks in `dir` durable. @param {string} dir */
  async syncDir(dir) {
    if (this.durability !== 'strict' || proc().platform === 'win32') return;
    const fs = await this.fs();
    const fh = await fs.open(dir, 'r');
    try { await fh.sync(); } finally { await fh.close(); }
  }

  /** @param {string} path @returns {Promise<boolean>} */
  async isDir(path) {
    const fs = await this.fs();
    try {
      return (await fs.stat(path)).isDirectory();
    } catch (err) {
      if (errCode(err) === 'ENOENT') return false;
      throw err;
    }
  }

  /**
   * @param {string} dir
   * @returns {Promise<{ token: string, release: () => Promise<void> }>}
   */
  async lock(dir) {
    const fs = await this.fs();
    const path = `${dir}/${LOCK}`;
    const locked = () => storageError('LOCKED', `"${dir}" is open for writing by another handle or process; close it first or open read-only`);
    if (heldLocks.has(path)) throw locked();
    const token = newToken();
    for (let attempt = 0; attempt < 3; attempt++) {
      /** @type {FileHandleLike | null} */
      let fh = null;
      try {
        fh = await fs.open(path, 'wx');
      } catch (err) {
        if (errCode(err) !== 'EEXIST') throw err;
      }
      if (fh) {
        heldLocks.add(path);
        heldTokens.add(token);
        let released = false;
        const release = async () => {
          if (released) return;
          released = true;
          heldLocks.delete(path);
          heldTokens.delete(token);
          // Only our own LOCK: one whose token changed is another writer's.
          if (await this.holds(dir, token).catch(() => false)) await fs.unlink(path).catch(() => {});
        };
        try {
          try {
            await fh.writeFile(new TextEncoder().encode(`${proc().pid} ${token}\n`));
          } finally {
            await fh.close();
          }
        } catch (err) {
          await release();
          throw err;
        }
        return { token, release };
      }
      let text;
      let mtimeMs;
      try {
        text = new TextDecoder().decode(await fs.readFile(path));
        mtimeMs = (await fs.stat(path)).mtimeMs;
      } catch (err) {
        if (errCode(err) === 'ENOENT') continue;
        throw err;
      }
      const owner = parseLock(text);
      const stale = owner ? !ownerAlive(owner) : Date.now() - mtimeMs > FRESH_LOCK_MS;
      if (!stale) throw locked();
      await fs.unlink(path).catch((err) => { if (errCode(err) !== 'ENOENT') throw err; });
    }
    throw locked();
  }

  /**
   * Whether dir/LOCK still names this process and `token`.
   * @param {string} dir @param {string} token
   * @returns {Promise<boolean>}
   */
  async holds(dir, token) {
    const fs = await this.fs();
    let text;
    try {
      text = new TextDecoder().decode(await fs.readFile(`${dir}/${LOCK}`));
    } catch (err) {
      if (errCode(err) === 'ENOENT') return false;
      throw err;
    }
    const owner = parseLock(text);
    return owner !== null && owner.pid === proc().pid && owner.token === token;
  }

  /**
   * @param {string} name
   * @param {StorageOpenOptions} [options]
   * @returns {Promise<StorageHandle>}
   */
  async open(name, options = {}) {
    const dir = this.dirOf(name);
    const readOnly = options.readOnly === true;
    try {
      const fs = await this.fs();
      if (readOnly) {
        if (!(await this.isDir(dir))) throw notFound(name);
        return new FileHandle(this, name, dir, true, null);
      }
      await fs.mkdir(dir, { recursive: true });
      const lock = await this.lock(dir);
      try {
        const handle = new FileHandle(this, name, dir, false, lock);
        await handle.readState();
        return handle;
      } catch (err) {
        await lock.release();
        throw err;
      }
    } catch (err) {
      throw fromFsError(err, `open "${name}"`);
    }
  }

  /** @returns {Promise<string[]>} */
  async list() {
    try {
      const fs = await this.fs();
      let entries;
      try {
        entries = await fs.readdir(this.root);
      } catch (err) {
        if (errCode(err) === 'ENOENT') return [];
        throw err;
      }
      /** @type {string[]} */
      const names = [];
      for (const entry of entries) {
        if (entry.startsWith('.removed-')) {
          await fs.rm(`${this.root}/${entry}`, { recursive: true, force: true }).catch(() => {});
          continue;
        }
        const name = decodeName(entry);
        if (name !== null && (await this.isDir(`${this.root}/${entry}`))) names.push(name);
      }
      return names.sort();
    } catch (err) {
      throw fromFsError(err, 'list databases');
    }
  }

  /** @param {string} name */
  async remove(name) {
    const dir = this.dirOf(name);
    try {
      const fs = await this.fs();
      if (!(await this.isDir(dir))) return;
      const { token, release } = await this.lock(dir);
      const gone = `${this.root}/.removed-${proc().pid}-${++tmpCounter}`;
      try {
        await fs.rename(dir, gone);
      } catch (err) {
        await release();
        throw err;
      }
      // The LOCK file moved with the directory: forget it without unlinking
      // `dir/LOCK`, which may already belong to a new database of that name.
      heldLocks.delete(`${dir}/${LOCK}`);
      heldTokens.delete(token);
      await this.syncDir(this.root);
      await fs.rm(gone, { recursive: true, force: true });
    } catch (err) {
      throw fromFsError(err, `remove "${name}"`);
    }
  }

  /** @param {string} name @returns {Promise<number>} */
  async sizeBytes(name) {
    const dir = this.dirOf(name);
    try {
      if (!(await this.isDir(dir))) return 0;
    } catch (err) {
      throw fromFsError(err, `sizeBytes "${name}"`);
    }
    return new FileHandle(this, name, dir, true, null).sizeBytes();
  }
}

/**
 * @typedef {object} DirState
 * @property {CheckedManifest | null} manifest
 * @property {number[]} logSeqs   ascending, all of them (including stale ones)
 * @property {number[]} snapshots generations present
 * @property {string[]} temps
 * @property {number[]} pending  generations marked as a first snapshot being written
 */

/** @implements {StorageHandle} */
class FileHandle {
  /**
   * @param {NodeFileStorage} storage
   * @param {string} name
   * @param {string} dir
   * @param {boolean} readOnly
   * @param {{ token: string, release: () => Promise<void> } | null} lock  writers only
   */
  constructor(storage, name, dir, readOnly, lock) {
    this.storage = storage;
    this.name = name;
    this.dir = dir;
    this.readOnly = readOnly;
    this.lock = lock;
    this.closed = false;
    /** Where writers announce their changes (./notify.js): the threads of
     * this process; other processes are seen by the followers' timer. */
    this.changeChannel = `edgevec-changes:file:${dir}`;
    this.lastSeq = 0;
    /** @type {CheckedManifest | null} the writer's view of the manifest */
    this.manifest = null;
    this.writes = new WriteQueue(name);
    /** @type {Promise<void> | null} */
    this.closing = null;
  }

  /** @param {string} what @param {boolean} write */
  check(what, write) {
    if (this.closed) throw closedError(what, this.name);
    if (write) refuseReadOnly(this, what);
  }

  /**
   * The fence before a commit point: LOCKED unless LOCK still holds this
   * writer's token (see the file comment).
   * @param {string} what
   */
  async checkOwner(what) {
    if (this.lock && (await this.storage.holds(this.dir, this.lock.token))) return;
    throw storageError('LOCKED',
      `${what}: "${this.name}" is no longer this handle's to write: its LOCK file now names another ` +
      'writer or is gone; nothing was written. Open it again to continue');
  }

  /**
   * @template T
   * @param {string} what @param {boolean} write @param {() => Promise<T>} body
   * @returns {Promise<T>}
   */
  async run(what, write, body) {
    this.check(what, write);
    try {
      return await body();
    } catch (err) {
      throw fromFsError(err, `${what} "${this.name}"`);
    }
  }

  /** @returns {Promise<Uint8Array | null>} the bytes of manifest.json, null if there is none */
  async manifestRaw() {
    const fs = await this.storage.fs();
    try {
      return plainBytes(await fs.readFile(`${this.dir}/${MANIFEST}`));
    } catch (err) {
      if (errCode(err) === 'ENOENT') return null;
      throw err;
    }
  }

  /** @param {Uint8Array | null} raw @returns {CheckedManifest | null} */
  decodeManifestFile(raw) {
    if (raw === null) return null;
    const file = `${this.dir}/${MANIFEST}`;
    return decodeManifest(raw, { text: `${MANIFEST} in "${this.dir}"`, file }, { chunked: false });
  }

  /** @returns {Promise<CheckedManifest | null>} */
  async manifestFile() {
    return this.decodeManifestFile(await this.manifestRaw());
  }

  /**
   * Snapshot files without a manifest: CORRUPT, not a new database, unless
   * marked as a first snapshot that was being written.
   * @param {DirState} s
   */
  refuseOrphanSnapshots(s) {
    const unmarked = s.snapshots.filter((g) => !s.pending.includes(g));
    if (!s.manifest && unmarked.length > 0) {
      const files = unmarked.sort((a, b) => a - b).map((g) => `snapshot-${g}.bin`);
      throw missingManifest(`"${this.dir}" holds ${files.join(', ')}`, `${this.dir}/${MANIFEST}`);
    }
  }

  /** @returns {Promise<DirState>} */
  async scan() {
    const fs = await this.storage.fs();
    const manifest = await this.manifestFile();
    /** @type {DirState} */
    const state = { manifest, logSeqs: [], snapshots: [], temps: [], pending: [] };
    for (const entry of await fs.readdir(this.dir)) {
      let m;
      if ((m = LOG_RE.exec(entry))) state.logSeqs.push(Number(m[1]));
      else if ((m = SNAPSHOT_RE.exec(entry))) state.snapshots.push(Number(m[1]));
      else if (TMP_RE.test(entry)) state.temps.push(entry);
      else if ((m = PENDING_RE.exec(entry))) state.pending.push(Number(m[1]));
    }
    state.logSeqs.sort((a, b) => a - b);
    return state;
  }

  /**
   * Writer open: learns the manifest and the last sequence number. Deletes
   * nothing (see removeLeftovers).
   */
  async readState() {
    const s = await this.scan();
    this.refuseOrphanSnapshots(s);
    this.manifest = s.manifest;
    this.lastSeq = Math.max(s.manifest ? s.manifest.snapshotSeq : 0, ...s.logSeqs);
  }

  /**
   * Deletes what interrupted writes left: temporary files, snapshots of
   * other generations, log records the snapshot holds. The persistence layer
   * calls it once the snapshot and the log have been read and decoded, so
   * the manifest it goes by has been proven right.
   * @returns {Promise<void>}
   */
  async removeLeftovers() {
    this.check('removeLeftovers', true);
    this.writes.refuseIfClosing('removeLeftovers');
    return this.writes.run(() => this.run('removeLeftovers', true, async () => {
      const fs = await this.storage.fs();
      // A writer that lost the lock must not delete what the new one wrote.
      await this.checkOwner('removeLeftovers');
      const s = await this.scan();
      this.refuseOrphanSnapshots(s);
      const gen = s.manifest ? s.manifest.generation : 0;
      const snapSeq = s.manifest ? s.manifest.snapshotSeq : 0;
      const junk = [
        ...s.temps,
        ...s.snapshots.filter((g) => g !== gen).map((g) => `snapshot-${g}.bin`),
        ...s.logSeqs.filter((q) => q <= snapSeq).map(logFile),
      ];
      // One that cannot be deleted now is tried again next time; reads never
      // return it. Markers go last, and only once every orphan is gone: a
      // marked orphan must never lose its mark.
      let all = true;
      for (const f of junk) await fs.unlink(`${this.dir}/${f}`).catch(() => { all = false; });
      if (all) for (const g of s.pending) await fs.unlink(`${this.dir}/pending-${g}`).catch(() => {});
      if (junk.length || s.pending.length) await this.storage.syncDir(this.dir);
    }));
  }

  async readManifest() {
    return this.run('readManifest', false, async () => publicManifest(await this.manifestFile()));
  }

  /** @param {number} generation @param {CheckedManifest | null} manifest */
  async snapshotFile(generation, manifest) {
    if (!manifest || manifest.generation !== generation) throw notCurrentSnapshot(generation, this.name);
    const fs = await this.storage.fs();
    const file = `${this.dir}/snapshot-${generation}.bin`;
    const where = { text: `snapshot-${generation}.bin in "${this.dir}"`, file };
    let bytes;
    try {
      bytes = plainBytes(await fs.readFile(file));
    } catch (err) {
      if (errCode(err) !== 'ENOENT') throw err;
      throw corruptError('snapshot', `${where.text} is missing; the manifest names it`, { file, generation, cause: err });
    }
    checkSnapshotBytes(manifest, bytes, where);
    return bytes;
  }

  /** @param {number} generation @returns {Promise<Uint8Array>} */
  async readSnapshot(generation) {
    return this.run('readSnapshot', false, async () => this.snapshotFile(generation, await this.manifestFile()));
  }

  /** @param {number} afterSeq @returns {Promise<LogRecord[]>} */
  async logFiles(afterSeq) {
    const fs = await this.storage.fs();
    const s = await this.scan();
    const from = logStart(afterSeq, s.manifest);
    /** @type {LogRecord[]} */
    const out = [];
    for (const seq of s.logSeqs) {
      if (seq > from) out.push({ seq, bytes: plainBytes(await fs.readFile(`${this.dir}/${logFile(seq)}`)) });
    }
    return out;
  }

  /** @param {number} [afterSeq] @returns {Promise<LogRecord[]>} */
  async readLog(afterSeq = 0) {
    checkSeq(afterSeq, 0, 'readLog');
    return this.run('readLog', false, () => this.logFiles(afterSeq));
  }

  /** @returns {Promise<StorageState>} */
  async load() {
    return this.run('load', false, async () => {
      // A writer in another process may checkpoint while we read (and
      // delete the snapshot we were about to read): retry until the
      // manifest is the same before and after. An error with the manifest
      // unchanged is the database's state, not a race: no retry.
      for (let attempt = 0; ; attempt++) {
        const raw = await this.manifestRaw();
        try {
          const s = await this.scan();
          this.refuseOrphanSnapshots(s);
          const manifest = this.decodeManifestFile(raw);
          const snapshot = manifest ? await this.snapshotFile(manifest.generation, manifest) : null;
          const log = await this.logFiles(manifest ? manifest.snapshotSeq : 0);
          if (sameBytes(await this.manifestRaw(), raw)) return { manifest: publicManifest(manifest), snapshot, log };
        } catch (err) {
          const moved = !sameBytes(await this.manifestRaw(), raw);
          if (!moved || attempt >= 5 || (errCode(err) !== 'ENOENT' && !isTypedError(err))) throw err;
        }
        if (attempt >= 5) throw storageError('STORAGE', `load: "${this.name}" kept changing while being read`);
      }
    });
  }

  /** @param {number} seq @param {Uint8Array} bytes */
  async appendLog(seq, bytes) {
    this.check('appendLog', true);
    this.writes.refuseIfClosing('appendLog');
    checkSeq(seq, 1, 'appendLog');
    const copy = copyBytes(bytes, 'appendLog');
    return this.writes.run(() => this.run('appendLog', true, async () => {
      checkAppendSeq(seq, this.lastSeq);
      await this.storage.writeAtomic(this.dir, logFile(seq), copy, () => this.checkOwner('appendLog'));
      this.lastSeq = seq;
    }));
  }

  /** @param {Uint8Array} bytes @param {number} seq @returns {Promise<StorageManifest>} */
  async writeSnapshot(bytes, seq) {
    this.check('writeSnapshot', true);
    this.writes.refuseIfClosing('writeSnapshot');
    checkSeq(seq, 0, 'writeSnapshot');
    const copy = copyBytes(bytes, 'writeSnapshot');
    return this.writes.run(() => this.run('writeSnapshot', true, async () => {
      const manifest = nextManifest(this.manifest, seq, copy.byteLength);
      const generation = manifest.generation;
      const fs = await this.storage.fs();
      const stored = encodeManifest({ ...manifest, snapshotHeaderCrc: snapshotHeaderCrc(copy) });
      const json = new TextEncoder().encode(JSON.stringify(stored));
      const snapFile = `snapshot-${generation}.bin`;
      // Without a manifest, a snapshot file left by a crash would read as a
      // lost manifest (CORRUPT): the marker says it is an unfinished first one.
      const marker = this.manifest ? null : `pending-${generation}`;
      // Fenced before every rename: a writer that lost the lock must not
      // replace the new writer's snapshot-<g+1>.bin, nor its manifest.
      const fence = () => this.checkOwner('writeSnapshot');
      try {
        if (marker) await this.storage.writeAtomic(this.dir, marker, new Uint8Array(0), fence);
        await this.storage.writeAtomic(this.dir, snapFile, copy, fence);
        // Read back before the manifest names it: the rename below commits
        // the deletion of what it replaces (interface.js, checkReadBack).
        checkReadBack([copy], [await fs.readFile(`${this.dir}/${snapFile}`)], generation, this.dir, false);
        await this.storage.writeAtomic(this.dir, MANIFEST, json, fence);
      } catch (err) {
        // Only a manifest that names the new generation commits it (the
        // failure may be the fsync after the rename). If it does not, the
        // new file goes now, then its marker.
        const now = await this.manifestRaw().catch(() => undefined);
        if (now !== undefined && sameBytes(now, json)) {
          this.manifest = this.decodeManifestFile(now);
          this.lastSeq = Math.max(this.lastSeq, seq);
        } else if (now !== undefined) {
          const gone = await fs.unlink(`${this.dir}/${snapFile}`).then(() => true, (e) => errCode(e) === 'ENOENT');
          if (gone && marker) await fs.unlink(`${this.dir}/${marker}`).catch(() => {});
        }
        throw err;
      }
      // Committed. What follows only frees space; a failure here is not a
      // failure of the checkpoint (removeLeftovers() finishes the job).
      this.manifest = this.decodeManifestFile(json);
      this.lastSeq = Math.max(this.lastSeq, seq);
      try {
        const s = await this.scan();
        for (const g of s.snapshots) if (g !== generation) await fs.unlink(`${this.dir}/snapshot-${g}.bin`);
        for (const q of s.logSeqs) if (q <= seq) await fs.unlink(`${this.dir}/${logFile(q)}`);
        for (const g of s.pending) await fs.unlink(`${this.dir}/pending-${g}`);
        await this.storage.syncDir(this.dir);
      } catch {
        // left for the next writable open
      }
      return { ...manifest };
    }));
  }

  /** Snapshot plus live log bytes, like the other backends (leftovers of
   * interrupted writes and the small manifest are not counted).
   * @returns {Promise<number>} */
  async sizeBytes() {
    return this.run('sizeBytes', false, async () => {
      const fs = await this.storage.fs();
      const s = await this.scan();
      const from = s.manifest ? s.manifest.snapshotSeq : 0;
      let total = s.manifest ? s.manifest.snapshotBytes : 0;
      for (const seq of s.logSeqs) {
        if (seq <= from) continue;
        try {
          total += (await fs.stat(`${this.dir}/${logFile(seq)}`)).size;
        } catch (err) {
          if (errCode(err) !== 'ENOENT') throw err;
        }
      }
      return total;
    });
  }

  /**
   * Lets the writes already made finish, then frees the lock.
   * @returns {Promise<void>}
   */
  close() {
    if (!this.closing) {
      this.closing = (async () => {
        await this.writes.close();
        this.closed = true;
        if (this.lock) await this.lock.release();
      })();
    }
    return this.closing;
  }
}
