// js/worker/client.js — WorkerEdgeVec: the EdgeVec API with the index and
// its storage in a dedicated worker (./worker.js), what
// `EdgeVec.create({ …, worker: true })`, `open` and `load` return. Every
// method returns a Promise; the calls are sent in call order and the worker
// runs them in that order (a call that yields, insertBatch, lets the later
// ones run between its chunks, as on the main thread).
//
// Rules this file keeps:
//  - The methods are those of ./methods.js, defined from that table: one
//    line there forwards a new EdgeVec method.
//  - Searches go through the shared-memory channel of ./channel.js where
//    the platform allows one and nothing else is waiting on the worker,
//    as messages otherwise; either way they are settled in call order.
//  - Nothing crosses without structured clone's rules: a callback other
//    than onProgress / onFlushError, or an object that cannot be cloned, is
//    INVALID_ARGUMENT before anything is sent; vectors are copied once,
//    or moved with `transfer: true`; large ones that are copied go in
//    parts a few tasks apart (./parts.js), so that copying them does not
//    hold this thread.
//  - Errors come back as EdgeVecErrors with their code and fields
//    (./protocol.js); a worker that fails or exits fails every call waiting
//    on it, and every later one, with WORKER.
//  - After dispose() or close() every call rejects with DISPOSED and the
//    worker is ended once it has released the index.

import { EdgeVecError, invalidArgument, disposedError } from '../errors.js';
import { addDisposeSymbol } from '../lifetime.js';
import { METHODS, ENTRY_POINTS, PLAIN, addTransfer } from './methods.js';
import { decodeError } from './protocol.js';
import { spawnWorker } from './spawn.js';
import { ChannelClient, channelAvailable } from './channel.js';
import { cutterOf, TASK_MS } from './parts.js';

/** @typedef {import('./methods.js').MethodSpec} MethodSpec */
/** @typedef {import('./spawn.js').WorkerLink} WorkerLink */
/** @typedef {import('./protocol.js').IndexState} IndexState */
/** @typedef {import('./option.js').WorkerChoice} WorkerChoice */
/** @typedef {import('./worker.js').CallHooks} CallHooks */
/** @typedef {import('../../types/index.js').IdType} IdType */
/** @typedef {import('../../types/index.js').Metric} Metric */
/** @typedef {import('../../types/index.js').Quantization} Quantization */
/** @typedef {import('../../types/index.js').OpenReport} OpenReport */

/**
 * @typedef {object} IndexInfo  what does not change after the index is made
 * @property {number} dimensions
 * @property {Metric} metric
 * @property {IdType} idType
 * @property {Quantization} quantization
 * @property {OpenReport | undefined} openReport
 */

/**
 * @typedef {object} EncodedCall
 * @property {unknown[]} args
 * @property {CallHooks} hooks
 * @property {Transferable[]} transfers
 * @property {((done: number, total: number) => void) | undefined} onProgress
 * @property {AbortSignal | undefined} signal
 * @property {((err: unknown) => void) | undefined} onFlushError
 * @property {import('./parts.js').Cutter | null} parts  the vectors argument,
 *   to be sent in parts (./parts.js) ahead of the call's message
 */

/**
 * @typedef {object} PendingCall
 * @property {(value: unknown) => void} resolve
 * @property {(err: unknown) => void} reject
 * @property {(encoded: unknown) => unknown} decode
 * @property {((done: number, total: number) => void) | undefined} onProgress
 * @property {AbortSignal | undefined} signal
 * @property {(() => void) | undefined} onAbort
 */

/**
 * @typedef {object} PartsJob  a call whose vectors go in parts
 * @property {number} id
 * @property {import('./parts.js').Cutter} cutter
 * @property {object} message  the call's own message, sent after the parts
 * @property {Transferable[]} transfers
 * @property {(err: unknown) => void} failed
 */

/**
 * @typedef {object} Outgoing  a message waiting in the outbox, or a call in parts
 * @property {unknown} [message]
 * @property {Transferable[]} [transfers]
 * @property {(err: unknown) => void} [failed]
 * @property {PartsJob} [job]
 */

