// bench/browser/persist-idb.js — persistence through real IndexedDB in
// Chromium: 100k x 128 inserted and checkpointed in a page, then the page
// is reloaded and EdgeVec.open() (snapshot read from IndexedDB in chunks,
// decoded, checked) is timed, three reloads, median reported; a search after
// each open checks the index is whole. Prints one JSON line.
//
//   node bench/browser/persist-idb.js [n=100000] [dim=128]
//
// Served by the project's own server (scripts/serve.js) from 127.0.0.1, in
// /usr/bin/chromium through playwright-core with a fresh profile.
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.js';

const N = Number(process.argv[2] ?? 100000);
const DIM = Number(process.argv[3] ?? 128);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const server = await startServer({ port: 0 });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}examples/`);
  const written = await page.evaluate(async ({ n, dim }) => {
    const { EdgeVec } = await import('/js/index.js');
    await EdgeVec.remove('bench-idb').catch(() => {});
    // A seeded LCG is enough here: the figure is bytes through IndexedDB.
    let s = 12345;
    const data = new Float32Array(n * dim);
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      data[i] = s / 4294967296 - 0.5;
    }
    const db = await EdgeVec.open('bench-idb', { dimensions: dim, autoCheckpoint: false });
    await db.insertBatch(data);
    let t = performance.now();
    await db.checkpoint();
    const checkpointMs = performance.now() - t;
    const first = db.search(data.subarray(0, dim), 1)[0];
    await db.close();
    return { checkpointMs, firstId: String(first.id) };
  }, { n: N, dim: DIM });

  const opens = [];
  let bytes = 0;
  for (let r = 0; r < 3; r++) {
    await page.reload();
    const o = await page.evaluate(async ({ dim }) => {
      const { EdgeVec } = await import('/js/index.js');
      const { IndexedDbStorage } = await import('/js/storage/index.js');
      const t = performance.now();
      const db = await EdgeVec.open('bench-idb', { readOnly: true });
      const ms = performance.now() - t;
      const size = db.size;
      const q = db.get(0n);
      const hit = String(db.search(q, 1)[0].id);
      db.dispose();
      const bytes = await new IndexedDbStorage().sizeBytes('bench-idb');
      return { ms, size, hit, bytes, dim };
    }, { dim: DIM });
    if (o.size !== N || o.hit !== written.firstId) throw new Error(`reopened index differs: ${JSON.stringify(o)}`);
    opens.push(o.ms);
    bytes = o.bytes;
  }
  opens.sort((a, b) => a - b);
  await page.evaluate(async () => (await import('/js/index.js')).EdgeVec.remove('bench-idb'));
  console.log(JSON.stringify({
    browser: `chromium ${browser.version()}`, n: N, dim: DIM,
    storedBytes: bytes,
    checkpointMs: Number(written.checkpointMs.toFixed(1)),
    openMedianMs: Number(opens[1].toFixed(1)),
    openMs: opens.map((x) => Number(x.toFixed(1))),
  }));
} finally {
  await browser.close();
  await server.close();
}
