// tests/node/examples-notes-embedding.test.js (examples/notes-embedding.js,
// the notes demo's text embedding, not part of js/) — the demo's browser
// spec expects exact top hits, which holds only if the embedding is
// deterministic; and the demo is only useful if related texts land closer
// than unrelated ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { DIMENSIONS, embed, fnv1a32, isEmptyEmbedding, words } from '../../examples/notes-embedding.js';
import { SAMPLE_NOTES } from '../../examples/notes-samples.js';

const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const distance = (a, b) => 1 - dot(embed(a), embed(b));

test('FNV-1a 32-bit matches the published test vectors', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
});

test('the same text gives the same bits, of DIMENSIONS floats', () => {
  const text = 'A stitch in time saves nine.';
  const a = embed(text);
  const b = embed(text);
  assert.ok(a instanceof Float32Array);
  assert.equal(a.length, DIMENSIONS);
  assert.deepEqual(new Uint32Array(a.buffer), new Uint32Array(b.buffer));
  // Case, punctuation and Unicode compatibility forms do not matter.
  assert.deepEqual(embed('a STITCH in time, saves nine!'), a);
  assert.deepEqual(embed('Ａ stitch in time saves nine'), a); // fullwidth A, NFKC
});

test('every sample and some odd texts are unit length', () => {
  for (const text of [...SAMPLE_NOTES, 'x', 'naïve café', '日本語のメモ', '42', 'emoji 🙂 ok']) {
    const v = embed(text);
    const n = Math.sqrt(dot(v, v));
    assert.ok(Math.abs(n - 1) < 1e-6, `|embed(${JSON.stringify(text)})| = ${n}`);
  }
});

test('a text without letters or digits has no direction', () => {
  for (const text of ['', '   ', '!?…', '🙂']) {
    assert.ok(isEmptyEmbedding(embed(text)), JSON.stringify(text));
  }
  assert.ok(!isEmptyEmbedding(embed('a')));
  assert.deepEqual(words('Don’t COUNT 2 chickens!'), ['don', 't', 'count', '2', 'chickens']);
});

test('similar texts are closer than unrelated ones', () => {
  const pairs = [
    ['leaking kitchen tap', 'Call the plumber about the leaking kitchen tap.', 'Fortune favours the bold.'],
    ['gardening in the garden', 'the garden needs weeding', 'the quarterly report is due'],
    ['nearest neighbours', 'Vector search finds the nearest neighbours of a query embedding.', 'Silence is golden.'],
  ];
  for (const [q, near, far] of pairs) {
    assert.ok(distance(q, near) < distance(q, far), `${q}: ${distance(q, near)} vs ${distance(q, far)}`);
  }
  // Shared fragments count: a plural is nearer than another word.
  assert.ok(distance('cats', 'cat') < distance('cats', 'dog'));
  assert.ok(distance('gardening', 'garden') < distance('gardening', 'banking'));
  assert.ok(Math.abs(distance('same words', 'same words')) < 1e-6);
});

test('each sample note is its own nearest neighbour, and the spec\'s queries find their notes', () => {
  const vs = SAMPLE_NOTES.map(embed);
  const nearest = (v) => {
    let best = -1;
    let bestDot = -Infinity;
    vs.forEach((w, j) => {
      const d = dot(v, w);
      if (d > bestDot) {
        bestDot = d;
        best = j;
      }
    });
    return best;
  };
  assert.equal(new Set(SAMPLE_NOTES).size, SAMPLE_NOTES.length, 'no duplicate samples');
  vs.forEach((v, i) => assert.equal(nearest(v), i, SAMPLE_NOTES[i]));
  // tests/browser/notes-demo.spec.js searches for this one.
  assert.equal(SAMPLE_NOTES[nearest(embed('sourdough starter flour'))],
    'Sourdough starter: feed it twice a day with equal weights of flour and water.');
});
