// js/schedule.js — when asynchronous work runs: long work in chunks that
// yield to the event loop (with progress at every tenth), and queues that
// run calls one after another in call order.

/** Progress is reported at 0, at every tenth crossed, and at the total. */
const PROGRESS_STEPS = 10;

// A chunk is sized so that it takes about this long: short enough that a
// page keeps repainting (a frame is ~16 ms), long enough that the yields
// cost little.
const CHUNK_TARGET_MS = 10;
const FIRST_CHUNK = 32;

/** @type {() => number} */
const now = typeof performance === 'object' && typeof performance.now === 'function'
  ? () => performance.now()
  : () => Date.now();

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
export function yieldToEventLoop() {
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
 * The largest chunk of a batch of n: a tenth, so that progress can be
 * reported at every tenth and a large batch is cut at least ten times.
 * @param {number} n
 * @returns {number}
 */
export function maxChunk(n) {
  return Math.max(1, Math.ceil(n / PROGRESS_STEPS));
}

/**
 * Runs `total` items through `work(start, count)` in chunks that take about
 * CHUNK_TARGET_MS each (measured, and halved or doubled to stay there),
 * yielding to the event loop between chunks. `beforeChunk(done)` runs before
 * each chunk and throws to stop (abort, dispose). onProgress, when given, is
 * called with (0, total), then whenever a tenth is crossed, and at the end.
 * No chunk is larger than `limit` (what `work` can take at once).
 * @param {number} total  > 0
 * @param {(start: number, count: number) => void} work
 * @param {(done: number) => void} beforeChunk
 * @param {((done: number, total: number) => void) | undefined} onProgress
 * @param {number} [limit]  >= 1
 * @returns {Promise<void>}
 */
export async function runInChunks(total, work, beforeChunk, onProgress, limit = total) {
  const step = total / PROGRESS_STEPS;
  let nextReport = step;
  if (onProgress) onProgress(0, total);
  const largest = Math.min(maxChunk(total), limit);
  let chunk = Math.min(FIRST_CHUNK, largest);
  let done = 0;
  while (done < total) {
    beforeChunk(done);
    const c = Math.min(chunk, total - done);
    const t0 = now();
    work(done, c);
    const elapsed = now() - t0;
    done += c;
    if (elapsed < CHUNK_TARGET_MS / 2) chunk = Math.min(chunk * 2, largest);
    else if (elapsed > CHUNK_TARGET_MS * 2 && chunk > 1) chunk = Math.ceil(chunk / 2);
    if (onProgress && (done >= nextReport || done === total)) {
      while (nextReport <= done) nextReport += step;
      onProgress(done, total);
    }
    if (done < total) await yieldToEventLoop();
  }
}

/**
 * Runs the functions given to run() one after another, in call order; a
 * failure rejects its own call only.
 */
export class SerialQueue {
  /** @type {Promise<unknown>} */
  #tail = Promise.resolve();

  /**
   * @template R
   * @param {() => R | Promise<R>} fn
   * @returns {Promise<R>}
   */
  run(fn) {
    const run = this.#tail.then(fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** @returns {Promise<unknown>} settles once everything queued so far has run */
  idle() {
    return this.#tail;
  }
}
