// tests/node/helpers/filter-program.js — a reader of filter program bytes
// (the format at the top of js/filter/compile.js), written separately from
// the compiler so the tests check the bytes against the format, not against
// the code that wrote them. Returns one readable line per node.

const LEAF = ['', 'EQ', 'NE', 'LT', 'LTE', 'GT', 'GTE', 'ANY', 'ALL', 'NONE', 'EXISTS'];
const LOGIC = /** @type {Record<number, string>} */ ({ 20: 'AND', 21: 'OR', 22: 'NOT', 23: 'TRUE', 24: 'FALSE' });

/**
 * @param {Uint8Array} bytes
 * @returns {string[]}
 */
export function disassemble(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder('utf-8', { fatal: true });
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== 'EVFP') throw new Error('bad magic');
  if (view.getUint16(4, true) !== 1) throw new Error('bad version');
  const count = view.getUint16(6, true);
  let at = 8;
  const value = () => {
    const type = bytes[at++];
    if (type === 1) { const v = view.getFloat64(at, true); at += 8; return Object.is(v, -0) ? '-0' : String(v); }
    if (type === 2) { const n = view.getUint16(at, true); const s = text.decode(bytes.subarray(at + 2, at + 2 + n)); at += 2 + n; return JSON.stringify(s); }
    if (type === 3) { const b = bytes[at++]; if (b > 1) throw new Error('bad bool'); return b ? 'true' : 'false'; }
    throw new Error(`bad value type ${type}`);
  };
  const out = [];
  let depth = 0, maxDepth = 0;
  for (let i = 0; i < count; i++) {
    const op = bytes[at++];
    if (LOGIC[op]) {
      out.push(LOGIC[op]);
      if (op === 20 || op === 21) depth--;
      else if (op !== 22) depth++;
    } else if (op >= 1 && op <= 10) {
      const n = bytes[at++];
      const name = text.decode(bytes.subarray(at, at + n));
      at += n;
      let line = `${LEAF[op]} ${name}`;
      if (op <= 6) line += ` ${value()}`;
      else if (op <= 9) {
        const k = view.getUint16(at, true);
        at += 2;
        const vs = [];
        for (let j = 0; j < k; j++) vs.push(value());
        line += ` [${vs.join(', ')}]`;
      }
      out.push(line);
      depth++;
    } else {
      throw new Error(`bad op ${op} at node ${i}`);
    }
    if (depth < 1) throw new Error(`stack underflow at node ${i}`);
    maxDepth = Math.max(maxDepth, depth);
  }
  if (at !== bytes.length) throw new Error('trailing bytes');
  if (depth !== 1) throw new Error(`the stack ends with ${depth} values`);
  return Object.assign(out, { maxDepth });
}
