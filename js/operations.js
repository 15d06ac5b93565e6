// js/operations.js — the operations that take more than one call into wasm,
// run the same way by both EdgeVec classes (js/edgevec.js and the lite one,
// js/lite/edgevec.js): an insertBatch, checked whole and then inserted in
// chunks that yield, and a softDeleteBatch with its progress. Each class
// keeps its own checks of its own state (disposed, read-only) and what
// happens after a change (persistence, automatic compaction); this file
// keeps the order of the steps, which is the contract.

import { EdgeVecError, statusError, disposedError, abortedError, batchError } from './errors.js';
import { idArrayLength } from './ids.js';
import { runInChunks, maxChunk } from './schedule.js';
import { parseDeleteBatchOptions } from './validate.js';
import { EV_OK, EV_ERR_INVALID_METADATA } from './wasm/abi.js';
import { checkAutoIds, copyIds, softDeleteIds } from './wasm/api.js';

/** @typedef {import('./wasm/module.js').EdgeVecCoreWasm} EdgeVecCoreWasm */
/** @typedef {import('./wasm/api.js').Batch} Batch */
/** @typedef {import('../types/index.js').IdsInput} IdsInput */
/** @typedef {import('../types/index.js').BatchDeleteResult} BatchDeleteResult */
/** @typedef {{ inserted: number, ids: BigUint64Array | number[] }} AnyInsertResult */

/**
 * What an insertBatch needs of the EdgeVec that runs it.
 * @typedef {object} BatchOwner
 * @property {EdgeVecCoreWasm} wasm
 * @property {() => number} handle  the index now (read again before each chunk)
 * @property {() => boolean} disposed
 * @property {boolean} numberMode
 * @property {(index: number, inserted?: number) => EdgeVecError} [metadataError]
 *   the INVALID_METADATA error of record `index` (batches with metadata)
 * @property {() => void} [inserted]  called once vectors went in, even when
 *   the batch then fails part-way
 */

/**
 * Runs a batch captured at the call (./wasm/api.js's Batch; the caller
 * queued it behind the batches before it): checks it whole against the
 * index (a bad batch changes nothing), makes room for all of it, then
 * inserts it in chunks that yield to the event loop, each at most the
 * batch's window of rows, stopping between chunks on dispose() and on the
 * signal (the vectors inserted before stay). Frees the batch.
 * @param {BatchOwner} owner
 * @param {Batch} batch
 * @param {IdsInput | undefined} ids  the caller's ids, for the errors
 * @param {((done: number, total: number) => void) | undefined} onProgress
 * @param {AbortSignal | undefined} signal
 * @returns {Promise<AnyInsertResult>}
 */
export async function runInsertBatch(owner, batch, ids, onProgress, signal) {
  const n = batch.n;
  let inserted = 0;
  try {
    if (owner.disposed()) throw disposedError();
    if (signal?.aborted) throw abortedError(0, n, signal.reason);
    const check = batch.validate(owner.handle());
    if (check.status === EV_ERR_INVALID_METADATA && owner.metadataError) throw owner.metadataError(check.index);
    if (check.status !== EV_OK) {
      throw batchError(check.status, 'insertBatch', check.index, undefined, ids);
    }
    if (!ids) checkAutoIds(owner.wasm, owner.handle(), n, owner.numberMode, 'insertBatch');
    const st = batch.reserve(owner.handle());
    if (st !== EV_OK) throw statusError(st, 'insertBatch', {}, `reserving room for ${n} vectors`);
    await runInChunks(n, (start, count) => {
      const r = batch.insert(owner.handle(), start, count);
      if (r.status === EV_ERR_INVALID_METADATA && owner.metadataError) {
        // The index's limit of distinct field names, checked for the whole
        // batch before the first chunk, can still be reached here when a
        // call between chunks (setMetadata, say) added names meanwhile.
        throw owner.metadataError(r.index, start);
      }
      if (r.status !== EV_OK) {
        // Something changed the index between chunks (another call
        // inserted one of this batch's ids, say): the chunk changed
        // nothing, the chunks before it stay.
        throw batchError(r.status, 'insertBatch', r.index, start, ids);
      }
      inserted = start + count;
    }, (done) => {
      if (owner.disposed()) {
        throw new EdgeVecError('DISPOSED',
          `the EdgeVec was disposed during insertBatch, after ${done} of ${n} vectors`,
          { inserted: done });
      }
      if (signal?.aborted) throw abortedError(done, n, signal.reason);
    }, onProgress, batch.window);
    return { inserted: n, ids: batch.ids(owner.numberMode) };
  } finally {
    batch.free();
    if (inserted > 0 && owner.inserted) owner.inserted();
  }
}

/**
 * Soft-deletes many ids: every id is checked (copied) before any is
 * deleted; with a progress callback, in chunks of a tenth.
 * @param {EdgeVecCoreWasm} wasm
 * @param {number} handle
 * @param {IdsInput} ids
 * @param {unknown} options  softDeleteBatch's options, not yet checked
 * @param {boolean} numberMode
 * @returns {BatchDeleteResult}
 */
export function deleteBatch(wasm, handle, ids, options, numberMode) {
  const n = idArrayLength(ids, 'softDeleteBatch: ids');
  const onProgress = parseDeleteBatchOptions(options);
  const result = { deleted: 0, alreadyDeleted: 0, invalidIds: 0, total: 0 };
  if (n === 0) {
    if (onProgress) onProgress(0, 0);
    return result;
  }
  const list = copyIds(wasm, ids, n, numberMode, 'softDeleteBatch');
  try {
    // Without a progress callback there is nothing to report between
    // chunks: one call does it all.
    const chunk = onProgress ? maxChunk(n) : n;
    if (onProgress) onProgress(0, n);
    for (let done = 0; done < n;) {
      const c = Math.min(chunk, n - done);
      softDeleteIds(wasm, handle, list, done, c, result);
      done += c;
      if (onProgress) onProgress(done, n);
    }
  } finally {
    wasm._free(list);
  }
  return result;
}
