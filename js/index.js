// js/index.js — the package entry point (`import { EdgeVec } from 'edgevec-c'`).
import { provideWorkerMode } from './worker/option.js';

export { EdgeVec } from './edgevec.js';
export { EdgeVecError } from './errors.js';
// NodeFileStorage is not here: it imports node:fs (see js/storage/index.js).
export { MemoryStorage, IndexedDbStorage } from './storage/index.js';

// Worker mode (js/worker/), loaded on the first `worker: true`: a page that
// never uses it does not download it. Provided here rather than imported by
// edgevec.js, which the worker script itself imports (see js/worker/option.js).
provideWorkerMode(async (op, args, choice) => (await import('./worker/client.js')).WorkerEdgeVec.start(op, args, choice));
