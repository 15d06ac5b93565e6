// js/worker/worker.js — the worker script of worker mode: it holds one
// EdgeVec (and its storage) and runs the calls a WorkerEdgeVec sends it, in
// the order they arrive. The messages are those of ./protocol.js; which
// methods exist and how their arguments and results cross is ./methods.js.
//
// A call that takes a while (insertBatch, which yields between chunks)
// lets the calls that arrive meanwhile run between its chunks, as on the
// main thread: a search sent during an insert is answered before the insert
// ends. Searches may also come on the shared-memory channel (./channel.js):
// after answering a search with nothing else under way, the worker waits
// there a moment for the next one before it returns to its event loop. The
// same file runs as a module Worker in browsers and as a worker_threads
// Worker in Node.

import { EdgeVec } from '../edgevec.js';
import { EdgeVecError, invalidArgument, describe } from '../errors.js';
import { METHODS, ENTRY_POINTS, PLAIN } from './methods.js';
import { encodeError, stateOf, sameState } from './protocol.js';
import { ChannelServer } from './channel.js';
import { PartsInbox } from './parts.js';

/** @typedef {import('./methods.js').MethodSpec} MethodSpec */
/** @typedef {import('../storage/interface.js').EdgeVecStorage} EdgeVecStorage */

/**
 * @typedef {object} CallHooks  what the caller replaced in the options
 * @property {boolean} [progress]   an onProgress callback
 * @property {'live' | 'aborted'} [signal]   an AbortSignal (already aborted?)
 * @property {boolean} [flushError]   an onFlushError handler
 * @property {string} [wasmUrl]   what locateFile returned for the .wasm
 */

/**
 * @typedef {import('./channel.js').ServedSearch} ServedSearch
 */

/**
 * @typedef {object} CallMessage
 * @property {number} call
 * @property {'create' | 'open' | 'load' | 'method' | 'close' | 'dispose'} op
 * @property {string} [name]
 * @property {unknown[]} [args]
 * @property {CallHooks} [hooks]
 * @property {boolean} [parts]  its vectors came in parts before it (./parts.js)
 */

const nodeProcess = /** @type {{ process?: { versions?: { node?: string },
 *   getBuiltinModule?: (id: string) => unknown } }} */ (globalThis).process;
const IS_NODE = typeof nodeProcess?.versions?.node === 'string';

/** @type {(message: unknown, transfer?: Transferable[]) => void} */
let post;

/** The one index of this worker, once create/open/load made it. */
/** @type {EdgeVec | null} */
let db = null;
/** The AbortControllers standing in for the callers' signals, by call. */
const controllers = /** @type {Map<number, AbortController>} */ (new Map());
/** The shared-memory channel for searches, once the caller sent one. @type {ChannelServer | null} */
let channel = null;
/** Calls started and not yet answered. */
let active = 0;
/** Answers sent so far: the stamp of the counts sent with one. */
let answers = 0;
/** The counts as last sent to the caller. @type {import('./protocol.js').IndexState | undefined} */
let sentState;
/** Vectors arriving in parts, until their call takes them. */
const parts = new PartsInbox();

/** @param {any} msg */
function onMessage(msg) {
  // (Engines without shared memory, WebKitGTK among them, have no
  // SharedArrayBuffer at all; their callers send no channel.)
  if (typeof SharedArrayBuffer === 'function' && msg?.channel instanceof SharedArrayBuffer && db && !channel) {
    channel = new ChannelServer(msg.channel, db.dimensions, db.idType === 'number');
    return;
  }
  if (channel) {
    // A search put on the channel while the worker was left parked came
    // before this message.
    channel.takeWaiting(serveFromChannel);
    channel.received++;
  }
  if (typeof msg?.part === 'number') {
    parts.receive(msg);
    return;
  }
  if (typeof msg?.abort === 'number') {
    controllers.get(msg.abort)?.abort(new EdgeVecError('ABORTED', 'aborted by its signal'));
    return;
  }
  handle(/** @type {CallMessage} */ (msg));
}

/**
 * Counts the answer about to be sent and gives the index's counts to send
 * with it, when they changed since the last ones sent (most calls, searches
 * above all, change none of them).
 * @returns {{ state?: import('./protocol.js').IndexState, stamp?: number }}
 */
function answerState() {
  answers++;
  const state = db ? stateOf(db) : undefined;
  if (sameState(state, sentState)) return {};
  sentState = state;
  return { state, stamp: answers };
}

