// bench/lib/svg.js — the two plots of bench/RESULTS.md, written as plain SVG
// text (no plotting dependency): recall@10 against QPS per library (log QPS
// axis), and build time per library as horizontal bars.

const COLORS = {
  'edgevec-c': '#d62728',
  'hnswlib-wasm': '#1f77b4',
  'hnswlib-node': '#2ca02c',
  edgevec: '#ff7f0e',
  'voy-search': '#9467bd',
};
const FALLBACK = ['#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v) => (v >= 1000 ? `${Math.round(v / 100) / 10}k` : String(Math.round(v)));

function colorOf(name, i) {
  return COLORS[name] ?? FALLBACK[i % FALLBACK.length];
}

// series: [{ name, points: [{ recall, qps, ef }] }]
export function recallQpsSvg({ title, series, target = 0.95, yLabel = 'queries per second, log scale (higher is better)' }) {
  const W = 720, H = 440, L = 70, R = 170, T = 40, B = 50;
  const pw = W - L - R, ph = H - T - B;
  let all = series.flatMap((s) => s.points).filter((p) => p.qps > 0 && Number.isFinite(p.recall));
  // The region that matters is around the target: start at 0.8 at most.
  const minRecall = Math.max(0.8, Math.min(...all.map((p) => p.recall)));
  const xMin = Math.floor(minRecall * 20) / 20, xMax = 1.0;
  all = all.filter((p) => p.recall >= xMin);
  const qs = all.map((p) => p.qps);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...qs)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...qs)));
  const x = (r) => L + ((r - xMin) / (xMax - xMin)) * pw;
  const y = (q) => T + ph - ((Math.log10(q) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * ph;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${L}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  // grid: recall every 0.05, QPS every decade (and 2x, 5x)
  for (let r = xMin; r <= xMax + 1e-9; r += 0.05) {
    out.push(`<line x1="${x(r)}" y1="${T}" x2="${x(r)}" y2="${T + ph}" stroke="#eee"/>`);
    out.push(`<text x="${x(r)}" y="${T + ph + 16}" text-anchor="middle">${r.toFixed(2)}</text>`);
  }
  for (let d = yMin; d <= yMax; d *= 10) {
    for (const m of [1, 2, 5]) {
      const v = d * m;
      if (v > yMax) break;
      out.push(`<line x1="${L}" y1="${y(v)}" x2="${L + pw}" y2="${y(v)}" stroke="${m === 1 ? '#ddd' : '#f4f4f4'}"/>`);
      out.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
    }
  }
  out.push(`<line x1="${x(target)}" y1="${T}" x2="${x(target)}" y2="${T + ph}" stroke="#999" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${x(target) - 4}" y="${T + 12}" fill="#666" text-anchor="end">recall ${target}</text>`);
  out.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${L + pw / 2}" y="${H - 12}" text-anchor="middle">recall@10 (higher is better)</text>`);
  out.push(`<text x="16" y="${T + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${T + ph / 2})">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const c = colorOf(s.name, i);
    const pts = s.points.filter((p) => p.qps > 0 && p.recall >= xMin);
    if (pts.length > 1) {
      out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${x(p.recall).toFixed(1)},${y(p.qps).toFixed(1)}`).join(' ')}"/>`);
    }
    for (const p of pts) {
      out.push(`<circle cx="${x(p.recall).toFixed(1)}" cy="${y(p.qps).toFixed(1)}" r="3.5" fill="${c}"><title>${esc(`${s.name} ef=${p.ef ?? '-'} recall=${p.recall.toFixed(4)} QPS=${Math.round(p.qps)}`)}</title></circle>`);
    }
    const ly = T + 10 + i * 20;
    out.push(`<line x1="${L + pw + 14}" y1="${ly}" x2="${L + pw + 34}" y2="${ly}" stroke="${c}" stroke-width="3"/>`);
    out.push(`<text x="${L + pw + 40}" y="${ly + 4}">${esc(s.label ?? s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

// groups: [{ dataset, bars: [{ name, value (seconds) }] }]
export function buildTimeSvg({ title, groups, unit = 's' }) {
  const barH = 18, gap = 6, groupGap = 26, L = 150, R = 80, T = 44;
  const W = 720;
  const rows = groups.reduce((n, g) => n + g.bars.length, 0);
  const H = T + rows * (barH + gap) + groups.length * groupGap + 30;
  const max = Math.max(...groups.flatMap((g) => g.bars.map((b) => b.value)));
  const pw = W - L - R;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="20" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`);
  let yy = T;
  for (const g of groups) {
    out.push(`<text x="20" y="${yy + 12}" font-weight="bold">${esc(g.dataset)}</text>`);
    yy += groupGap - 6;
    g.bars.forEach((b, i) => {
      const w = Math.max(1, (b.value / max) * pw);
      out.push(`<text x="${L - 8}" y="${yy + barH - 5}" text-anchor="end">${esc(b.name)}</text>`);
      out.push(`<rect x="${L}" y="${yy}" width="${w.toFixed(1)}" height="${barH}" fill="${colorOf(b.name, i)}"/>`);
      out.push(`<text x="${L + w + 6}" y="${yy + barH - 5}">${b.value.toFixed(1)} ${unit}</text>`);
      yy += barH + gap;
    });
    yy += 6;
  }
  out.push(`<text x="${L}" y="${H - 10}" fill="#666">shorter is better; median over the runs</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
