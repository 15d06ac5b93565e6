// js/transfer/snapshot.js — indexes that travel: db.export() as snapshot
// bytes (the format documented at the top of src/snapshot.c), and
// EdgeVec.load from bytes, a Response or a URL, optionally as the first
// snapshot of a new persisted database. Loaded on the first export() or
// load(), like the persistence code: an app that never ships an index never
// downloads this file.
//
// Rules this file keeps:
//  - A download is loaded while it arrives (js/wasm/snapshot-stream.js):
//    each chunk goes to the core as it lands, the vectors straight into the
//    index being built, while the next chunk is on its way. No buffer of the
//    snapshot's size exists in the heap, and no JS-side copy of it either
//    (unless it is to be persisted: then the chunks are kept for storage).
//  - The body is read from the moment the response is there, also while the
//    wasm module is still loading (a page's first load): a body nobody reads
//    stops arriving once the browser's buffer is full, so waiting for the
//    module would add its whole load time to the download's. What arrives
//    before the module is held in JS and fed once it is there.
//  - The core's checks decide what is intact: the header before anything is
//    allocated from it, every section's CRC-32 and every value before the
//    index is handed out. The transport's word (Content-Length) can only
//    make a download fail: a body that ends before it is truncated, while a
//    Content-Length smaller than the snapshot is what a compressed response
//    reports and is not held against it.
//  - A persisted copy is written only after its bytes loaded, and only as
//    the first snapshot of a database that holds nothing yet.

import { EdgeVecError, invalidArgument, describe } from '../errors.js';
import { loadWasm } from '../loader.js';
import { copyIn } from '../wasm/memory.js';
import { SnapshotStream } from '../wasm/snapshot-stream.js';
import {
  loadSnapshotAt, inspectSnapshotHead, saveSnapshot, pendingBytes, enableJournal, SNAPSHOT_PRELUDE_BYTES,
} from '../wasm/persist.js';
import { parseIndexOptions, parseOpenOptions, checkNameArgument } from '../validate.js';
import { announcing } from '../storage/notify.js';

/** @typedef {import('../wasm/module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('../persistence/lifecycle.js').Persistence} Persistence */
/** @typedef {import('../../types/index.js').IdType} IdType */
/** @typedef {import('../../types/index.js').LoadSource} LoadSource */
/** @typedef {(done: number, total: number) => void} Progress */

const CONTEXT = 'EdgeVec.load';

/** A snapshot header larger than this is not a header (versions 1 and 2 have at most 312 bytes). */
const MAX_HEADER_BYTES = 1 << 16;

/** Largest snapshot a wasm32 heap could hold next to the index it decodes to. */
const MAX_SNAPSHOT_BYTES = 2 ** 32 - 1;

const LOAD_OPTION_KEYS = new Set([
  'idType', 'wasmBinary', 'locateFile', 'signal', 'onProgress', 'persistAs',
  'storage', 'autoFlush', 'autoCheckpoint', 'onFlushError',
]);
/** Options that only mean something for the persisted copy. */
const PERSIST_OPTION_KEYS = ['storage', 'autoFlush', 'autoCheckpoint', 'onFlushError'];

/**
 * The snapshot of the whole index. A persisted database that is writable
 * first commits what is pending (as flush() does, and rejecting as it
 * would): the snapshot's wal_seq must name the last stored log record, and
 * the core refuses to encode an index whose journal holds uncommitted
 * mutations. Read-only and in-memory indexes have no journal.
 * @param {EdgeVecWasm} wasm
 * @param {() => number} live  the index handle, or DISPOSED
 * @param {(() => Promise<void>) | null} flush  the database's flush, if writable and persisted
 * @returns {Promise<Uint8Array>}
 */
export async function exportSnapshot(wasm, live, flush) {
  // A commit that is being stored still counts as pending, so this waits
  // for it too; mutations made meanwhile go into the next round.
  while (pendingBytes(wasm, live()) > 0) {
    if (!flush) throw new EdgeVecError('INTERNAL', 'export: an index without persistence has a journal');
    await flush();
  }
  // Synchronous from the check to the last byte: nothing can change the
  // index in between.
  return saveSnapshot(wasm, live()).bytes;
}

/**
 * @typedef {object} ParsedLoadOptions
 * @property {IdType} idType
 * @property {import('../loader.js').WasmLocation} location
 * @property {AbortSignal | undefined} signal
 * @property {Progress | undefined} onProgress
 * @property {string | undefined} persistAs
 * @property {Record<string, unknown>} openOptions  what EdgeVec.open would be given for persistAs
 */

