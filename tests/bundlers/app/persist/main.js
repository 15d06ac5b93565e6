// An app that also persists to IndexedDB. The first visit (an empty
// database) writes and closes; a visit after a reload finds the data,
// checks it and reports what it found. ?name= picks the database.
import { EdgeVec } from 'edgevec-c';
import { run, seededRows, row, check, DIM, N, K } from '../shared/app.js';

const QUERIES = [0, 17, N - 1];

function searchAll(db, data) {
  return QUERIES.map((q) => db.search(row(data, q), K).map((h) => [String(h.id), h.distance]));
}

run(async () => {
  const name = new URLSearchParams(location.search).get('name') || 'bundler-app';
  const data = seededRows(2);

  // In memory first, as in the search-only app.
  const mem = await EdgeVec.create({ dimensions: DIM, metric: 'l2', seed: 3 });
  await mem.insertBatch(data);
  const expected = searchAll(mem, data);
  mem.dispose();
  for (const [i, q] of QUERIES.entries()) check(expected[i][0][0] === String(q), `row ${q} finds itself`);

  const db = await EdgeVec.open(name, { dimensions: DIM, metric: 'l2', seed: 3 });
  try {
    if (db.size === 0) {
      await db.insertBatch(data);
      check(JSON.stringify(searchAll(db, data)) === JSON.stringify(expected), 'same results as in memory');
      await db.close();
      return { phase: 'written', size: N, top: expected };
    }
    check(db.size === N, `reopened with ${db.size} vectors`);
    const top = searchAll(db, data);
    check(JSON.stringify(top) === JSON.stringify(expected), 'reopened: same results');
    await db.close();
    return { phase: 'reopened', size: N, top };
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
});
