// js/index.js — the package entry point (`import { EdgeVec } from 'edgevec-c'`).
export { EdgeVec } from './edgevec.js';
export { EdgeVecError } from './errors.js';
// NodeFileStorage is not here: it imports node:fs (see js/storage/index.js).
export { MemoryStorage, IndexedDbStorage } from './storage/index.js';
