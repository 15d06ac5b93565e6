// js/index.js — the package entry point (`import { EdgeVec } from 'edgevec-c'`).
// The storage backends are not re-exported here but from `edgevec-c/storage`
// (js/storage/index.js): a bundler that splits code keeps every module an
// entry re-exports in the chunks a page loads at start (esbuild does, used
// or not), and an app that only searches must not download IndexedDB code.
// EdgeVec.open / list / remove still use IndexedDB by default without it.
import { provideWorkerMode } from './worker/option.js';

export { EdgeVec } from './edgevec.js';
export { EdgeVecError } from './errors.js';

// Worker mode (js/worker/), loaded on the first `worker: true`: a page that
// never uses it does not download it. Provided here rather than imported by
// edgevec.js, which the worker script itself imports (see js/worker/option.js).
provideWorkerMode(async (op, args, choice) => (await import('./worker/client.js')).WorkerEdgeVec.start(op, args, choice));
