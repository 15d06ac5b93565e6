// js/persistence/index.js — what js/edgevec.js loads, by one import(), on
// the first open/list/remove: the persistence lifecycle, the default
// storage and the following of other tabs' commits. One entry rather than
// one import() per module, because bundlers give every import() its own
// loader code and file list in the page's start chunk, which every app
// downloads whether it persists or not.

export { openPersisted } from './lifecycle.js';
export { chooseStorage } from './storage.js';
export { Follower, parseTabOptions } from './follow.js';
