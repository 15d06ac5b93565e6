// js/persistence/follow.js — a read-only database that follows its writer:
// it reads the commits and checkpoints another tab (or worker, or handle)
// stores, and applies them to its own index; and becomeWriter(), which turns
// it into the writer once the writer has gone.
//
// ## What a follower knows
//
// Its position: `seq`, the last log record its index holds, and
// `generation`, the snapshot generation it last read. A refresh re-reads the
// manifest (notifications are hints: ../storage/notify.js) and then:
//  - when the manifest's snapshot holds no record after `seq` (same
//    generation, or a checkpoint that only covered records it already has),
//    reads the log records after `seq` and replays them one by one, as an
//    open does. The manifest is read again after the log: if its generation
//    moved meanwhile, a checkpoint may have deleted records mid-read, and
//    the refresh starts over;
//  - otherwise (a checkpoint deleted records it still needs, or the database
//    was replaced: a lower generation), loads the whole current state into
//    a new index and swaps it in for the old one. The EdgeVec object stays
//    the same for the app. A snapshot that numbered the slots anew (after
//    a background compaction or optimize()) always takes this way: it
//    carries a sequence number no record has (src/journal.h), so it holds
//    a record after `seq`, and the records after it, which name the new
//    slots, are never replayed onto the old numbering.
// Every change happens synchronously once the reads are done, so a search
// sees the state before a refresh or the state after it, never a mix; each
// log record is one commit, so every state a search can see was committed.
//
// ## Damage
//
// A record that fails its check is CORRUPT as at open (it was committed: it
// is not skipped). The records before it are applied (each is a whole
// commit), the follower stays there and reports the error: to onFollowError,
// and as the rejection of every refresh() that meets it.
// A background refresh reports the same damage once, not at every tick. A
// record that passes its check but fails to apply (the core ran out of
// memory, say) may have changed the index part-way: the index is then
// rebuilt from storage up to the record before it and swapped in.
//
// ## When it refreshes
//
// On a change message from a writer, every `followIntervalMs` (default
// DEFAULT_FOLLOW_INTERVAL_MS: the writer may live where no message reaches,
// another process on the same files, or a message may be lost), when the
// page becomes visible again (browsers slow the timers of hidden pages), and
// on db.refresh(). Refreshes run one at a time; triggers that arrive while
// one is waiting to run share it.
//
// Why following is an option (`follow: true`), not what every read-only
// open does: a read-only open has always been a fixed state that changes
// only when the page says so, and pages rely on that (ids shown to the user
// stay valid, two searches agree); a follower also keeps a channel and a
// timer. A page that wants the live view asks for it.

import { EdgeVecError, invalidArgument, describe, disposedError } from '../errors.js';
import { SerialQueue } from '../schedule.js';
import { EV_ERR_CORRUPT, EVW_OPTION_DIMENSIONS, EVW_OPTION_METRIC } from '../wasm/abi.js';
import { indexOption } from '../wasm/api.js';
import { loadSnapshot, replayLog, enableJournal } from '../wasm/persist.js';
import { openChannel, readMessage } from '../storage/notify.js';
import { openHandle } from './writer-wait.js';
import { Persistence } from './lifecycle.js';

/** @typedef {import('../wasm/module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('../storage/interface.js').StorageHandle} StorageHandle */
/** @typedef {import('../storage/interface.js').StorageState} StorageState */
/** @typedef {import('../storage/interface.js').LogRecord} LogRecord */
/** @typedef {import('../validate.js').ParsedOpenOptions} ParsedOpenOptions */
/** @typedef {import('../../types/index.js').FollowChange} FollowChange */

/** How often a follower re-reads the manifest with no message. */
export const DEFAULT_FOLLOW_INTERVAL_MS = 5000;
/** Refreshes that find the database changing under them before giving up. */
const MAX_ATTEMPTS = 5;

/**
 * The open options of this module, checked.
 * @typedef {object} TabOptions
 * @property {boolean} follow
 * @property {number} intervalMs  0: no timer
 * @property {((change: FollowChange) => void) | undefined} onChange
 * @property {((err: unknown) => void) | undefined} onFollowError
 * @property {boolean} waitForWriter
 * @property {AbortSignal | undefined} signal
 */