/** Guards the constructor: instances come from EdgeVec.create/open/load. */
const INTERNAL = Symbol('WorkerEdgeVec.internal');

/** Ends the worker of a WorkerEdgeVec nobody disposed once it is collected. */
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((/** @type {WorkerLink} */ link) => { link.terminate().catch(() => undefined); })
  : undefined;

/**
 * Takes the caller's callbacks and signal out of the options (they become
 * hooks the worker calls back through), and lists the buffers
 * `transfer: true` hands over.
 * @param {MethodSpec} spec
 * @param {unknown[]} callArgs
 * @param {string} what  the call, for messages
 * @returns {EncodedCall}
 */
function encodeCall(spec, callArgs, what) {
  const args = [...callArgs];
  /** @type {EncodedCall} */
  const call = {
    args, hooks: {}, transfers: [], onProgress: undefined, signal: undefined, onFlushError: undefined,
    parts: null,
  };
  const given = spec.options === undefined ? undefined : args[spec.options];
  let transfer = false;
  if (given !== null && typeof given === 'object' && !Array.isArray(given)) {
    const encoded = encodeOptions(spec, call, given, what);
    args[/** @type {number} */ (spec.options)] = encoded.options;
    transfer = encoded.transfer;
  }
  if (spec.vectors !== undefined) {
    // Cut before ownBytes: a large view is copied part by part, never whole.
    call.parts = cutterOf(args[spec.vectors], transfer);
    if (call.parts) args[spec.vectors] = null;
  }
  for (let i = 0; i < args.length; i++) {
    if (!(call.parts && i === spec.vectors)) args[i] = ownBytes(args[i]);
  }
  if (transfer && spec.vectors !== undefined && !call.parts) {
    const v = args[spec.vectors];
    if (v instanceof ArrayBuffer) call.transfers.push(v);
    else if (Array.isArray(v)) {
      // A Set: rows that are views of one buffer move it once, and a long
      // list is not searched for each row.
      const buffers = new Set();
      for (const row of v) {
        if (!ArrayBuffer.isView(row) || !(row.buffer instanceof ArrayBuffer) || buffers.has(row.buffer)) continue;
        buffers.add(row.buffer);
        call.transfers.push(row.buffer);
      }
    } else addTransfer(v, call.transfers);
  }
  return call;
}

/**
 * The options of a call as they cross: callbacks and the signal replaced
 * by hooks in `call`, typed arrays given their own bytes, and `transfer`
 * taken off (it is this side's business).
 * @param {MethodSpec} spec
 * @param {EncodedCall} call
 * @param {object} given
 * @param {string} what
 * @returns {{ options: Record<string, unknown>, transfer: boolean }}
 */
function encodeOptions(spec, call, given, what) {
  const o = /** @type {Record<string, unknown>} */ ({ ...given });
  let transfer = false;
  if (spec.vectors !== undefined && Object.hasOwn(o, 'transfer')) {
    if (typeof o.transfer !== 'boolean') {
      throw invalidArgument(`${what}: transfer must be a boolean, got ${typeof o.transfer}`);
    }
    transfer = o.transfer;
    delete o.transfer;
  }
  if (typeof o.onProgress === 'function') {
    call.onProgress = /** @type {(done: number, total: number) => void} */ (o.onProgress);
    call.hooks.progress = true;
    delete o.onProgress;
  }
  if (typeof AbortSignal === 'function' && o.signal instanceof AbortSignal) {
    call.signal = o.signal;
    call.hooks.signal = o.signal.aborted ? 'aborted' : 'live';
    delete o.signal;
  }
  if (typeof o.onFlushError === 'function') {
    call.onFlushError = /** @type {(err: unknown) => void} */ (o.onFlushError);
    call.hooks.flushError = true;
    delete o.onFlushError;
  }
  if (typeof o.locateFile === 'function') {
    // The worker resolves a relative URL against its own script: resolve it
    // here, against the page, as the main-thread mode would.
    const found = String(/** @type {(p: string, prefix: string) => unknown} */ (o.locateFile)('edgevec.wasm', ''));
    const base = /** @type {{ location?: { href: string } }} */ (globalThis).location?.href;
    call.hooks.wasmUrl = base ? new URL(found, base).href : found;
    delete o.locateFile;
  }
  const storage = /** @type {{ open?: unknown } | null | undefined} */ (o.storage);
  if (storage !== null && typeof storage === 'object' && typeof storage.open === 'function') {
    throw invalidArgument(`${what}: in worker mode a storage object cannot cross to the worker; name ` +
      "where the worker keeps the database: 'indexeddb' (the default in browsers), 'memory', " +
      "{ type: 'indexeddb', options } or, in Node, { type: 'node-file', root }");
  }
  for (const key of Object.keys(o)) o[key] = ownBytes(o[key]);
  return { options: o, transfer };
}