/**
 * @param {unknown} options
 * @returns {ParsedLoadOptions}
 */
function parseLoadOptions(options) {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw invalidArgument(`${CONTEXT} options must be an object, got ${describe(options)}`);
  }
  const o = /** @type {Record<string, unknown>} */ (options ?? {});
  for (const key of Object.keys(o)) {
    if (!LOAD_OPTION_KEYS.has(key)) throw invalidArgument(`${CONTEXT}: unknown option '${key}'`);
  }
  const index = parseIndexOptions({ idType: o.idType, wasmBinary: o.wasmBinary, locateFile: o.locateFile }, false);
  const signal = o.signal;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw invalidArgument(`${CONTEXT}: signal must be an AbortSignal, got ${describe(signal)}`);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw invalidArgument(`${CONTEXT}: onProgress must be a function, got ${describe(o.onProgress)}`);
  }
  const persistAs = o.persistAs === undefined ? undefined : checkNameArgument(o.persistAs, `${CONTEXT}: persistAs`);
  /** @type {Record<string, unknown>} */
  const openOptions = { idType: o.idType, wasmBinary: o.wasmBinary, locateFile: o.locateFile };
  for (const key of PERSIST_OPTION_KEYS) {
    if (o[key] === undefined) continue;
    if (persistAs === undefined) {
      throw invalidArgument(`${CONTEXT}: option '${key}' is for the persisted copy; it needs persistAs`);
    }
    openOptions[key] = o[key];
  }
  return {
    idType: index.idType,
    location: index.location,
    signal: /** @type {AbortSignal | undefined} */ (signal),
    onProgress: /** @type {Progress | undefined} */ (o.onProgress),
    persistAs,
    openOptions,
  };
}

/**
 * @param {unknown} value
 * @returns {boolean}
 */
function isAbortSignal(value) {
  if (value === null || typeof value !== 'object') return false;
  const s = /** @type {{ aborted?: unknown, addEventListener?: unknown }} */ (value);
  return typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function';
}

/**
 * The parts of a Response this file reads (a structural type, so that a
 * Response of another realm or a polyfill is one too).
 * @typedef {object} ResponseLike
 * @property {boolean} ok
 * @property {number} status
 * @property {string} [statusText]
 * @property {string} [url]
 * @property {boolean} bodyUsed
 * @property {{ get(name: string): string | null }} headers
 * @property {ReadableStream<Uint8Array> | null} body
 * @property {() => Promise<ArrayBuffer>} arrayBuffer
 */

/**
 * @param {unknown} value
 * @returns {value is ResponseLike}
 */
function isResponse(value) {
  if (value === null || typeof value !== 'object') return false;
  const r = /** @type {Partial<ResponseLike>} */ (value);
  return typeof r.ok === 'boolean' && typeof r.status === 'number' && typeof r.arrayBuffer === 'function' &&
    typeof r.headers === 'object' && r.headers !== null && typeof r.headers.get === 'function';
}

/**
 * @param {unknown} reason
 * @returns {EdgeVecError}
 */
function abortError(reason) {
  return new EdgeVecError('ABORTED', `${CONTEXT} was aborted by its signal; nothing was loaded or stored`,
    { cause: reason });
}

/**
 * EdgeVec.load: the index (and, with persistAs, its persistence) from a
 * snapshot. The caller wraps the result in an EdgeVec.
 * @param {unknown} source
 * @param {unknown} options
 * @param {Promise<Response> | undefined} [early]  a fetch of the URL source started already (EdgeVec.load)
 * @returns {Promise<{ wasm: EdgeVecWasm, index: number, idType: IdType, persistence: Persistence | null }>}
 */
