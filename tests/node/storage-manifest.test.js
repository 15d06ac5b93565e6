// tests/node/storage-manifest.test.js (js/storage/manifest.js) — the stored
// manifest: format 2 with its crc over a fixed canonical string and the
// snapshot's header CRC; format 1 as earlier releases wrote it still read;
// every malformed, damaged or inconsistent manifest CORRUPT with section
// 'manifest' (naming the file where there is one), a newer format
// UNSUPPORTED_VERSION; a snapshot of the wrong length or header CRC CORRUPT
// with section 'snapshot'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32 } from 'node:zlib';
import {
  encodeManifest, decodeManifest, checkSnapshotBytes, snapshotHeaderCrc, MANIFEST_FORMAT,
} from '../../js/storage/manifest.js';
import { throwsWith } from './helpers/assert-error.js';

const FILE = { text: 'manifest.json in "/x/db"', file: '/x/db/manifest.json' };
const RECORD = { text: 'the manifest record' };
const FIELDS = { generation: 4, snapshotSeq: 17, snapshotBytes: 5000, snapshotHeaderCrc: 0xdeadbeef };
const json = (v) => new TextEncoder().encode(JSON.stringify(v));

test('format 2: the fields in a fixed order and a CRC-32 of the canonical string', () => {
  assert.equal(MANIFEST_FORMAT, 2);
  const m = encodeManifest(FIELDS);
  assert.deepEqual(Object.keys(m), ['format', 'generation', 'snapshotSeq', 'snapshotBytes', 'snapshotHeaderCrc', 'crc']);
  assert.equal(m.crc, zlibCrc32('format=2;generation=4;snapshotSeq=17;snapshotBytes=5000;snapshotHeaderCrc=3735928559'));
  const chunked = encodeManifest({ ...FIELDS, chunkCount: 3 });
  assert.equal(chunked.crc,
    zlibCrc32('format=2;generation=4;snapshotSeq=17;snapshotBytes=5000;snapshotHeaderCrc=3735928559;chunkCount=3'));
  assert.deepEqual(decodeManifest(json(m), FILE, { chunked: false }), { format: 2, ...FIELDS });
  assert.deepEqual(decodeManifest(chunked, RECORD, { chunked: true }), { format: 2, ...FIELDS, chunkCount: 3 });
  // Whitespace is not part of what the crc covers.
  assert.deepEqual(decodeManifest(new TextEncoder().encode(JSON.stringify(m, null, 2)), FILE, { chunked: false }), { format: 2, ...FIELDS });
});

test('format 1 manifests, as earlier releases wrote them, are read (without a header CRC)', () => {
  const file = json({ format: 1, generation: 2, snapshotSeq: 1, snapshotBytes: 10 });
  assert.deepEqual(decodeManifest(file, FILE, { chunked: false }),
    { format: 1, generation: 2, snapshotSeq: 1, snapshotBytes: 10, snapshotHeaderCrc: null });
  const record = { format: 1, generation: 2, snapshotSeq: 1, snapshotBytes: 10, chunkCount: 1 };
  assert.deepEqual(decodeManifest(record, RECORD, { chunked: true }), { ...record, snapshotHeaderCrc: null });
});