/**
 * A typed array that is a view into part of a larger buffer, copied to its
 * own bytes: structured clone copies (and transfer moves) the whole buffer
 * behind a view, so a query taken with subarray() from a large array would
 * send all of it.
 * @param {unknown} value
 * @returns {unknown}
 */
function ownBytes(value) {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return value;
  const view = /** @type {Uint8Array} */ (value);
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) return value;
  return view.slice();
}

export class WorkerEdgeVec {
  /** @type {WorkerLink} */
  #link;
  /** @type {Map<number, PendingCall>} */
  #calls = new Map();
  #nextCall = 1;
  #disposed = false;
  /** @type {Promise<void> | null} */
  #ending = null;
  /** Why the worker stopped answering, once it did. @type {EdgeVecError | null} */
  #failure = null;
  /** @type {IndexInfo | null} */
  #info = null;
  /** @type {IndexState | undefined} */
  #state;
  /** The worker's stamp of #state: counts with a lower one are older. */
  #stateStamp = 0;
  /** The shared-memory channel for searches (./channel.js), where there is one. @type {ChannelClient | null} */
  #channel = null;
  /** The search waiting on the channel, 0 if none. */
  #channelCall = 0;
  /** What waits to be posted while a call's parts are being sent, in call order; null when none is. @type {Outgoing[] | null} */
  #outbox = null;
  /** @type {((err: unknown) => void) | undefined} */
  #onFlushError;
  /** @type {object} */
  #token = {};

  /**
   * Not for direct use: call `await EdgeVec.create({ …, worker: true })`.
   * @param {symbol} token
   * @param {WorkerLink} link
   */
  constructor(token, link) {
    if (token !== INTERNAL) {
      throw invalidArgument('use `await EdgeVec.create({ ..., worker: true })` to make a WorkerEdgeVec');
    }
    this.#link = link;
    link.listen((msg) => this.#receive(msg), (err) => this.#fail(err));
    finalizer?.register(this, link, this.#token);
  }

  /**
   * Starts a worker and makes its index there.
   * @param {'create' | 'open' | 'load'} op
   * @param {unknown[]} args
   * @param {WorkerChoice} choice
   * @returns {Promise<WorkerEdgeVec>}
   */
  static async start(op, args, choice) {
    const what = `EdgeVec.${op}`;
    const base = /** @type {{ location?: { href: string } }} */ (globalThis).location?.href;
    if (op === 'load' && base && (typeof args[0] === 'string' || args[0] instanceof URL)) {
      // The worker would resolve a relative URL against its own script.
      args = [new URL(args[0], base).href, ...args.slice(1)];
    }
    const call = encodeCall(ENTRY_POINTS[op], args, what);
    const db = new WorkerEdgeVec(INTERNAL, await spawnWorker(choice.url));
    db.#onFlushError = call.onFlushError;
    try {
      db.#info = /** @type {IndexInfo} */ (await db.#send({ op }, call, PLAIN.decode, what));
    } catch (err) {
      db.#disposed = true;
      await db.#end();
      throw err;
    }
    db.#openChannel();
    return db;
  }

  /**
   * Gives the worker a shared-memory channel for searches where the
   * platform allows one; without it every search goes as a message.
   */
  #openChannel() {
    const info = /** @type {IndexInfo} */ (this.#info);
    if (!channelAvailable()) return;
    try {
      const channel = new ChannelClient(info.dimensions, info.idType === 'number');
      this.#link.post({ channel: channel.buffer }, []);
      this.#channel = channel;
    } catch {
      // Shared memory that cannot be sent after all: messages only.
    }
  }

  /**
   * Posts a message to the worker, or, while a call's parts are being sent,
   * queues it behind them (messages reach the worker in call order).
   * @param {unknown} message
   * @param {Transferable[]} transfers
   * @param {(err: unknown) => void} [failed]  it could not be sent (a
   *   DataCloneError); without it, that throws
   */
  #post(message, transfers, failed) {
    if (this.#outbox) {
      this.#outbox.push({ message, transfers, failed });
      return;
    }
    try {
      this.#postNow(message, transfers);
    } catch (err) {
      if (!failed) throw err;
      failed(err);
    }
  }

  /**
   * Posts a message now; a worker waiting on the channel is told to go
   * back and read it.
   * @param {unknown} message
   * @param {Transferable[]} transfers
   */
  #postNow(message, transfers) {
    const channel = this.#channel;
    if (!channel) {
      this.#link.post(message, transfers);
      return;
    }
    channel.willPost();
    this.#link.post(message, transfers);
    channel.posted();
  }