/** @param {CallMessage} msg */
async function handle(msg) {
  const id = msg.call;
  /** @type {Transferable[]} */
  const transfers = [];
  active++;
  if (msg.parts) {
    const name = /** @type {string} */ (msg.name);
    const spec = msg.op === 'method' ? (Object.hasOwn(METHODS, name) ? METHODS[name] : undefined)
      : /** @type {Record<string, MethodSpec>} */ (ENTRY_POINTS)[msg.op];
    if (spec?.vectors !== undefined && msg.args) msg.args[spec.vectors] = parts.take(id);
  }
  try {
    let value;
    if (msg.op === 'method') {
      value = await runMethod(msg, transfers);
    } else if (msg.op === 'close') {
      if (db) await db.close();
    } else if (msg.op === 'dispose') {
      if (db) db.dispose();
    } else {
      value = await start(msg);
    }
    post({ call: id, ok: true, value, ...answerState() }, transfers);
  } catch (err) {
    post({ call: id, ok: false, error: encodeError(err), ...answerState() });
  } finally {
    controllers.delete(id);
    active--;
  }
  // After a search with nothing else under way, the next call is likely
  // another search: wait for it on the channel for a moment.
  if (channel && active === 0 && msg.op === 'method' && METHODS[/** @type {string} */ (msg.name)]?.channel) {
    parkOnChannel();
  }
}

/**
 * Parks on the channel; when it comes back still parked (searches kept
 * coming for its whole busy time), parks again after one task of the event
 * loop, which meanwhile runs the worker's timers, storage callbacks and
 * messages.
 */
function parkOnChannel() {
  if (channel?.park(serveFromChannel)) resumeSoon();
}

/**
 * Parks again once the event loop has run its task, unless a call came
 * meanwhile: its message took the worker off the channel (takeWaiting in
 * onMessage), and the call parks it when it ends, if it is a search.
 */
function resumeChannel() {
  if (channel && active === 0) parkOnChannel();
}

/** The channel resumeSoon() queues its tasks through, once it needs one. */
let resumePorts = /** @type {MessageChannel | null} */ (null);

/**
 * Runs resumeChannel in a task of its own, queued behind what the event
 * loop already holds. Not setTimeout: chained timers are clamped to 4 ms
 * after a few. Node has setImmediate; browsers get a message to themselves
 * through one MessageChannel, kept for the worker's life so that no port
 * with a task pending is ever left to the garbage collector. (Two such
 * tasks queued at once run it twice; the second finds nothing to do or
 * parks again, as either would.)
 */
function resumeSoon() {
  const setImmediateFn = /** @type {{ setImmediate?: (f: () => void) => unknown }} */ (globalThis).setImmediate;
  if (typeof setImmediateFn === 'function') {
    setImmediateFn(resumeChannel);
    return;
  }
  if (!resumePorts) {
    resumePorts = new MessageChannel();
    resumePorts.port1.onmessage = resumeChannel;
  }
  resumePorts.port2.postMessage(null);
}

/**
 * Answers a search the caller put on the channel: its hits there, or its
 * error as a message, as handle() would have sent it.
 * @param {ServedSearch} search
 */
function serveFromChannel(search) {
  const server = /** @type {ChannelServer} */ (channel);
  try {
    if (!db) throw new EdgeVecError('DISPOSED', 'this EdgeVec worker holds no index');
    const hits = /** @type {Array<{ id: bigint | number, distance: number }>} */ (db.search(...search.args));
    answers++;
    const state = /** @type {import('./protocol.js').IndexState} */ (stateOf(db));
    sentState = state;
    server.answerHits(search.call, hits, answers, state);
  } catch (err) {
    post({ call: search.call, ok: false, error: encodeError(err), ...answerState() });
    server.answerByMessage(search.call);
  }
}

/**
 * @param {CallMessage} msg
 * @param {Transferable[]} transfers
 * @returns {Promise<unknown>}
 */
async function runMethod(msg, transfers) {
  const name = /** @type {string} */ (msg.name);
  const spec = Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
  if (!spec) throw invalidArgument(`the EdgeVec worker has no method ${describe(name)}`);
  if (!db) throw new EdgeVecError('DISPOSED', 'this EdgeVec worker holds no index');
  const args = withHooks(msg, spec);
  if (name === 'compact') {
    // In the worker a compaction runs in slices (compactInBackground), so
    // that searches and other calls sent meanwhile are answered between
    // them instead of waiting for the whole rebuild; the caller's promise
    // still settles when the compaction is done.
    await db.compactInBackground();
    return undefined;
  }
  const method = /** @type {(...a: unknown[]) => unknown} */ (
    /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (db))[name]);
  const result = await method.apply(db, args);
  return (spec.result ?? PLAIN).encode(result, transfers);
}

/**
 * The call's arguments with the caller's callbacks and signal back in their
 * options, as stand-ins that message the caller.
 * @param {CallMessage} msg
 * @param {MethodSpec} spec
 * @returns {unknown[]}
 */
