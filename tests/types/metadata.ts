// tests/types/metadata.ts — metadata and filters used the way an
// application would; `// @ts-expect-error` lines are misuse the types must
// refuse (tsc fails if any of them compiles).
import {
  EdgeVec, EdgeVecError, type Metadata, type MetadataValue, type Filter, type FieldCondition,
  type Scalar, type SearchResult,
} from 'edgevec-c';

const db = await EdgeVec.create({ dimensions: 3 });
const numbers = await EdgeVec.create({ dimensions: 3, idType: 'number' });

// ---- metadata -------------------------------------------------------------
const m: Metadata = { category: 'books', price: 12.5, inStock: true, tags: ['sale', 'new'] };
const id: bigint = db.insert([1, 2, 3], undefined, m);
numbers.insert([1, 2, 3], 5, { title: 'x' });
await db.insertBatch([[1, 2, 3], [4, 5, 6]], { metadata: [m, null] });
await db.insertBatch([[1, 2, 3]], { ids: [9n], metadata: [undefined] });
db.setMetadata(id, { category: 'music' });
db.setMetadata(id, null);
const back: Metadata | undefined = db.getMetadata(id);
const v: MetadataValue | undefined = back?.category;
const values: MetadataValue[] = ['a', 1, false, ['x']];

// @ts-expect-error nested objects are not metadata
db.insert([1, 2, 3], undefined, { price: { amount: 3 } });
// @ts-expect-error arrays hold strings only
db.setMetadata(id, { tags: [1, 2] });
// @ts-expect-error null values are not stored (clear the field by leaving it out)
db.setMetadata(id, { a: null });
// @ts-expect-error one entry per vector: an array, not one record
await db.insertBatch([[1, 2, 3]], { metadata: m });
// @ts-expect-error setMetadata needs the metadata argument (null clears)
db.setMetadata(id);

// ---- filters --------------------------------------------------------------
const f1: Filter = { category: 'books', price: { lt: 50 }, tags: { any: ['sale'] } };
const f2: Filter = { or: [{ category: 'books' }, { and: [{ price: { gte: 10, lte: 20 } }, { not: { inStock: false } }] }] };
const f3: Filter = { rating: { exists: true }, author: { none: ['x', 'y'] }, tags: { all: ['a', 'b'] }, n: { ne: 3 } };
const c: FieldCondition = { eq: true };
const s: Scalar = 'x';
const hits: SearchResult[] = db.search([1, 2, 3], 10, { filter: f1 });
db.search([1, 2, 3], 10, { filter: 'category = "books" AND price < 50', ef: 100 });
const withMeta = db.search([1, 2, 3], 10, { filter: f2, includeMetadata: true });
const cat: MetadataValue | undefined = withMeta[0].metadata.category;
const plain = db.search([1, 2, 3], 10);
// @ts-expect-error without includeMetadata the metadata may be absent
const absent: Metadata = plain[0].metadata;
const n1: number = db.count();
const n2: number = db.count(f3);
const n3: number = db.count('price BETWEEN 1 AND 2');
const parsed: Filter = EdgeVec.parseFilter('tags ANY ["a"]');
const numberHits = numbers.search([1, 2, 3], 1, { filter: { a: 1 }, includeMetadata: true });
const nid: number = numberHits[0].id;

// @ts-expect-error lt compares numbers only
db.search([1, 2, 3], 10, { filter: { price: { lt: '50' } } });
// @ts-expect-error no such operator
db.count({ price: { below: 3 } });
// @ts-expect-error and takes an array of filters
db.count({ and: { a: 1 } });
// @ts-expect-error a filter value is a scalar or an operator object, not an array
db.count({ tags: ['a'] });
// @ts-expect-error exists takes a boolean
db.count({ a: { exists: 1 } });
// @ts-expect-error parseFilter takes a string
EdgeVec.parseFilter({ a: 1 });
// @ts-expect-error includeMetadata is a boolean
db.search([1, 2, 3], 1, { includeMetadata: 'yes' });

// ---- errors ---------------------------------------------------------------
try {
  db.setMetadata(id, m);
} catch (err) {
  if (err instanceof EdgeVecError && err.code === 'INVALID_METADATA') {
    const where: [number | undefined, bigint | number | undefined, string | undefined, string | undefined] =
      [err.index, err.id, err.field, err.reason];
  }
  if (err instanceof EdgeVecError && err.code === 'INVALID_FILTER') {
    const where: [string | undefined, number | undefined, string | undefined] = [err.path, err.position, err.field];
  }
}
export { c, s, hits, cat, n1, n2, n3, parsed, nid, values, v, absent };
