// demos.spec.js — each demo in examples/ driven as a person would: clicking
// buttons, typing into fields, waiting for the progress bar, reading what
// the page shows. A screenshot of each lands in tests/browser/output/<engine>/.
import { test, expect } from './fixtures.js';
import { waitDemoReady, expectNoError } from './lib/demo-page.js';

/** Waits until a progress bar reports done === total and the step finished. */
async function waitProgressDone(tab, sel, timeout = 60_000) {
  await tab.waitFor((s) => {
    const p = document.querySelector(s);
    const err = document.querySelector('#error');
    if (err && !err.hidden) return { fatal: `page shows an error: ${err.textContent}` };
    return p.dataset.state === 'done' && p.dataset.done === p.dataset.total;
  }, sel, { timeout, message: `progress ${sel} to finish` });
}

/** Rows of the results table as [rank, id, distance]. */
function resultRows(tab) {
  return tab.evaluate(() => Array.from(document.querySelectorAll('#results tbody tr'),
    (tr) => Array.from(tr.children, (td) => td.textContent).slice(0, 3)));
}

test('index page links the three demos', async ({ tabs, shot }) => {
  const tab = await tabs.open('examples/');
  const links = await tab.evaluate(() => Array.from(document.querySelectorAll('.demos a'),
    (a) => [a.getAttribute('href'), a.querySelector('h2').textContent]));
  expect(links).toEqual([
    ['search.html', '1. Search'],
    ['soft-delete.html', '2. Soft delete'],
    ['persistence.html', '3. Persistence'],
  ]);
  expect(await tab.text('#env')).toContain('WebAssembly SIMD supported');
  await shot(tab, 'demo-index');
  await tab.click('#demo-search');
  await tab.waitFor(() => location.pathname.endsWith('/examples/search.html'));
  await waitDemoReady(tab);
});

