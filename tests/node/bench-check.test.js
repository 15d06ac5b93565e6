// tests/node/bench-check.test.js — the goal logic of `npm run bench:check`
// (bench/check.js) and the merging of results files it shares with the
// report (bench/lib/results.js), on small hand-made results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { realDataGoals, formatRealGoal, judge, valueOf } from '../../bench/check.js';
import { mergeResults, loadMerged, resultsFiles } from '../../bench/lib/results.js';

// A data set as bench/report.js writes it: per-library medians and per-round
// ratios ours / peer.
function dataset({ qpsNode, qpsWasm, buildNode, rssOurs, rssNode, core, p50, p99 }) {
  return {
    spec: { n: 1000, dim: 8 },
    libraries: {
      'edgevec-c': { median: { ef95: 64, p50CpuAt95: p50, p99CpuAt95: p99, p50at95: p50, p99at95: p99 * 3, rssPerVector: rssOurs, libraryPerVector: core, wasmPerVector: 900 } },
      'hnswlib-node': { median: { rssPerVector: rssNode } },
      'hnswlib-wasm': { median: {} },
    },
    ratios: {
      'hnswlib-node': { qps95Cpu: { median: qpsNode }, qps95: { median: qpsNode * 0.9 }, buildCpu: { median: buildNode }, build: { median: buildNode }, rssPerVector: { median: rssOurs / rssNode } },
      'hnswlib-wasm': { qps95Cpu: { median: qpsWasm }, qps95: { median: qpsWasm } },
    },
  };
}

const byId = (goals, set) => Object.fromEntries(goals.filter((g) => g.dataset === set).map((g) => [g.id, g]));

test('realDataGoals: every goal passes or misses on its own bound', () => {
  const res = {
    datasets: {
      // Exactly on every bound: all met.
      R100: dataset({ qpsNode: 1.0, qpsWasm: 2.0, buildNode: 0.9, rssOurs: 754, rssNode: 754, core: 754, p50: 0.1, p99: 0.2 }),
      // Just beyond every bound: all missed.
      R384: dataset({ qpsNode: 0.99, qpsWasm: 1.99, buildNode: 0.91, rssOurs: 1035, rssNode: 754, core: 800, p50: 0.1, p99: 0.2001 }),
    },
  };
  const goals = realDataGoals(res);
  const ids = ['qpsVsHnswlibNode', 'qpsVsHnswlibWasm', 'p99OverP50', 'buildVsHnswlibNode', 'rssVsHnswlibNode', 'coreVsHnswlibNode'];
  const met = byId(goals, 'R100');
  const missed = byId(goals, 'R384');
  for (const id of ids) {
    assert.equal(met[id].pass, true, `R100 ${id}`);
    assert.equal(missed[id].pass, false, `R384 ${id}`);
  }
  assert.equal(missed.rssVsHnswlibNode.value, 1035 / 754);
  assert.equal(missed.coreVsHnswlibNode.value, 800 / 754);
  assert.equal(missed.p99OverP50.value, 0.2001 / 0.1);
  // The wall-clock figure rides along for the report.
  assert.equal(missed.qpsVsHnswlibNode.detail.wall, 0.99 * 0.9);
  // R768 was not measured: no lines for it.
  assert.equal(goals.filter((g) => g.dataset === 'R768').length, 0);
});

test('realDataGoals: a missing number is neither pass nor miss', () => {
  const d = dataset({ qpsNode: 1.2, qpsWasm: 2.5, buildNode: 0.8, rssOurs: 700, rssNode: 754, core: 600, p50: 0.1, p99: 0.15 });
  delete d.ratios['hnswlib-wasm'];
  d.libraries['edgevec-c'].median.p50CpuAt95 = null;
  d.libraries['edgevec-c'].median.p50at95 = null;
  const g = byId(realDataGoals({ datasets: { R768: d } }), 'R768');
  assert.equal(g.qpsVsHnswlibWasm.value, null);
  assert.equal(g.qpsVsHnswlibWasm.pass, null);
  assert.equal(g.p99OverP50.pass, null);
  assert.equal(g.qpsVsHnswlibNode.pass, true);
  assert.match(formatRealGoal(g.qpsVsHnswlibWasm), /^ {2}missing R768: /);
  assert.match(formatRealGoal(g.qpsVsHnswlibNode), /^ {2}pass {4}R768: QPS at recall 0\.95 \/ hnswlib-node \(CPU\): 1\.2 \(wall 1\.08\), goal >= 1x$/);
});