/**
 * @param {unknown} value
 * @returns {value is AbortSignal}
 */
function isSignal(value) {
  return !!value && typeof value === 'object' && typeof (/** @type {AbortSignal} */ (value)).aborted === 'boolean' &&
    typeof (/** @type {AbortSignal} */ (value)).addEventListener === 'function';
}

/**
 * @param {unknown} signal
 * @param {string} what  the call, for the message
 * @returns {AbortSignal | undefined}
 */
function checkSignal(signal, what) {
  if (signal !== undefined && !isSignal(signal)) {
    throw invalidArgument(`${what}: signal must be an AbortSignal, got ${describe(signal)}`);
  }
  return signal;
}

/**
 * The follow and waitForWriter options of EdgeVec.open (the other options
 * are ../validate.js's).
 * @param {unknown} options  the object parseOpenOptions accepted
 * @returns {TabOptions}
 */
export function parseTabOptions(options) {
  const o = /** @type {Record<string, unknown>} */ (options ?? {});
  const readOnly = o.readOnly === true;
  for (const key of ['follow', 'waitForWriter']) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') {
      throw invalidArgument(`EdgeVec.open: ${key} must be a boolean, got ${describe(o[key])}`);
    }
  }
  if (o.follow === true && !readOnly) {
    throw invalidArgument('EdgeVec.open: follow is for read-only opens (the writer has nothing to follow)');
  }
  if (o.waitForWriter === true && readOnly) {
    throw invalidArgument('EdgeVec.open: waitForWriter is for writable opens (a read-only open takes no lock)');
  }
  for (const key of ['onChange', 'onFollowError']) {
    if (o[key] !== undefined && typeof o[key] !== 'function') {
      throw invalidArgument(`EdgeVec.open: ${key} must be a function, got ${describe(o[key])}`);
    }
  }
  let intervalMs = DEFAULT_FOLLOW_INTERVAL_MS;
  if (o.followIntervalMs !== undefined) {
    const v = o.followIntervalMs;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > 2147483647) {
      throw invalidArgument(`EdgeVec.open: followIntervalMs must be an integer of milliseconds >= 0, got ${describe(v)}`);
    }
    intervalMs = v;
  }
  return {
    follow: o.follow === true,
    intervalMs,
    onChange: /** @type {TabOptions['onChange']} */ (o.onChange),
    onFollowError: /** @type {TabOptions['onFollowError']} */ (o.onFollowError),
    waitForWriter: o.waitForWriter === true,
    signal: checkSignal(o.signal, 'EdgeVec.open'),
  };
}

/**
 * How a follower reaches the index its EdgeVec searches.
 * @typedef {object} IndexSlot
 * @property {() => number} get  the index (DISPOSED once disposed)
 * @property {(index: number) => void} replace  swaps in a new index and frees the old one
 */

/**
 * What one refresh did.
 * @typedef {object} RefreshResult
 * @property {boolean} changed
 * @property {boolean} reloaded  a new snapshot was loaded and swapped in
 * @property {EdgeVecError | null} error  damage met (the changes before it are applied)
 */

/**
 * The error of a damaged record met while following.
 * @param {import('../wasm/persist.js').DamagedLogRecord} d
 * @param {string} name
 * @param {number} at  the seq the index stays at
 * @returns {EdgeVecError}
 */
function damagedError(d, name, at) {
  return new EdgeVecError('CORRUPT',
    `refresh: log record ${d.seq} of "${name}" is damaged: ${d.reason} (byte ${d.offset} of its ${d.bytes}). ` +
    `It was committed, so it is not skipped; this instance stays at seq ${at}`,
    { section: 'log', seq: d.seq, offset: d.offset, status: EV_ERR_CORRUPT });
}

