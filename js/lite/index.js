// js/lite/index.js — the `edgevec-c/lite` entry (`import { EdgeVec } from
// 'edgevec-c/lite'`): an EdgeVec that creates, inserts, searches, deletes and
// compacts in memory, on the lite module, for apps that ship nothing more
// (./edgevec.js says what it leaves out). Its errors are the package's
// EdgeVecError, the same class as the full entry's.
export { EdgeVec } from './edgevec.js';
export { EdgeVecError } from '../errors.js';
