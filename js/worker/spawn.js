// js/worker/spawn.js — starts the worker that holds a WorkerEdgeVec's index,
// and gives both kinds of worker one small interface (post, terminate, and
// the message / failure callbacks).
//
// - Browsers and bundlers: a module Worker on ./worker.js, named with
//   `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`
//   written out in one expression: the pattern Vite, webpack and esbuild
//   plugins recognise to bundle the worker's own imports and rewrite its
//   URL, as they do for the .wasm (../loader.js).
// - Node: the same script in a worker_threads Worker. node:worker_threads is
//   reached without a static import, which bundlers targeting the browser
//   would try (and fail) to resolve.
// - Apps that host the script elsewhere pass `workerUrl`.

import { EdgeVecError } from '../errors.js';

/**
 * @typedef {object} WorkerLink
 * @property {(message: unknown, transfer: Transferable[]) => void} post
 * @property {() => Promise<void>} terminate
 * @property {(onMessage: (message: any) => void, onFailure: (err: EdgeVecError) => void) => void} listen
 * @property {(busy: boolean) => void} hold  whether calls are waiting on the
 *   worker: an idle Node worker does not keep the process alive
 */

/**
 * @typedef {object} NodeWorker
 * @property {(message: unknown, transfer?: readonly unknown[]) => void} postMessage
 * @property {(event: string, fn: (value: any) => void) => void} on
 * @property {() => Promise<number>} terminate
 * @property {() => void} unref
 * @property {() => void} ref
 */

const nodeProcess = /** @type {{ process?: { versions?: { node?: string },
 *   getBuiltinModule?: (id: string) => unknown } }} */ (globalThis).process;
const IS_NODE = typeof nodeProcess?.versions?.node === 'string';

/**
 * @param {string | URL | undefined} workerUrl  where the worker script is,
 *   when not next to this file
 * @returns {Promise<WorkerLink>}
 */
export async function spawnWorker(workerUrl) {
  if (typeof Worker === 'function' && !IS_NODE) return browserLink(workerUrl);
  if (IS_NODE) return nodeLink(workerUrl);
  throw new EdgeVecError('WORKER', 'this environment has no Worker: worker mode needs a browser or Node');
}

/**
 * @param {string | URL | undefined} workerUrl
 * @returns {WorkerLink}
 */
function browserLink(workerUrl) {
  /** @type {Worker} */
  let worker;
  try {
    worker = workerUrl === undefined
      ? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })
      : new Worker(workerUrl, { type: 'module' });
  } catch (err) {
    throw new EdgeVecError('WORKER', `could not start the EdgeVec worker: ${String(err)}`, { cause: err });
  }
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    terminate: async () => { worker.terminate(); },
    hold: () => undefined,
    listen(onMessage, onFailure) {
      worker.onmessage = (e) => onMessage(e.data);
      // A script that fails to load or throws at its top level; an ErrorEvent
      // with no message is a failed fetch of the script.
      worker.onerror = (e) => {
        e.preventDefault();
        onFailure(new EdgeVecError('WORKER',
          `the EdgeVec worker failed: ${e.message || 'its script could not be loaded'}`));
      };
      worker.onmessageerror = () => {
        onFailure(new EdgeVecError('WORKER', 'a message from the EdgeVec worker could not be read'));
      };
    },
  };
}

/**
 * @param {string | URL | undefined} workerUrl
 * @returns {Promise<WorkerLink>}
 */
async function nodeLink(workerUrl) {
  /** @type {{ Worker: new (url: URL | string) => NodeWorker }} */
  let threads;
  if (typeof nodeProcess?.getBuiltinModule === 'function') {
    threads = /** @type {typeof threads} */ (nodeProcess.getBuiltinModule('node:worker_threads'));
  } else {
    const specifier = 'node:worker_threads';
    threads = await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
  }
  const url = workerUrl === undefined ? new URL('./worker.js', import.meta.url) : new URL(workerUrl);
  const worker = new threads.Worker(url);
  let ended = false;
  worker.unref();
  return {
    hold: (busy) => { if (busy) worker.ref(); else worker.unref(); },
    post: (message, transfer) => worker.postMessage(message, transfer),
    terminate: async () => {
      ended = true;
      await worker.terminate();
    },
    listen(onMessage, onFailure) {
      worker.on('message', onMessage);
      worker.on('error', (err) => {
        onFailure(new EdgeVecError('WORKER', `the EdgeVec worker failed: ${String(err)}`, { cause: err }));
      });
      worker.on('exit', (code) => {
        if (!ended) onFailure(new EdgeVecError('WORKER', `the EdgeVec worker exited (code ${code})`));
      });
      worker.on('messageerror', () => {
        onFailure(new EdgeVecError('WORKER', 'a message from the EdgeVec worker could not be read'));
      });
    },
  };
}
