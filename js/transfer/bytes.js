// js/transfer/bytes.js — the byte plumbing of the transfer formats: turning
// whatever an app has (bytes, a web ReadableStream, a Node stream or any
// async iterable of chunks) into one async sequence of chunks, reading exact
// byte counts across chunk boundaries, and handing an export out as a web
// ReadableStream.
//
// Why its own reader rather than collecting the input: an import must work
// on files larger than the memory it may use, so nothing here holds more
// than the bytes a caller asked for and the chunk they came in.

import { EdgeVecError, describe } from '../errors.js';

/** @typedef {import('../../types/transfer.js').ByteSource} ByteSource */
/** @typedef {import('../../types/transfer.js').TextSource} TextSource */

/**
 * @param {string} context
 * @param {string} message
 * @returns {EdgeVecError}
 */
function invalid(context, message) {
  return new EdgeVecError('INVALID_ARGUMENT', `${context}: ${message}`);
}

/**
 * One chunk as bytes (or a string, where text is allowed).
 * @param {unknown} chunk
 * @param {string} context
 * @param {boolean} allowText
 * @returns {Uint8Array | string}
 */
function chunkOf(chunk, context, allowText) {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (allowText && typeof chunk === 'string') return chunk;
  throw invalid(context, `the source yielded ${describe(chunk)}; chunks must be Uint8Array or ArrayBuffer` +
    (allowText ? ' or string' : ''));
}

/**
 * The chunks of a source, in order. A web ReadableStream is read through its
 * reader (Safari's streams are not async iterable) and cancelled when the
 * caller stops early, as an async iterator is returned.
 * @param {unknown} source
 * @param {string} context  the calling function, for errors
 * @param {boolean} allowText  strings (whole or as chunks) are accepted
 * @returns {AsyncGenerator<Uint8Array | string, void, undefined>}
 */
export async function* chunksOf(source, context, allowText) {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer || (allowText && typeof source === 'string')) {
    yield chunkOf(source, context, allowText);
    return;
  }
  const s = /** @type {any} */ (source);
  if (s !== null && typeof s === 'object' && typeof s.getReader === 'function') {
    const reader = /** @type {ReadableStreamDefaultReader<unknown>} */ (s.getReader());
    let finished = false;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) { finished = true; return; }
        yield chunkOf(r.value, context, allowText);
      }
    } finally {
      if (!finished) await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }
  if (s !== null && typeof s === 'object' && typeof s[Symbol.asyncIterator] === 'function') {
    for await (const chunk of /** @type {AsyncIterable<unknown>} */ (s)) yield chunkOf(chunk, context, allowText);
    return;
  }
  if (s !== null && typeof s === 'object' && typeof s[Symbol.iterator] === 'function') {
    for (const chunk of /** @type {Iterable<unknown>} */ (s)) yield chunkOf(chunk, context, allowText);
    return;
  }
  throw invalid(context, `the source must be a Uint8Array, an ArrayBuffer, a ReadableStream or an ` +
    `(async) iterable of byte chunks${allowText ? ', or a string' : ''}; got ${describe(source)}`);
}

/** Reads exact byte counts from a sequence of chunks of any sizes. */
export class ByteReader {
  /** @type {AsyncGenerator<Uint8Array | string, void, undefined>} */
  #chunks;
  /** @type {Uint8Array[]} */
  #queue = [];
  /** Bytes held in #queue (the first one from #head on). */
  #buffered = 0;
  /** Bytes of #queue[0] already taken. */
  #head = 0;
  #ended = false;

  /**
   * @param {unknown} source  a ByteSource
   * @param {string} context
   */
  constructor(source, context) {
    this.#chunks = chunksOf(source, context, false);
  }

  /**
   * Buffers until n bytes are held or the source ends.
   * @param {number} n
   */
  async #fill(n) {
    while (this.#buffered < n && !this.#ended) {
      const r = await this.#chunks.next();
      if (r.done) { this.#ended = true; break; }
      const chunk = /** @type {Uint8Array} */ (r.value);
      if (chunk.byteLength === 0) continue;
      this.#queue.push(chunk);
      this.#buffered += chunk.byteLength;
    }
  }

  /**
   * The next n bytes, fewer only where the source ends (none: it ended).
   * The result may be a view of the source's chunk: read it before the
   * next call.
   * @param {number} n
   * @returns {Promise<Uint8Array>}
   */
  async read(n) {
    await this.#fill(n);
    const want = Math.min(n, this.#buffered);
    const first = this.#queue[0];
    if (want > 0 && first.byteLength - this.#head >= want) {
      const view = first.subarray(this.#head, this.#head + want);
      this.#advance(want);
      return view;
    }
    const out = new Uint8Array(want);
    let at = 0;
    while (at < want) {
      const chunk = this.#queue[0];
      const take = Math.min(want - at, chunk.byteLength - this.#head);
      out.set(chunk.subarray(this.#head, this.#head + take), at);
      at += take;
      this.#advance(take);
    }
    return out;
  }

  /**
   * The next n bytes (fewer where the source ends) without taking them.
   * @param {number} n
   * @returns {Promise<Uint8Array>}
   */
  async peek(n) {
    await this.#fill(n);
    const want = Math.min(n, this.#buffered);
    const out = new Uint8Array(want);
    let at = 0;
    for (let i = 0, head = this.#head; at < want; i++, head = 0) {
      const chunk = this.#queue[i];
      const take = Math.min(want - at, chunk.byteLength - head);
      out.set(chunk.subarray(head, head + take), at);
      at += take;
    }
    return out;
  }

  /** @param {number} n  bytes taken from the front of the queue */
  #advance(n) {
    this.#head += n;
    this.#buffered -= n;
    if (this.#head === this.#queue[0].byteLength) {
      this.#queue.shift();
      this.#head = 0;
    }
  }

  /** Stops reading the source (a stream is cancelled). */
  async close() {
    await this.#chunks.return(undefined);
  }
}

/**
 * Bytes a source holds, where it says without being read.
 * @param {unknown} source
 * @returns {number | undefined}
 */
export function knownByteLength(source) {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return source.byteLength;
  return undefined;
}

/**
 * An async iterable of byte chunks as a web ReadableStream, pulled one chunk
 * at a time (so an export produces no more than the reader takes);
 * cancelling the stream stops the export.
 * @param {AsyncIterable<Uint8Array>} chunks
 * @returns {ReadableStream<Uint8Array>}
 */
export function toReadableStream(chunks) {
  const it = chunks[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const r = await it.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel(reason) {
      await it.return?.(reason);
    },
  }, { highWaterMark: 1 });
}
