// tests/node/wasm-abi.test.js (js/wasm/abi.js) — js/wasm/abi.js against the C
// headers it copies: src/wasm/abi.h (every name there must be in abi.js, with
// the same value) and src/edgevec.h (abi.js must hold the whole of the enums
// the JS layer maps, and every other name it copies must exist there with the
// same value). A slot or code changed on one side only would otherwise be read
// as another field, without any error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as abi from '../../js/wasm/abi.js';

/** @param {string} path relative to the repository root */
async function header(path) {
  const text = await readFile(new URL(`../../${path}`, import.meta.url), 'utf8');
  // Comments may hold `NAME = value`-looking prose; drop them first.
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/** @param {string} literal a C integer literal, maybe with a u/U suffix */
function cValue(literal) {
  const n = Number(literal.replace(/[uUlL]+$/, ''));
  assert.ok(Number.isSafeInteger(n), `cannot read the C value ${literal}`);
  return n;
}

/**
 * Every `NAME = value` member of the header's enums, as [enum tag or '', members].
 * @param {string} text
 * @returns {Array<{ tag: string, members: Map<string, number> }>}
 */
function enums(text) {
  const out = [];
  for (const m of text.matchAll(/enum\s*(\w*)\s*\{([^}]*)\}/g)) {
    const members = new Map();
    for (const e of m[2].matchAll(/(\w+)\s*=\s*(0x[0-9a-fA-F]+|\d+)[uUlL]*/g)) {
      members.set(e[1], cValue(e[2]));
    }
    out.push({ tag: m[1], members });
  }
  return out;
}

/**
 * Every `#define NAME value` with an integer value.
 * @param {string} text
 * @returns {Map<string, number>}
 */
function defines(text) {
  const out = new Map();
  for (const m of text.matchAll(/^\s*#define\s+(\w+)\s+(0x[0-9a-fA-F]+[uUlL]*|\d+[uUlL]*)\s*$/gm)) {
    out.set(m[1], cValue(m[2]));
  }
  return out;
}

const js = new Map(Object.entries(abi));

test('every name of src/wasm/abi.h is in js/wasm/abi.js with the same value', async () => {
  const c = new Map();
  for (const e of enums(await header('src/wasm/abi.h'))) for (const [k, v] of e.members) c.set(k, v);
  for (const [k, v] of defines(await header('src/wasm/abi.h'))) c.set(k, v);
  assert.ok(c.size >= 40, `read only ${c.size} names from abi.h: has its form changed?`);
  for (const [name, value] of c) {
    assert.ok(js.has(name), `js/wasm/abi.js lacks ${name} (abi.h: ${value})`);
    assert.equal(js.get(name), value, `${name}: abi.h says ${value}, js/wasm/abi.js ${js.get(name)}`);
  }
});

test('js/wasm/abi.js holds the whole of the edgevec.h enums the JS layer maps', async () => {
  const text = await header('src/edgevec.h');
  const byTag = new Map(enums(text).map((e) => [e.tag, e.members]));
  for (const tag of ['ev_status', 'ev_metric', 'ev_quantization', 'ev_delete_outcome']) {
    const members = byTag.get(tag);
    assert.ok(members && members.size > 0, `no enum ${tag} in src/edgevec.h`);
    for (const [name, value] of members) {
      assert.ok(js.has(name), `js/wasm/abi.js lacks ${name} of ${tag} (edgevec.h: ${value})`);
      assert.equal(js.get(name), value, `${name}: edgevec.h says ${value}, js/wasm/abi.js ${js.get(name)}`);
    }
  }
});

test('every name of js/wasm/abi.js exists in a C header with the same value', async () => {
  const c = new Map();
  for (const path of ['src/wasm/abi.h', 'src/edgevec.h']) {
    const text = await header(path);
    for (const e of enums(text)) for (const [k, v] of e.members) c.set(k, v);
    for (const [k, v] of defines(text)) c.set(k, v);
  }
  for (const [name, value] of js) {
    assert.ok(c.has(name), `js/wasm/abi.js has ${name}, which neither header names`);
    assert.equal(value, c.get(name), `${name}: the C headers say ${c.get(name)}, js/wasm/abi.js ${value}`);
  }
});