  /**
   * Sends a call whose vectors go in parts (./parts.js): the parts, a few
   * tasks apart, then the call's own message; whatever is posted meanwhile
   * waits in #outbox and follows.
   * @param {PartsJob} job
   */
  #postInParts(job) {
    if (this.#outbox) {
      this.#outbox.push({ job });
      return;
    }
    this.#outbox = [];
    this.#drain(job);
  }

  /** @param {PartsJob} first */
  async #drain(first) {
    const outbox = /** @type {Outgoing[]} */ (this.#outbox);
    /** @type {PartsJob | undefined} */
    let job = first;
    for (;;) {
      if (job) await this.#sendParts(job);
      const next = outbox.shift();
      if (!next) break;
      job = next.job;
      if (job) continue;
      try {
        this.#postNow(next.message, /** @type {Transferable[]} */ (next.transfers));
      } catch (err) {
        if (next.failed) next.failed(err);
      }
    }
    this.#outbox = null;
  }

  /** @param {PartsJob} job */
  async #sendParts(job) {
    let taskStart = performance.now();
    try {
      for (let i = 0; i < job.cutter.count; i++) {
        if (performance.now() - taskStart >= TASK_MS) {
          // Let the page run: each task copies TASK_MS of parts at most.
          await new Promise((resolve) => { setTimeout(resolve, 0); });
          taskStart = performance.now();
        }
        // The worker is gone (the call was rejected with the others).
        if (this.#failure) return;
        const { message, transfers } = job.cutter.part(i);
        message.part = job.id;
        this.#postNow(message, transfers);
      }
      this.#postNow(job.message, job.transfers);
    } catch (err) {
      try { this.#postNow({ part: job.id, drop: true }, []); } catch { /* the worker is gone */ }
      job.failed(err);
    }
  }

  /**
   * Sends one call and settles with its answer.
   * @param {{ op: string, name?: string }} message
   * @param {EncodedCall} call
   * @param {(encoded: any) => unknown} decode
   * @param {string} what
   * @returns {Promise<unknown>}
   */
  #send(message, call, decode, what) {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextCall++;
    return new Promise((resolve, reject) => {
      /** @type {PendingCall} */
      const pending = {
        resolve, reject, decode, onProgress: call.onProgress, signal: call.signal, onAbort: undefined,
      };
      this.#calls.set(id, pending);
      this.#link.hold(true);
      /** @param {unknown} err  a DataCloneError: something in the arguments cannot be copied */
      const failed = (err) => {
        this.#settle(id)?.reject(invalidArgument(`${what}: an argument cannot be sent to the EdgeVec worker ` +
          `(${err instanceof Error ? err.message : String(err)}); only data crosses (numbers, ` +
          'strings, arrays, plain objects, typed arrays), and of callbacks only onProgress and onFlushError',
        { cause: err }));
      };
      const hooks = Object.keys(call.hooks).length > 0 ? call.hooks : undefined;
      if (call.parts) {
        this.#postInParts({
          id, cutter: call.parts, message: { ...message, call: id, args: call.args, hooks, parts: true },
          transfers: call.transfers, failed,
        });
      } else {
        this.#post({ ...message, call: id, args: call.args, hooks }, call.transfers, failed);
      }
      if (call.signal && call.hooks.signal === 'live' && this.#calls.has(id)) {
        pending.onAbort = () => { this.#postAbort(id); };
        call.signal.addEventListener('abort', pending.onAbort, { once: true });
      }
    });
  }

  /** @param {number} id */
  #postAbort(id) {
    if (this.#failure || !this.#calls.has(id)) return;
    try { this.#post({ abort: id }, []); } catch { /* the worker is gone; its end rejects the call */ }
  }

  /**
   * @param {number} id
   * @returns {PendingCall | undefined} the call, no longer pending
   */
  #settle(id) {
    const pending = this.#calls.get(id);
    if (!pending) return undefined;
    this.#calls.delete(id);
    if (id === this.#channelCall) {
      this.#channelCall = 0;
      this.#channel?.done(id);
    }
    if (pending.onAbort) pending.signal?.removeEventListener('abort', pending.onAbort);
    this.#link.hold(this.#calls.size > 0);
    return pending;
  }

  /** @param {any} msg */
  #receive(msg) {
    // A search answered on the channel was answered before this message
    // was posted: it settles first, so that answers keep the calls' order.
    if (this.#channelCall !== 0) this.#takeChannelAnswer(this.#channelCall);
    if (msg.event === 'flushError') {
      const err = decodeError(msg.error);
      if (this.#onFlushError) this.#onFlushError(err);
      return;
    }
    const id = msg.call;
    if (msg.progress) {
      const pending = this.#calls.get(id);
      if (!pending?.onProgress) return;
      try {
        pending.onProgress(msg.progress[0], msg.progress[1]);
      } catch (err) {
        // As on the main thread, a throwing onProgress stops the batch
        // (what was inserted stays) and rejects with what it threw.
        this.#postAbort(id);
        this.#settle(id)?.reject(err);
      }
      return;
    }
    if ('state' in msg) this.#takeState(msg.state, msg.stamp);
    const pending = this.#settle(id);
    if (!pending) return;
    if (msg.ok) pending.resolve(pending.decode(msg.value));
    else {
      const aborted = msg.error.code === 'ABORTED' && pending.signal?.aborted;
      pending.reject(decodeError(msg.error, aborted ? pending.signal?.reason : undefined));
    }
  }

  /**
   * @param {IndexState | undefined} state
   * @param {number} stamp
   */
  #takeState(state, stamp) {
    // Answers may be read out of the worker's order (one on the channel,
    // one as a message): the counts kept are the latest the worker sent.
    if (stamp < this.#stateStamp) return;
    this.#state = state;
    this.#stateStamp = stamp;
  }

  /**
   * Sends a search through the channel when it can carry it.
   * @param {unknown[]} args
   * @returns {Promise<unknown> | null}  null: send it as a message
   */
  #callOnChannel(args) {
    const channel = /** @type {ChannelClient} */ (this.#channel);
    const id = this.#nextCall;
    if (!channel.trySearch(id, args)) return null;
    this.#nextCall++;
    this.#channelCall = id;
    const answered = new Promise((resolve, reject) => {
      this.#calls.set(id, {
        resolve, reject, decode: PLAIN.decode, onProgress: undefined, signal: undefined, onAbort: undefined,
      });
      this.#link.hold(true);
    });
    channel.answer(id).then((outcome) => { if (outcome === 'hits') this.#takeChannelAnswer(id); });
    return answered;
  }

  /**
   * Settles search `id` if its hits are on the channel by now.
   * @param {number} id
   */
  #takeChannelAnswer(id) {
    const channel = /** @type {ChannelClient} */ (this.#channel);
    if (!this.#calls.has(id) || channel.answered(id) !== 'hits') return;
    const { stamp, state } = channel.state();
    this.#takeState(state, stamp);
    const hits = channel.hits();
    this.#settle(id)?.resolve(hits);
  }

  /** @param {EdgeVecError} err  the worker failed or exited by itself */
  #fail(err) {
    if (this.#failure) return;
    this.#failure = err;
    this.#channel?.close();
    for (const id of [...this.#calls.keys()]) this.#settle(id)?.reject(err);
    if (!this.#disposed) this.#disposed = true;
    this.#link.terminate().catch(() => undefined);
  }

  /** Ends the worker; calls still waiting reject with DISPOSED. */
  async #end() {
    finalizer?.unregister(this.#token);
    if (!this.#failure) this.#failure = disposedError();
    this.#channel?.close();
    const gone = disposedError();
    for (const id of [...this.#calls.keys()]) this.#settle(id)?.reject(gone);
    await this.#link.terminate().catch(() => undefined);
  }

  /**
   * A forwarded method (see ./methods.js).
   * @param {string} name
   * @param {unknown[]} args
   * @returns {Promise<unknown>}
   */
  #call(name, args) {
    if (this.#disposed) return Promise.reject(disposedError());
    const spec = METHODS[name];
    if (spec.channel && this.#channel && this.#calls.size === 0) {
      const onChannel = this.#callOnChannel(args);
      if (onChannel) return onChannel;
    }
    try {
      const call = encodeCall(spec, args, name);
      return this.#send({ op: 'method', name }, call, (spec.result ?? PLAIN).decode, name);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Frees the index (changes not flushed are dropped, as EdgeVec.dispose
   * does) and ends the worker. Later calls reject with DISPOSED; calling it
   * again returns the same promise.
   * @returns {Promise<void>}
   */
  dispose() {
    if (this.#ending) return this.#ending;
    this.#disposed = true;
    this.#ending = this.#finish('dispose').catch(() => undefined);
    return this.#ending;
  }

  /**
   * Flushes what is pending (persisted databases), releases the database,
   * frees the index and ends the worker; rejects with the flush's error
   * after doing all of that, as EdgeVec.close does.
   * @returns {Promise<void>}
   */
  close() {
    if (this.#ending) return this.#ending;
    this.#disposed = true;
    const closing = this.#finish('close');
    this.#ending = closing.catch(() => undefined);
    return closing;
  }

  /**
   * @param {'close' | 'dispose'} op
   * @returns {Promise<void>}
   */
  async #finish(op) {
    try {
      if (!this.#failure) await this.#send({ op }, encodeCall({}, [], op), PLAIN.decode, op);
    } finally {
      this.#state = undefined;
      await this.#end();
    }
  }

  /** @returns {IndexInfo} */
  #live() {
    if (this.#disposed || !this.#info) throw disposedError();
    return this.#info;
  }

  /** @returns {IndexState} the counts as the worker's latest answer left them */
  #counts() {
    this.#live();
    return /** @type {IndexState} */ (this.#state);
  }

  /** Live vectors, as of the latest answer from the worker. */
  get size() { return this.#counts().size; }
  /** Soft-deleted vectors not yet compacted away, as of the latest answer. */
  get deletedCount() { return this.#counts().deletedCount; }
  /** deleted / (live + deleted), as of the latest answer. */
  get tombstoneRatio() { return this.#counts().tombstoneRatio; }
  /** Bytes the index holds in the worker's wasm heap, as of the latest answer. */
  get memoryBytes() { return this.#counts().memoryBytes; }
  get dimensions() { return this.#live().dimensions; }
  get metric() { return this.#live().metric; }
  get idType() { return this.#live().idType; }
  get quantization() { return this.#live().quantization; }
  get openReport() { return this.#live().openReport; }
  /** True once dispose() or close() was called, or the worker failed. Never throws. */
  get disposed() { return this.#disposed; }
  /** Always true: tells a WorkerEdgeVec from an EdgeVec. */
  get inWorker() { return true; }

  static {
    for (const name of Object.keys(METHODS)) {
      Object.defineProperty(WorkerEdgeVec.prototype, name, {
        value: /** @this {WorkerEdgeVec} @param {unknown[]} args */ function forward(...args) {
          return this.#call(name, args);
        },
        writable: true,
        configurable: true,
      });
    }
  }
}

addDisposeSymbol(WorkerEdgeVec);