export class Follower {
  #wasm;
  #name;
  /** @type {import('../storage/interface.js').EdgeVecStorage} */
  #storage;
  /** @type {StorageHandle} the read-only handle it reads through */
  #handle;
  /** @type {ParsedOpenOptions} */
  #options;
  /** @type {TabOptions} */
  #tabs;
  /** @type {IndexSlot} */
  #slot;
  #seq;
  #generation;
  #queue = new SerialQueue();
  /** A background refresh is queued and has not started yet. */
  #queued = false;
  /** @type {string | null} the damage last reported by a background refresh */
  #reported = null;
  /** @type {BroadcastChannel | null} */
  #channel = null;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #timer;
  /** @type {(() => void) | null} */
  #onVisible = null;
  #stopped = false;
  /** A becomeWriter() is under way. */
  #becoming = false;

  /**
   * @param {object} o
   * @param {EdgeVecWasm} o.wasm
   * @param {string} o.name
   * @param {StorageHandle} o.handle  read-only
   * @param {ParsedOpenOptions} o.options
   * @param {TabOptions} o.tabs
   * @param {{ seq: number, generation: number }} o.position  what open loaded
   * @param {IndexSlot} o.slot
   */
  constructor({ wasm, name, handle, options, tabs, position, slot }) {
    this.#wasm = wasm;
    this.#name = name;
    this.#storage = options.storage;
    this.#handle = handle;
    this.#options = options;
    this.#tabs = tabs;
    this.#slot = slot;
    this.#seq = position.seq;
    this.#generation = position.generation;
  }

