// js/metadata/utf8.js — UTF-8 for the metadata record and the filter program:
// encoding with a check that the string is well-formed (a lone surrogate has
// no UTF-8 form; TextEncoder would silently replace it with U+FFFD, which
// would store something other than what was given), bytewise order, and
// decoding.

const encoder = new TextEncoder();
// fatal: bytes the core checked are valid UTF-8; anything else is a bug to
// report, not to paper over with U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A lone high surrogate, or a low surrogate with no high one before it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * @param {string} s
 * @returns {boolean} whether s has a UTF-8 form (no lone surrogates)
 */
export function isWellFormed(s) {
  // String.prototype.isWellFormed is recent (2023); the regex is the fallback.
  const native = /** @type {{ isWellFormed?: () => boolean }} */ (/** @type {unknown} */ (s)).isWellFormed;
  return typeof native === 'function' ? native.call(s) : !LONE_SURROGATE.test(s);
}

/**
 * @param {string} s  well-formed (see isWellFormed)
 * @returns {Uint8Array}
 */
export function utf8(s) {
  return encoder.encode(s);
}

/**
 * The UTF-8 length of a well-formed string, without encoding it.
 * @param {string} s
 * @returns {number}
 */
export function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; } // a pair: one 4-byte character
    else n += 3;
  }
  return n;
}

/**
 * Bytewise order (memcmp, a shorter prefix first): the order of names in a
 * canonical record. Not JS string order, which compares UTF-16 code units
 * and puts U+E000..U+FFFF after the characters above U+FFFF.
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 * @returns {number}
 */
export function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * @param {Uint8Array} bytes
 * @param {number} start
 * @param {number} end
 * @returns {string}
 */
export function decodeUtf8(bytes, start, end) {
  return decoder.decode(bytes.subarray(start, end));
}
