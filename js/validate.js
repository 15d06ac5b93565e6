// js/validate.js — checks everything a caller passes (option objects, vectors,
// callbacks, signals) before it reaches wasm, with the limits of
// js/wasm/abi.js: a wrong type is an INVALID_ARGUMENT error naming the
// option, never a trap inside wasm and never a silent coercion. Ids are
// checked in js/ids.js. The core checks everything again.
//
// The lite entry (js/lite/) runs the same checks with fewer option names:
// each parse function takes the names its caller accepts, and the names
// the lite entry leaves out are refused with a message that says so.

import { EdgeVecError, invalidArgument, describe } from './errors.js';
import { HAS_BIGUINT64, idWords, splitId, idArrayLength } from './ids.js';
import {
  EV_METRIC_L2, EV_METRIC_COSINE, EV_METRIC_DOT, EV_QUANT_NONE, EV_QUANT_SQ8, EV_QUANT_BINARY,
  EV_MIN_DIMENSIONS, EV_MAX_DIMENSIONS, EV_MIN_M, EV_MAX_M, EV_MAX_EF,
} from './wasm/abi.js';
import { MAX_CHECKPOINT_RATIO } from './persistence/policy.js';
import {
  DEFAULT_TOMBSTONE_RATIO, DEFAULT_MIN_DELETED, DEFAULT_SLICE_MS, MAX_SLICE_MS,
} from './compaction.js';

/** @typedef {import('../types/index.js').Metric} Metric */
/** @typedef {import('../types/index.js').IdType} IdType */
/** @typedef {import('../types/index.js').Quantization} Quantization */
/** @typedef {import('../types/index.js').IdsInput} IdsInput */
/** @typedef {import('../types/index.js').VectorsInput} VectorsInput */
/** @typedef {Float32Array | ReadonlyArray<unknown>} Row */
/** @typedef {(done: number, total: number) => void} Progress */
/** @typedef {import('./storage/interface.js').EdgeVecStorage} EdgeVecStorage */

/** The smallest ef (efConstruction, efSearch, a search's ef) and k; the C has no name for it. */
const MIN_EF = 1;
/** setTimeout's longest delay (a signed 32-bit count of ms). */
const MAX_TIMER_MS = 2147483647;

/** @type {Readonly<Record<Metric, number>>} */
const METRIC_CODES = { l2: EV_METRIC_L2, cosine: EV_METRIC_COSINE, dot: EV_METRIC_DOT };
/** @type {Readonly<Record<Quantization, number>>} */
const QUANT_CODES = { none: EV_QUANT_NONE, sq8: EV_QUANT_SQ8, binary: EV_QUANT_BINARY };

/**
 * The option name of an ev_metric code.
 * @param {number} code
 * @returns {Metric | undefined}
 */
export function metricName(code) {
  return nameOf(METRIC_CODES, code);
}

/**
 * The option name of an ev_quantization code.
 * @param {number} code
 * @returns {Quantization | undefined}
 */
export function quantizationName(code) {
  return nameOf(QUANT_CODES, code);
}

/**
 * @template {string} K
 * @param {Readonly<Record<K, number>>} codes
 * @param {number} code
 * @returns {K | undefined}
 */
function nameOf(codes, code) {
  for (const key of /** @type {K[]} */ (Object.keys(codes))) if (codes[key] === code) return key;
  return undefined;
}

/** The options of an index itself (create, open, load). */
export const INDEX_OPTION_KEYS = [
  'dimensions', 'metric', 'm', 'efConstruction', 'efSearch', 'seed', 'idType',
  'quantization', 'keepFloats', 'rerank', 'wasmBinary', 'locateFile',
];
const CREATE_OPTION_KEYS = new Set([...INDEX_OPTION_KEYS, 'autoCompact', 'autoOptimize', 'threads']);
const AUTO_COMPACT_KEYS = new Set(['tombstoneRatio', 'minDeleted', 'sliceMs']);
const COMPACT_OPTION_KEYS = new Set(['sliceMs', 'signal', 'onProgress']);
// Unknown option names are refused: `{ id: [...] }` for `{ ids: [...] }`
// would otherwise silently assign ids.
const INSERT_BATCH_OPTION_KEYS = new Set(['ids', 'onProgress', 'signal', 'metadata']);
const SEARCH_OPTION_KEYS = new Set(['ef', 'filter', 'includeMetadata']);
const DELETE_BATCH_OPTION_KEYS = new Set(['onProgress']);
const OPEN_OPTION_KEYS = new Set([
  ...CREATE_OPTION_KEYS, 'storage', 'autoFlush', 'autoCheckpoint', 'readOnly', 'onFlushError',
  'dropDamagedLog',
  // Checked by js/persistence/follow.js (parseTabOptions):
  'follow', 'followIntervalMs', 'onChange', 'onFollowError', 'waitForWriter', 'signal',
]);

