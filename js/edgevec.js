// js/edgevec.js — the EdgeVec class: the API a web page uses, over the wasm
// exports of src/wasm/wasm_api.c.
//
// Rules this file keeps (each one is a bug class it rules out):
//  - Every argument is checked here before it reaches wasm: a wrong type is
//    an INVALID_ARGUMENT error, never a trap inside wasm and never a silent
//    coercion (a string in a vector is refused, not turned into NaN).
//  - Scratch memory in the wasm heap is allocated per call and freed in
//    `finally`, so that an exception cannot leak it.
//  - Nothing returned to the caller is a view over wasm memory (memory growth
//    would detach it, and the caller could scribble on the index): results
//    are copied out. Heap views are re-read after any call that may allocate.
//  - The C core validates everything again; its status is mapped to a code
//    in js/errors.js and the JS layer adds the position in the batch.

import {
  EdgeVecError, statusError, invalidArgument, describe,
  EV_ERR_NOT_FOUND, EV_ERR_DUPLICATE_ID, EV_ERR_ID_EXISTS, EV_ERR_CAPACITY,
} from './errors.js';
import {
  HAS_BIGUINT64, idWords, splitId, idArrayLength, writeIds,
  readIdNumber, readIdNumbers, readIdBigInts,
} from './ids.js';
import { loadWasm } from './loader.js';
import * as persist from './persist.js';
import { IndexedDbStorage } from './storage/index.js';

/** @typedef {import('./wasm-module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('../types/index.js').Metric} Metric */
/** @typedef {import('../types/index.js').IdType} IdType */
/** @typedef {import('../types/index.js').CreateOptions} CreateOptions */
/** @typedef {import('../types/index.js').InsertBatchOptions} InsertBatchOptions */
/** @typedef {import('../types/index.js').SoftDeleteBatchOptions} SoftDeleteBatchOptions */
/** @typedef {import('../types/index.js').SearchOptions} SearchOptions */
/** @typedef {import('../types/index.js').BatchDeleteResult} BatchDeleteResult */
/** @typedef {import('../types/index.js').VectorInput} VectorInput */
/** @typedef {import('../types/index.js').VectorsInput} VectorsInput */
/** @typedef {import('../types/index.js').IdsInput} IdsInput */
/** @typedef {bigint | number} AnyId */
/** @typedef {{ id: AnyId, distance: number }} AnySearchResult */
/** @typedef {{ inserted: number, ids: BigUint64Array | number[] }} AnyInsertResult */
/** @typedef {import('../types/index.js').OpenOptions} OpenOptions */
/** @typedef {import('./storage/interface.js').EdgeVecStorage} EdgeVecStorage */
/** @typedef {import('./storage/interface.js').StorageHandle} StorageHandle */

/**
 * The persistence state of an index opened with EdgeVec.open.
 * @typedef {object} PersistState
 * @property {string} name
 * @property {StorageHandle} handle
 * @property {boolean} readOnly
 * @property {boolean | number} autoFlush     false, true (after each mutating call) or debounce ms
 * @property {number} checkpointRatio       0: no automatic checkpoints
 * @property {((err: unknown) => void) | undefined} onFlushError
 * @property {number} snapshotBytes           size of the current snapshot
 * @property {number} logBytes                log bytes written since it
 * @property {boolean} compacted              a compaction not yet in a snapshot
 * @property {Promise<unknown>} queue         flushes and checkpoints, one at a time
 * @property {boolean} flushScheduled
 * @property {ReturnType<typeof setTimeout> | undefined} timer
 */

// Limits mirrored from src/edgevec.h, checked here to name the option in the
// message; the core checks them again.
const MAX_DIMENSIONS = 4096;
const MIN_M = 2;
const MAX_M = 128;
const MAX_EF = 65535;

/** @type {Readonly<Record<Metric, number>>} */
const METRIC_CODES = { l2: 0, cosine: 1, dot: 2 };
/** @type {readonly Metric[]} */
const METRIC_NAMES = ['l2', 'cosine', 'dot'];

const CREATE_OPTION_KEYS = new Set([
  'dimensions', 'metric', 'm', 'efConstruction', 'efSearch', 'seed', 'idType',
  'quantization', 'keepFloats', 'rerank', 'wasmBinary', 'locateFile',
]);
/** @typedef {import('../types/index.js').Quantization} Quantization */
/** @type {Readonly<Record<Quantization, number>>} */
const QUANT_CODES = { none: 0, sq8: 1, binary: 2 };
/** @type {readonly Quantization[]} */
const QUANT_NAMES = ['none', 'sq8', 'binary'];
// Unknown option names are refused: `{ id: [...] }` for `{ ids: [...] }`
// would otherwise silently assign ids.
const INSERT_BATCH_OPTION_KEYS = new Set(['ids', 'onProgress', 'signal']);
const SEARCH_OPTION_KEYS = new Set(['ef']);
const DELETE_BATCH_OPTION_KEYS = new Set(['onProgress']);
const OPEN_OPTION_KEYS = new Set([
  ...CREATE_OPTION_KEYS, 'storage', 'autoFlush', 'autoCheckpoint', 'readOnly', 'onFlushError',
]);

// insertBatch runs in chunks sized so that one chunk takes about this long:
// short enough that a page keeps repainting (a frame is ~16 ms), long
// enough that the yields cost little.
const CHUNK_TARGET_MS = 10;
const FIRST_CHUNK = 32;

/** Guards the constructor: instances come from EdgeVec.create. */
/** ev_delete_outcome EV_DELETED (edgevec.h): the id was live. */
const EV_DELETED = 0;

const INTERNAL = Symbol('EdgeVec.internal');

/** @type {() => number} */
const now = typeof performance === 'object' && typeof performance.now === 'function'
  ? () => performance.now()
  : () => Date.now();

/**
 * What the finalizer needs to clean up after an EdgeVec that was
 * garbage-collected without dispose(): the wasm heap is not visible to the
 * JS collector, and a persisted database's writer lock would stay taken.
 * @typedef {object} Finalizable
 * @property {EdgeVecWasm} wasm
 * @property {number} handle
 * @property {StorageHandle | null} storage
 */
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(
    /** @param {Finalizable} held */
    (held) => {
      held.wasm._evw_free(held.handle);
      if (held.storage) held.storage.close().catch(() => undefined);
    })
  : undefined;

