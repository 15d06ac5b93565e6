// js/ids.js — 64-bit values across the JS/wasm boundary: checking ids and
// splitting them into (and joining them from) two u32 words, for ids and
// sequence numbers alike. The only place that does either.
//
// The core's ids are u64. JS has two ways to hold one: a bigint (exact, the
// default) or a number (exact only up to 2^53 - 1). Where BigUint64Array is
// missing (older engines), every id path works on numbers instead, so the
// module checks the environment once, here, at load time.
//
// No bigint literals (`0n`) appear in this file or anywhere in js/: an engine
// without BigInt cannot even parse them, and this file must load there.

import { EdgeVecError, describe } from './errors.js';
import { EVW_ID_BYTES } from './wasm/abi.js';

/** True where the BigInt global exists. */
export const HAS_BIGINT = typeof BigInt === 'function';
/** True where BigUint64Array exists (and BigInt with it): the bigint id path. */
export const HAS_BIGUINT64 = HAS_BIGINT && typeof BigUint64Array === 'function';

const TWO_POW_32 = 4294967296;
/** hi words at or above this make an id larger than Number.MAX_SAFE_INTEGER. */
const SAFE_HI_LIMIT = 2097152; // 2^21
const B_MASK_32 = HAS_BIGINT ? BigInt(0xffffffff) : undefined;
const B_32 = HAS_BIGINT ? BigInt(32) : undefined;
const TWO_POW_64 = 18446744073709551616;
const B_MAX_SAFE = HAS_BIGINT ? BigInt(Number.MAX_SAFE_INTEGER) : undefined;

/**
 * The low u32 word of a non-negative integer number.
 * @param {number} n
 * @returns {number}
 */
export function loWord(n) {
  return n % TWO_POW_32;
}

/**
 * The high u32 word of a non-negative integer number (exact below 2^53).
 * @param {number} n
 * @returns {number}
 */
export function hiWord(n) {
  return Math.floor(n / TWO_POW_32);
}

/**
 * A u64 read as lo, hi words at word index `at`, as a number: exact below
 * 2^53 (sequence numbers stay there; callers of ids check the hi word).
 * @param {Uint32Array} u32
 * @param {number} at  word index of the lo word
 * @returns {number}
 */
export function readU64(u32, at) {
  return u32[at + 1] * TWO_POW_32 + u32[at];
}

/**
 * The low and high u32 words of the last id passed to splitId (a shared pair
 * so that the single-id paths allocate nothing).
 */
export const idWords = { lo: 0, hi: 0 };

/**
 * Stores idWords (the last id splitId split) at `ptr` as a little-endian u64.
 * @param {Uint32Array} heapU32
 * @param {number} ptr  8-byte aligned
 */
export function storeIdWords(heapU32, ptr) {
  heapU32[ptr >>> 2] = idWords.lo;
  heapU32[(ptr >>> 2) + 1] = idWords.hi;
}

/**
 * Checks one id and splits it into idWords.lo / idWords.hi.
 * @param {unknown} id
 * @param {boolean} numberMode  ids above 2^53 - 1 are refused (idType 'number')
 * @param {string} where        for messages: "id", "ids[3]"
 * @param {number} [index]      position in a batch, for the error
 */
export function splitId(id, numberMode, where, index) {
  if (typeof id === 'number') {
    if (!Number.isInteger(id) || id < 0) {
      throw new EdgeVecError('INVALID_ID',
        `${where} must be a non-negative integer, got ${String(id)}`, { index });
    }
    if (id > Number.MAX_SAFE_INTEGER) {
      throw new EdgeVecError('ID_NOT_SAFE_INTEGER',
        `${where} (${String(id)}) is above Number.MAX_SAFE_INTEGER, so as a number it ` +
        'may not be the id you meant; pass ids this large as bigint', { index });
    }
    idWords.lo = loWord(id);
    idWords.hi = hiWord(id);
    return;
  }
  if (typeof id === 'bigint') {
    // Mixed bigint/number comparisons are exact, and need no BigInt global
    // (a bigint value can exist where the global was removed).
    if (id < 0 || !(id < TWO_POW_64)) {
      throw new EdgeVecError('INVALID_ID',
        `${where} must be in 0 .. 2^64 - 1, got ${String(id)}`, { index });
    }
    if (numberMode && id > Number.MAX_SAFE_INTEGER) {
      throw new EdgeVecError('ID_NOT_SAFE_INTEGER',
        `${where} (${String(id)}) is above Number.MAX_SAFE_INTEGER, which an index ` +
        "created with idType 'number' cannot return exactly", { index });
    }
    if (HAS_BIGINT) {
      idWords.lo = Number(id & /** @type {bigint} */ (B_MASK_32));
      idWords.hi = Number(id >> /** @type {bigint} */ (B_32));
    } else {
      // Only number mode exists here, so the id is at most 2^53 - 1.
      const v = Number(id);
      idWords.lo = loWord(v);
      idWords.hi = hiWord(v);
    }
    return;
  }
  throw new EdgeVecError('INVALID_ARGUMENT',
    `${where} must be a bigint or a non-negative integer number, got ${describe(id)}`, { index });
}