/**
 * @param {unknown} value
 * @param {string} name
 * @param {number} min
 * @param {number} max
 * @returns {number}
 */
export function checkInteger(value, name, min, max) {
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
 * Refuses option names other than `keys`.
 * @param {Record<string, unknown>} o
 * @param {ReadonlySet<string>} keys
 * @param {string} what
 * @param {ReadonlySet<string>} [leftOut]  names the lite entry leaves out
 *   (of the full entry's): refused with a message naming the full entry
 */
function checkKeys(o, keys, what, leftOut) {
  for (const key of Object.keys(o)) {
    if (keys.has(key)) continue;
    if (leftOut?.has(key)) {
      throw invalidArgument(`${what}: '${key}' is not in edgevec-c/lite; import EdgeVec from 'edgevec-c' for it`);
    }
    throw invalidArgument(`${what}: unknown option '${key}'`);
  }
}

/**
 * @param {unknown} name
 * @param {string} what
 * @returns {string}
 */
export function checkNameArgument(name, what) {
  if (typeof name !== 'string' || name.length === 0) {
    throw invalidArgument(`${what}: name must be a non-empty string, got ${describe(name)}`);
  }
  return name;
}

/**
 * Checks a batch's shape and returns its vector count.
 * @param {unknown} vectors
 * @param {number} dims
 * @param {string} [what]  the call, for the errors
 * @returns {number}
 */
export function batchLength(vectors, dims, what = 'insertBatch') {
  if (vectors instanceof Float32Array) {
    if (vectors.length === 0) {
      throw new EdgeVecError('EMPTY_BATCH', `${what}: the batch holds no vectors`);
    }
    if (vectors.length % dims !== 0) {
      const index = Math.floor(vectors.length / dims);
      throw new EdgeVecError('DIMENSION_MISMATCH',
        `${what}: a flat Float32Array must hold n × ${dims} floats; ` +
        `${vectors.length} leaves vector ${index} incomplete`, { index });
    }
    return vectors.length / dims;
  }
  if (Array.isArray(vectors)) {
    if (vectors.length === 0) {
      throw new EdgeVecError('EMPTY_BATCH', `${what}: the batch holds no vectors`);
    }
    for (let i = 0; i < vectors.length; i++) {
      const row = vectors[i];
      if (!(row instanceof Float32Array) && !Array.isArray(row)) {
        throw invalidArgument(
          `${what}: vectors[${i}] must be a Float32Array or an array of numbers, ` +
          `got ${describe(row)}` +
          (typeof row === 'number' ? ' (a flat batch must be one Float32Array)' : ''),
          { index: i });
      }
      if (row.length !== dims) {
        throw new EdgeVecError('DIMENSION_MISMATCH',
          `${what}: vectors[${i}] has ${row.length} components, the index has ${dims} dimensions`,
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
 * Checks a single vector argument (query, insert) against the dimensions.
 * @param {unknown} vector
 * @param {number} dims
 * @param {string} what
 * @returns {Row}
 */
export function checkVector(vector, dims, what) {
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
 * @param {string} [what]
 * @returns {AbortSignal | undefined}
 */
function checkSignal(signal, what = 'insertBatch') {
  if (signal === undefined) return undefined;
  if (signal === null || typeof signal !== 'object' ||
      typeof (/** @type {{ aborted?: unknown }} */ (signal).aborted) !== 'boolean') {
    throw invalidArgument(`${what}: signal must be an AbortSignal, got ${describe(signal)}`);
  }
  return /** @type {AbortSignal} */ (signal);
}

/**
 * @param {unknown} fn
 * @param {string} what
 * @returns {Progress | undefined}
 */
function checkProgress(fn, what) {
  if (fn === undefined) return undefined;
  if (typeof fn !== 'function') {
    throw invalidArgument(`${what}: onProgress must be a function, got ${describe(fn)}`);
  }
  return /** @type {Progress} */ (fn);
}

/**
 * @typedef {object} ParsedIndexOptions
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
 * @property {import('./wasm/load.js').WasmLocation} location
 */

/**
 * @typedef {object} EngineOptions
 * @property {import('./compaction.js').AutoCompactPolicy | null} autoCompact  null: off
 * @property {boolean} autoOptimize  insertBatch applies the graph order when it is due
 * @property {number} threads      at most this many threads; 0: as many as the module has
 */

/** @typedef {ParsedIndexOptions & EngineOptions} ParsedCreateOptions */

/**
 * Checks the options shared by create and open (and the lite entry's
 * create); 0 (or -1 for the metric) stands for "not given", which the core
 * reads as its default.
 * @param {Record<string, unknown>} o
 * @param {boolean} needDimensions
 * @returns {ParsedIndexOptions}
 */
export function parseIndexCore(o, needDimensions) {
  const dims = o.dimensions === undefined && !needDimensions ? 0
    : checkInteger(o.dimensions, 'dimensions', EV_MIN_DIMENSIONS, EV_MAX_DIMENSIONS);
  let metric = -1;
  if (o.metric !== undefined) {
    if (typeof o.metric !== 'string' ||
        !Object.prototype.hasOwnProperty.call(METRIC_CODES, o.metric)) {
      throw invalidArgument(`metric must be 'l2', 'cosine' or 'dot', got ${describe(o.metric)}`);
    }
    metric = METRIC_CODES[/** @type {Metric} */ (o.metric)];
  }
  const m = o.m === undefined ? 0 : checkInteger(o.m, 'm', EV_MIN_M, EV_MAX_M);
  const efc = o.efConstruction === undefined ? 0
    : checkInteger(o.efConstruction, 'efConstruction', MIN_EF, EV_MAX_EF);
  const efs = o.efSearch === undefined ? 0 : checkInteger(o.efSearch, 'efSearch', MIN_EF, EV_MAX_EF);
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
  let quantization = EV_QUANT_NONE;
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
  if (keepFloats && quantization === EV_QUANT_NONE) {
    throw invalidArgument("keepFloats needs quantization 'sq8' or 'binary' (without it the floats are all there is)");
  }
  const rerank = o.rerank === undefined ? 0 : checkInteger(o.rerank, 'rerank', 0, EV_MAX_EF);
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
 * parseIndexCore, and the options of the full entry's engine: automatic
 * compaction, automatic graph order and threads.
 * @param {Record<string, unknown>} o
 * @param {boolean} needDimensions
 * @returns {ParsedCreateOptions}
 */
export function parseIndexOptions(o, needDimensions) {
  return {
    ...parseIndexCore(o, needDimensions),
    autoCompact: parseAutoCompact(o.autoCompact),
    autoOptimize: parseAutoOptimize(o.autoOptimize),
    threads: o.threads === undefined ? 0 : checkInteger(o.threads, 'threads', 1, 64),
  };
}

/**
 * The autoOptimize option (both entries): true or omitted, insertBatch
 * applies the graph order when it is due; false, only optimize() does.
 * @param {unknown} value
 * @returns {boolean}
 */
export function parseAutoOptimize(value) {
  if (value !== undefined && typeof value !== 'boolean') {
    throw invalidArgument(`autoOptimize must be a boolean, got ${describe(value)}`);
  }
  return value !== false;
}

/**
 * The options object of EdgeVec.create, its names checked.
 * @param {unknown} options
 * @param {ReadonlySet<string>} [keys]  default: the full entry's
 * @param {ReadonlySet<string>} [leftOut]  see checkKeys
 * @returns {Record<string, unknown>}
 */
export function createOptionsObject(options, keys = CREATE_OPTION_KEYS, leftOut) {
  if (options === undefined) {
    throw invalidArgument('EdgeVec.create needs options, at least { dimensions }');
  }
  const o = optionsObject(options, 'EdgeVec.create options');
  checkKeys(o, keys, 'EdgeVec.create', leftOut);
  return o;
}

/**
 * The options of EdgeVec.create.
 * @param {unknown} options
 * @returns {ParsedCreateOptions}
 */
export function parseCreateOptions(options) {
  return parseIndexOptions(createOptionsObject(options), true);
}

/**
 * @typedef {object} ParsedOpenOptions
 * @property {ParsedCreateOptions} index
 * @property {EdgeVecStorage} storage
 * @property {boolean | number} autoFlush         false, true (after each mutating call) or debounce ms
 * @property {boolean | number} autoCheckpoint    true (the default ratio), false, or a ratio
 * @property {boolean} readOnly
 * @property {((err: unknown) => void) | undefined} onFlushError
 * @property {boolean} dropDamagedLog  open without the log records from the first damaged one on
 */

/**
 * The options of EdgeVec.open: the index options (dimensions only needed to
 * create the database) and the persistence ones.
 * @param {unknown} options
 * @param {(storage: unknown) => EdgeVecStorage} chooseStorage  checks the
 *   storage option or picks the default (js/persistence/storage.js)
 * @returns {ParsedOpenOptions}
 */
export function parseOpenOptions(options, chooseStorage) {
  const o = optionsObject(options, 'EdgeVec.open options');
  checkKeys(o, OPEN_OPTION_KEYS, 'EdgeVec.open');
  const index = parseIndexOptions(o, false);
  const storage = chooseStorage(o.storage);
  /** @type {boolean | number} */
  let autoFlush = false;
  if (o.autoFlush !== undefined && o.autoFlush !== false) {
    if (o.autoFlush === true) autoFlush = true;
    else autoFlush = checkInteger(o.autoFlush, 'autoFlush (debounce ms)', 0, MAX_TIMER_MS);
  }
  if (o.readOnly !== undefined && typeof o.readOnly !== 'boolean') {
    throw invalidArgument(`readOnly must be a boolean, got ${describe(o.readOnly)}`);
  }
  /** @type {boolean | number} */
  let autoCheckpoint = true;
  if (o.autoCheckpoint === false) {
    autoCheckpoint = false;
  } else if (o.autoCheckpoint !== undefined && o.autoCheckpoint !== true) {
    if (typeof o.autoCheckpoint !== 'number' || !(o.autoCheckpoint > 0) ||
        !(o.autoCheckpoint <= MAX_CHECKPOINT_RATIO)) {
      throw invalidArgument('autoCheckpoint must be a boolean or a log/snapshot size ratio ' +
        `in (0, ${MAX_CHECKPOINT_RATIO}], got ${describe(o.autoCheckpoint)}`);
    }
    autoCheckpoint = o.autoCheckpoint;
  }
  if (o.onFlushError !== undefined && typeof o.onFlushError !== 'function') {
    throw invalidArgument(`onFlushError must be a function, got ${describe(o.onFlushError)}`);
  }
  // Dropping committed records is never a default, nor the reading of a
  // truthy value: only `true` asks for it.
  if (o.dropDamagedLog !== undefined && typeof o.dropDamagedLog !== 'boolean') {
    throw invalidArgument(`dropDamagedLog must be a boolean, got ${describe(o.dropDamagedLog)}`);
  }
  return {
    index,
    storage,
    autoFlush,
    autoCheckpoint,
    readOnly: o.readOnly === true,
    onFlushError: /** @type {((err: unknown) => void) | undefined} */ (o.onFlushError),
    dropDamagedLog: o.dropDamagedLog === true,
  };
}

/**
 * @typedef {object} ParsedInsertBatch
 * @property {number} n
 * @property {IdsInput | undefined} ids
 * @property {Progress | undefined} onProgress
 * @property {AbortSignal | undefined} signal
 * @property {ArrayLike<unknown> | undefined} metadata  one entry per vector, not yet checked
 */

/**
 * The arguments of insertBatch, checked as a whole before anything is
 * inserted.
 * @param {unknown} vectors
 * @param {unknown} options
 * @param {number} dims
 * @param {ReadonlySet<string>} [keys]  default: the full entry's
 * @param {ReadonlySet<string>} [leftOut]  see checkKeys
 * @returns {ParsedInsertBatch}
 */
export function parseInsertBatch(vectors, options, dims, keys = INSERT_BATCH_OPTION_KEYS, leftOut) {
  const o = optionsObject(options, 'insertBatch options');
  checkKeys(o, keys, 'insertBatch', leftOut);
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
  const metadata = o.metadata;
  if (metadata !== undefined) {
    if (!Array.isArray(metadata)) {
      throw invalidArgument(`insertBatch: metadata must be an array (one entry per vector), got ${describe(metadata)}`);
    }
    if (metadata.length !== n) {
      throw invalidArgument(`insertBatch: metadata has ${metadata.length} entries for ${n} vectors`);
    }
  }
  return { n, ids, onProgress, signal, metadata };
}

/**
 * The k and options of a search (ef 0: the index's efSearch). The filter is
 * only taken here; js/filter/ checks it.
 * @param {unknown} k
 * @param {unknown} options
 * @param {string} [what]  the call, for the errors
 * @param {ReadonlySet<string>} [keys]  default: the full entry's
 * @param {ReadonlySet<string>} [leftOut]  see checkKeys
 * @returns {{ ef: number, filter: unknown, includeMetadata: boolean }}
 */
export function parseSearch(k, options, what = 'search', keys = SEARCH_OPTION_KEYS, leftOut) {
  checkInteger(k, `${what}: k`, MIN_EF, EV_MAX_EF);
  let ef = 0;
  /** @type {unknown} */
  let filter;
  let includeMetadata = false;
  if (options !== undefined) {
    const o = optionsObject(options, `${what} options`);
    checkKeys(o, keys, what, leftOut);
    if (o.ef !== undefined) ef = checkInteger(o.ef, `${what}: ef`, MIN_EF, EV_MAX_EF);
    if (o.includeMetadata !== undefined && typeof o.includeMetadata !== 'boolean') {
      throw invalidArgument(`${what}: includeMetadata must be a boolean, got ${describe(o.includeMetadata)}`);
    }
    includeMetadata = o.includeMetadata === true;
    filter = o.filter;
  }
  return { ef, filter, includeMetadata };
}

/**
 * The progress callback of softDeleteBatch's options.
 * @param {unknown} options
 * @returns {Progress | undefined}
 */
export function parseDeleteBatchOptions(options) {
  const o = optionsObject(options, 'softDeleteBatch options');
  checkKeys(o, DELETE_BATCH_OPTION_KEYS, 'softDeleteBatch');
  return checkProgress(o.onProgress, 'softDeleteBatch');
}

/**
 * The autoCompact option: true or omitted, the defaults (js/compaction.js);
 * false, off; or an object overriding some of them.
 * @param {unknown} value
 * @returns {import('./compaction.js').AutoCompactPolicy | null}
 */
export function parseAutoCompact(value) {
  if (value === false) return null;
  const policy = {
    tombstoneRatio: DEFAULT_TOMBSTONE_RATIO, minDeleted: DEFAULT_MIN_DELETED, sliceMs: DEFAULT_SLICE_MS,
  };
  if (value === undefined || value === true) return policy;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArgument(`autoCompact must be a boolean or an object, got ${describe(value)}`);
  }
  const o = /** @type {Record<string, unknown>} */ (value);
  checkKeys(o, AUTO_COMPACT_KEYS, 'autoCompact');
  if (o.tombstoneRatio !== undefined) {
    if (typeof o.tombstoneRatio !== 'number' || !(o.tombstoneRatio > 0) || !(o.tombstoneRatio <= 1)) {
      throw invalidArgument(`autoCompact.tombstoneRatio must be a number in (0, 1], got ${describe(o.tombstoneRatio)}`);
    }
    policy.tombstoneRatio = o.tombstoneRatio;
  }
  if (o.minDeleted !== undefined) {
    policy.minDeleted = checkInteger(o.minDeleted, 'autoCompact.minDeleted', 1, 0xFFFFFFFE);
  }
  if (o.sliceMs !== undefined) policy.sliceMs = checkSliceMs(o.sliceMs, 'autoCompact.sliceMs');
  return policy;
}

/**
 * @param {unknown} value
 * @param {string} name
 * @returns {number}
 */
function checkSliceMs(value, name) {
  if (typeof value !== 'number' || !(value > 0) || !(value <= MAX_SLICE_MS)) {
    throw invalidArgument(`${name} must be a number of milliseconds in (0, ${MAX_SLICE_MS}], got ${describe(value)}`);
  }
  return value;
}

/**
 * The options of compactInBackground.
 * @param {unknown} options
 * @returns {import('./compaction.js').CompactRun}
 */
export function parseCompactOptions(options) {
  const o = optionsObject(options, 'compactInBackground options');
  checkKeys(o, COMPACT_OPTION_KEYS, 'compactInBackground');
  return {
    sliceMs: o.sliceMs === undefined ? DEFAULT_SLICE_MS : checkSliceMs(o.sliceMs, 'compactInBackground: sliceMs'),
    signal: checkSignal(o.signal, 'compactInBackground'),
    onProgress: checkProgress(o.onProgress, 'compactInBackground'),
  };
}
