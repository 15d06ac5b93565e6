// js/worker/parts.js — a large vectors argument (insertBatch's vectors,
// EdgeVec.load's bytes) sent to the worker in parts, a few tasks apart,
// instead of in the call's own message: structured clone copies a whole
// argument in one go on the calling thread, which for 100,000 vectors
// holds a page's main thread for tens of milliseconds (one flat
// Float32Array) to hundreds (an array of rows, above all of number arrays).
// In parts, each task copies about PART_BYTES at a time and the page keeps
// drawing in between. Both sides import this file: the caller
// (./client.js) cuts, the worker (./worker.js) puts the parts together
// into the same kind of value before the call runs, so the call sees what
// it would have seen in one message (and refuses what it would have
// refused, with the same error).
//
// Not cut (one message, as before): values under 2 × PART_BYTES; a typed
// array or ArrayBuffer given with `transfer: true` (moving it costs nothing
// whatever its size); an array of rows given with `transfer: true` whose
// rows share buffers (a buffer can be moved once only).
//
// Messages, caller -> worker, all before the call's own message (which has
// `parts: true` and null in place of the argument):
//   { part: id, kind, total, at, value, ctor? }   one part of call `id`:
//       kind 'typed'  `value` is a typed array of the elements at .. at +
//                     value.length of `total` (its own buffer, moved);
//                     `ctor` names its constructor (Float32Array, …)
//       kind 'buffer' `value` is an ArrayBuffer of the bytes at .. (moved)
//       kind 'array'  `value` is an array of the entries at .. (cloned,
//                     or their rows' buffers moved with `transfer: true`)
//   { part: id, drop: true }   the parts of call `id` are void: one could
//                     not be sent, and the call fails on the calling side

import { addTransfer } from './methods.js';

/** About how many bytes each part holds. */
export const PART_BYTES = 1 << 20;
/** How long the caller copies parts in one task before it lets the page run. */
export const TASK_MS = 8;
/** Rows in a part when their buffers are moved (`transfer: true`). */
const MOVED_ROWS = 128;

/**
 * @typedef {object} Part
 * @property {{ part: number, kind: 'typed' | 'buffer' | 'array', total: number, at: number,
 *   value: unknown, ctor?: string }} message  without `part` (the call id) set yet
 * @property {Transferable[]} transfers
 */

/**
 * @typedef {object} Cutter  makes the parts one by one (so that the
 *   copying happens in the tasks that send them)
 * @property {number} count
 * @property {(i: number) => Part} part
 */

/**
 * How to send `value` in parts, or null to send it whole.
 * @param {unknown} value
 * @param {boolean} transfer  `transfer: true` was given
 * @returns {Cutter | null}
 */
