// Summarises the runs of scripts/bench-pad.sh (one JSON line per process:
// {variant, run}) as markdown: per target and dimension, the median over
// rounds of build time, bytes per vector and QPS at each ef with its
// recall, and each variant's ratio to `base`; then the kernels' medians.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'build/pad/runs.jsonl';
const runs = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const groups = new Map();
for (const { variant, run } of runs) {
  const key = `${run.target} ${run.index.dim}`;
  if (!groups.has(key)) groups.set(key, new Map());
  const g = groups.get(key);
  if (!g.has(variant)) g.set(variant, []);
  g.get(variant).push(run);
}
let md = '';
for (const [key, g] of groups) {
  const [target, dim] = key.split(' ');
  const first = [...g.values()][0][0].index;
  md += `### ${target}, dim ${dim} (${first.n} vectors, M ${first.m}, efConstruction ${first.efConstruction}, ${[...g.values()][0].length} rounds)\n\n`;
  const variants = [...g.keys()];
  const base = g.get('base');
  const efs = first.sweep.map((s) => s.ef);
  md += '| variant | build s | bytes/vector | wasm growth B/vec | ' + efs.map((e) => `QPS ef ${e} (recall)`).join(' | ') + ' |\n';
  md += '|---|---:|---:|---:|' + efs.map(() => '---:').join('|') + '|\n';
  for (const v of variants) {
    const rs = g.get(v);
    const build = median(rs.map((r) => r.index.buildMs));
    const cells = efs.map((ef, i) => {
      const qps = median(rs.map((r) => r.index.sweep[i].qps));
      const recall = rs[0].index.sweep[i].recall;
      const ratio = base && v !== 'base' ? ` ×${(qps / median(base.map((r) => r.index.sweep[i].qps))).toFixed(2)}` : '';
      return `${Math.round(qps)}${ratio} (${recall.toFixed(3)})`;
    });
    const bratio = base && v !== 'base' ? ` ×${(build / median(base.map((r) => r.index.buildMs))).toFixed(2)}` : '';
    md += `| ${v} | ${(build / 1000).toFixed(1)}${bratio} | ${median(rs.map((r) => r.index.bytesPerVector)).toFixed(1)} | ${median(rs.map((r) => r.index.wasmGrowthPerVector)).toFixed(0)} | ${cells.join(' | ')} |\n`;
  }
  const withKernels = variants.filter((v) => g.get(v)[0].kernels);
  if (withKernels.length) {
    const names = Object.keys(g.get(withKernels[0])[0].kernels).filter((k) => k !== 'dim');
    md += `\nKernels, ns per distance (random order over 100k records; median over ${withKernels.join(', ')} runs): `;
    const all = withKernels.flatMap((v) => g.get(v).map((r) => r.kernels));
    md += names.map((k) => `${k} ${median(all.map((x) => x[k])).toFixed(0)}`).join(', ') + '\n';
  }
  md += '\n';
}
process.stdout.write(md);