test('anything malformed or damaged is CORRUPT, section manifest, naming the file', () => {
  const good = encodeManifest(FIELDS);
  const { crc, ...noCrc } = good;
  const bad = [
    ['not JSON', new TextEncoder().encode('{"format":2,')],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d])],
    ['empty', new Uint8Array(0)],
    ['an array', json([good])],
    ['null', json(null)],
    ['format 0', json({ ...good, format: 0 })],
    ['format "2"', json({ ...good, format: '2' })],
    ['format 2.5', json({ ...good, format: 2.5 })],
    ['no crc', json(noCrc)],
    ['crc off by one', json({ ...good, crc: good.crc ^ 1 })],
    ['crc not a number', json({ ...good, crc: String(good.crc) })],
    ['a field changed', json({ ...good, generation: 5 })],
    ['a field missing', json({ ...good, snapshotSeq: undefined })],
    ['an unknown field', json({ ...good, extra: 1 })],
    ['a chunkCount where there are no chunks', json(encodeManifest({ ...FIELDS, chunkCount: 2 }))],
    ['a negative count', json(encodeManifest({ ...FIELDS, snapshotBytes: -1 }))],
    ['a fractional count', json(encodeManifest({ ...FIELDS, snapshotSeq: 1.5 }))],
    ['header crc beyond u32', json(encodeManifest({ ...FIELDS, snapshotHeaderCrc: 2 ** 32 }))],
    ['generation 0', json(encodeManifest({ ...FIELDS, generation: 0 }))],
    ['format 1 with a crc', json({ format: 1, generation: 2, snapshotSeq: 1, snapshotBytes: 10, crc: 5 })],
    ['format 1 missing a field', json({ format: 1, generation: 2, snapshotBytes: 10 })],
  ];
  for (const [label, bytes] of bad) {
    const err = throwsWith(() => decodeManifest(bytes, FILE, { chunked: false }), 'CORRUPT', { message: /manifest\.json/ });
    assert.equal(err.section, 'manifest', label);
    assert.equal(err.file, '/x/db/manifest.json', label);
  }
  for (const [label, record] of [
    ['undefined', undefined],
    ['a string', 'manifest'],
    ['no chunkCount', encodeManifest(FIELDS)],
    ['0 chunks for bytes', encodeManifest({ ...FIELDS, chunkCount: 0 })],
    ['more chunks than bytes', encodeManifest({ ...FIELDS, snapshotBytes: 2, chunkCount: 3 })],
    ['a chunk for no bytes', encodeManifest({ ...FIELDS, snapshotBytes: 0, chunkCount: 1 })],
  ]) {
    const err = throwsWith(() => decodeManifest(record, RECORD, { chunked: true }), 'CORRUPT', { message: /manifest record/ });
    assert.equal(err.section, 'manifest', label);
  }
});

test('a newer format is UNSUPPORTED_VERSION, whatever else it holds', () => {
  for (const v of [json({ format: 3 }), json({ format: 3, anything: [1] }), { format: 12, generation: -1 }]) {
    throwsWith(() => decodeManifest(v, FILE, { chunked: false }), 'UNSUPPORTED_VERSION', { message: /newer release/ });
  }
});

test('checkSnapshotBytes: the length, and for format 2 the header CRC at bytes 16..20', () => {
  const snap = new Uint8Array(64).map((_, i) => i * 7);
  const fields = { generation: 3, snapshotSeq: 1, snapshotBytes: 64, snapshotHeaderCrc: snapshotHeaderCrc(snap) };
  assert.equal(fields.snapshotHeaderCrc, new DataView(snap.buffer).getUint32(16, true));
  const m = decodeManifest(encodeManifest(fields), RECORD, { chunked: false });
  const where = { text: 'snapshot-3.bin in "/x/db"', file: '/x/db/snapshot-3.bin' };
  checkSnapshotBytes(m, snap, where);
  const short = throwsWith(() => checkSnapshotBytes(m, snap.subarray(0, 63), where), 'CORRUPT', { message: /63 bytes.*64/ });
  assert.deepEqual([short.section, short.generation, short.file], ['snapshot', 3, '/x/db/snapshot-3.bin']);
  const other = snap.slice();
  other[18] ^= 1;
  const e = throwsWith(() => checkSnapshotBytes(m, other, where), 'CORRUPT', { message: /header CRC/ });
  assert.equal(e.section, 'snapshot');
  other[18] ^= 1;
  other[40] ^= 1; // past the prelude: the core's own CRCs find this one
  checkSnapshotBytes(m, other, where);
  // Format 1 has no header CRC: only the length is checked.
  const old = decodeManifest({ format: 1, generation: 3, snapshotSeq: 1, snapshotBytes: 64 }, RECORD, { chunked: false });
  const flipped = snap.slice();
  flipped[18] ^= 1;
  checkSnapshotBytes(old, flipped, where);
  throwsWith(() => checkSnapshotBytes(old, snap.subarray(1), where), 'CORRUPT');
  // Byte strings shorter than the prelude are covered by a CRC of all of them.
  const tiny = new Uint8Array([1, 2, 3]);
  assert.equal(snapshotHeaderCrc(tiny), zlibCrc32(tiny));
  const mt = decodeManifest(encodeManifest({ ...fields, snapshotBytes: 3, snapshotHeaderCrc: snapshotHeaderCrc(tiny) }), RECORD, { chunked: false });
  checkSnapshotBytes(mt, tiny, where);
  throwsWith(() => checkSnapshotBytes(mt, new Uint8Array([1, 2, 4]), where), 'CORRUPT');
});