test('realDataGoals falls back to the ratio of medians when per-round ratios are absent', () => {
  const d = dataset({ qpsNode: 1, qpsWasm: 2, buildNode: 1, rssOurs: 1000, rssNode: 800, core: 700, p50: 0.1, p99: 0.1 });
  delete d.ratios['hnswlib-node'].rssPerVector;
  const g = byId(realDataGoals({ datasets: { R100: d } }), 'R100');
  assert.equal(g.rssVsHnswlibNode.value, 1000 / 800);
  assert.equal(g.rssVsHnswlibNode.pass, false);
});

test('judge keeps the regression rules of the old sets', () => {
  assert.equal(judge({ better: 'higher', baseline: 2 }, 1.7, 0.2).status, 'ok');
  assert.equal(judge({ better: 'higher', baseline: 2 }, 1.5, 0.2).status, 'fail');
  assert.equal(judge({ better: 'lower', baseline: 1, limit: 2 }, 2.1, 5).status, 'fail');
  assert.equal(judge({ better: 'lower', baseline: 1 }, null, 0.2).status, 'missing');
});

test('mergeResults takes each data set from the newest result that has it', () => {
  const newer = { date: '2026-12-01', commit: 'bbbb', datasets: { R100: { spec: { n: 1 } } }, libraries: { 'edgevec-c': { version: 'new' } } };
  const older = { date: '2026-11-22', commit: 'aaaa', datasets: { A: { spec: { n: 2 } }, R100: { spec: { n: 3 } } }, libraries: { 'edgevec-c': { version: 'old' }, voy: { version: 'v' } }, browser: { b: 1 } };
  const m = mergeResults([{ file: '/x/2026-12-01.json', res: newer }, { file: '/x/2026-11-22.json', res: older }]);
  assert.equal(m.date, '2026-12-01');
  assert.equal(m.datasets.R100.spec.n, 1);
  assert.deepEqual(m.datasets.R100.from, { file: '2026-12-01.json', date: '2026-12-01', commit: 'bbbb' });
  assert.equal(m.datasets.A.spec.n, 2);
  assert.deepEqual(m.datasets.A.from, { file: '2026-11-22.json', date: '2026-11-22', commit: 'aaaa' });
  assert.equal(m.libraries['edgevec-c'].version, 'new');
  assert.equal(m.libraries.voy.version, 'v');
  assert.deepEqual(m.browser, { b: 1 });
  // A and B before the R sets, whatever file they came from.
  assert.deepEqual(Object.keys(m.datasets), ['A', 'R100']);
  // The inputs are left as they were.
  assert.equal(newer.datasets.A, undefined);
});

test('loadMerged reads a results folder newest first, or from a given file back', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-results-'));
  try {
    const write = (date, datasets) => fs.writeFileSync(path.join(dir, `${date}.json`), JSON.stringify({ date, datasets, libraries: {} }));
    write('2026-11-22', { A: { ratios: { 'hnswlib-node': { qps95Cpu: { median: 0.9 } } } } });
    write('2026-12-01', { A: { ratios: { 'hnswlib-node': { qps95Cpu: { median: 1.1 } } } }, R100: {} });
    write('2026-12-05', { R384: {} });
    fs.writeFileSync(path.join(dir, 'api-2026-12-09.json'), '{}');
    assert.deepEqual(resultsFiles(dir).map((f) => path.basename(f)), ['2026-12-05.json', '2026-12-01.json', '2026-11-22.json']);
    const all = loadMerged(dir);
    assert.deepEqual(Object.keys(all.datasets).sort(), ['A', 'R100', 'R384']);
    const check = { metric: 'ratio', dataset: 'A', peer: 'hnswlib-node', key: 'qps95Cpu' };
    assert.equal(valueOf(all, check), 1.1);
    // From an older file back: newer files are not looked at.
    const old = loadMerged(dir, path.join(dir, '2026-11-22.json'));
    assert.deepEqual(Object.keys(old.datasets), ['A']);
    assert.equal(valueOf(old, check), 0.9);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