export async function loadFrom(source, options, early) {
  /** @type {ParsedLoadOptions} */
  let parsed;
  try {
    parsed = parseLoadOptions(options);
    if (parsed.signal?.aborted) throw abortError(parsed.signal.reason);
  } catch (err) {
    early?.then((r) => r.body?.cancel(), () => undefined).catch(() => undefined);
    throw err;
  }
  const { signal } = parsed;
  // The module compiles while the download starts.
  const wasmReady = loadWasm(parsed.location);
  wasmReady.catch(() => undefined);
  /** @type {EdgeVecWasm} */
  let wasm;
  let index = 0;
  let walSeq = 0;
  /** @type {Uint8Array | null} */
  let kept = null;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const bytes = source instanceof ArrayBuffer ? new Uint8Array(source)
      : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    wasm = await wasmReady;
    if (signal?.aborted) throw abortError(signal.reason);
    const data = copyIn(wasm, [bytes], CONTEXT);
    parsed.onProgress?.(bytes.byteLength, bytes.byteLength);
    try {
      ({ handle: index, walSeq } = loadSnapshotAt(wasm, data.ptr, data.len, 'the snapshot', CONTEXT));
      // The storage keeps its own copy of what it is given, but a storage
      // backend written by an app might keep the view itself: give it bytes
      // of their own, not a view of the wasm heap or of the caller's buffer.
      if (parsed.persistAs !== undefined) kept = wasm.HEAPU8.slice(data.ptr, data.ptr + data.len);
    } finally {
      wasm._free(data.ptr);
    }
  } else {
    const response = await responseOf(source, signal, early);
    ({ wasm, index, walSeq, kept } = await readBody(wasmReady, response, parsed));
  }
  if (parsed.persistAs === undefined || !kept) {
    return { wasm, index, idType: parsed.idType, persistence: null };
  }
  try {
    if (signal?.aborted) throw abortError(signal.reason);
    const persistence = await persistNew(wasm, index, walSeq, kept, parsed.persistAs, parsed.openOptions);
    return { wasm, index, idType: parsed.idType, persistence };
  } catch (err) {
    wasm._evw_free(index);
    throw err;
  }
}

/**
 * @param {unknown} source
 * @param {AbortSignal | undefined} signal
 * @param {Promise<Response> | undefined} early  the same fetch, started already
 * @returns {Promise<ResponseLike>}
 */
async function responseOf(source, signal, early) {
  if (isResponse(source)) return source;
  if (typeof source !== 'string' && !(typeof URL === 'function' && source instanceof URL)) {
    throw invalidArgument(`${CONTEXT}: source must be a Uint8Array, an ArrayBuffer, a Response, ` +
      `a URL or a URL string, got ${describe(source)}`);
  }
  const url = String(source);
  try {
    return await (early ?? fetch(url, signal ? { signal } : undefined));
  } catch (err) {
    if (signal?.aborted) throw abortError(signal.reason);
    throw new EdgeVecError('FETCH', `${CONTEXT}: could not fetch ${url}: ${String(err)}`, { cause: err });
  }
}

/**
 * The declared length of a response body whose bytes are the snapshot's
 * own (no Content-Encoding), or undefined.
 * @param {ResponseLike} response
 * @returns {number | undefined}
 */
