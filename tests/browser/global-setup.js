// global-setup.js — packs the npm package once per run and unpacks it into a
// temporary directory. The test server serves that copy twice:
//   /node_modules/edgevec-c/  the package as an app installs it (the "loads
//                             from the packed build" scenario imports exactly
//                             the files `npm pack` ships);
//   /js/ and /dist/           what every other page (harness, demos) loads,
//                             so one run sees one consistent package even if
//                             the working tree changes meanwhile (a rebuild
//                             rewrites edgevec.js and edgevec.wasm one after
//                             the other, and js/ may move to a new wasm ABI
//                             before dist/ is rebuilt).
// The Node side of the suite (reference results) imports the same copy.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ATTEMPTS = 5;

/** Packs and unpacks into a new temporary directory; returns it. */
function packOnce() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgevec-packed-'));
  const out = execFileSync('npm', ['pack', '--json', '--silent', '--pack-destination', tmp], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [{ filename }] = JSON.parse(out);
  execFileSync('tar', ['-xzf', path.join(tmp, path.basename(filename)), '-C', tmp]);
  return tmp;
}

/** Loads the unpacked package in Node and runs one insert and search:
 * proof that its glue and its .wasm belong together. */
async function checkPackage(dir) {
  const { EdgeVec } = await import(pathToFileURL(path.join(dir, 'js', 'index.js')).href);
  const db = await EdgeVec.create({ dimensions: 4 });
  try {
    await db.insertBatch([[1, 0, 0, 0], [0, 1, 0, 0]]);
    if (String(db.search([1, 0, 0, 0], 1)[0].id) !== '0') throw new Error('wrong search result');
  } finally {
    db.dispose();
  }
}

export default async function globalSetup() {
  let tmp;
  let lastError;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    tmp = packOnce();
    try {
      await checkPackage(path.join(tmp, 'package'));
      lastError = undefined;
      break;
    } catch (err) {
      // Most likely dist/ was being rebuilt while it was packed: wait, retry.
      lastError = err;
      fs.rmSync(tmp, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  if (lastError) {
    throw new Error(`the packed package does not load in Node (is dist/ built? run scripts/build.sh): ${lastError.message}`);
  }
  // Workers inherit the environment the global setup leaves behind.
  process.env.EDGEVEC_PACKED_DIR = path.join(tmp, 'package');
  return async () => {
    fs.rmSync(tmp, { recursive: true, force: true });
  };
}
