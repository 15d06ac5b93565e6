// js/wasm/snapshot-stream.js — a snapshot loaded while its bytes arrive
// (evp_snapshot_stream_*, src/snapshot_stream.c): the download of
// EdgeVec.load(url). Each piece of the body is copied into one small
// staging buffer in the heap and fed to the core, which writes the vectors
// and the level-0 links straight into the index it builds and holds only
// the other sections; so no buffer of the snapshot's size exists, and what
// is left after the last byte is the decode of those small sections. Loaded
// with the transfer code only.

import { EV_OK, EVP_LOAD_HANDLE, EVP_SNAPSHOT_WAL_SEQ_LO } from './abi.js';
import { readU64 } from '../ids.js';
import { alloc, outArray, copyIn } from './memory.js';
import { snapshotError } from './persist.js';

/** @typedef {import('./module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('./persist.js').LoadedSnapshot} LoadedSnapshot */

/** The staging buffer: pieces larger than this are fed in parts. */
const STAGING_BYTES = 1 << 20;

export class SnapshotStream {
  /**
   * Begins with the snapshot's first bytes, its whole header at least
   * (checked by the core before anything is allocated from it). Throws
   * CORRUPT / UNSUPPORTED_VERSION / OUT_OF_MEMORY as a load does.
   * @param {EdgeVecWasm} wasm
   * @param {Uint8Array} head
   * @param {string} what     the bytes, for messages
   * @param {string} context  the call, for messages
   */
  constructor(wasm, head, what, context) {
    this.wasm = wasm;
    this.what = what;
    this.context = context;
    const data = copyIn(wasm, [head], context);
    let st;
    try {
      st = wasm._evp_snapshot_stream_begin(data.ptr, data.len, outArray(wasm, context));
    } finally {
      wasm._free(data.ptr);
    }
    const o = outArray(wasm, context) >>> 2;
    if (st !== EV_OK) throw snapshotError(wasm, st, what, context);
    /** The stream's handle; 0 once freed. */
    this.handle = wasm.HEAPU32[o + EVP_LOAD_HANDLE];
    /** The last log record the snapshot contains (from its header). */
    this.walSeq = readU64(wasm.HEAPU32, o + EVP_SNAPSHOT_WAL_SEQ_LO);
    /** @type {number} */
    this.staging = 0;
  }

  /**
   * The next bytes of the snapshot.
   * @param {Uint8Array} bytes
   */
  feed(bytes) {
    const wasm = this.wasm;
    if (!this.staging) this.staging = alloc(wasm, STAGING_BYTES, this.context);
    for (let at = 0; at < bytes.byteLength; at += STAGING_BYTES) {
      const piece = bytes.subarray(at, at + STAGING_BYTES);
      // HEAPU8 is read again each time: a feed may grow the memory.
      wasm.HEAPU8.set(piece, this.staging);
      const st = wasm._evp_snapshot_stream_feed(this.handle, this.staging, piece.byteLength,
        outArray(wasm, this.context));
      if (st !== EV_OK) throw snapshotError(wasm, st, this.what, this.context);
    }
  }

  /**
   * After the last byte: every checksum, every value, then the index.
   * @returns {LoadedSnapshot}
   */
  finish() {
    const wasm = this.wasm;
    const out = outArray(wasm, this.context);
    const st = wasm._evp_snapshot_stream_finish(this.handle, out);
    if (st !== EV_OK) throw snapshotError(wasm, st, this.what, this.context);
    return { handle: wasm.HEAPU32[(out >>> 2) + EVP_LOAD_HANDLE], walSeq: this.walSeq };
  }

  /** Frees the stream (and a partly built index), in every case. */
  free() {
    if (this.staging) this.wasm._free(this.staging);
    if (this.handle) this.wasm._evp_snapshot_stream_free(this.handle);
    this.staging = 0;
    this.handle = 0;
  }
}
