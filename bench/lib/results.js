// bench/lib/results.js — finds the peer benchmark's results files
// (bench/results/<date>.json, written by bench/report.js) and, for each data
// set, the newest one that measured it.
//
// A run may measure only some data sets (BENCH_DATASETS=real measures R100,
// R384 and R768 and leaves A and B alone): the report and the regression
// check then take every other set from the newest earlier file that has it,
// and say which file that is, rather than losing it or passing it off as new.
import fs from 'node:fs';
import path from 'node:path';

// The results files in `dir`, newest first (the names sort by date).
export function resultsFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f)).sort().reverse().map((f) => path.join(dir, f));
}

// Merges results, newest first: every data set comes from the first result
// that has it, marked with `from` (that result's file, date and commit). The
// rest of the merged object (libraries, bundle sizes, browser run, goals) is
// the first result's, with the libraries of older files added where the first
// has none of that name. `sources` is [{ file, res }], newest first.
export function mergeResults(sources) {
  if (!sources.length) throw new Error('no results to merge');
  const [{ res: newest }] = sources;
  const merged = { ...newest, datasets: {}, libraries: { ...newest.libraries } };
  for (const { file, res } of sources) {
    for (const [name, d] of Object.entries(res.datasets ?? {})) {
      if (merged.datasets[name]) continue;
      merged.datasets[name] = { ...d, from: { file: file ? path.basename(file) : null, date: res.date, commit: res.commit ?? null } };
    }
    for (const [name, l] of Object.entries(res.libraries ?? {})) merged.libraries[name] ??= l;
    merged.browser ??= res.browser;
  }
  // The issue 6 sets (one letter) first, then the others by name.
  const names = Object.keys(merged.datasets).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  merged.datasets = Object.fromEntries(names.map((n) => [n, merged.datasets[n]]));
  return merged;
}

// The merged view of every results file in `dir`, or of `first` (a file)
// followed by the files in `dir` older than or equal to it by name.
export function loadMerged(dir, first = null) {
  let files = resultsFiles(dir);
  if (first) {
    const base = path.basename(first);
    files = [first, ...files.filter((f) => path.basename(f) < base)];
  }
  if (!files.length) throw new Error(`no results in ${dir}: run \`npm run bench:peers\` first`);
  return mergeResults(files.map((file) => ({ file, res: JSON.parse(fs.readFileSync(file, 'utf8')) })));
}