export function cutterOf(value, transfer) {
  if (value instanceof ArrayBuffer) {
    if (transfer || value.byteLength <= 2 * PART_BYTES) return null;
    return cut(value.byteLength, PART_BYTES, (at, end) => {
      const bytes = value.slice(at, end);
      return { message: part('buffer', value.byteLength, at, bytes), transfers: [bytes] };
    });
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const typed = /** @type {Float32Array} */ (value);
    const whole = typed.byteOffset === 0 && typed.byteLength === typed.buffer.byteLength;
    if ((transfer && whole) || typed.byteLength <= 2 * PART_BYTES) return null;
    const perPart = Math.max(1, Math.floor(PART_BYTES / typed.BYTES_PER_ELEMENT));
    const ctor = typed.constructor.name;
    // The worker makes the whole again with the constructor of that name.
    if (/** @type {any} */ (globalThis)[ctor] !== typed.constructor) return null;
    return cut(typed.length, perPart, (at, end) => {
      const slice = typed.slice(at, end);
      return { message: { ...part('typed', typed.length, at, slice), ctor }, transfers: [slice.buffer] };
    });
  }
  if (Array.isArray(value)) {
    // Rows of number arrays clone at 8 bytes a number, typed rows at their
    // own size; the first row stands for the rest.
    const first = /** @type {{ length?: unknown, byteLength?: unknown } | undefined} */ (value[0]);
    const rowBytes = typeof first?.byteLength === 'number' ? first.byteLength
      : typeof first?.length === 'number' ? first.length * 8 : 8;
    if (value.length * Math.max(rowBytes, 8) <= 2 * PART_BYTES) return null;
    if (transfer && !ownBuffers(value)) return null;
    // Moving a buffer costs about as much as copying a few kilobytes, each:
    // rows moved go a few hundred to a part.
    const perPart = Math.max(1, Math.min(transfer ? MOVED_ROWS : Infinity,
      Math.floor(PART_BYTES / Math.max(rowBytes, 8))));
    return cut(value.length, perPart, (at, end) => {
      const rows = value.slice(at, end);
      /** @type {Transferable[]} */
      const transfers = [];
      if (transfer) for (const row of rows) addTransfer(row, transfers);
      else {
        // A row that is a view into a larger buffer (a subarray of one
        // flat array, say) would bring that whole buffer with every part.
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i];
          if (ArrayBuffer.isView(row) && !(row instanceof DataView) && row.byteLength !== row.buffer.byteLength) {
            rows[i] = /** @type {Float32Array} */ (row).slice();
          }
        }
      }
      return { message: part('array', value.length, at, rows), transfers };
    });
  }
  return null;
}

/**
 * @param {'typed' | 'buffer' | 'array'} kind
 * @param {number} total
 * @param {number} at
 * @param {unknown} value
 */
function part(kind, total, at, value) {
  return { part: 0, kind, total, at, value };
}

/**
 * @param {number} total
 * @param {number} perPart
 * @param {(at: number, end: number) => Part} make
 * @returns {Cutter}
 */
function cut(total, perPart, make) {
  return {
    count: Math.ceil(total / perPart),
    part: (i) => make(i * perPart, Math.min(total, (i + 1) * perPart)),
  };
}

/**
 * Whether no two rows are views of one buffer (each can be moved on its own).
 * @param {unknown[]} rows
 * @returns {boolean}
 */
function ownBuffers(rows) {
  const seen = new Set();
  for (const row of rows) {
    if (!ArrayBuffer.isView(row)) continue;
    if (seen.has(row.buffer)) return false;
    seen.add(row.buffer);
  }
  return true;
}

/** The worker's side: parts received, by call, until the call takes them. */
export class PartsInbox {
  /** @type {Map<number, { kind: string, value: any }>} */
  #calls = new Map();

  /**
   * @param {{ part: number, drop?: boolean, kind?: string, total?: number, at?: number,
   *   value?: any, ctor?: string }} msg
   */
  receive(msg) {
    if (msg.drop) {
      this.#calls.delete(msg.part);
      return;
    }
    const total = /** @type {number} */ (msg.total), at = /** @type {number} */ (msg.at);
    let entry = this.#calls.get(msg.part);
    if (!entry) {
      const kind = /** @type {string} */ (msg.kind);
      /** @type {any} */
      let value;
      if (kind === 'typed') {
        const Ctor = /** @type {any} */ (globalThis)[/** @type {string} */ (msg.ctor)];
        value = new Ctor(total);
      } else if (kind === 'buffer') {
        value = new Uint8Array(total);
      } else {
        value = new Array(total);
      }
      entry = { kind, value };
      this.#calls.set(msg.part, entry);
    }
    if (entry.kind === 'typed') entry.value.set(msg.value, at);
    else if (entry.kind === 'buffer') entry.value.set(new Uint8Array(msg.value), at);
    else for (let i = 0; i < msg.value.length; i++) entry.value[at + i] = msg.value[i];
  }

  /**
   * The argument call `id` was sent in parts, put together.
   * @param {number} id
   * @returns {unknown}
   */
  take(id) {
    const entry = this.#calls.get(id);
    this.#calls.delete(id);
    if (!entry) return undefined;
    return entry.kind === 'buffer' ? entry.value.buffer : entry.value;
  }
}
