// js/worker/option.js — the `worker` option of EdgeVec.create, open and load,
// read before anything else: with it, the call goes to worker mode
// (./client.js, loaded only then); without it, the options go on unchanged.
//
// Worker mode is provided by the package entry (../index.js), not imported
// by ../edgevec.js: the worker script imports edgevec.js itself, and a path
// from it back to the code that starts workers would make bundlers build
// the worker into its own bundle again (esbuild's URL plugin does, without
// end).

import { invalidArgument, describe } from '../errors.js';

/**
 * @typedef {(op: 'create' | 'open' | 'load', args: unknown[], choice: WorkerChoice) => Promise<unknown>} WorkerStarter
 */

/** @type {WorkerStarter | null} */
let starter = null;

/**
 * Called once by the package entry.
 * @param {WorkerStarter} start
 */
export function provideWorkerMode(start) {
  starter = start;
}

/**
 * Makes the index of a create, open or load in a worker.
 * @param {'create' | 'open' | 'load'} op
 * @param {unknown[]} args
 * @param {WorkerChoice} choice
 * @returns {Promise<unknown>}
 */
export async function startInWorker(op, args, choice) {
  if (!starter) {
    throw invalidArgument(`EdgeVec.${op}: worker mode is not available here; import EdgeVec from ` +
      "the package entry ('edgevec-c'), and not from inside an EdgeVec worker");
  }
  return starter(op, args, choice);
}

/**
 * @typedef {object} WorkerChoice
 * @property {string | URL} [url]  where the worker script is, when an app
 *   hosts it itself (default: ./worker.js next to this file)
 */

/**
 * Splits `worker` off the options.
 * @param {unknown} options
 * @param {string} what  the call, for messages
 * @returns {{ worker: WorkerChoice | null, rest: any }}
 */
export function splitWorkerOption(options, what) {
  if (options === null || typeof options !== 'object' || !Object.hasOwn(options, 'worker')) {
    return { worker: null, rest: options };
  }
  const { worker, ...rest } = /** @type {{ worker?: unknown }} */ (options);
  if (worker === undefined || worker === false) return { worker: null, rest };
  if (worker === true) return { worker: {}, rest };
  if (worker !== null && typeof worker === 'object' && !Array.isArray(worker)) {
    const { url, ...unknown } = /** @type {{ url?: unknown }} */ (worker);
    const extra = Object.keys(unknown);
    if (extra.length > 0) throw invalidArgument(`${what}: unknown worker option '${extra[0]}'`);
    if (url === undefined) return { worker: {}, rest };
    if (typeof url === 'string' || url instanceof URL) return { worker: { url }, rest };
    throw invalidArgument(`${what}: worker.url must be a string or a URL, got ${describe(url)}`);
  }
  throw invalidArgument(`${what}: worker must be a boolean or { url }, got ${describe(worker)}`);
}
