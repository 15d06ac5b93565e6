// shared/app.js — what every entry of the bundler apps has in common and
// nothing of EdgeVec: seeded vectors, and how a page reports its outcome
// (window.appResult for the test driver, the page text for a person).
// The empty entry uses it too, so that subtracting the empty build from
// the others leaves EdgeVec's bytes and the few lines that call it.

export const DIM = 16;
export const N = 300;
export const K = 5;

/** N x DIM floats from a 32-bit seed (mulberry32), the same in every engine. */
export function seededRows(seed, n = N, dim = DIM) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = next() * 2 - 1;
  return out;
}

export function row(data, i, dim = DIM) {
  return data.subarray(i * dim, (i + 1) * dim);
}

export function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
}

/** Runs the page's work once and publishes { ok, ...result } or { ok: false, error }. */
export function run(work) {
  const show = (r) => {
    window.appResult = r;
    const pre = document.createElement('pre');
    pre.id = 'result';
    pre.textContent = JSON.stringify(r, null, 2);
    document.body.append(pre);
  };
  Promise.resolve()
    .then(work)
    .then(
      (r) => show({ ok: true, ...r }),
      (e) => show({ ok: false, error: `${e && e.name}: ${e && e.message}`, code: e && e.code }),
    );
}
