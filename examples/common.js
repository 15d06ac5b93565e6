// common.js — what the three demos share: loading the package (so that a
// failed load is shown in the page rather than only in the console), the
// error box, number formatting, the progress bar, and the seeded data.
//
// The package is imported from ../js/index.js, the built package as an app
// would import it; it finds ../dist/edgevec.wasm itself via import.meta.url.

/** @returns {HTMLElement} */
export const $ = (sel) => {
  const el = document.querySelector(sel);
  if (!el) throw new Error(`demo page is missing ${sel}`);
  return el;
};

const errorBox = () => document.querySelector('#error');

/** Shows an error in the page. EdgeVec errors carry a stable `code`. */
export function showError(err) {
  const box = errorBox();
  const code = err && err.code ? ` [${err.code}]` : '';
  const msg = err && err.message ? err.message : String(err);
  console.error(err);
  if (!box) return;
  box.textContent = `${msg}${code}`;
  box.hidden = false;
}

export function clearError() {
  const box = errorBox();
  if (box) {
    box.hidden = true;
    box.textContent = '';
  }
}

// Anything thrown and not caught by a handler still reaches the page.
window.addEventListener('error', (e) => showError(e.error || e.message));
window.addEventListener('unhandledrejection', (e) => showError(e.reason));

/** Wraps an async click handler: clears the old error, disables the button
 * while it runs, and shows whatever it throws. */
export function action(button, fn) {
  button.addEventListener('click', async () => {
    clearError();
    button.disabled = true;
    try {
      await fn();
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
    }
  });
}

/** Imports the package and the data generator, or shows why it could not. */
export async function loadPackage() {
  try {
    const [pkg, dataset] = await Promise.all([
      import('../js/index.js'),
      import('../tests/lib/dataset.js'),
    ]);
    return { ...pkg, dataset };
  } catch (err) {
    showError(new Error(`Could not load EdgeVec: ${err && err.message ? err.message : err}. ` +
      'Was the package built (npm run build) and is this page served by `npm start`?'));
    throw err;
  }
}

const nf = new Intl.NumberFormat('en-US');
export const fmt = (n) => nf.format(n);

export function fmtMs(ms) {
  // Browsers coarsen performance.now() (to 1 ms in some): a 0 reading means
  // "too fast for this clock", not "free".
  if (ms <= 0) return '< 1 ms';
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  if (ms < 10000) return `${fmt(Math.round(ms))} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export function fmtBytes(b) {
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KB`;
  return `${(b / 1024 / 1024).toFixed(1)} MB`;
}

export const fmtPct = (x) => `${(x * 100).toFixed(1)}%`;

/** The progress bar in `root` (a .progress element). */
export function progressBar(root) {
  const fill = root.querySelector('.bar > div');
  const label = root.querySelector('.label');
  return {
    set(done, total, what = 'inserted') {
      const f = total > 0 ? done / total : 1;
      fill.style.width = `${(f * 100).toFixed(1)}%`;
      label.textContent = `${fmt(done)} / ${fmt(total)} ${what}`;
      root.dataset.done = String(done);
      root.dataset.total = String(total);
    },
    text(t) {
      label.textContent = t;
    },
  };
}

/** Parses numbers separated by commas, spaces or new lines. */
export function parseNumbers(text) {
  const parts = text.split(/[\s,;[\]]+/).filter((s) => s.length > 0);
  return parts.map((s, i) => {
    const v = Number(s);
    if (!Number.isFinite(v)) throw new Error(`"${s}" (number ${i + 1}) is not a number`);
    return v;
  });
}

/**
 * Parses pasted vectors: a JSON array of arrays, or one vector per line with
 * numbers separated by commas or spaces. Returns number[][].
 */
export function parseVectors(text) {
  const t = text.trim();
  if (t === '') throw new Error('Paste at least one vector.');
  if (t.startsWith('[')) {
    let v;
    try {
      v = JSON.parse(t);
    } catch (err) {
      throw new Error(`The pasted text is not valid JSON: ${err.message}`);
    }
    if (!Array.isArray(v) || v.length === 0) throw new Error('Expected a JSON array of vectors.');
    const rows = Array.isArray(v[0]) ? v : [v];
    return rows.map((row, i) => {
      if (!Array.isArray(row)) throw new Error(`Vector ${i + 1} is not an array.`);
      return row.map(Number);
    });
  }
  return t.split(/\n+/).filter((l) => l.trim() !== '').map((line, i) => {
    try {
      return parseNumbers(line);
    } catch (err) {
      throw new Error(`Line ${i + 1}: ${err.message}`);
    }
  });
}

/**
 * Mean time of fn() in ms, repeated until ~30 ms have passed, so the number
 * means something even where the clock ticks in whole milliseconds.
 * Returns { ms, runs, result } with the result of the first call.
 */
export function timeRepeated(fn, budgetMs = 30, maxRuns = 2000) {
  const t0 = performance.now();
  const result = fn();
  let runs = 1;
  let now = performance.now();
  while (now - t0 < budgetMs && runs < maxRuns) {
    fn();
    runs++;
    now = performance.now();
  }
  return { ms: (now - t0) / runs, runs, result };
}

/** Lets the page paint before a long synchronous step. */
export const nextFrame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
