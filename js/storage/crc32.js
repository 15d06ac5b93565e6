// js/storage/crc32.js — CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320,
// initial value and final xor 0xFFFFFFFF), the same function as the C core's
// src/crc32.c, so that a checksum the storage layer writes and one the core
// writes mean the same thing (tests/node/storage-manifest.test.js checks the
// two against each other on the CRCs inside a snapshot).
//
// One 256-entry table: the storage layer checksums a manifest (a hundred
// bytes) or a snapshot shorter than its own prelude, never bulk data, so
// the core's slicing-by-8 would buy nothing here.

/** @type {Uint32Array | null} */
let table = null;

/** @returns {Uint32Array} */
function crcTable() {
  if (!table) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let b = 0; b < 8; b++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
      table[i] = c >>> 0;
    }
  }
  return table;
}

/**
 * The CRC-32 of `bytes`, continuing from `crc` (the CRC of what came
 * before; 0 for the start), as an unsigned 32-bit number.
 * @param {Uint8Array} bytes
 * @param {number} [crc]
 * @returns {number}
 */
export function crc32(bytes, crc = 0) {
  const t = crcTable();
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
