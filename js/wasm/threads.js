// js/wasm/threads.js — the module with threads (dist/mt/: a pthreads build
// of the same C, src/parallel.h): whether this platform may run it, how
// many threads it gets, and loading it. js/loader.js tries it first and
// falls back to the default module when it is not allowed or fails.
//
// - Allowed: always in Node (worker_threads and shared memory need
//   nothing); in browsers only on cross-origin isolated pages
//   (`crossOriginIsolated`, which COOP/COEP headers give), the only place
//   a SharedArrayBuffer can be made.
// - Threads: the machine's cores (os.availableParallelism(),
//   navigator.hardwareConcurrency), at most MAX_THREADS; the calling
//   thread is one of them, so the module's worker pool holds one fewer.
//   One core: no threads, the default module.
// - Loaded by a dynamic import() of a URL made at run time, which bundlers
//   neither follow nor emit: the default module's download never grows.
//   A bundled app whose output lacks dist/mt/ gets a failed import, hence
//   the default module.

/** @typedef {import('./module.js').EdgeVecWasm} EdgeVecWasm */
/** @typedef {import('./module.js').EdgeVecWasmFactoryOptions} FactoryOptions */
/** @typedef {(options: FactoryOptions & { evThreadPool: number }) => Promise<EdgeVecWasm>} ThreadedFactory */

/** More threads than this bring little to a tab and each holds a visited
 * array of every slot (src/edgevec.h, ev_set_threads). */
export const MAX_THREADS = 8;

/** A module whose workers do not load by then is given up on (a worker
 * script the server does not serve, say: Emscripten then never settles). */
const LOAD_TIMEOUT_MS = 20000;

/**
 * @typedef {object} NodeProcess
 * @property {{ node?: string }} [versions]
 * @property {(id: string) => unknown} [getBuiltinModule]
 */
const nodeProcess = /** @type {{ process?: NodeProcess }} */ (globalThis).process;
const IS_NODE = typeof nodeProcess === 'object' && nodeProcess !== null &&
  typeof nodeProcess.versions?.node === 'string';

/** Threads of each loaded module: absent for the default module (1). */
const threadsOf = /** @type {WeakMap<EdgeVecWasm, number>} */ (new WeakMap());

/**
 * Threads a batch on this module runs on (1: the default module).
 * @param {EdgeVecWasm} wasm
 * @returns {number}
 */
export function moduleThreads(wasm) {
  return threadsOf.get(wasm) ?? 1;
}

/**
 * Threads this platform gives the module with threads: 0 when it may not
 * run here (no shared memory, a page that is not cross-origin isolated, or
 * one core).
 * @returns {number}
 */
export function platformThreads() {
  if (typeof SharedArrayBuffer !== 'function') return 0;
  let cores = 0;
  if (IS_NODE) {
    // The build's Node branch needs process.getBuiltinModule (src/wasm/threads_node.js).
    if (typeof nodeProcess?.getBuiltinModule !== 'function') return 0;
    const os = /** @type {{ availableParallelism?: () => number, cpus: () => unknown[] }} */ (
      nodeProcess.getBuiltinModule('node:os'));
    cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  } else {
    if (/** @type {{ crossOriginIsolated?: boolean }} */ (globalThis).crossOriginIsolated !== true) return 0;
    cores = globalThis.navigator?.hardwareConcurrency ?? 0;
  }
  const threads = Math.min(MAX_THREADS, Math.floor(cores));
  return threads >= 2 ? threads : 0;
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the module with threads did not load in ${ms} ms`)), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout])).finally(() => clearTimeout(timer));
}

/**
 * Loads the module with threads that sits in mt/ beside the default
 * module's .wasm. Rejects when it cannot be loaded; the caller falls back.
 * @param {URL} defaultWasmUrl  where dist/edgevec.wasm is
 * @param {number} threads  from platformThreads(), >= 2
 * @param {(url: URL) => Promise<Uint8Array>} readFile  Node: reads a file: URL
 * @returns {Promise<EdgeVecWasm>}
 */
export async function loadThreaded(defaultWasmUrl, threads, readFile) {
  const glue = new URL('mt/edgevec-mt.mjs', defaultWasmUrl);
  /** @type {FactoryOptions & { evThreadPool: number }} */
  const options = { evThreadPool: threads - 1 };
  if (IS_NODE && glue.protocol === 'file:') {
    // Node's fetch cannot read a file: URL: the bytes are handed over.
    options.wasmBinary = await readFile(new URL('mt/edgevec-mt.wasm', defaultWasmUrl));
  }
  const href = glue.href;
  const imported = /** @type {{ default: ThreadedFactory }} */ (
    await import(/* webpackIgnore: true */ /* @vite-ignore */ href));
  // In Node the glue sets globalThis.Worker to worker_threads' Worker while
  // it starts its pool (synchronously, inside the factory call); the app's
  // global stays as it was.
  const g = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (globalThis));
  const hadWorker = Object.prototype.hasOwnProperty.call(g, 'Worker');
  const worker = g.Worker;
  /** @type {Promise<EdgeVecWasm>} */
  let loading;
  try {
    loading = imported.default(options);
  } finally {
    if (hadWorker) g.Worker = worker;
    else delete g.Worker;
  }
  const wasm = await withTimeout(loading, LOAD_TIMEOUT_MS);
  if (IS_NODE) {
    // Idle pool workers must not keep the process alive: a script that is
    // done exits as it would with the default module.
    const pool = /** @type {{ PThread?: { unusedWorkers: Array<{ unref?: () => void }> } }} */ (
      /** @type {unknown} */ (wasm)).PThread;
    for (const w of pool?.unusedWorkers ?? []) w.unref?.();
  }
  threadsOf.set(wasm, threads);
  return wasm;
}
