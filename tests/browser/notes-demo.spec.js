// notes-demo.spec.js — the notes demo (examples/notes.html) driven as a
// person would: load the sample notes, type queries and read the hits, add a
// note, reload, clear. The embedding is deterministic, so the top hit of a
// query is known in advance, and its distance is checked against the same
// embedding computed here in Node. Screenshots land in
// tests/browser/output/<engine>/.
import { test, expect } from './fixtures.js';
import { waitDemoReady, expectNoError } from './lib/demo-page.js';
import { embed } from '../../examples/notes-embedding.js';
import { SAMPLE_NOTES } from '../../examples/notes-samples.js';

const SOURDOUGH = 'Sourdough starter: feed it twice a day with equal weights of flour and water.';
const QUOKKA = 'Quokkas smile for photographers on Rottnest Island.';

/** Cosine distance of the float32 embeddings, as the index computes it. */
function cosineDistance(a, b) {
  const x = embed(a);
  const y = embed(b);
  let d = 0;
  for (let i = 0; i < x.length; i++) d += x[i] * y[i];
  return 1 - d;
}

/** Waits until the page shows `count` notes and its buttons are usable again. */
function waitCount(tab, count) {
  return tab.waitFor((n) => {
    const err = document.querySelector('#error');
    if (err && !err.hidden) return { fatal: `page shows an error: ${err.textContent}` };
    return document.body.dataset.count === String(n) && !document.querySelector('#add').disabled &&
      !document.querySelector('#load-samples').disabled;
  }, count, { message: `${count} notes stored` });
}

/** Types a query and returns the rows shown for it: [rank, distance, text]. */
async function search(tab, query) {
  await tab.fill('#query', query);
  await tab.waitFor((q) => {
    const err = document.querySelector('#error');
    if (err && !err.hidden) return { fatal: `page shows an error: ${err.textContent}` };
    return document.querySelector('#results').dataset.query === q;
  }, query, { message: `results for "${query}"` });
  return tab.evaluate(() => Array.from(document.querySelectorAll('#results tbody tr'),
    (tr) => Array.from(tr.children, (td) => td.textContent)));
}

function expectTopHit(rows, text, query) {
  expect(rows.length).toBe(8);
  expect(rows[0][2]).toBe(text);
  expect(rows.map((r) => r[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
  for (let i = 1; i < rows.length; i++) {
    expect(Number(rows[i][1]), `distance of rank ${i + 1}`).toBeGreaterThanOrEqual(Number(rows[i - 1][1]));
  }
  // The page's embedding and the index's distance agree with Node's.
  expect(Math.abs(Number(rows[0][1]) - cosineDistance(query, text))).toBeLessThan(1e-3);
}

test('notes demo: load samples, search as you type, add a note, reload, clear', async ({ tabs, shot }) => {
  const tab = await tabs.open('examples/notes.html');
  await waitDemoReady(tab, 'notes demo to open its database');
  await waitCount(tab, 0); // every test starts with fresh browser storage
  expect(await tab.text('#loaded')).toMatch(/No notes yet/);

  await tab.click('#load-samples');
  await waitCount(tab, SAMPLE_NOTES.length);
  expect(await tab.text('#count')).toBe(String(SAMPLE_NOTES.length));
  expect(await tab.text('#status')).toMatch(new RegExp(`^Added ${SAMPLE_NOTES.length} sample notes`));

  let rows = await search(tab, 'sourdough starter flour');
  expectTopHit(rows, SOURDOUGH, 'sourdough starter flour');
  expect(await tab.text('#latency')).toMatch(/ ms$/);
  expect(await tab.text('#embed-latency')).toMatch(/ ms$/);
  await expectNoError(tab);
  await shot(tab, 'demo-notes-search');

  // A second click adds no duplicates.
  await tab.click('#load-samples');
  await tab.waitFor(() => /all stored already/.test(document.querySelector('#status').textContent));
  expect(await tab.text('#count')).toBe(String(SAMPLE_NOTES.length));

  await tab.fill('#note-text', QUOKKA);
  await tab.click('#add');
  await waitCount(tab, SAMPLE_NOTES.length + 1);
  rows = await search(tab, 'quokka island photographers');
  expectTopHit(rows, QUOKKA, 'quokka island photographers');

  // Kept in IndexedDB (vectors) and localStorage (texts): a reload finds both.
  await tab.reload();
  await waitDemoReady(tab, 'notes demo to open its database');
  await waitCount(tab, SAMPLE_NOTES.length + 1);
  expect(await tab.text('#loaded')).toMatch(new RegExp(`^Loaded ${SAMPLE_NOTES.length + 1} notes from IndexedDB in `));
  rows = await search(tab, 'quokka island photographers');
  expectTopHit(rows, QUOKKA, 'quokka island photographers');
  rows = await search(tab, 'sourdough starter flour');
  expectTopHit(rows, SOURDOUGH, 'sourdough starter flour');
  await expectNoError(tab);
  await shot(tab, 'demo-notes-reloaded');

  await tab.click('#clear');
  await waitCount(tab, 0);
  expect(await tab.evaluate(() => document.querySelector('#results').dataset.count)).toBe('0');
  await tab.reload();
  await waitDemoReady(tab, 'notes demo to open its database');
  await waitCount(tab, 0);
  expect(await tab.text('#loaded')).toMatch(/No notes yet/);
  rows = await search(tab, 'sourdough');
  expect(rows.length).toBe(1); // the "no notes" row
  await expectNoError(tab);
  await shot(tab, 'demo-notes-cleared');
});