  /** The last log record the index holds. */
  get seq() { return this.#seq; }

  /** The snapshot generation last read. */
  get generation() { return this.#generation; }

  /** Starts listening: the change channel, the timer, the page's visibility. */
  start() {
    const channelName = this.#handle.changeChannel;
    if (channelName) {
      this.#channel = openChannel(channelName);
      if (this.#channel) {
        this.#channel.onmessage = (event) => {
          const m = readMessage(event.data);
          // A message about what this index already holds needs no read.
          if (m && (m.seq > this.#seq || m.generation !== this.#generation)) this.#background();
        };
      }
    }
    if (this.#tabs.intervalMs > 0) {
      this.#timer = setInterval(() => this.#background(), this.#tabs.intervalMs);
      const t = /** @type {{ unref?: () => void }} */ (/** @type {unknown} */ (this.#timer));
      if (typeof t === 'object' && t && typeof t.unref === 'function') t.unref();
    }
    const doc = /** @type {{ document?: Document }} */ (globalThis).document;
    if (doc && typeof doc.addEventListener === 'function') {
      this.#onVisible = () => { if (doc.visibilityState === 'visible') this.#background(); };
      doc.addEventListener('visibilitychange', this.#onVisible);
    }
  }

  /** Stops listening (close, dispose, becomeWriter). Idempotent. */
  stop() {
    this.#stopped = true;
    this.#channel?.close();
    this.#channel = null;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    const doc = /** @type {{ document?: Document }} */ (globalThis).document;
    if (this.#onVisible && doc) doc.removeEventListener('visibilitychange', this.#onVisible);
    this.#onVisible = null;
  }

  /**
   * db.refresh(): reads and applies what was stored since, now. Rejects with
   * the damage it meets (what came before it is applied) or the storage's
   * failure.
   * @returns {Promise<FollowChange>}
   */
  refresh() {
    return this.#queue.run(async () => {
      const r = await this.#refreshNow(this.#handle);
      if (r.error) throw r.error;
      return this.#change(r.reloaded);
    });
  }

  /** A refresh nobody awaits: its errors go to #report. */
  #background() {
    if (this.#queued || this.#stopped) return;
    this.#queued = true;
    this.#queue.run(async () => {
      this.#queued = false;
      if (this.#stopped) return;
      const r = await this.#refreshNow(this.#handle);
      if (r.error) throw r.error;
    }).catch((err) => this.#report(err));
  }

  /**
   * @param {unknown} err
   */
  #report(err) {
    if (this.#stopped) return;
    const e = /** @type {{ code?: unknown, seq?: unknown }} */ (err);
    const key = `${String(e?.code)}:${String(e?.seq)}`;
    if (key === this.#reported) return; // said once already
    this.#reported = key;
    // With no handler, the next refresh() that meets the same problem
    // rejects with it (a damaged record is met by every refresh, so it is
    // never lost; a read that failed once and then worked has nothing left
    // to report).
    const handler = this.#tabs.onFollowError;
    if (!handler) return;
    try {
      handler(err);
    } catch (thrown) {
      queueMicrotask(() => { throw thrown; });
    }
  }

  /**
   * @param {boolean} reloaded
   * @returns {FollowChange}
   */
  #change(reloaded) {
    const size = this.#wasm._evw_live_count(this.#slot.get()) >>> 0;
    return Object.freeze({ seq: this.#seq, generation: this.#generation, size, reloaded });
  }

  /** @param {boolean} reloaded */
  #changed(reloaded) {
    this.#reported = null;
    const handler = this.#tabs.onChange;
    if (!handler || this.#stopped) return;
    const change = this.#change(reloaded);
    try {
      handler(change);
    } catch (thrown) {
      queueMicrotask(() => { throw thrown; });
    }
  }

  /**
   * One refresh through `handle`: to the latest committed state, or as far
   * as the first damaged record.
   * @param {StorageHandle} handle
   * @returns {Promise<RefreshResult>}
   */
  async #refreshNow(handle) {
    this.#slot.get(); // DISPOSED
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const m = await handle.readManifest();
      if (!m) {
        throw new EdgeVecError('NOT_FOUND', `refresh: "${this.#name}" no longer holds an index (it was removed)`);
      }
      if (m.generation >= this.#generation && m.snapshotSeq <= this.#seq) {
        const records = await handle.readLog(this.#seq);
        const again = await handle.readManifest();
        if (!again || again.generation !== m.generation) continue; // a checkpoint landed meanwhile
        const r = await this.#apply(handle, records);
        if (m.generation !== this.#generation && !r.reloaded) {
          this.#generation = m.generation;
          r.changed = true;
        }
        if (r.changed) this.#changed(r.reloaded);
        return r;
      }
      const r = this.#reload(await handle.load(), Infinity);
      if (r.changed) this.#changed(true);
      return r;
    }
    throw new EdgeVecError('STORAGE', `refresh: "${this.#name}" kept changing while being read; try again`);
  }

  /**
   * Replays new records into the index.
   * @param {StorageHandle} handle  to rebuild from, should a record fail to apply
   * @param {LogRecord[]} records  after this.#seq
   * @returns {Promise<RefreshResult>}
   */
  async #apply(handle, records) {
    if (records.length === 0) return { changed: false, reloaded: false, error: null };
    const before = this.#seq;
    let replay;
    try {
      replay = replayLog(this.#wasm, this.#slot.get(), records, before, this.#name);
    } catch (err) {
      // A record that passed its check did not apply: the index may hold
      // part of it. Rebuild it from storage without that record.
      if (!(err instanceof EdgeVecError)) throw err;
      const failed = err.seq;
      const upTo = typeof failed === 'number' ? failed - 1 : before;
      const r = this.#reload(await handle.load(), upTo, true);
      const error = new EdgeVecError(err.code, `refresh: ${err.message.replace(/^open: /, '')}; ` +
        `this instance was rebuilt from storage up to seq ${this.#seq}`,
      { status: err.status, section: err.section, seq: err.seq, offset: err.offset, cause: err });
      return { ...r, error: r.error ?? error };
    }
    this.#seq = replay.lastSeq;
    return {
      changed: replay.lastSeq !== before,
      reloaded: false,
      error: replay.damaged ? damagedError(replay.damaged, this.#name, replay.lastSeq) : null,
    };
  }

  /**
   * Builds a new index from a whole stored state (records up to `upTo`) and
   * swaps it in. Anything wrong with the new state leaves the current index
   * as it is, unless `mustReplace` (the current one is part-way).
   * @param {StorageState} state
   * @param {number} upTo
   * @param {boolean} [mustReplace]
   * @returns {RefreshResult}
   */
  #reload(state, upTo, mustReplace = false) {
    const w = this.#wasm;
    const name = this.#name;
    const manifest = state.manifest;
    if (!manifest || !state.snapshot) {
      throw new EdgeVecError('NOT_FOUND', `refresh: "${name}" no longer holds an index (it was removed)`);
    }
    const current = this.#slot.get();
    const snap = loadSnapshot(w, state.snapshot, name);
    const ix = snap.handle;
    try {
      if (snap.walSeq !== manifest.snapshotSeq) {
        throw new EdgeVecError('CORRUPT',
          `refresh: the manifest of "${name}" says snapshot generation ${manifest.generation} holds the log up to ` +
          `seq ${manifest.snapshotSeq}, the snapshot itself says ${snap.walSeq}`,
          { section: 'manifest', generation: manifest.generation });
      }
      for (const option of [EVW_OPTION_DIMENSIONS, EVW_OPTION_METRIC]) {
        if (indexOption(w, ix, option) !== indexOption(w, current, option)) {
          throw invalidArgument(`refresh: "${name}" was replaced by a database of other dimensions or ` +
            'another metric; open it again');
        }
      }
      const log = state.log.filter((r) => r.seq <= upTo);
      const replay = replayLog(w, ix, log, snap.walSeq, name);
      const error = replay.damaged ? damagedError(replay.damaged, name, replay.lastSeq) : null;
      // Never back to an older state than the one searched now (a damaged
      // record in the new log can stop the replay before it).
      if (!mustReplace && replay.lastSeq < this.#seq && manifest.generation >= this.#generation) {
        w._evw_free(ix);
        return { changed: false, reloaded: false, error };
      }
      this.#slot.replace(ix);
      this.#seq = replay.lastSeq;
      this.#generation = manifest.generation;
      return { changed: true, reloaded: true, error };
    } catch (err) {
      if (this.#slot.get() !== ix) w._evw_free(ix);
      throw err;
    }
  }

  /**
   * becomeWriter(): waits for the writer to go (as waitForWriter does), takes
   * the writer's place exactly as a writable open does, catches up to the
   * last commit through the new handle, and returns the writable
   * Persistence the EdgeVec uses from then on. The read-only handle is then
   * closed and the follower stops. On failure (ABORTED, damage, storage)
   * nothing changes: the instance stays a read-only one.
   * @param {unknown} options  becomeWriter's argument, checked here
   * @param {import('../../types/index.js').OpenReport} openReport
   * @returns {Promise<Persistence>}
   */
  async becomeWriter(options, openReport) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw invalidArgument(`becomeWriter: options must be an object, got ${describe(options)}`);
    }
    const signal = checkSignal(/** @type {{ signal?: unknown }} */ (options ?? {}).signal, 'becomeWriter');
    if (this.#becoming) throw invalidArgument('becomeWriter: this EdgeVec is already waiting to become the writer');
    this.#becoming = true;
    try {
      return await this.#becomeWriter(signal, openReport);
    } finally {
      this.#becoming = false;
    }
  }

  /**
   * @param {AbortSignal | undefined} signal
   * @param {import('../../types/index.js').OpenReport} openReport
   * @returns {Promise<Persistence>}
   */
  async #becomeWriter(signal, openReport) {
    const handle = await openHandle(this.#storage, this.#name, { readOnly: false, waitForWriter: true, signal });
    try {
      return await this.#queue.run(async () => {
        if (this.#stopped) throw disposedError();
        const r = await this.#refreshNow(handle);
        if (r.error) throw r.error;
        const ix = this.#slot.get();
        if (handle.removeLeftovers) await handle.removeLeftovers();
        const manifest = await handle.readManifest();
        const snapshotBytes = manifest ? manifest.snapshotBytes : 0;
        const logBytes = Math.max(0, (await handle.sizeBytes()) - snapshotBytes);
        this.#slot.get(); // still alive after the awaits
        enableJournal(this.#wasm, ix, this.#seq);
        const persistence = new Persistence(this.#wasm, ix, handle, { ...this.#options, readOnly: false },
          snapshotBytes, logBytes, openReport);
        this.stop();
        await this.#handle.close().catch(() => undefined);
        return persistence;
      });
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }
}
