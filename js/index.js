// js/index.js — the package entry point (`import { EdgeVec } from 'edgevec-c'`).
export { EdgeVec } from './edgevec.js';
export { EdgeVecError } from './errors.js';