function withHooks(msg, spec) {
  const args = [...(msg.args ?? [])];
  const hooks = msg.hooks;
  if (!hooks || spec.options === undefined) return args;
  const options = { .../** @type {object} */ (args[spec.options] ?? {}) };
  const id = msg.call;
  if (hooks.progress) {
    Object.assign(options, {
      onProgress: (/** @type {number} */ done, /** @type {number} */ total) => {
        post({ call: id, progress: [done, total] });
      },
    });
  }
  if (hooks.signal) {
    const controller = new AbortController();
    if (hooks.signal === 'aborted') controller.abort();
    controllers.set(id, controller);
    Object.assign(options, { signal: controller.signal });
  }
  if (hooks.flushError) {
    Object.assign(options, {
      onFlushError: (/** @type {unknown} */ err) => { post({ event: 'flushError', error: encodeError(err) }); },
    });
  }
  if (hooks.wasmUrl !== undefined) {
    const url = hooks.wasmUrl;
    Object.assign(options, { locateFile: () => url });
  }
  args[spec.options] = options;
  return args;
}

/**
 * create, open or load: makes this worker's index.
 * @param {CallMessage} msg
 * @returns {Promise<unknown>}
 */
async function start(msg) {
  if (db) throw invalidArgument('this EdgeVec worker already holds an index');
  const op = msg.op;
  if (op !== 'create' && op !== 'open' && op !== 'load') {
    throw invalidArgument(`the EdgeVec worker has no operation ${describe(op)}`);
  }
  const spec = ENTRY_POINTS[op];
  const args = withHooks(msg, spec);
  const at = /** @type {number} */ (spec.options);
  const options = /** @type {Record<string, unknown> | undefined} */ (args[at]);
  if (options !== null && typeof options === 'object' && options.storage !== undefined) {
    args[at] = { ...options, storage: await storageOf(options.storage) };
  }
  if (op === 'create') db = await EdgeVec.create(/** @type {any} */ (args[0]));
  else if (op === 'open') db = await EdgeVec.open(/** @type {string} */ (args[0]), /** @type {any} */ (args[1]));
  else db = await EdgeVec.load(/** @type {any} */ (args[0]), /** @type {any} */ (args[1]));
  return {
    dimensions: db.dimensions, metric: db.metric, idType: db.idType, quantization: db.quantization,
    openReport: db.openReport,
  };
}

/**
 * The storage a worker-mode open or load names: a storage object cannot
 * cross to the worker, so the caller names one the worker makes itself.
 * @param {unknown} spec  'indexeddb' | 'memory' | { type, root?, options? }
 * @returns {Promise<EdgeVecStorage>}
 */
async function storageOf(spec) {
  const s = /** @type {{ type?: unknown, root?: unknown, options?: any }} */ (
    typeof spec === 'string' ? { type: spec } : spec ?? {});
  if (s.type === 'memory' || s.type === 'indexeddb') {
    const { MemoryStorage, IndexedDbStorage } = await import('../storage/index.js');
    return s.type === 'memory' ? new MemoryStorage() : new IndexedDbStorage(s.options);
  }
  if (s.type === 'node-file' && IS_NODE) {
    // Not a static or bundler-visible import (nor a `new URL('…',
    // import.meta.url)`, which bundlers emit as a file): node-file.js
    // imports node:fs.
    const file = new URL(['..', 'storage', 'node-file.js'].join('/'), import.meta.url).href;
    const { NodeFileStorage } = await import(/* webpackIgnore: true */ /* @vite-ignore */ file);
    return new NodeFileStorage(s.root, s.options);
  }
  throw invalidArgument("in worker mode, storage names where the worker keeps the database: 'indexeddb', " +
    `'memory', { type: 'indexeddb', options } or, in Node, { type: 'node-file', root }; got ${describe(spec)}`);
}

// No top-level await here: bundlers build worker scripts in formats that
// have none (Vite's default for workers is an IIFE).
if (IS_NODE) {
  nodeParentPort().then((port) => {
    post = (message, transfer) => port.postMessage(message, transfer);
    // A worker_threads port keeps what arrives until a listener is attached.
    port.on('message', onMessage);
  });
} else {
  // Set in the script's first run, so that no message can arrive before it.
  const scope = /** @type {{ postMessage(m: unknown, t?: Transferable[]): void,
   *   onmessage: ((e: MessageEvent) => void) | null }} */ (/** @type {unknown} */ (globalThis));
  post = (message, transfer) => scope.postMessage(message, transfer ?? []);
  scope.onmessage = (e) => onMessage(e.data);
}

/**
 * node:worker_threads' parentPort, reached without a static import.
 * @returns {Promise<{ on(e: string, fn: (m: unknown) => void): void,
 *   postMessage(m: unknown, t?: readonly unknown[]): void }>}
 */
async function nodeParentPort() {
  /** @type {{ parentPort: any }} */
  let threads;
  if (typeof nodeProcess?.getBuiltinModule === 'function') {
    threads = /** @type {typeof threads} */ (nodeProcess.getBuiltinModule('node:worker_threads'));
  } else {
    const specifier = 'node:worker_threads';
    threads = await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
  }
  return threads.parentPort;
}
