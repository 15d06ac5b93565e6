// bench/quant-report.cjs: turns the JSON lines of scripts/bench-quant.sh's
// runs (one file) into bench/results/quant-<day>.json and
// bench/results/quant.md. Usage: node bench/quant-report.cjs <day> <file>
const fs = require('fs');
const [day, file] = process.argv.slice(2);
const runs = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const previous = `bench/results/quant-${day}.json`;
if (!runs.some((r) => r.n === 1000000) && fs.existsSync(previous))
  runs.push(...JSON.parse(fs.readFileSync(previous, 'utf8')).runs.filter((r) => r.n === 1000000));
fs.writeFileSync(`bench/results/quant-${day}.json`, JSON.stringify({ date: day, node: process.version, runs }, null, 2) + '\n');
const at = (r, ef) => r.sweep.find((s) => s.ef === ef);
// QPS at recall 0.95, interpolated linearly between the two sweep points
// around it (null when the sweep never reaches 0.95).
const qpsAt95 = (r) => {
  const s = r.sweep;
  for (let i = 0; i < s.length; i++) {
    if (s[i].recall >= 0.95) {
      if (i === 0) return s[0].qps;
      const a = s[i - 1], b = s[i], t = (0.95 - a.recall) / (b.recall - a.recall);
      return Math.round(a.qps + t * (b.qps - a.qps));
    }
  }
  return null;
};
let md = `# Quantization benchmark (${day})\n\nProduced by \`npm run bench:quant\` (wasm build in Node ${process.version}; one run each, side by side, on a shared 2-core machine: compare rows, not absolute times across runs). Recall@10 against the brute-force f32 top-10. "rerank n" keeps the f32 vectors and re-scores the n best candidates.\n\n`;
md += '| data | quantization | bytes/vector | build s | QPS @ ef 64 | recall @ ef 64 | QPS at recall 0.95 |\n|---|---|---:|---:|---:|---:|---:|\n';
for (const r of runs) {
  const e = at(r, 64);
  md += `| ${r.n} × ${r.dim} ${r.metric} | ${r.quantization}${r.rerank ? ' + rerank ' + r.rerank : ''} | ${r.bytesPerVector} | ${(r.buildMs / 1000).toFixed(1)} | ${e.qps} | ${e.recall.toFixed(4)} | ${qpsAt95(r) ?? 'not reached'} |\n`;
}
const million = runs.find((r) => r.n === 1000000);
if (million) {
  const first95 = million.sweep.find((s) => s.recall >= 0.95);
  md += `\n## The million\n\n1,000,000 × 128 L2 with SQ8, M ${million.m}, efConstruction ${million.efConstruction}, ${million.queries} queries. `;
  md += `Build: ${(million.buildMs / 1000).toFixed(0)} s wall, ${million.buildCpuMs ? (million.buildCpuMs / 1000).toFixed(0) + ' s CPU (single thread; the wall time counts what other work on the machine took)' : 'CPU time not measured'}. `;
  md += `Memory: the core holds ${million.coreMB ?? '?'} MB (ev_memory_bytes, ${million.bytesPerVector} bytes/vector); the wasm memory grew by ${million.wasmMemoryMB} MB to ${million.wasmMemoryTotalMB ?? '?'} MB; the Node process peaked at ${million.peakRssMB ?? '?'} MB resident (target < 400 MB). `;
  md += first95 ? `Recall@10 reaches ${first95.recall.toFixed(4)} at ef ${first95.ef} (${first95.qps} QPS).\n\n` : 'Recall@10 never reaches 0.95 in this sweep.\n\n';
  md += '| ef | QPS | P50 µs | P99 µs | recall@10 |\n|---:|---:|---:|---:|---:|\n';
  for (const s of million.sweep) md += `| ${s.ef} | ${s.qps} | ${s.p50Us} | ${s.p99Us} | ${s.recall.toFixed(4)} |\n`;
}
fs.writeFileSync('bench/results/quant.md', md);
console.log(md);
