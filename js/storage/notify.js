// js/storage/notify.js — change announcements: a writer tells the other tabs
// (and workers) of its origin that it stored something, so that read-only
// instances that follow the database (js/persistence/follow.js) read it
// without waiting for their timer.
//
// ## The channel and the message
//
// A BroadcastChannel named by the storage handle (`changeChannel`, see
// ./interface.js): `edgevec-changes:<backend>:<database>`, so two storages
// that keep databases apart (two IndexedDB prefixes, two directories, two
// MemoryStorage objects) never hear each other. After each stored commit
// and each stored checkpoint the writer posts
//
//   { kind: 'commit' | 'checkpoint', seq, generation }
//
// `seq` is the last log sequence number stored (for a checkpoint, the one
// its snapshot contains), `generation` the snapshot generation current
// after the write. A message is a hint, never the data: a follower re-reads
// the manifest and the log itself, so a lost, late, duplicated or forged
// message costs at most one read. BroadcastChannel reaches every context of
// the origin in the same browser (and, in Node, the threads of one process);
// where it does not exist, announcing does nothing and followers rely on
// their timer.

/** @typedef {import('./interface.js').StorageHandle} StorageHandle */
/** @typedef {import('./interface.js').StorageManifest} StorageManifest */
/** @typedef {import('./interface.js').StorageState} StorageState */
/** @typedef {import('./interface.js').LogRecord} LogRecord */

/**
 * @typedef {object} ChangeMessage
 * @property {'commit' | 'checkpoint'} kind
 * @property {number} seq
 * @property {number} generation
 */

/**
 * A BroadcastChannel, or null where the realm has none.
 * @param {string} name
 * @returns {BroadcastChannel | null}
 */
export function openChannel(name) {
  const BC = /** @type {{ BroadcastChannel?: typeof BroadcastChannel }} */ (globalThis).BroadcastChannel;
  if (typeof BC !== 'function') return null;
  const channel = new BC(name);
  // Node: an open channel alone must not keep the process running.
  const c = /** @type {{ unref?: () => void }} */ (/** @type {unknown} */ (channel));
  if (typeof c.unref === 'function') c.unref();
  return channel;
}

/**
 * A message as received, checked (anything else on the channel is ignored).
 * @param {unknown} data
 * @returns {ChangeMessage | null}
 */
export function readMessage(data) {
  if (!data || typeof data !== 'object') return null;
  const m = /** @type {Partial<ChangeMessage>} */ (data);
  if ((m.kind !== 'commit' && m.kind !== 'checkpoint') || !Number.isSafeInteger(m.seq) ||
      !Number.isSafeInteger(m.generation)) {
    return null;
  }
  return /** @type {ChangeMessage} */ (m);
}

/**
 * A writable handle that announces every stored commit and checkpoint on
 * its change channel; every other call goes to the handle as it is.
 * @implements {StorageHandle}
 */
export class AnnouncingHandle {
  /** @type {StorageHandle} */
  #handle;
  /** @type {BroadcastChannel | null | undefined} opened on the first announcement */
  #channel;
  /** The generation current after the last load or write this handle made. */
  #generation = 0;

  /** @param {StorageHandle} handle  writable */
  constructor(handle) {
    this.#handle = handle;
    this.name = handle.name;
    this.readOnly = handle.readOnly;
    this.changeChannel = handle.changeChannel;
    if (handle.removeLeftovers) this.removeLeftovers = () => /** @type {() => Promise<void>} */ (handle.removeLeftovers).call(handle);
  }

  /** @param {ChangeMessage} message */
  #announce(message) {
    if (!this.changeChannel) return;
    if (this.#channel === undefined) this.#channel = openChannel(this.changeChannel);
    try {
      this.#channel?.postMessage(message);
    } catch {
      // A hint only: the followers' timer reads the change anyway.
    }
  }

  /** @param {StorageManifest | null} m */
  #learn(m) {
    if (m) this.#generation = m.generation;
    return m;
  }

  /** @returns {Promise<StorageManifest | null>} */
  async readManifest() {
    return this.#learn(await this.#handle.readManifest());
  }

  /** @param {number} generation */
  readSnapshot(generation) {
    return this.#handle.readSnapshot(generation);
  }

  /** @param {number} [afterSeq] */
  readLog(afterSeq) {
    return this.#handle.readLog(afterSeq);
  }

  /** @returns {Promise<StorageState>} */
  async load() {
    const state = await this.#handle.load();
    this.#learn(state.manifest);
    return state;
  }

  /** @param {number} seq @param {Uint8Array} bytes */
  async appendLog(seq, bytes) {
    await this.#handle.appendLog(seq, bytes);
    this.#announce({ kind: 'commit', seq, generation: this.#generation });
  }

  /** @param {Uint8Array} bytes @param {number} seq */
  async writeSnapshot(bytes, seq) {
    const manifest = await this.#handle.writeSnapshot(bytes, seq);
    this.#learn(manifest);
    this.#announce({ kind: 'checkpoint', seq, generation: manifest.generation });
    return manifest;
  }

  sizeBytes() {
    return this.#handle.sizeBytes();
  }

  async close() {
    try {
      await this.#handle.close();
    } finally {
      this.#channel?.close();
      this.#channel = null;
    }
  }
}

/**
 * The handle a persisted database writes through: writable handles announce
 * their changes, read-only ones are returned as they are.
 * @param {StorageHandle} handle
 * @returns {StorageHandle}
 */
export function announcing(handle) {
  return handle.readOnly || handle instanceof AnnouncingHandle ? handle : new AnnouncingHandle(handle);
}
