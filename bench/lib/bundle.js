// bench/lib/bundle.js — which files a page downloads to use a library: the
// modules statically reachable from its entry (what a bundler puts in the
// main chunk; dynamic import()s become separate chunks loaded on use) plus
// every .wasm named by `new URL('x.wasm', import.meta.url)` or imported as a
// module. Regex-based, which is enough for these hand-checked packages.
import fs from 'node:fs';
import path from 'node:path';

const STATIC_IMPORT = /(?:^|[\s;}])(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|(?:^|[\s;}])import\s*['"](\.[^'"]+)['"]/g;
const WASM_URL = /new URL\(\s*['"]([^'"]+\.wasm)['"]\s*,\s*import\.meta\.url/g;

export function staticClosure(entry, extra = []) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file) || !fs.existsSync(file)) return;
    seen.add(file);
    if (file.endsWith('.wasm')) return;
    const src = fs.readFileSync(file, 'utf8');
    const dir = path.dirname(file);
    for (const m of src.matchAll(STATIC_IMPORT)) visit(path.resolve(dir, m[1] ?? m[2]));
    for (const m of src.matchAll(WASM_URL)) visit(path.resolve(dir, m[1].startsWith('.') ? m[1] : `./${m[1]}`));
  };
  visit(entry);
  for (const f of extra) visit(f);
  return [...seen];
}
