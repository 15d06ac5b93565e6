// soft-delete.spec.js — softDeleteBatch in the page, twice: with
// BigUint64Array ids, and in a page where BigUint64Array was removed before
// the package loaded (so every id path is number[]). In both: the counts
// softDeleteBatch reports, deleted ids never returned by search (before and
// after compact), the tombstone ratio, and ids unchanged by compact.
import { test, expect } from './fixtures.js';
import { openHarness } from './lib/scenario.js';

const CFG = { seed: 5, n: 3000, dim: 32, nq: 50, k: 20 };

async function scenario(tab, nobig) {
  return tab.evaluate(async ({ cfg, nobig }) => {
    const { EdgeVec, dataset } = window.harness;
    const out = { hasBigUint64Array: typeof BigUint64Array === 'function' };
    const mix = new dataset.Mixture(cfg.seed, cfg.dim);
    const data = mix.rows(cfg.n);
    const queries = mix.rows(cfg.nq);
    const db = await EdgeVec.create({ dimensions: cfg.dim, seed: 3 });
    // Explicit ids 1000, 1001, ...: compact must not renumber them.
    const idList = Array.from({ length: cfg.n }, (_, i) => 1000 + i);
    const ids = nobig ? idList : BigUint64Array.from(idList, (x) => BigInt(x));
    const ins = await db.insertBatch(data, { ids });
    out.insertedIdsKind = Object.prototype.toString.call(ins.ids);
    out.insertedFirstIdType = typeof ins.ids[0];

    // Every third vector, as the same kind of array the page would have.
    const victims = idList.filter((_, i) => i % 3 === 0);
    const victimArg = nobig ? victims : BigUint64Array.from(victims, (x) => BigInt(x));
    const progress = [];
    out.first = await db.softDeleteBatch(victimArg, { onProgress: (d, t) => progress.push([d, t]) });
    out.progressLast = progress[progress.length - 1] || null;
    // Again, mixed with ids that never existed: nothing is deleted twice.
    const again = victims.slice(0, 10).concat([5, 999999]);
    out.second = await db.softDeleteBatch(nobig ? again : BigUint64Array.from(again, (x) => BigInt(x)));
    out.size = db.size;
    out.deletedCount = db.deletedCount;
    out.tombstoneRatio = db.tombstoneRatio;

    const dead = new Set(victims.map(String));
    const check = (label) => {
      let returned = 0;
      let total = 0;
      let idType = null;
      for (let q = 0; q < cfg.nq; q++) {
        const hits = db.search(queries.subarray(q * cfg.dim, (q + 1) * cfg.dim), cfg.k);
        total += hits.length;
        idType = typeof hits[0].id;
        for (const h of hits) if (dead.has(String(h.id))) returned++;
      }
      out[label] = { returned, total, idType };
    };
    check('beforeCompact');
    // Searching for a deleted vector itself must not find it.
    const v0 = data.subarray(0, cfg.dim);
    out.selfHit = db.search(v0, 5).map((h) => String(h.id));

    await db.compact();
    out.afterCompact = {
      size: db.size,
      deletedCount: db.deletedCount,
      tombstoneRatio: db.tombstoneRatio,
    };
    check('searchAfterCompact');
    // Survivors keep their ids and their vectors; victims stay gone.
    let moved = 0;
    for (let i = 0; i < cfg.n; i++) {
      const id = nobig ? idList[i] : BigInt(idList[i]);
      const live = i % 3 !== 0;
      if (db.has(id) !== live) moved++;
      if (live) {
        const v = db.get(id);
        for (let d = 0; d < cfg.dim; d++) if (v[d] !== data[i * cfg.dim + d]) { moved++; break; }
      }
    }
    out.idsChanged = moved;
    // The nearest neighbour of a survivor is itself, under its old id.
    out.survivorSelf = String(db.search(data.subarray(cfg.dim, 2 * cfg.dim), 1)[0].id);
    db.dispose();
    return out;
  }, { cfg: CFG, nobig });
}

function checkCommon(r) {
  const nVictims = Math.ceil(CFG.n / 3);
  expect(r.first).toEqual({ deleted: nVictims, alreadyDeleted: 0, invalidIds: 0, total: nVictims });
  expect(r.progressLast).toEqual([nVictims, nVictims]);
  expect(r.second).toEqual({ deleted: 0, alreadyDeleted: 10, invalidIds: 2, total: 12 });
  expect(r.size).toBe(CFG.n - nVictims);
  expect(r.deletedCount).toBe(nVictims);
  expect(r.tombstoneRatio).toBeCloseTo(nVictims / CFG.n, 6);
  expect(r.beforeCompact.returned, 'deleted ids returned by search').toBe(0);
  expect(r.beforeCompact.total).toBe(CFG.nq * CFG.k);
  expect(r.selfHit).not.toContain('1000');
  expect(r.afterCompact).toEqual({ size: CFG.n - nVictims, deletedCount: 0, tombstoneRatio: 0 });
  expect(r.searchAfterCompact.returned).toBe(0);
  expect(r.searchAfterCompact.total).toBe(CFG.nq * CFG.k);
  expect(r.idsChanged, 'ids or vectors changed by compact').toBe(0);
  expect(r.survivorSelf).toBe('1001');
}

test('softDeleteBatch with BigUint64Array ids', async ({ tabs }) => {
  const tab = await openHarness(tabs);
  const r = await scenario(tab, false);
  expect(r.hasBigUint64Array).toBe(true);
  expect(r.insertedIdsKind).toBe('[object BigUint64Array]');
  expect(r.insertedFirstIdType).toBe('bigint');
  expect(r.beforeCompact.idType).toBe('bigint');
  checkCommon(r);
});

test('softDeleteBatch with number[] ids where BigUint64Array is missing', async ({ tabs }) => {
  const tab = await openHarness(tabs, { nobig: true });
  const r = await scenario(tab, true);
  expect(r.hasBigUint64Array).toBe(false);
  expect(r.insertedIdsKind).toBe('[object Array]');
  expect(r.insertedFirstIdType).toBe('number');
  expect(r.beforeCompact.idType).toBe('number');
  checkCommon(r);
});