/** @type {MessageChannel | undefined} */
let yieldChannel;
/** @type {Array<() => void>} */
const yieldWaiters = [];

/**
 * Lets the event loop run (timers, input, rendering) before continuing.
 * setTimeout(0) is clamped to 4 ms after a few nestings in browsers, so a
 * MessageChannel task is used there; Node has setImmediate.
 * @returns {Promise<void>}
 */
function yieldToEventLoop() {
  const g = /** @type {{ setImmediate?: (fn: () => void) => unknown }} */ (globalThis);
  if (typeof g.setImmediate === 'function') {
    const setImmediate = g.setImmediate;
    return new Promise((resolve) => { setImmediate(resolve); });
  }
  if (typeof MessageChannel === 'function') {
    if (!yieldChannel) {
      yieldChannel = new MessageChannel();
      yieldChannel.port1.onmessage = () => { const w = yieldWaiters.shift(); if (w) w(); };
    }
    const channel = yieldChannel;
    return new Promise((resolve) => {
      yieldWaiters.push(resolve);
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => { setTimeout(resolve, 0); });
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {number} min
 * @param {number} max
 * @returns {number}
 */
function checkInteger(value, name, min, max) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`${name} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/**
 * @param {unknown} options
 * @param {string} what
 * @returns {Record<string, unknown>}
 */
function optionsObject(options, what) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidArgument(`${what} must be an object, got ${describe(options)}`);
  }
  return /** @type {Record<string, unknown>} */ (options);
}

/**
 * Checks a batch's shape and returns its vector count.
 * @param {unknown} vectors
 * @param {number} dims
 * @returns {number}
 */
function batchLength(vectors, dims) {
  if (vectors instanceof Float32Array) {
    if (vectors.length === 0) {
      throw new EdgeVecError('EMPTY_BATCH', 'insertBatch: the batch holds no vectors');
    }
    if (vectors.length % dims !== 0) {
      const index = Math.floor(vectors.length / dims);
      throw new EdgeVecError('DIMENSION_MISMATCH',
        `insertBatch: a flat Float32Array must hold n × ${dims} floats; ` +
        `${vectors.length} leaves vector ${index} incomplete`, { index });
    }
    return vectors.length / dims;
  }
  if (Array.isArray(vectors)) {
    if (vectors.length === 0) {
      throw new EdgeVecError('EMPTY_BATCH', 'insertBatch: the batch holds no vectors');
    }
    for (let i = 0; i < vectors.length; i++) {
      const row = vectors[i];
      if (!(row instanceof Float32Array) && !Array.isArray(row)) {
        throw invalidArgument(
          `insertBatch: vectors[${i}] must be a Float32Array or an array of numbers, ` +
          `got ${describe(row)}` +
          (typeof row === 'number' ? ' (a flat batch must be one Float32Array)' : ''),
          { index: i });
      }
      if (row.length !== dims) {
        throw new EdgeVecError('DIMENSION_MISMATCH',
          `insertBatch: vectors[${i}] has ${row.length} components, the index has ${dims} dimensions`,
          { index: i });
      }
    }
    return vectors.length;
  }
  throw invalidArgument(
    'insertBatch: vectors must be a Float32Array (n × dimensions), an array of ' +
    `Float32Array or an array of number arrays, got ${describe(vectors)}`);
}

/**
 * Copies one vector (already length-checked) into the heap at float offset
 * `at`, refusing non-number components.
 * @param {Float32Array} heap
 * @param {number} at
 * @param {Float32Array | ReadonlyArray<unknown>} row
 * @param {string} what     for messages: "vectors[3]", "query"
 * @param {number} [index]  batch position, for the error
 */
function copyRow(heap, at, row, what, index) {
  if (row instanceof Float32Array) {
    heap.set(row, at);
    return;
  }
  const n = row.length;
  for (let j = 0; j < n; j++) {
    const v = row[j];
    if (typeof v !== 'number') {
      throw invalidArgument(`${what}[${j}] must be a number, got ${describe(v)}`, { index });
    }
    heap[at + j] = v;
  }
}

/**
 * Checks a single vector argument (query, insert) against the dimensions.
 * @param {unknown} vector
 * @param {number} dims
 * @param {string} what
 * @returns {Float32Array | ReadonlyArray<unknown>}
 */
function checkVector(vector, dims, what) {
  if (!(vector instanceof Float32Array) && !Array.isArray(vector)) {
    throw invalidArgument(`${what} must be a Float32Array or an array of numbers, got ${describe(vector)}`);
  }
  if (vector.length !== dims) {
    throw new EdgeVecError('DIMENSION_MISMATCH',
      `${what} has ${vector.length} components, the index has ${dims} dimensions`);
  }
  return vector;
}

/**
 * @param {unknown} signal
 * @returns {AbortSignal | undefined}
 */
function checkSignal(signal) {
  if (signal === undefined) return undefined;
  if (signal === null || typeof signal !== 'object' ||
      typeof (/** @type {{ aborted?: unknown }} */ (signal).aborted) !== 'boolean') {
    throw invalidArgument(`insertBatch: signal must be an AbortSignal, got ${describe(signal)}`);
  }
  return /** @type {AbortSignal} */ (signal);
}

/**
 * @param {unknown} fn
 * @param {string} what
 * @returns {((done: number, total: number) => void) | undefined}
 */
function checkProgress(fn, what) {
  if (fn === undefined) return undefined;
  if (typeof fn !== 'function') {
    throw invalidArgument(`${what}: onProgress must be a function, got ${describe(fn)}`);
  }
  return /** @type {(done: number, total: number) => void} */ (fn);
}

/**
 * @param {number} inserted
 * @param {number} total
 * @param {unknown} reason
 * @returns {EdgeVecError}
 */
function abortedError(inserted, total, reason) {
  return new EdgeVecError('ABORTED',
    `insertBatch aborted after ${inserted} of ${total} vectors were inserted; ` +
    'those stay in the index', { inserted, cause: reason });
}

/** @returns {EdgeVecError} */
function disposedError() {
  return new EdgeVecError('DISPOSED', 'this EdgeVec was disposed; create a new one');
}

/**
 * @param {Record<string, unknown>} o
 * @param {Set<string>} keys
 * @param {string} what
 */
function checkKeys(o, keys, what) {
  for (const key of Object.keys(o)) {
    if (!keys.has(key)) throw invalidArgument(`${what}: unknown option '${key}'`);
  }
}

/**
 * @typedef {object} ParsedCreateOptions
 * @property {number} dims         0 when not given (open of an existing database)
 * @property {number} metric       -1 when not given
 * @property {number} m
 * @property {number} efc
 * @property {number} efs
 * @property {number} hasSeed
 * @property {number} seedLo
 * @property {number} seedHi
 * @property {number} quantization  an ev_quantization
 * @property {number} keepFloats    0 or 1
 * @property {number} rerank
 * @property {IdType} idType
 * @property {import('./loader.js').WasmLocation} location
 */

/**
 * Checks the options shared by create and open; 0 (or -1 for the metric)
 * stands for "not given", which the core reads as its default.
 * @param {Record<string, unknown>} o
 * @param {boolean} needDimensions
 * @returns {ParsedCreateOptions}
 */
function parseCreateOptions(o, needDimensions) {
  const dims = o.dimensions === undefined && !needDimensions ? 0
    : checkInteger(o.dimensions, 'dimensions', 1, MAX_DIMENSIONS);
  let metric = -1;
  if (o.metric !== undefined) {
    if (typeof o.metric !== 'string' ||
        !Object.prototype.hasOwnProperty.call(METRIC_CODES, o.metric)) {
      throw invalidArgument(`metric must be 'l2', 'cosine' or 'dot', got ${describe(o.metric)}`);
    }
    metric = METRIC_CODES[/** @type {Metric} */ (o.metric)];
  }
  const m = o.m === undefined ? 0 : checkInteger(o.m, 'm', MIN_M, MAX_M);
  const efc = o.efConstruction === undefined ? 0
    : checkInteger(o.efConstruction, 'efConstruction', 1, MAX_EF);
  const efs = o.efSearch === undefined ? 0 : checkInteger(o.efSearch, 'efSearch', 1, MAX_EF);
  let hasSeed = 0, seedLo = 0, seedHi = 0;
  if (o.seed !== undefined) {
    try {
      if (typeof o.seed === 'number' && !Number.isSafeInteger(o.seed)) throw new Error('unsafe');
      splitId(o.seed, false, 'seed');
    } catch {
      throw invalidArgument(`seed must be a non-negative integer below 2^64, got ${describe(o.seed)}`);
    }
    hasSeed = 1; seedLo = idWords.lo; seedHi = idWords.hi;
  }
  let quantization = 0;
  if (o.quantization !== undefined) {
    if (typeof o.quantization !== 'string' ||
        !Object.prototype.hasOwnProperty.call(QUANT_CODES, o.quantization)) {
      throw invalidArgument(`quantization must be 'none', 'sq8' or 'binary', got ${describe(o.quantization)}`);
    }
    quantization = QUANT_CODES[/** @type {Quantization} */ (o.quantization)];
  }
  if (o.keepFloats !== undefined && typeof o.keepFloats !== 'boolean') {
    throw invalidArgument(`keepFloats must be a boolean, got ${describe(o.keepFloats)}`);
  }
  const keepFloats = o.keepFloats === true ? 1 : 0;
  if (keepFloats && quantization === 0) {
    throw invalidArgument("keepFloats needs quantization 'sq8' or 'binary' (without it the floats are all there is)");
  }
  const rerank = o.rerank === undefined ? 0 : checkInteger(o.rerank, 'rerank', 0, MAX_EF);
  if (rerank && !keepFloats) {
    throw invalidArgument('rerank re-scores candidates with the kept floats: it needs keepFloats: true');
  }
  /** @type {IdType} */
  let idType = HAS_BIGUINT64 ? 'bigint' : 'number';
  if (o.idType !== undefined) {
    if (o.idType !== 'bigint' && o.idType !== 'number') {
      throw invalidArgument(`idType must be 'bigint' or 'number', got ${describe(o.idType)}`);
    }
    if (o.idType === 'bigint' && !HAS_BIGUINT64) {
      throw invalidArgument("idType 'bigint' needs BigInt and BigUint64Array, which this " +
        "environment lacks; use idType 'number'");
    }
    idType = o.idType;
  }
  const wasmBinary = o.wasmBinary;
  if (wasmBinary !== undefined && !(wasmBinary instanceof ArrayBuffer) &&
      !(wasmBinary instanceof Uint8Array)) {
    throw invalidArgument(`wasmBinary must be an ArrayBuffer or a Uint8Array, got ${describe(wasmBinary)}`);
  }
  const locateFile = o.locateFile;
  if (locateFile !== undefined && typeof locateFile !== 'function') {
    throw invalidArgument(`locateFile must be a function, got ${describe(locateFile)}`);
  }
  return {
    dims, metric, m, efc, efs, hasSeed, seedLo, seedHi, quantization, keepFloats, rerank, idType,
    location: {
      wasmBinary: /** @type {ArrayBuffer | Uint8Array | undefined} */ (wasmBinary),
      locateFile: /** @type {((path: string, prefix: string) => string) | undefined} */ (locateFile),
    },
  };
}

/**
 * Creates an index in the core; returns its handle (the caller owns it).
 * @param {EdgeVecWasm} wasm
 * @param {ParsedCreateOptions} p
 * @returns {number}
 */
function newIndex(wasm, p) {
  const out = wasm._malloc(4);
  if (out === 0) throw statusError(8, 'EdgeVec.create');
  try {
    const st = wasm._evw_create(p.dims, Math.max(0, p.metric), p.m, p.efc, p.efs,
      p.hasSeed, p.seedLo, p.seedHi, p.quantization, p.keepFloats, p.rerank, out);
    if (st !== 0) throw statusError(st, 'EdgeVec.create', {}, 'check the options');
    return wasm.HEAPU32[out >>> 2];
  } finally {
    wasm._free(out);
  }
}

/**
 * @param {unknown} storage
 * @param {string} what
 * @returns {EdgeVecStorage}
 */
function storageOrDefault(storage, what) {
  if (storage === undefined) {
    if (typeof indexedDB === 'undefined') {
      throw invalidArgument(`${what}: this environment has no IndexedDB; pass a storage ` +
        '(MemoryStorage, or NodeFileStorage in Node)');
    }
    return new IndexedDbStorage();
  }
  const st = /** @type {Partial<EdgeVecStorage> | null} */ (storage);
  if (st === null || typeof st !== 'object' || typeof st.open !== 'function' ||
      typeof st.list !== 'function' || typeof st.remove !== 'function') {
    throw invalidArgument(`${what}: storage must be a storage backend (open/list/remove), got ${describe(storage)}`);
  }
  return /** @type {EdgeVecStorage} */ (storage);
}

/** @returns {EdgeVecError} */
function readOnlyError() {
  return new EdgeVecError('READ_ONLY', 'this EdgeVec was opened read-only');
}

export class EdgeVec {
  /** @type {EdgeVecWasm} */
  #wasm;
  /** @type {number} */
  #handle;
  /** @type {number} */
  #dims;
  /** @type {Metric} */
  #metric;
  /** @type {IdType} */
  #idType;
  /** @type {boolean} */
  #numberMode;
  /** @type {boolean} */
  #disposed = false;
  /** @type {object} */
  #token = {};
  /** @type {Finalizable} */
  #held;
  /** Tail of the queue that runs insertBatch calls one after another. */
  /** @type {Promise<unknown>} */
  #queue = Promise.resolve();
  /** @type {PersistState | null} */
  #persist = null;

  /**
   * Not for direct use: call `await EdgeVec.create(options)`.
   * @param {symbol} token
   * @param {EdgeVecWasm} wasm
   * @param {number} handle
   * @param {IdType} idType
   */
  constructor(token, wasm, handle, idType) {
    if (token !== INTERNAL) {
      throw invalidArgument('use `await EdgeVec.create(options)` to make an EdgeVec');
    }
    this.#wasm = wasm;
    this.#handle = handle;
    this.#dims = wasm._evw_option(handle, 0) >>> 0;
    this.#metric = METRIC_NAMES[wasm._evw_option(handle, 1)] ?? 'l2';
    this.#idType = idType;
    this.#numberMode = idType === 'number';
    this.#held = { wasm, handle, storage: null };
    finalizer?.register(this, this.#held, this.#token);
  }

  /**
   * Creates an empty index.
   * @param {CreateOptions} options
   * @returns {Promise<EdgeVec>}
   */
  static async create(options) {
    if (options === undefined) {
      throw invalidArgument('EdgeVec.create needs options, at least { dimensions }');
    }
    const o = optionsObject(options, 'EdgeVec.create options');
    checkKeys(o, CREATE_OPTION_KEYS, 'EdgeVec.create');
    const parsed = parseCreateOptions(o, true);
    const wasm = await loadWasm(parsed.location);
    const handle = newIndex(wasm, parsed);
    return new EdgeVec(INTERNAL, wasm, handle, parsed.idType);
  }

  /**
   * Opens a persisted database, creating it (from `dimensions` and the other
   * create options) when it does not exist yet.
   * @param {string} name
   * @param {OpenOptions} [options]
   * @returns {Promise<EdgeVec>}
   */
  static async open(name, options) {
    if (typeof name !== 'string' || name.length === 0) {
      throw invalidArgument(`EdgeVec.open: name must be a non-empty string, got ${describe(name)}`);
    }
    const o = optionsObject(options, 'EdgeVec.open options');
    checkKeys(o, OPEN_OPTION_KEYS, 'EdgeVec.open');
    const parsed = parseCreateOptions(o, false);
    const storage = storageOrDefault(o.storage, 'EdgeVec.open');
    /** @type {boolean | number} */
    let autoFlush = false;
    if (o.autoFlush !== undefined && o.autoFlush !== false) {
      if (o.autoFlush === true) autoFlush = true;
      else autoFlush = checkInteger(o.autoFlush, 'autoFlush (debounce ms)', 0, 2147483647);
    }
    if (o.readOnly !== undefined && typeof o.readOnly !== 'boolean') {
      throw invalidArgument(`readOnly must be a boolean, got ${describe(o.readOnly)}`);
    }
    let checkpointRatio = persist.DEFAULT_CHECKPOINT_RATIO;
    if (o.autoCheckpoint === false) {
      checkpointRatio = 0;
    } else if (o.autoCheckpoint !== undefined && o.autoCheckpoint !== true) {
      if (typeof o.autoCheckpoint !== 'number' || !(o.autoCheckpoint > 0) || !(o.autoCheckpoint <= 1000)) {
        throw invalidArgument('autoCheckpoint must be a boolean or a log/snapshot size ratio ' +
          `in (0, 1000], got ${describe(o.autoCheckpoint)}`);
      }
      checkpointRatio = o.autoCheckpoint;
    }
    if (o.onFlushError !== undefined && typeof o.onFlushError !== 'function') {
      throw invalidArgument(`onFlushError must be a function, got ${describe(o.onFlushError)}`);
    }
    const readOnly = o.readOnly === true;
    const wasm = await loadWasm(parsed.location);
    const handle = await storage.open(name, { readOnly });
    let ix = 0;
    /** @type {EdgeVec | undefined} */
    let db;
    try {
      const state = await handle.load();
      let lastSeq = 0;
      let logBytes = 0;
      let needCheckpoint = false;
      if (state.snapshot) {
        const snap = persist.loadSnapshot(wasm, state.snapshot, name);
        ix = snap.handle;
        const dims = wasm._evw_option(ix, 0) >>> 0;
        if (parsed.dims && parsed.dims !== dims) {
          throw new EdgeVecError('DIMENSION_MISMATCH',
            `EdgeVec.open: "${name}" holds ${dims}-dimensional vectors, not ${parsed.dims}`);
        }
        if (parsed.metric >= 0 && parsed.metric !== wasm._evw_option(ix, 1)) {
          throw invalidArgument(`EdgeVec.open: "${name}" uses the ` +
            `${METRIC_NAMES[wasm._evw_option(ix, 1)]} metric, not ${METRIC_NAMES[parsed.metric]}`);
        }
        const replay = persist.replayLog(wasm, ix, state.log, snap.walSeq, name);
        lastSeq = replay.lastSeq;
        for (const r of state.log) logBytes += r.bytes.byteLength;
        if (replay.tornTail && !readOnly) {
          // The incomplete record stays in storage until a snapshot covers
          // its sequence number: number the next record after it, and
          // write that snapshot now.
          lastSeq = replay.maxStoredSeq;
          needCheckpoint = true;
        }
      } else {
        if (state.log.length > 0) {
          throw new EdgeVecError('CORRUPT',
            `EdgeVec.open: "${name}" has log records but no snapshot`, { section: 'log' });
        }
        if (readOnly) {
          throw new EdgeVecError('NOT_FOUND', `EdgeVec.open: "${name}" holds no index yet`);
        }
        if (!parsed.dims) {
          throw invalidArgument(`EdgeVec.open: "${name}" does not exist yet; pass dimensions to create it`);
        }
        ix = newIndex(wasm, parsed);
        needCheckpoint = true; // the first snapshot records the options
      }
      if (!readOnly) persist.enableJournal(wasm, ix, lastSeq);
      db = new EdgeVec(INTERNAL, wasm, ix, parsed.idType);
      ix = 0;
      db.#held.storage = handle;
      db.#persist = {
        name,
        handle,
        readOnly,
        autoFlush,
        checkpointRatio,
        onFlushError: /** @type {((err: unknown) => void) | undefined} */ (o.onFlushError),
        snapshotBytes: state.snapshot ? state.snapshot.byteLength : 0,
        logBytes,
        compacted: false,
        queue: Promise.resolve(),
        flushScheduled: false,
        timer: undefined,
      };
      if (needCheckpoint) await db.checkpoint();
      return db;
    } catch (err) {
      if (ix) wasm._evw_free(ix);
      if (db) db.dispose();
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Names of the databases a storage holds (IndexedDB by default).
   * @param {EdgeVecStorage} [storage]
   * @returns {Promise<string[]>}
   */
  static list(storage) {
    return storageOrDefault(storage, 'EdgeVec.list').list();
  }

  /**
   * Deletes a database (nothing if it does not exist; LOCKED while a writer
   * has it open).
   * @param {string} name
   * @param {EdgeVecStorage} [storage]
   * @returns {Promise<void>}
   */
  static remove(name, storage) {
    if (typeof name !== 'string' || name.length === 0) {
      return Promise.reject(invalidArgument(`EdgeVec.remove: name must be a non-empty string, got ${describe(name)}`));
    }
    return storageOrDefault(storage, 'EdgeVec.remove').remove(name);
  }

  /**
   * @param {string} what
   * @returns {PersistState}
   */
  #writablePersist(what) {
    this.#live();
    const p = this.#persist;
    if (!p) {
      throw invalidArgument(`${what}: this EdgeVec is in memory only; use EdgeVec.open for a persisted one`);
    }
    if (p.readOnly) throw readOnlyError();
    return p;
  }

  /**
   * Runs fn after the flushes and checkpoints queued before it.
   * @template R
   * @param {PersistState} p
   * @param {() => Promise<R>} fn
   * @returns {Promise<R>}
   */
  #enqueuePersist(p, fn) {
    const run = p.queue.then(fn);
    p.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Commits what changed since the last commit as one log record (nothing
   * when nothing changed). On a storage error the changes stay pending and
   * the next flush retries them; the in-memory index is unaffected.
   * @returns {Promise<void>}
   */
  flush() {
    let p;
    try { p = this.#writablePersist('flush'); } catch (err) { return Promise.reject(err); }
    const state = p;
    return this.#enqueuePersist(state, () => this.#flushNow(state));
  }

  /**
   * Flushes, then writes a new snapshot of the whole index, which drops the
   * log it contains (a smaller, faster-loading database).
   * @returns {Promise<void>}
   */
  checkpoint() {
    let p;
    try { p = this.#writablePersist('checkpoint'); } catch (err) { return Promise.reject(err); }
    const state = p;
    return this.#enqueuePersist(state, () => this.#checkpointNow(state));
  }

  /**
   * Flushes what is pending, releases the database and frees the index.
   * @returns {Promise<void>}
   */
  async close() {
    if (this.#disposed) return;
    const p = this.#persist;
    if (p && !p.readOnly) {
      if (p.timer !== undefined) { clearTimeout(p.timer); p.timer = undefined; }
      await this.#enqueuePersist(p, () => this.#flushNow(p));
    }
    this.dispose();
    if (p) await p.handle.close();
  }

  /**
   * One log record: what the journal holds now.
   * @param {PersistState} p
   */
  async #flushOnce(p) {
    const w = this.#wasm;
    const rec = persist.beginCommit(w, this.#live());
    if (!rec) return;
    try {
      await p.handle.appendLog(rec.seq, rec.bytes);
    } catch (err) {
      if (!this.#disposed) persist.endCommit(w, this.#handle, false);
      throw err;
    }
    if (this.#disposed) return;
    persist.endCommit(w, this.#handle, true);
    p.logBytes += rec.bytes.byteLength;
  }

  /** @param {PersistState} p */
  async #flushNow(p) {
    await this.#flushOnce(p);
    if (!this.#disposed && p.checkpointRatio > 0 && (p.compacted ||
        p.logBytes > Math.max(persist.CHECKPOINT_MIN_LOG_BYTES, p.checkpointRatio * p.snapshotBytes))) {
      await this.#checkpointNow(p);
    }
  }

  /** @param {PersistState} p */
  async #checkpointNow(p) {
    const w = this.#wasm;
    // The snapshot may only be taken with nothing uncommitted; changes made
    // while a record is being stored go into the next one, so loop.
    while (persist.pendingBytes(w, this.#live()) > 0) await this.#flushOnce(p);
    // Synchronous from here to the encoding: a compaction made later (while
    // the snapshot is being stored) sets the flag again; if storing fails,
    // the compaction this snapshot held is still only in the log.
    const compacted = p.compacted;
    p.compacted = false;
    try {
      const snap = persist.saveSnapshot(w, this.#live());
      await p.handle.writeSnapshot(snap.bytes, snap.seq);
      p.snapshotBytes = snap.bytes.byteLength;
    } catch (err) {
      if (compacted) p.compacted = true;
      throw err;
    }
    p.logBytes = 0;
  }

  /** Called after every mutation: schedules the automatic flush, if any. */
  #mutated() {
    const p = this.#persist;
    if (!p || p.readOnly || p.autoFlush === false || this.#disposed) return;
    const report = (/** @type {unknown} */ err) => {
      if (p.onFlushError) p.onFlushError(err);
    };
    if (p.autoFlush === true) {
      if (p.flushScheduled) return;
      p.flushScheduled = true;
      this.#enqueuePersist(p, () => {
        p.flushScheduled = false;
        return this.#disposed ? Promise.resolve() : this.#flushNow(p);
      }).catch(report);
      return;
    }
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      p.timer = undefined;
      if (!this.#disposed) this.flush().catch(report);
    }, p.autoFlush);
  }

  /** @returns {number} the handle, after checking it may be changed */
  #mutable() {
    const handle = this.#live();
    if (this.#persist?.readOnly) throw readOnlyError();
    return handle;
  }

  /** @returns {number} the handle, after checking the index is alive */
  #live() {
    if (this.#disposed) throw disposedError();
    return this.#handle;
  }

  /**
   * @param {number} bytes
   * @param {string} what
   * @returns {number} a pointer the caller frees
   */
  #alloc(bytes, what) {
    const p = this.#wasm._malloc(bytes);
    if (p === 0) {
      throw new EdgeVecError('OUT_OF_MEMORY',
        `${what}: could not allocate ${bytes} bytes in the wasm heap`);
    }
    return p;
  }

  /**
   * @param {number} ptr  8-byte aligned u64
   * @returns {AnyId}
   */
  #readId(ptr) {
    const w = this.#wasm;
    if (this.#numberMode) return readIdNumber(w.HEAPU32, ptr);
    return new BigUint64Array(w.HEAPU8.buffer, ptr, 1)[0];
  }

  /**
   * In number mode, refuses an assigned-id insert of n vectors whose ids
   * would pass 2^53 - 1 (they could not be returned exactly), before
   * anything is inserted.
   * @param {number} n
   * @param {string} context
   */
  #checkAutoIds(n, context) {
    if (!this.#numberMode) return;
    const w = this.#wasm;
    const out = this.#alloc(8, context);
    try {
      const status = w._evw_next_auto_id(this.#handle, out);
      if (status === EV_ERR_CAPACITY) return; // the insert itself reports it
      if (status !== 0) throw statusError(status, context);
      const u32 = w.HEAPU32;
      const next = u32[(out >>> 2) + 1] * 4294967296 + u32[out >>> 2];
      if (next + (n - 1) > Number.MAX_SAFE_INTEGER) {
        throw new EdgeVecError('ID_NOT_SAFE_INTEGER',
          `${context}: the assigned ids would pass Number.MAX_SAFE_INTEGER, which an ` +
          "index created with idType 'number' cannot return exactly; pass ids explicitly");
      }
    } finally {
      w._free(out);
    }
  }

  /**
   * The error for a failed batch status, with the position and the id.
   * @param {number} status
   * @param {string} context
   * @param {number} index
   * @param {number | undefined} inserted
   * @param {IdsInput | undefined} ids
   * @returns {EdgeVecError}
   */
  #batchError(status, context, index, inserted, ids) {
    let extra = `vector ${index}`;
    if ((status === EV_ERR_DUPLICATE_ID || status === EV_ERR_ID_EXISTS) && ids) {
      extra = `ids[${index}] = ${String(ids[index])}`;
    }
    if (inserted !== undefined && inserted > 0) {
      extra += `; ${inserted} vectors were inserted before it and stay`;
    }
    return statusError(status, context, { index, inserted }, extra);
  }

  /**
   * Inserts a batch: validated as a whole first (a bad batch changes
   * nothing), then inserted in chunks that yield to the event loop.
   * @param {VectorsInput} vectors
   * @param {InsertBatchOptions} [options]
   * @returns {Promise<AnyInsertResult>}
   */
  async insertBatch(vectors, options) {
    this.#mutable();
    const o = optionsObject(options, 'insertBatch options');
    checkKeys(o, INSERT_BATCH_OPTION_KEYS, 'insertBatch');
    const dims = this.#dims;
    const n = batchLength(vectors, dims);
    const ids = /** @type {IdsInput | undefined} */ (o.ids);
    if (ids !== undefined) {
      const count = idArrayLength(ids, 'insertBatch: ids');
      if (count !== n) {
        throw invalidArgument(`insertBatch: ids has ${count} entries for ${n} vectors`);
      }
    }
    const onProgress = checkProgress(o.onProgress, 'insertBatch');
    const signal = checkSignal(o.signal);
    if (signal?.aborted) throw abortedError(0, n, signal.reason);

    // Copy now, while the caller's arrays hold what they held at the call;
    // the batch may wait in the queue behind another one.
    // Layout: ids (8n) | out ids (8n) | 2 u32 outs (8) | vectors (4 n dims).
    const w = this.#wasm;
    const idsBytes = ids ? 8 * n : 0;
    const outIdsAt = idsBytes;
    const outsAt = outIdsAt + 8 * n;
    const vecAt = outsAt + 8;
    const scratch = this.#alloc(vecAt + 4 * n * dims, 'insertBatch');
    try {
      if (ids) writeIds(w.HEAPU8.buffer, scratch, ids, this.#numberMode, 'ids');
      const heap = w.HEAPF32;
      const base = (scratch + vecAt) >>> 2;
      if (vectors instanceof Float32Array) {
        heap.set(vectors, base);
      } else {
        const rows = /** @type {ReadonlyArray<Float32Array | ReadonlyArray<unknown>>} */ (vectors);
        for (let i = 0; i < n; i++) copyRow(heap, base + i * dims, rows[i], `vectors[${i}]`, i);
      }
    } catch (err) {
      w._free(scratch);
      throw err;
    }

    const run = this.#queue.then(() => this.#runInsertBatch(
      scratch, n, ids, outIdsAt, outsAt, vecAt, onProgress, signal));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * @param {number} scratch   owned: freed here
   * @param {number} n
   * @param {IdsInput | undefined} ids
   * @param {number} outIdsAt
   * @param {number} outsAt
   * @param {number} vecAt
   * @param {((done: number, total: number) => void) | undefined} onProgress
   * @param {AbortSignal | undefined} signal
   * @returns {Promise<AnyInsertResult>}
   */
  async #runInsertBatch(scratch, n, ids, outIdsAt, outsAt, vecAt, onProgress, signal) {
    const w = this.#wasm;
    const dims = this.#dims;
    const idsPtr = ids ? scratch : 0;
    const outIds = scratch + outIdsAt;
    const insertedPtr = scratch + outsAt;
    const errPtr = insertedPtr + 4;
    const vecPtr = scratch + vecAt;
    let done = 0;
    try {
      if (this.#disposed) throw disposedError();
      if (signal?.aborted) throw abortedError(0, n, signal.reason);
      let st = w._evw_validate_batch(this.#handle, vecPtr, n, dims, idsPtr, errPtr);
      if (st !== 0) {
        throw this.#batchError(st, 'insertBatch', w.HEAPU32[errPtr >>> 2], undefined, ids);
      }
      if (!ids) this.#checkAutoIds(n, 'insertBatch');
      // Reserving for the whole batch up front means a later chunk cannot
      // run out of memory half-way.
      st = w._evw_reserve(this.#handle, n);
      if (st !== 0) throw statusError(st, 'insertBatch', {}, `reserving room for ${n} vectors`);

      const step = n / 10;
      let nextReport = step;
      if (onProgress) onProgress(0, n);
      // A chunk never spans more than a tenth of the batch, so that
      // progress is reported at every 10% and a large batch yields at
      // least ten times even when each vector is cheap.
      const maxChunk = Math.ceil(step);
      let chunk = Math.min(FIRST_CHUNK, maxChunk);
      while (done < n) {
        if (this.#disposed) {
          throw new EdgeVecError('DISPOSED',
            `the EdgeVec was disposed during insertBatch, after ${done} of ${n} vectors`,
            { inserted: done });
        }
        if (signal?.aborted) throw abortedError(done, n, signal.reason);
        const c = Math.min(chunk, n - done);
        const t0 = now();
        st = w._evw_insert_batch(this.#handle, vecPtr + 4 * done * dims, c, dims,
          idsPtr ? idsPtr + 8 * done : 0, outIds + 8 * done, insertedPtr, errPtr);
        const elapsed = now() - t0;
        if (st !== 0) {
          // Something changed the index between chunks (another call
          // inserted one of this batch's ids, say): the chunk changed
          // nothing, the chunks before it stay.
          const index = done + (w.HEAPU32[errPtr >>> 2] >>> 0);
          throw this.#batchError(st, 'insertBatch', index, done, ids);
        }
        done += c;
        if (elapsed < CHUNK_TARGET_MS / 2) chunk = Math.min(chunk * 2, maxChunk);
        else if (elapsed > CHUNK_TARGET_MS * 2 && chunk > 1) chunk = Math.ceil(chunk / 2);
        if (onProgress && (done >= nextReport || done === n)) {
          while (nextReport <= done) nextReport += step;
          onProgress(done, n);
        }
        if (done < n) await yieldToEventLoop();
      }
      const outIdsList = this.#numberMode
        ? readIdNumbers(w.HEAPU32, outIds, n)
        : readIdBigInts(w.HEAPU8.buffer, outIds, n);
      return { inserted: n, ids: outIdsList };
    } finally {
      w._free(scratch);
      if (done > 0) this.#mutated();
    }
  }

  /**
   * Inserts one vector; returns its id.
   * @param {VectorInput} vector
   * @param {AnyId} [id]
   * @returns {AnyId}
   */
  insert(vector, id) {
    const handle = this.#mutable();
    const dims = this.#dims;
    const row = checkVector(vector, dims, 'insert: vector');
    if (id !== undefined) splitId(id, this.#numberMode, 'insert: id');
    else this.#checkAutoIds(1, 'insert');
    const w = this.#wasm;
    // Layout: id in (8) | id out (8) | inserted (4) | err (4) | vector.
    const scratch = this.#alloc(24 + 4 * dims, 'insert');
    try {
      const u32 = w.HEAPU32;
      const q = scratch >>> 2;
      u32[q] = idWords.lo;
      u32[q + 1] = idWords.hi;
      copyRow(w.HEAPF32, q + 6, row, 'insert: vector');
      const st = w._evw_insert_batch(handle, scratch + 24, 1, dims, id === undefined ? 0 : scratch,
        scratch + 8, scratch + 16, scratch + 20);
      if (st !== 0) {
        const extra = st === EV_ERR_ID_EXISTS ? `id ${String(id)}` : undefined;
        throw statusError(st, 'insert', {}, extra);
      }
      this.#mutated();
      return this.#readId(scratch + 8);
    } finally {
      w._free(scratch);
    }
  }

  /**
   * The k nearest live vectors, nearest first.
   * @param {VectorInput} query
   * @param {number} k
   * @param {SearchOptions} [options]
   * @returns {AnySearchResult[]}
   */
  search(query, k, options) {
    const handle = this.#live();
    const dims = this.#dims;
    const row = checkVector(query, dims, 'search: query');
    checkInteger(k, 'search: k', 1, MAX_EF);
    let ef = 0;
    if (options !== undefined) {
      const o = optionsObject(options, 'search options');
      checkKeys(o, SEARCH_OPTION_KEYS, 'search');
      if (o.ef !== undefined) ef = checkInteger(o.ef, 'search: ef', 1, MAX_EF);
    }
    const w = this.#wasm;
    // Layout: ids (8k) | distances (4k) | count (4) | query (4 dims).
    const distAt = 8 * k;
    const countAt = distAt + 4 * k;
    const queryAt = countAt + 4;
    const scratch = this.#alloc(queryAt + 4 * dims, 'search');
    try {
      copyRow(w.HEAPF32, (scratch + queryAt) >>> 2, row, 'search: query');
      const st = w._evw_search(handle, scratch + queryAt, dims, k, ef, scratch,
        scratch + distAt, scratch + countAt);
      if (st !== 0) throw statusError(st, 'search');
      const u32 = w.HEAPU32;
      const f32 = w.HEAPF32;
      const count = u32[(scratch + countAt) >>> 2];
      const dist = (scratch + distAt) >>> 2;
      /** @type {AnySearchResult[]} */
      const results = new Array(count);
      if (this.#numberMode) {
        for (let i = 0; i < count; i++) {
          results[i] = { id: readIdNumber(u32, scratch + 8 * i), distance: f32[dist + i] };
        }
      } else {
        const idView = new BigUint64Array(w.HEAPU8.buffer, scratch, count);
        for (let i = 0; i < count; i++) results[i] = { id: idView[i], distance: f32[dist + i] };
      }
      return results;
    } finally {
      w._free(scratch);
    }
  }

  /**
   * Soft-deletes one id: true if it was live, false if already deleted or
   * unknown.
   * @param {AnyId} id
   * @returns {boolean}
   */
  softDelete(id) {
    const handle = this.#mutable();
    splitId(id, this.#numberMode, 'softDelete: id');
    const w = this.#wasm;
    const out = this.#alloc(4, 'softDelete');
    let outcome;
    try {
      const status = w._evw_soft_delete(handle, idWords.lo, idWords.hi, out);
      if (status !== 0) throw statusError(status, 'softDelete');
      outcome = w.HEAPU32[out >>> 2];
    } finally {
      w._free(out);
    }
    if (outcome === EV_DELETED) this.#mutated();
    return outcome === EV_DELETED;
  }

  /**
   * Soft-deletes many ids. Every id is checked before any is deleted.
   * @param {IdsInput} ids
   * @param {SoftDeleteBatchOptions} [options]
   * @returns {BatchDeleteResult}
   */
  softDeleteBatch(ids, options) {
    const handle = this.#mutable();
    const n = idArrayLength(ids, 'softDeleteBatch: ids');
    const o = optionsObject(options, 'softDeleteBatch options');
    checkKeys(o, DELETE_BATCH_OPTION_KEYS, 'softDeleteBatch');
    const onProgress = checkProgress(o.onProgress, 'softDeleteBatch');
    const result = { deleted: 0, alreadyDeleted: 0, invalidIds: 0, total: 0 };
    if (n === 0) {
      if (onProgress) onProgress(0, 0);
      return result;
    }
    const w = this.#wasm;
    // Layout: 4 u32 counts (16) | ids (8n).
    const scratch = this.#alloc(16 + 8 * n, 'softDeleteBatch');
    try {
      writeIds(w.HEAPU8.buffer, scratch + 16, ids, this.#numberMode, 'ids');
      // Without a progress callback there is nothing to report between
      // chunks: one call does it all.
      const chunk = onProgress ? Math.max(1, Math.ceil(n / 10)) : n;
      if (onProgress) onProgress(0, n);
      for (let done = 0; done < n;) {
        const c = Math.min(chunk, n - done);
        const st = w._evw_soft_delete_batch(handle, scratch + 16 + 8 * done, c, scratch);
        if (st !== 0) throw statusError(st, 'softDeleteBatch');
        const u32 = w.HEAPU32;
        const q = scratch >>> 2;
        result.deleted += u32[q];
        result.alreadyDeleted += u32[q + 1];
        result.invalidIds += u32[q + 2];
        result.total += u32[q + 3];
        done += c;
        if (onProgress) onProgress(done, n);
      }
      if (result.deleted > 0) this.#mutated();
      return result;
    } finally {
      w._free(scratch);
    }
  }

  /** Rebuilds the graph without the deleted vectors; ids and vectors stay. */
  compact() {
    const st = this.#wasm._evw_compact(this.#mutable());
    if (st !== 0) throw statusError(st, 'compact');
    // The log records a compaction as its op code, and replaying it rebuilds
    // the whole graph: with automatic checkpoints, the next flush writes a
    // snapshot instead, so that opening the database stays a load.
    if (this.#persist) this.#persist.compacted = true;
    this.#mutated();
  }

  /**
   * A copy of the stored vector of a live id (unit length under cosine), or
   * undefined for an unknown or deleted id.
   * @param {AnyId} id
   * @returns {Float32Array | undefined}
   */
  get(id) {
    const handle = this.#live();
    splitId(id, this.#numberMode, 'get: id');
    const dims = this.#dims;
    const w = this.#wasm;
    const scratch = this.#alloc(4 * dims, 'get');
    try {
      const st = w._evw_get(handle, idWords.lo, idWords.hi, scratch);
      if (st === EV_ERR_NOT_FOUND) return undefined;
      if (st !== 0) throw statusError(st, 'get');
      const at = scratch >>> 2;
      return w.HEAPF32.slice(at, at + dims);
    } finally {
      w._free(scratch);
    }
  }

  /**
   * Whether the id is live (inserted and not deleted).
   * @param {AnyId} id
   * @returns {boolean}
   */
  has(id) {
    const handle = this.#live();
    splitId(id, this.#numberMode, 'has: id');
    return this.#wasm._evw_contains(handle, idWords.lo, idWords.hi) !== 0;
  }

  /** Live vectors. */
  get size() { return this.#wasm._evw_live_count(this.#live()) >>> 0; }

  /** Soft-deleted vectors not yet compacted away. */
  get deletedCount() { return this.#wasm._evw_deleted_count(this.#live()) >>> 0; }

  /** deleted / (live + deleted); 0 when empty. */
  get tombstoneRatio() { return this.#wasm._evw_tombstone_ratio(this.#live()); }

  /** @returns {number} */
  get dimensions() { this.#live(); return this.#dims; }

  /** @returns {Metric} */
  get metric() { this.#live(); return this.#metric; }

  /** @returns {IdType} */
  get idType() { this.#live(); return this.#idType; }

  /** @returns {Quantization} */
  get quantization() {
    return QUANT_NAMES[this.#wasm._evw_option(this.#live(), 5)] ?? 'none';
  }

  /** Bytes the index holds in the wasm heap. */
  get memoryBytes() { return this.#wasm._evw_memory_bytes(this.#live()); }

  /** True once dispose() ran. Never throws. */
  get disposed() { return this.#disposed; }

  /**
   * Frees the index's wasm memory. Later calls throw DISPOSED; a batch in
   * flight stops before its next chunk. Calling dispose again does nothing.
   */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    finalizer?.unregister(this.#token);
    this.#wasm._evw_free(this.#handle);
    this.#handle = 0;
    const p = this.#persist;
    if (p) {
      // Unflushed changes are dropped (close() flushes first); the writer
      // lock is released in the background.
      if (p.timer !== undefined) { clearTimeout(p.timer); p.timer = undefined; }
      p.handle.close().catch(() => undefined);
    }
  }
}

// `using db = await EdgeVec.create(...)` where explicit resource management
// exists; engines without Symbol.dispose simply lack the method.
if (typeof Symbol === 'function' && typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(EdgeVec.prototype, Symbol.dispose, {
    value: function dispose() { /** @type {EdgeVec} */ (this).dispose(); },
    writable: true,
    configurable: true,
  });
}
