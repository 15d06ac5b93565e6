// global-setup.js — packs the npm package once per run and unpacks it into a
// temporary directory, which the test server mounts at
// /node_modules/edgevec-c/: the "loads from the packed build as an app would"
// scenario then imports exactly the files `npm pack` ships, so a file missing
// from package.json's "files" fails in the browser, not only in Node.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function globalSetup() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgevec-packed-'));
  const out = execFileSync('npm', ['pack', '--json', '--silent', '--pack-destination', tmp], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [{ filename }] = JSON.parse(out);
  execFileSync('tar', ['-xzf', path.join(tmp, path.basename(filename)), '-C', tmp]);
  // Workers inherit the environment the global setup leaves behind.
  process.env.EDGEVEC_PACKED_DIR = path.join(tmp, 'package');
  return async () => {
    fs.rmSync(tmp, { recursive: true, force: true });
  };
}
