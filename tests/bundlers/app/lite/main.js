// The search-only app on the lite entry: the same page as ../search/, with
// EdgeVec from 'edgevec-c/lite'. What it ships of EdgeVec is what the bytes
// report calls "lite".
import { EdgeVec } from 'edgevec-c/lite';
import { run, seededRows, row, check, DIM, N, K } from '../shared/app.js';

run(async () => {
  const data = seededRows(1);
  const db = await EdgeVec.create({ dimensions: DIM, metric: 'l2', seed: 3 });
  try {
    await db.insertBatch(data);
    check(db.size === N, `size ${db.size}`);
    const top = [];
    for (const q of [0, 17, N - 1]) {
      const hits = db.search(row(data, q), K);
      check(hits.length === K, `${hits.length} hits`);
      check(String(hits[0].id) === String(q) && hits[0].distance === 0, `row ${q} finds itself`);
      top.push(hits.map((h) => [String(h.id), h.distance]));
    }
    return { size: db.size, top };
  } finally {
    db.dispose();
  }
});
