// bench/lib/stats.js — the few statistics the benchmark reports, kept in one
// place so the runner, the report and the regression check agree on them.

// Nearest-rank percentile of an ascending array (p in [0, 1]).
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i];
}

export function median(values) {
  const v = values.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// QPS at a target recall, from a sweep of { ef, qps, recall } points taken in
// increasing ef. Between the two points that bracket the target, log(QPS) is
// interpolated linearly in recall (QPS falls roughly geometrically as ef
// grows). Returns { qps, ef: [lo, hi] | ef, how } where how says whether the
// number is interpolated, a bound, or missing.
export function qpsAtRecall(points, target) {
  const pts = points.filter((p) => Number.isFinite(p.recall) && Number.isFinite(p.qps));
  if (pts.length === 0) return { qps: null, how: 'no points' };
  if (pts[0].recall >= target) {
    return { qps: pts[0].qps, ef: pts[0].ef, how: pts.length === 1 ? 'single point (no ef to trade)' : 'lowest ef already reaches it (a lower bound)' };
  }
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1], b = pts[i];
    if (a.recall < target && b.recall >= target) {
      const f = (target - a.recall) / (b.recall - a.recall);
      const qps = Math.exp(Math.log(a.qps) + f * (Math.log(b.qps) - Math.log(a.qps)));
      const p50 = a.p50 != null ? a.p50 + f * (b.p50 - a.p50) : null;
      const p99 = a.p99 != null ? a.p99 + f * (b.p99 - a.p99) : null;
      return { qps, ef: [a.ef, b.ef], how: 'interpolated', p50, p99 };
    }
  }
  const best = Math.max(...pts.map((p) => p.recall));
  return { qps: null, how: `never reaches ${target} (best recall ${best.toFixed(4)})` };
}

// recall@k of one result list (row ids) against the exact top-k of query qi
// (gt holds k row ids per query).
export function recallOf(ids, gt, qi, k = 10) {
  // A library that returns the same id twice must not score it twice.
  let found = 0;
  const at = qi * k;
  const n = Math.min(ids.length, k);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    for (let j = 0; j < k; j++) {
      if (gt[at + j] === id) { found |= 1 << j; break; }
    }
  }
  let hit = 0;
  for (let j = 0; j < k; j++) if (found & (1 << j)) hit++;
  return hit / k;
}