/**
 * How many ids an ids argument holds, after checking its type.
 * @param {unknown} ids
 * @param {string} what  argument name for messages
 * @returns {number}
 */
export function idArrayLength(ids, what) {
  if (Array.isArray(ids)) return ids.length;
  if (HAS_BIGUINT64 && ids instanceof BigUint64Array) return ids.length;
  throw new EdgeVecError('INVALID_ARGUMENT',
    `${what} must be a BigUint64Array or an array of ids, got ${describe(ids)}`);
}

/**
 * Writes ids (already length-checked by idArrayLength) into wasm memory at
 * `ptr` (8-byte aligned) as little-endian u64.
 * @param {ArrayBufferLike} buffer   the wasm memory's current buffer
 * @param {number} ptr
 * @param {BigUint64Array | ReadonlyArray<unknown>} ids
 * @param {boolean} numberMode
 * @param {string} what
 */
export function writeIds(buffer, ptr, ids, numberMode, what) {
  const n = ids.length;
  if (HAS_BIGUINT64 && ids instanceof BigUint64Array) {
    if (numberMode) {
      const max = /** @type {bigint} */ (B_MAX_SAFE);
      for (let i = 0; i < n; i++) {
        if (ids[i] > max) splitId(ids[i], true, `${what}[${i}]`, i); // throws
      }
    }
    new BigUint64Array(buffer, ptr, n).set(ids);
    return;
  }
  const words = new Uint32Array(buffer, ptr, n * 2);
  for (let i = 0; i < n; i++) {
    const id = /** @type {ReadonlyArray<unknown>} */ (ids)[i];
    // The common case (a small non-negative integer number) without a call.
    if (typeof id === 'number' && id >= 0 && id <= 0xffffffff && (id >>> 0) === id) {
      words[2 * i] = id;
      words[2 * i + 1] = 0;
    } else {
      splitId(id, numberMode, `${what}[${i}]`, i);
      words[2 * i] = idWords.lo;
      words[2 * i + 1] = idWords.hi;
    }
  }
}

/**
 * Reads one u64 id at `ptr` as a number, refusing ids above 2^53 - 1.
 * @param {Uint32Array} heapU32
 * @param {number} ptr  8-byte aligned
 * @returns {number}
 */
export function readIdNumber(heapU32, ptr) {
  const at = ptr >>> 2;
  const hi = heapU32[at + 1];
  if (hi >= SAFE_HI_LIMIT) {
    throw new EdgeVecError('ID_NOT_SAFE_INTEGER',
      `the index holds id ${hi}*2^32+${heapU32[at]}, above Number.MAX_SAFE_INTEGER, which ` +
      "idType 'number' cannot return exactly; use idType 'bigint'");
  }
  return readU64(heapU32, at);
}

/**
 * Copies n ids at `ptr` out of wasm memory as numbers.
 * @param {Uint32Array} heapU32
 * @param {number} ptr
 * @param {number} n
 * @returns {number[]}
 */
export function readIdNumbers(heapU32, ptr, n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = readIdNumber(heapU32, ptr + EVW_ID_BYTES * i);
  return out;
}

/**
 * Copies n ids at `ptr` out of wasm memory into a new BigUint64Array (never
 * a view: memory growth would detach it).
 * @param {ArrayBufferLike} buffer
 * @param {number} ptr
 * @param {number} n
 * @returns {BigUint64Array}
 */
export function readIdBigInts(buffer, ptr, n) {
  return new BigUint64Array(buffer, ptr, n).slice();
}

/**
 * Reads one id at `ptr` the way the index returns ids.
 * @param {Uint8Array} heapU8
 * @param {Uint32Array} heapU32
 * @param {number} ptr  8-byte aligned
 * @param {boolean} numberMode
 * @returns {bigint | number}
 */
export function readId(heapU8, heapU32, ptr, numberMode) {
  if (numberMode) return readIdNumber(heapU32, ptr);
  return new BigUint64Array(heapU8.buffer, ptr, 1)[0];
}

/**
 * In number mode, refuses an assigned-id insert of n vectors whose ids,
 * starting at `next`, would pass 2^53 - 1 (they could not be returned
 * exactly), so that it fails before anything is inserted.
 * @param {number} next  the next id of the automatic sequence (inexact above 2^53, which still compares right)
 * @param {number} n
 * @param {string} context
 */
export function checkAssignedIds(next, n, context) {
  if (next + (n - 1) > Number.MAX_SAFE_INTEGER) {
    throw new EdgeVecError('ID_NOT_SAFE_INTEGER',
      `${context}: the assigned ids would pass Number.MAX_SAFE_INTEGER, which an ` +
      "index created with idType 'number' cannot return exactly; pass ids explicitly");
  }
}