test('search demo: generate, insert with progress, pick a point, type a query', async ({ tabs, shot }) => {
  const tab = await tabs.open('examples/search.html');
  await waitDemoReady(tab);
  // Generated data with the page's defaults (10,000 x 128, seed 42). While
  // it inserts, count animation frames in which the bar stood part-way: a
  // person must see the bar move, not a frozen page that jumps to 100%.
  await tab.evaluate(() => {
    window.framesMidway = 0;
    const p = document.querySelector('#insert-progress');
    const tick = () => {
      const done = Number(p.dataset.done);
      const total = Number(p.dataset.total);
      if (done > 0 && done < total) window.framesMidway++;
      if (p.dataset.state !== 'done') requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await tab.click('#build');
  await waitProgressDone(tab, '#insert-progress');
  expect(await tab.evaluate(() => window.framesMidway), 'frames painted mid-insert').toBeGreaterThan(0);
  expect(await tab.text('#insert-progress .label')).toMatch(/^10,000 vectors inserted in /);
  expect(await tab.text('#stat-size')).toBe('10,000');

  await tab.fill('#point-id', '123');
  await tab.fill('#k', '5');
  await tab.click('#search');
  await tab.waitFor(() => document.querySelector('#results').dataset.count === '5');
  let rows = await resultRows(tab);
  expect(rows.length).toBe(5);
  expect(rows[0]).toEqual(['1', '123', '0.0000']);
  for (let i = 1; i < rows.length; i++) {
    expect(Number(rows[i][2])).toBeGreaterThanOrEqual(Number(rows[i - 1][2]));
  }
  expect(await tab.text('#latency')).toMatch(/ms$/);
  await expectNoError(tab);
  expect(await tab.text('#stat-matches')).toBe('10,000');
  await shot(tab, 'demo-search');

  // A filter: one category and a price range. Every result must carry that
  // metadata, the page must show how many vectors match (about a tenth:
  // one category in five, two fifths of the prices), and the results are
  // min(k, matches) long.
  await tab.selectOption('#filter-category', 'science');
  await tab.fill('#filter-min', '10');
  await tab.fill('#filter-max', '50');
  await tab.fill('#k', '20');
  await tab.click('#search');
  await tab.waitFor(() => document.querySelector('#results').dataset.count === '20' &&
    document.querySelector('#results tbody tr td:nth-child(5)').textContent.startsWith('science'));
  const meta = await tab.evaluate(() => Array.from(document.querySelectorAll('#results tbody tr'),
    (tr) => tr.children[4].textContent));
  expect(meta.length).toBe(20);
  for (const m of meta) {
    const [category, price] = m.split(' · ');
    expect(category).toBe('science');
    expect(Number(price)).toBeGreaterThanOrEqual(10);
    expect(Number(price)).toBeLessThanOrEqual(50);
  }
  const matches = Number((await tab.text('#stat-matches')).replace(/,/g, ''));
  expect(matches).toBeGreaterThan(500);
  expect(matches).toBeLessThan(1200);
  expect(await tab.text('#filter-text')).toBe('{"category":"science","price":{"gte":10,"lte":50}}');
  expect(await tab.text('#latency')).toMatch(/ms$/);
  await expectNoError(tab);
  await shot(tab, 'demo-search-filter');
  // Back to no filter for the rest (WebDriver cannot type an empty string).
  await tab.selectOption('#filter-category', '');
  await tab.evaluate(() => {
    for (const sel of ['#filter-min', '#filter-max']) {
      const input = document.querySelector(sel);
      input.value = '';
      input.dispatchEvent(new Event('input'));
    }
  });
  expect(await tab.text('#filter-text')).toBe('no filter');

  // Pasted vectors and a typed query.
  await tab.click('#source-paste');
  await tab.paste('#paste', '1, 0, 0\n0, 1, 0\n0, 0, 1\n0.9, 0.1, 0');
  await tab.click('#build');
  await tab.waitFor(() => document.querySelector('#insert-progress .label').textContent.startsWith('4 vectors'));
  await tab.click('#qmode-typed');
  await tab.fill('#query-text', '1, 0, 0');
  await tab.fill('#k', '2');
  await tab.click('#search');
  await tab.waitFor(() => document.querySelector('#results').dataset.count === '2' &&
    document.querySelector('#results tbody tr td:nth-child(2)').textContent === '0');
  rows = await resultRows(tab);
  expect(rows.map((r) => r[1])).toEqual(['0', '3']);
  await expectNoError(tab);

  // A query of the wrong length is explained in the page.
  await tab.fill('#query-text', '1, 0');
  await tab.click('#search');
  const msg = await tab.waitFor(() => {
    const e = document.querySelector('#error');
    return !e.hidden && e.textContent;
  });
  expect(msg).toContain('3 dimensions');
  expect(msg).toContain('[DIMENSION_MISMATCH]');
  await shot(tab, 'demo-search-error');
});

test('soft delete demo: delete a selection, compact, ids unchanged', async ({ tabs, shot }) => {
  const tab = await tabs.open('examples/soft-delete.html');
  await waitDemoReady(tab);
  await tab.click('#build');
  await waitProgressDone(tab, '#insert-progress');
  expect(await tab.text('#live')).toBe('5,000');

  await tab.fill('#delete-ids', '0-499, 1000, 4990-4999, 7000');
  await tab.click('#delete');
  await tab.waitFor(() => document.querySelector('#delete-result').dataset.deleted !== undefined);
  expect(await tab.text('#delete-result')).toMatch(
    /softDeleteBatch of 512 ids took .*: 511 deleted, 0 already deleted, 1 not in the index\./);
  expect(await tab.text('#live')).toBe('4,489');
  expect(await tab.text('#deleted')).toBe('511');
  expect(await tab.text('#ratio')).toBe('10.2%');
  expect(await tab.evaluate(() => document.querySelector('#probe').dataset.deletedReturned)).toBe('0');

  // The same selection again: nothing new is deleted.
  await tab.click('#delete');
  await tab.waitFor(() => / 0 deleted, 511 already deleted/.test(document.querySelector('#delete-result').textContent));

  await tab.click('#select-random');
  await tab.waitFor(() => document.querySelector('#delete-ids').value.length > 0);
  await tab.click('#delete');
  await tab.waitFor(() => Number(document.querySelector('#delete').disabled) === 0 &&
    !/ 0 deleted, 511 already/.test(document.querySelector('#delete-result').textContent));
  await shot(tab, 'demo-soft-delete');

  await tab.click('#compact');
  await tab.waitFor(() => document.querySelector('#compact-result').dataset.wrong !== undefined);
  expect(await tab.evaluate(() => document.querySelector('#compact-result').dataset.wrong)).toBe('0');
  expect(await tab.text('#compact-result')).toMatch(/live ids unchanged/);
  expect(await tab.text('#deleted')).toBe('0');
  expect(await tab.text('#ratio')).toBe('0.0%');
  expect(await tab.evaluate(() => document.querySelector('#probe').dataset.deletedReturned)).toBe('0');
  await expectNoError(tab);
  await shot(tab, 'demo-soft-delete-compacted');
});

test('persistence demo: add, flush, reload, checkpoint, unflushed lost, clear', async ({ tabs, shot }) => {
  const tab = await tabs.open('examples/persistence.html');
  await waitDemoReady(tab);
  const state = () => tab.evaluate(() => ({
    size: document.body.dataset.size,
    pending: document.body.dataset.pending,
    loaded: document.querySelector('#loaded').textContent,
    storage: document.querySelector('#storage').textContent,
    verifyBad: document.querySelector('#verify').dataset.bad ?? null,
  }));
  const waitSize = (size, pending) => tab.waitFor(({ size, pending }) => {
    const err = document.querySelector('#error');
    if (err && !err.hidden) return { fatal: `page shows an error: ${err.textContent}` };
    const b = document.body.dataset;
    return b.ready === 'true' && b.size === String(size) && b.pending === String(pending) &&
      !document.querySelector('#add').disabled;
  }, { size, pending }, { message: `size ${size}, pending ${pending}` });

  // Every test starts with fresh browser storage, but be sure.
  if ((await state()).size !== '0') {
    await tab.click('#clear');
    await waitSize(0, 0);
  }
  expect((await state()).loaded).toMatch(/new, empty database/);

  await tab.click('#add');
  await waitSize(1000, 1000);
  await tab.click('#add');
  await waitSize(2000, 2000);
  await tab.click('#flush');
  await waitSize(2000, 0);
  expect((await state()).storage).not.toBe('0 B');

  await tab.click('#reload');
  await waitDemoReady(tab);
  await waitSize(2000, 0);
  let s = await state();
  expect(s.loaded).toMatch(/^Loaded 2,000 vectors from IndexedDB in /);
  expect(s.verifyBad).toBe('0');

  await tab.click('#delete');
  await waitSize(1900, 100);
  await tab.click('#checkpoint');
  await waitSize(1900, 0);
  await tab.click('#add');
  await waitSize(2900, 1000);
  await tab.click('#flush');
  await waitSize(2900, 0);
  // Added but never flushed: a reload drops it.
  await tab.click('#add');
  await waitSize(3900, 1000);
  await tab.reload();
  await waitDemoReady(tab);
  await waitSize(2900, 0);
  s = await state();
  expect(s.loaded).toMatch(/^Loaded 2,900 vectors/);
  expect(s.verifyBad).toBe('0');
  await expectNoError(tab);
  await shot(tab, 'demo-persistence');

  const before = await state();
  await tab.click('#clear');
  await waitSize(0, 0);
  // Cleared and reopened: what remains is the new empty index's first
  // snapshot, a few hundred bytes (was tens of KB).
  const cleared = await state();
  expect(cleared.storage, `storage after clear (before: ${before.storage})`).toMatch(/^\d+ B$/);
  await tab.click('#reload');
  await waitDemoReady(tab);
  await waitSize(0, 0);
  expect((await state()).loaded).toMatch(/new, empty database/);
});
