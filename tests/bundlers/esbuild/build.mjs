// node build.mjs <entry>: a production build of src/<entry>/ into
// dist/<entry>/, the way esbuild's docs build a browser app (bundle, ES
// module output, minify, and `splitting` so that a dynamic import becomes a
// file of its own as with the other bundlers), plus the one plugin an app needs for any package
// that names a file with `new URL('./file', import.meta.url)`: esbuild
// leaves that expression as it is and does not emit the file.
import * as esbuild from 'esbuild';
import metaUrl from '@chialab/esbuild-plugin-meta-url';
import fs from 'node:fs';

const entry = process.argv[2];
if (!entry || !fs.existsSync(`src/${entry}/main.js`)) {
  console.error('usage: node build.mjs <entry>  (a folder of src/ with main.js and index.html)');
  process.exit(2);
}
fs.rmSync(`dist/${entry}`, { recursive: true, force: true });
await esbuild.build({
  entryPoints: [`src/${entry}/main.js`],
  bundle: true,
  format: 'esm',
  splitting: true,
  minify: true,
  outdir: `dist/${entry}`,
  plugins: [metaUrl()],
  logLevel: 'info',
});
fs.copyFileSync(`src/${entry}/index.html`, `dist/${entry}/index.html`);
