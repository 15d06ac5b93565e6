// js/worker/methods.js — which EdgeVec methods a WorkerEdgeVec forwards to
// its worker, and how each one's arguments and result cross the boundary.
// Both sides read this table: the caller (./client.js) to encode the call
// and decode the answer, the worker (./worker.js) to run it and encode the
// answer. A method the EdgeVec class gains is forwarded by adding its line.
//
// A spec's fields (all optional):
//   options   the position of its options argument: its onProgress and
//             signal are replaced by hooks (a progress message back, an
//             abort message forth); other functions cannot cross and are
//             refused with INVALID_ARGUMENT
//   vectors   the position of a vectors argument that `transfer: true` in
//             the options hands over instead of copying
//   result    how the result crosses: PLAIN (copied by structured clone,
//             the default), OWNED (typed arrays in it are fresh copies made
//             for this call, so their buffers are moved rather than copied,
//             once they are large enough for that to pay) or HITS (search
//             results packed into two typed arrays)
//   channel   it may go through the shared-memory channel (./channel.js)
//             instead of a message, when that can carry its arguments

/**
 * @typedef {object} ResultCodec
 * @property {(value: unknown, transfers: Transferable[]) => unknown} encode  in the worker
 * @property {(encoded: any) => unknown} decode  on the calling side
 */

/**
 * @typedef {object} MethodSpec
 * @property {number} [options]
 * @property {number} [vectors]
 * @property {ResultCodec} [result]
 * @property {boolean} [channel]
 */

/** @type {ResultCodec} */
export const PLAIN = {
  encode: (value) => value,
  decode: (value) => value,
};

/**
 * Below this many bytes a result's buffer is copied rather than moved:
 * detaching a buffer and adopting it on the other side costs more than
 * copying a few kilobytes (a search's ids and distances, a get()).
 */
const MOVE_RESULTS_FROM = 64 * 1024;

/**
 * Adds the buffer behind a typed array to the transfer list when moving it
 * is safe: it is not shared memory and is not listed yet.
 * @param {unknown} value
 * @param {Transferable[]} transfers
 * @param {number} [minBytes]  leave smaller buffers to be copied
 */
export function addTransfer(value, transfers, minBytes = 0) {
  if (!ArrayBuffer.isView(value)) return;
  const buffer = value.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < minBytes || transfers.includes(buffer)) return;
  transfers.push(buffer);
}

/** @type {ResultCodec} */
export const OWNED = {
  encode(value, transfers) {
    addTransfer(value, transfers, MOVE_RESULTS_FROM);
    if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
      for (const v of Object.values(value)) addTransfer(v, transfers, MOVE_RESULTS_FROM);
    }
    return value;
  },
  decode: (value) => value,
};

/**
 * @typedef {object} PackedHits
 * @property {BigUint64Array | Float64Array} ids   Float64Array for number ids
 * @property {Float32Array} distances   the core's float32 distances, exact
 * @property {Array<Record<string, unknown>> | undefined} extra  fields of each
 *   hit besides id and distance, when a hit has any
 */

/** @type {ResultCodec} */
export const HITS = {
  encode(value, transfers) {
    const hits = /** @type {Array<{ id: bigint | number, distance: number }>} */ (value);
    const n = hits.length;
    const bigint = n > 0 && typeof hits[0].id === 'bigint';
    const ids = bigint ? new BigUint64Array(n) : new Float64Array(n);
    const distances = new Float32Array(n);
    /** @type {Array<Record<string, unknown>> | undefined} */
    let extra;
    for (let i = 0; i < n; i++) {
      const { id, distance, ...rest } = hits[i];
      ids[i] = /** @type {never} */ (id);
      distances[i] = distance;
      for (const _ in rest) {
        extra ??= new Array(n).fill(undefined).map(() => ({}));
        extra[i] = rest;
        break;
      }
    }
    addTransfer(ids, transfers, MOVE_RESULTS_FROM);
    addTransfer(distances, transfers, MOVE_RESULTS_FROM);
    return /** @type {PackedHits} */ ({ ids, distances, extra });
  },
  decode(encoded) {
    const { ids, distances, extra } = /** @type {PackedHits} */ (encoded);
    const n = distances.length;
    const out = new Array(n);
    const bigint = ids instanceof Float64Array === false;
    for (let i = 0; i < n; i++) {
      const hit = { id: bigint ? ids[i] : Number(ids[i]), distance: distances[i] };
      out[i] = extra ? { ...hit, ...extra[i] } : hit;
    }
    return out;
  },
};

/**
 * The EdgeVec methods a WorkerEdgeVec has, each returning a Promise of what
 * the EdgeVec method returns.
 * @type {Readonly<Record<string, MethodSpec>>}
 */
export const METHODS = Object.freeze({
  insertBatch: { vectors: 0, options: 1, result: OWNED },
  insert: {},
  search: { result: HITS, channel: true },
  searchBatch: {},
  softDelete: {},
  softDeleteBatch: { options: 1 },
  compact: {},
  compactInBackground: { options: 0 },
  optimize: {},
  get: { result: OWNED },
  has: {},
  ids: { result: OWNED },
  flush: {},
  checkpoint: {},
  export: { result: OWNED },
  setMetadata: {},
  getMetadata: {},
  count: {},
  refresh: {},
  becomeWriter: { options: 0 },
});

/**
 * How the static entry points cross: their options, and for load the
 * source that `transfer: true` hands over.
 * @type {Readonly<Record<'create' | 'open' | 'load', MethodSpec>>}
 */
export const ENTRY_POINTS = Object.freeze({
  create: { options: 0 },
  open: { options: 1 },
  load: { options: 1, vectors: 0 },
});
