// bench/check.js — `npm run bench:check`: the benchmark regression check.
//
// Reads the newest bench/results/<date>.json (or the file given as the first
// argument) and compares it with bench/baselines.json. It compares ratios
// against the peers measured in the same run, never absolute times (the
// machines are shared and noisy), plus the few numbers that do not depend on
// timing (bytes per vector, bundle size) and the tail goal (P99 <= 2 x P50 at
// the ef that reaches recall 0.95). Exits 1 on a regression beyond the
// tolerance stated in the baselines file, 2 when the results lack a number
// it needs.
//
// Not part of `npm test`: it needs a fresh `npm run bench:peers` (about an
// hour for 3 rounds). Run both before merging a change to search, insert or
// the memory layout of the core. When a change moves a number on purpose,
// `node bench/check.js --update [results.json]` rewrites the baselines from
// the results; commit that with the change.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function newestResults() {
  const dir = path.join(HERE, 'results');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f)).sort() : [];
  if (!files.length) throw new Error('no bench/results/<date>.json: run `npm run bench:peers` first');
  return path.join(dir, files[files.length - 1]);
}

// The value a check names, or null when the results do not have it.
export function valueOf(res, check) {
  const d = res.datasets?.[check.dataset ?? 'A'];
  const ours = d?.libraries?.['edgevec-c']?.median;
  switch (check.metric) {
    case 'ratio':
      return d?.ratios?.[check.peer]?.[check.key]?.median ?? null;
    case 'libraryBytesPerVector':
      return ours?.libraryPerVector ?? null;
    case 'wasmBytesPerVector':
      return ours?.wasmPerVector ?? null;
    case 'bundleGzip':
      return res.libraries?.['edgevec-c']?.bundle?.gzip ?? null;
    case 'p99OverP50':
      // Per-query CPU time where measured (wall-clock tails on a shared
      // machine are the scheduler's, not ours).
      if (ours?.p50CpuAt95) return ours.p99CpuAt95 / ours.p50CpuAt95;
      return ours?.p50at95 ? ours.p99at95 / ours.p50at95 : null;
    default:
      throw new Error(`unknown metric ${check.metric}`);
  }
}

// 'higher' is better: fails below baseline x (1 - tolerance); 'lower' is
// better: fails above baseline x (1 + tolerance). `limit` is a hard bound
// that fails regardless of the baseline (a goal the project holds itself to).
export function judge(check, value, defaultTolerance) {
  if (value == null) return { status: 'missing' };
  const tol = check.tolerance ?? defaultTolerance;
  if (check.limit != null) {
    const over = check.better === 'higher' ? value < check.limit : value > check.limit;
    if (over) return { status: 'fail', why: `beyond the limit ${check.limit}` };
  }
  if (check.baseline == null) return { status: 'ok' };
  const bound = check.better === 'higher' ? check.baseline * (1 - tol) : check.baseline * (1 + tol);
  const bad = check.better === 'higher' ? value < bound : value > bound;
  return bad ? { status: 'fail', why: `${check.better === 'higher' ? 'below' : 'above'} ${bound.toPrecision(4)} (baseline ${check.baseline} ${check.better === 'higher' ? '-' : '+'}${Math.round(tol * 100)}%)` } : { status: 'ok' };
}

function main() {
  const argv = process.argv.slice(2);
  const update = argv[0] === '--update';
  if (update) argv.shift();
  const file = argv[0] ?? newestResults();
  const res = JSON.parse(fs.readFileSync(file, 'utf8'));
  const baseFile = path.join(HERE, 'baselines.json');
  const base = JSON.parse(fs.readFileSync(baseFile, 'utf8'));
  if (update) {
    for (const check of base.checks) {
      const v = valueOf(res, check);
      check.baseline = v == null ? null : Number(v.toPrecision(3));
    }
    base.measuredOn = `bench/results/${path.basename(file)}`;
    fs.writeFileSync(baseFile, JSON.stringify(base, null, 2) + '\n');
    process.stdout.write(`updated ${path.relative(process.cwd(), baseFile)} from ${path.relative(process.cwd(), file)}\n`);
    return;
  }
  let failed = 0, missing = 0;
  process.stdout.write(`bench:check ${path.relative(process.cwd(), file)} against bench/baselines.json (${base.measuredOn})\n`);
  for (const check of base.checks) {
    const value = valueOf(res, check);
    const j = judge(check, value, base.tolerance);
    if (j.status === 'fail') failed++;
    if (j.status === 'missing') missing++;
    const shown = value == null ? '—' : Number(value.toPrecision(4));
    process.stdout.write(`  ${j.status.padEnd(7)} ${check.id}: ${shown}${check.baseline != null ? ` (baseline ${check.baseline})` : ''}${j.why ? ` — ${j.why}` : ''}\n`);
  }
  process.stdout.write(`${base.checks.length - failed - missing} passed, ${failed} failed${missing ? `, ${missing} missing` : ''}\n`);
  process.exit(failed ? 1 : missing ? 2 : 0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
