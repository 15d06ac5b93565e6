// tests/types/js-contract.js — compile-time proof that the JS layer (js/)
// matches the public contract (types/index.d.ts, types/transfer.d.ts,
// types/lite.d.ts). Checked by the top-level
// tsconfig.json; never run. If a method's parameters or results drift from
// the .d.ts, `npx tsc -p tsconfig.json` fails here.

import { EdgeVec } from '../../js/edgevec.js';
import { EdgeVecError } from '../../js/errors.js';
import * as transfer from '../../js/transfer/index.js';
import * as lite from '../../js/lite/index.js';

/** @typedef {import('../../types/index.js').IdType} IdType */
/** @typedef {import('../../types/index.js').EdgeVec<IdType>} PublicEdgeVec */
// Symbol.dispose is attached at load time only where the engine has it (see
// the end of js/edgevec.js), so the class body cannot declare it.
/** @typedef {Omit<PublicEdgeVec, typeof Symbol.dispose>} PublicEdgeVecBody */

/**
 * @param {EdgeVec} db
 * @returns {PublicEdgeVecBody}
 */
export function instanceSide(db) {
  return db;
}

/** @type {(options: import('../../types/index.js').CreateOptions) => Promise<PublicEdgeVecBody>} */
export const staticCreate = EdgeVec.create;

/** @type {typeof import('../../types/index.js').EdgeVecError} */
export const errorClass = EdgeVecError;

/** @type {(name: string, options?: import('../../types/index.js').OpenOptions) => Promise<PublicEdgeVecBody>} */
export const staticOpen = EdgeVec.open;

/** @type {(storage?: import('../../types/index.js').EdgeVecStorage) => Promise<string[]>} */
export const staticList = EdgeVec.list;

/** @type {(name: string, storage?: import('../../types/index.js').EdgeVecStorage) => Promise<void>} */
export const staticRemove = EdgeVec.remove;

/** @type {(source: import('../../types/index.js').LoadSource, options?: import('../../types/index.js').LoadOptions) => Promise<PublicEdgeVecBody>} */
export const staticLoad = EdgeVec.load;

/** @type {typeof import('../../types/transfer.js')} */
export const transferEntry = transfer;

/** @type {(filter: string) => import('../../types/index.js').Filter} */
export const staticParseFilter = EdgeVec.parseFilter;

// The lite entry (js/lite/): its class against types/lite.d.ts, both ways
// for the instance side, so that neither may have a method the other lacks.
/** @typedef {import('../../types/lite.js').EdgeVec<IdType>} PublicLiteEdgeVec */
/** @typedef {Omit<PublicLiteEdgeVec, typeof Symbol.dispose>} PublicLiteEdgeVecBody */

/**
 * @param {lite.EdgeVec} db
 * @returns {PublicLiteEdgeVecBody}
 */
export function liteInstanceSide(db) {
  return db;
}

/**
 * @param {PublicLiteEdgeVecBody} db
 * @returns {{ [K in keyof lite.EdgeVec]: unknown }}
 */
export function liteHasNothingMore(db) {
  return db;
}

/** @type {(options: import('../../types/lite.js').CreateOptions) => Promise<PublicLiteEdgeVecBody>} */
export const liteStaticCreate = lite.EdgeVec.create;

/** The lite entry's error class is the package's. */
/** @type {typeof import('../../types/lite.js').EdgeVecError} */
export const liteErrorClass = lite.EdgeVecError;
