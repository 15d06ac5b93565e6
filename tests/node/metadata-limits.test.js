// tests/node/metadata-limits.test.js (js/metadata/limits.js, js/filter/ast.js)
// — the limits, type tags and reason numbers the JS layer copies from
// src/metadata.h and src/filter.h, against those headers: a limit changed on
// one side only would let JS accept records (or filters) the core refuses,
// or refuse ones it accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as limits from '../../js/metadata/limits.js';
import * as filterAst from '../../js/filter/ast.js';

/** @param {string} path relative to the repository root */
async function header(path) {
  const text = await readFile(new URL(`../../${path}`, import.meta.url), 'utf8');
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/**
 * Every `#define NAME int` and every `NAME = int` enum member with the prefix.
 * @param {string} text
 * @param {string} prefix
 */
function cNames(text, prefix) {
  const out = new Map();
  const value = (/** @type {string} */ s) => Number(s.replace(/[uUlL]+$/, ''));
  for (const m of text.matchAll(/^\s*#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)[uUlL]*\s*$/gm)) {
    if (m[1].startsWith(prefix)) out.set(m[1], value(m[2]));
  }
  for (const e of text.matchAll(/enum\s*\w*\s*\{([^}]*)\}/g)) {
    for (const m of e[1].matchAll(/(\w+)\s*=\s*(0x[0-9a-fA-F]+|\d+)[uUlL]*/g)) {
      if (m[1].startsWith(prefix)) out.set(m[1], value(m[2]));
    }
  }
  return out;
}

test('js/metadata/limits.js holds every EV_META_ number of src/metadata.h, with its value', async () => {
  const c = cNames(await header('src/metadata.h'), 'EV_META_');
  assert.ok(c.size >= 20, `read only ${c.size} names from metadata.h: has its form changed?`);
  const js = new Map(Object.entries(limits).filter(([k]) => k.startsWith('EV_META_')));
  for (const [name, v] of c) {
    assert.ok(js.has(name), `js/metadata/limits.js lacks ${name} (metadata.h: ${v})`);
    assert.equal(js.get(name), v, `${name}: metadata.h says ${v}, limits.js ${js.get(name)}`);
  }
  for (const [name, v] of js) {
    assert.ok(c.has(name), `limits.js has ${name} = ${v}, which metadata.h does not define`);
  }
});

test('the filter limits of js/filter/ast.js are those of src/filter.h', async () => {
  const c = cNames(await header('src/filter.h'), 'EV_FILTER_MAX_');
  for (const name of ['EV_FILTER_MAX_NODES', 'EV_FILTER_MAX_VALUES', 'EV_FILTER_MAX_DEPTH']) {
    assert.ok(c.has(name), `src/filter.h does not define ${name}`);
    assert.equal(/** @type {Record<string, unknown>} */ (filterAst)[name], c.get(name), name);
  }
});

test('reasonName names each core reason', () => {
  assert.equal(limits.reasonName(limits.EV_META_REASON_INDEX_FIELDS), 'INDEX_FIELDS');
  assert.equal(limits.reasonName(limits.EV_META_REASON_NAME_ORDER), 'NAME_ORDER');
  assert.equal(limits.reasonName(99), 'REASON_99');
});