function declaredLength(response) {
  const encoding = response.headers.get('content-encoding');
  if (encoding && encoding.trim().toLowerCase() !== 'identity') return undefined;
  const raw = response.headers.get('content-length');
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * One read of a body: its result, or what it threw.
 * @typedef {{ result: ReadableStreamReadResult<Uint8Array> } | { error: unknown }} Read
 */

/**
 * Reads a body ahead, into JS, until `until` settles: the download goes on
 * while the wasm module loads, instead of waiting in the browser's pipe (a
 * body nobody reads stops arriving once the pipe is full). What was read
 * so far, a read still in flight when `until` settled, and then the body's
 * own reads are handed out in order by the returned `next`.
 * The chunks are held only until the module is there: at most what the
 * transport delivers while the module loads.
 * @param {() => Promise<ReadableStreamReadResult<Uint8Array>>} read
 * @param {Promise<unknown>} until
 * @returns {() => Promise<ReadableStreamReadResult<Uint8Array>>}
 */
function readAhead(read, until) {
  /** @type {Read[]} */
  const ahead = [];
  /** @type {Promise<ReadableStreamReadResult<Uint8Array>> | null} */
  let inFlight = null;
  let waiting = true;
  const stop = until.then(() => { waiting = false; }, () => { waiting = false; });
  (async () => {
    while (waiting) {
      const pending = read();
      inFlight = pending;
      // A read that rejects later is awaited (and its error reported) by
      // whoever takes it over; this only notes the outcome.
      pending.catch(() => undefined);
      const settled = await Promise.race([pending.then((result) => ({ result }), (error) => ({ error })), stop]);
      // Stopped, or the read was taken over by `next` meanwhile (it then
      // has this read's outcome, not this loop).
      if (!settled || inFlight !== pending) return;
      inFlight = null;
      ahead.push(settled);
      if ('error' in settled || settled.result.done) return;
    }
  })();
  return async () => {
    const first = ahead.shift();
    if (first) {
      if ('error' in first) throw first.error;
      return first.result;
    }
    if (inFlight) {
      const pending = inFlight;
      inFlight = null;
      return pending;
    }
    return read();
  };
}

/**
 * Loads a response body as a snapshot while it arrives. The body is read
 * from the start, while the module may still be loading (readAhead); the
 * first bytes are held in JS only until the module is there and the header
 * is complete; every later chunk goes to the core as it lands.
 * @param {Promise<EdgeVecWasm>} wasmReady
 * @param {ResponseLike} response
 * @param {ParsedLoadOptions} parsed
 * @returns {Promise<{ wasm: EdgeVecWasm, index: number, walSeq: number, kept: Uint8Array | null }>}
 */
async function readBody(wasmReady, response, parsed) {
  const { signal, onProgress } = parsed;
  const from = response.url ? ` from ${response.url}` : '';
  // Whether the body can be read at all is known now; it is reported once
  // the module loaded, as it always was (a module that fails to load is
  // the error a caller sees first).
  const refused = !response.ok || response.bodyUsed;
  const body = refused ? null : response.body;
  /** @type {ReadableStreamDefaultReader<Uint8Array> | null} */
  const reader = body ? body.getReader() : null;
  /** @type {(() => void) | undefined} */
  let stopWaiting;
  const aborted = signal ? new Promise((_, reject) => {
    const onAbort = () => reject(abortError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    stopWaiting = () => signal.removeEventListener('abort', onAbort);
  }) : null;
  aborted?.catch(() => undefined);
  /** @type {SnapshotStream | null} */
  let stream = null;
  // With persistAs, the chunks as they came, for the stored copy.
  /** @type {Uint8Array[] | null} */
  const keep = parsed.persistAs !== undefined ? [] : null;
  try {
    // A body without a stream (an old polyfill): read it whole.
    /** @type {() => Promise<ReadableStreamReadResult<Uint8Array>>} */
    let next = reader ? () => reader.read() : (() => {
      let done = false;
      return async () => {
        if (done) return { done: true, value: undefined };
        done = true;
        return { done: false, value: new Uint8Array(await response.arrayBuffer()) };
      };
    })();
    // One promise for both: readAhead's stop runs before this function
    // resumes, so no read is started behind the loop's back.
    const ready = aborted ? Promise.race([wasmReady, aborted]) : wasmReady;
    if (reader) next = readAhead(next, ready);
    const wasm = await ready;
    if (!response.ok) {
      const text = response.statusText ? ` ${response.statusText}` : '';
      throw new EdgeVecError('FETCH', `${CONTEXT}: the server answered ${response.status}${text}${from}`,
        { httpStatus: response.status });
    }
    if (refused) {
      throw invalidArgument(`${CONTEXT}: the Response body was already read`);
    }
    const declared = declaredLength(response);
    /** @type {Uint8Array[]} */
    let head = [];
    let headBytes = 0;
    let need = SNAPSHOT_PRELUDE_BYTES;
    let total = 0;
    let received = 0;
    let reported = -1;
    const step = () => Math.max(1, Math.floor(total / 100));
    /** @param {number} done */
    const progress = (done) => {
      if (!onProgress || total === 0) return;
      if (done === total || reported < 0 || done - reported >= step()) {
        reported = done;
        onProgress(done, total);
      }
    };

    for (;;) {
      /** @type {ReadableStreamReadResult<Uint8Array>} */
      let chunk;
      try {
        chunk = await (aborted ? Promise.race([next(), aborted]) : next());
      } catch (err) {
        if (err instanceof EdgeVecError) throw err;
        if (signal?.aborted) throw abortError(signal.reason);
        throw new EdgeVecError('FETCH', `${CONTEXT}: the download${from} broke off after ${received} bytes` +
          `${total ? ` of ${total}` : ''}: ${String(err)}`, { cause: err });
      }
      if (chunk.done) break;
      const bytes = chunk.value;
      if (!(bytes instanceof Uint8Array)) {
        throw invalidArgument(`${CONTEXT}: the Response body gave ${describe(bytes)}, not bytes`);
      }
      if (bytes.byteLength === 0) continue;
      keep?.push(bytes);
      if (!stream) {
        head.push(bytes);
        headBytes += bytes.byteLength;
        received = headBytes;
        while (!stream && headBytes >= need) {
          const joined = join(head, headBytes);
          head = [joined];
          const r = inspectSnapshotHead(wasm, joined.subarray(0, need), 'the snapshot', CONTEXT);
          if (r.needBytes !== undefined) {
            if (r.needBytes > MAX_HEADER_BYTES) {
              throw new EdgeVecError('CORRUPT', `${CONTEXT}: the snapshot: section header, its length ` +
                `${r.needBytes} at byte 12 is not that of a header`, { section: 'header' });
            }
            need = r.needBytes;
            continue;
          }
          total = r.totalBytes;
          if (total > MAX_SNAPSHOT_BYTES) {
            throw new EdgeVecError('OUT_OF_MEMORY', `${CONTEXT}: the snapshot says it has ${total} bytes, ` +
              'more than a wasm32 heap holds');
          }
          if (headBytes > total) throw longerError(total, from);
          stream = new SnapshotStream(wasm, joined, 'the snapshot', CONTEXT);
          head = [];
        }
      } else {
        if (received + bytes.byteLength > total) throw longerError(total, from);
        stream.feed(bytes);
        received += bytes.byteLength;
      }
      progress(received);
      if (signal?.aborted) throw abortError(signal.reason);
    }
    if (declared !== undefined && received < declared) {
      throw new EdgeVecError('CORRUPT', `${CONTEXT}: the download${from} is truncated: the body ended ` +
        `after ${received} of the ${declared} bytes its Content-Length announced`, { section: 'body' });
    }
    if (!stream) {
      // The body ended inside the header: the core says what is wrong
      // with what there is (truncated, or not a snapshot at all).
      const data = copyIn(wasm, [join(head, headBytes)], CONTEXT);
      try {
        loadSnapshotAt(wasm, data.ptr, data.len, 'the snapshot', CONTEXT);
      } finally {
        wasm._free(data.ptr);
      }
      throw new EdgeVecError('INTERNAL', `${CONTEXT}: ${headBytes} bytes loaded as a snapshot without a header`);
    }
    if (received < total) {
      throw new EdgeVecError('CORRUPT', `${CONTEXT}: the download${from} is truncated: the body ended ` +
        `after ${received} of the ${total} bytes the snapshot's header announces`, { section: 'body' });
    }
    // Joined first: once finish hands out the index, nothing may throw.
    const kept = keep ? join(keep, total) : null;
    const { handle: index, walSeq } = stream.finish();
    return { wasm, index, walSeq, kept };
  } catch (err) {
    if (reader) reader.cancel(err).catch(() => undefined);
    throw err;
  } finally {
    stopWaiting?.();
    stream?.free();
  }
}

/**
 * @param {number} total
 * @param {string} from
 * @returns {EdgeVecError}
 */
function longerError(total, from) {
  return new EdgeVecError('CORRUPT', `${CONTEXT}: the download${from} has more bytes than the ` +
    `${total} its snapshot header announces`, { section: 'body' });
}

/**
 * @param {Uint8Array[]} parts
 * @param {number} n  their total length
 * @returns {Uint8Array}
 */
function join(parts, n) {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out;
}

/**
 * Makes a loaded snapshot the first snapshot of a new database and opens
 * it for writing, holding the writer lock from the check to the end. A
 * database that holds a snapshot or log records already is refused with
 * ALREADY_EXISTS and left as it was.
 * @param {EdgeVecWasm} wasm
 * @param {number} index
 * @param {number} walSeq   the snapshot's: the new database's log continues after it
 * @param {Uint8Array} bytes
 * @param {string} name
 * @param {Record<string, unknown>} openOptions
 * @returns {Promise<Persistence>}
 */
async function persistNew(wasm, index, walSeq, bytes, name, openOptions) {
  const [{ Persistence }, { chooseStorage }] = await Promise.all([
    import('../persistence/lifecycle.js'), import('../persistence/storage.js')]);
  const parsed = parseOpenOptions(openOptions, (storage) => chooseStorage(storage, `${CONTEXT}: persistAs`));
  // Its commits are announced to followers like any writer's.
  const handle = announcing(await parsed.storage.open(name, { readOnly: false }));
  try {
    const manifest = await handle.readManifest();
    const log = manifest ? [] : await handle.readLog(0);
    if (manifest || log.length > 0) {
      throw new EdgeVecError('ALREADY_EXISTS', `${CONTEXT}: persistAs "${name}": that database already ` +
        'exists; nothing was changed (EdgeVec.open it, or EdgeVec.remove it first)');
    }
    await handle.writeSnapshot(bytes, walSeq);
    enableJournal(wasm, index, walSeq);
    const report = Object.freeze({ droppedLogRecords: Object.freeze([]) });
    return new Persistence(wasm, index, handle, parsed, bytes.byteLength, 0, report);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}
