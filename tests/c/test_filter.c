/*
 * test_filter.c — filter.c: every operator on every type, type mismatches,
 * missing fields, arrays, nested and/or/not, unknown names and strings,
 * deleted vectors, and every way a program can be malformed (with the node
 * at fault).
 */
#include <math.h>

#include "core_util.h"
#include "edgevec.h"
#include "filter.h"
#include "harness.h"
#include "meta_util.h"
#include "metadata.h"

/* ids 0..6 with:
 *   0 {cat: "books", new: true,  price: 10,   tags: ["a", "b"]}
 *   1 {cat: "music", new: false, price: 50,   tags: ["b"]}
 *   2 {cat: "books", price: 99.5}
 *   3 (no metadata)
 *   4 {price: "cheap", tags: []}
 *   5 {cat: "books", price: 1, tags: ["c"]}  -- then deleted
 *   6 {price: 0}
 */
static ev_index *fixture(void) {
  ev_index *ix = cu_index(1, EV_METRIC_L2, 5);
  if (!ix) return NULL;
  mu_buf blob = {0};
  uint32_t off[8];
  const char *ab[] = {"a", "b"}, *b[] = {"b"}, *c[] = {"c"};
  off[0] = 0;
  mu_u16(&blob, 4);
  mu_rec_str(&blob, "cat", "books");
  mu_rec_bool(&blob, "new", 1);
  mu_rec_num(&blob, "price", 10);
  mu_rec_strs(&blob, "tags", ab, 2);
  off[1] = (uint32_t)blob.n;
  mu_u16(&blob, 4);
  mu_rec_str(&blob, "cat", "music");
  mu_rec_bool(&blob, "new", 0);
  mu_rec_num(&blob, "price", 50);
  mu_rec_strs(&blob, "tags", b, 1);
  off[2] = (uint32_t)blob.n;
  mu_u16(&blob, 2);
  mu_rec_str(&blob, "cat", "books");
  mu_rec_num(&blob, "price", 99.5);
  off[3] = (uint32_t)blob.n;
  off[4] = (uint32_t)blob.n;
  mu_u16(&blob, 2);
  mu_rec_str(&blob, "price", "cheap");
  mu_rec_strs(&blob, "tags", NULL, 0);
  off[5] = (uint32_t)blob.n;
  mu_u16(&blob, 3);
  mu_rec_str(&blob, "cat", "books");
  mu_rec_num(&blob, "price", 1);
  mu_rec_strs(&blob, "tags", c, 1);
  off[6] = (uint32_t)blob.n;
  mu_u16(&blob, 1);
  mu_rec_num(&blob, "price", 0);
  off[7] = (uint32_t)blob.n;
  float v[7] = {0, 1, 2, 3, 4, 5, 6};
  if (ev_insert_batch_meta(ix, v, 7, 1, NULL, blob.b, off, NULL, NULL, NULL, NULL) != EV_OK ||
      ev_soft_delete(ix, 5, NULL) != EV_OK) {
    ev_index_free(ix);
    return NULL;
  }
  return ix;
}

/* The set of ids a program matches, as a bitmask (-1 on error), through
 * the exact filtered search; checks ev_filter_count agrees. */
static long matched(ev_index *ix, const mu_buf *prog) {
  uint64_t ids[16];
  float d[16];
  uint32_t n = 0, count = 0;
  float q = 0;
  if (ev_search_exact_filtered(ix, &q, 1, 16, prog->b, prog->n, ids, d, &n, NULL) != EV_OK)
    return -1;
  if (ev_filter_count(ix, prog->b, prog->n, &count, NULL) != EV_OK || count != n) return -2;
  long mask = 0;
  for (uint32_t i = 0; i < n; i++) mask |= 1L << ids[i];
  return mask;
}

#define SET(...) set_of((int[]){__VA_ARGS__, -1})
static long set_of(const int *ids) {
  long m = 0;
  for (; *ids >= 0; ids++) m |= 1L << *ids;
  return m;
}
#define NONE_MATCH 0L
#define ALL_LIVE SET(0, 1, 2, 3, 4, 6)

/* One leaf with one value. */
static void leaf1(mu_buf *p, uint32_t op, const char *field) {
  mu_prog(p, 1);
  mu_leaf(p, op, field);
}

#define EXPECT(prog, want)                                                \
  do {                                                                    \
    long got_ = matched(ix, &(prog));                                     \
    if (got_ != (want)) {                                                 \
      printf("    matched %#lx, expected %#lx\n", got_, (long)(want));    \
      ev_test_fail(__FILE__, __LINE__, #want);                            \
    }                                                                     \
  } while (0)

TEST(filter_scalar_operators_and_type_mismatches) {
  ev_index *ix = fixture();
  REQUIRE(ix != NULL);
  mu_buf p;
  leaf1(&p, EV_FILTER_EQ, "cat"); mu_val_str(&p, "books");
  EXPECT(p, SET(0, 2)); /* 5 is deleted */
  leaf1(&p, EV_FILTER_NE, "cat"); mu_val_str(&p, "books");
  EXPECT(p, SET(1)); /* missing fields never match NE */
  leaf1(&p, EV_FILTER_EQ, "price"); mu_val_num(&p, 10);
  EXPECT(p, SET(0));
  leaf1(&p, EV_FILTER_EQ, "price"); mu_val_num(&p, -0.0);
  EXPECT(p, SET(6)); /* f64 equality: -0 == 0 */
  leaf1(&p, EV_FILTER_NE, "price"); mu_val_num(&p, 10);
  EXPECT(p, SET(1, 2, 6)); /* not 4: its price is a string */
  leaf1(&p, EV_FILTER_LT, "price"); mu_val_num(&p, 50);
  EXPECT(p, SET(0, 6));
  leaf1(&p, EV_FILTER_LTE, "price"); mu_val_num(&p, 50);
  EXPECT(p, SET(0, 1, 6));
  leaf1(&p, EV_FILTER_GT, "price"); mu_val_num(&p, 50);
  EXPECT(p, SET(2));
  leaf1(&p, EV_FILTER_GTE, "price"); mu_val_num(&p, 50);
  EXPECT(p, SET(1, 2));
  leaf1(&p, EV_FILTER_EQ, "price"); mu_val_str(&p, "cheap");
  EXPECT(p, SET(4));
  leaf1(&p, EV_FILTER_NE, "price"); mu_val_str(&p, "dear");
  EXPECT(p, SET(4)); /* only the string-valued price has the type */
  leaf1(&p, EV_FILTER_EQ, "new"); mu_val_bool(&p, 1);
  EXPECT(p, SET(0));
  leaf1(&p, EV_FILTER_NE, "new"); mu_val_bool(&p, 1);
  EXPECT(p, SET(1));
  leaf1(&p, EV_FILTER_EQ, "new"); mu_val_num(&p, 1);
  EXPECT(p, NONE_MATCH); /* a number is not a boolean */
  leaf1(&p, EV_FILTER_EQ, "cat"); mu_val_num(&p, 0);
  EXPECT(p, NONE_MATCH);
  leaf1(&p, EV_FILTER_EXISTS, "new");
  EXPECT(p, SET(0, 1));
  leaf1(&p, EV_FILTER_EXISTS, "price");
  EXPECT(p, SET(0, 1, 2, 4, 6));
  /* ANY / ALL / NONE on scalars, with mixed operand types. */
  leaf1(&p, EV_FILTER_ANY, "cat"); mu_u16(&p, 2); mu_val_str(&p, "music"); mu_val_str(&p, "zzz");
  EXPECT(p, SET(1));
  leaf1(&p, EV_FILTER_ANY, "price"); mu_u16(&p, 2); mu_val_num(&p, 10); mu_val_str(&p, "cheap");
  EXPECT(p, SET(0, 4));
  leaf1(&p, EV_FILTER_ALL, "cat"); mu_u16(&p, 2); mu_val_str(&p, "books"); mu_val_str(&p, "books");
  EXPECT(p, SET(0, 2));
  leaf1(&p, EV_FILTER_ALL, "cat"); mu_u16(&p, 2); mu_val_str(&p, "books"); mu_val_str(&p, "music");
  EXPECT(p, NONE_MATCH);
  leaf1(&p, EV_FILTER_NONE, "cat"); mu_u16(&p, 1); mu_val_str(&p, "books");
  EXPECT(p, SET(1));
  leaf1(&p, EV_FILTER_NONE, "cat"); mu_u16(&p, 1); mu_val_num(&p, 5);
  EXPECT(p, NONE_MATCH); /* no operand of the field's type */
  leaf1(&p, EV_FILTER_NONE, "price"); mu_u16(&p, 2); mu_val_num(&p, 10); mu_val_num(&p, 0);
  EXPECT(p, SET(1, 2));
  /* Unknown fields and strings match nothing; NE of an unknown string
   * matches every vector with a string there. */
  leaf1(&p, EV_FILTER_EQ, "nope"); mu_val_num(&p, 1);
  EXPECT(p, NONE_MATCH);
  leaf1(&p, EV_FILTER_EXISTS, "nope");
  EXPECT(p, NONE_MATCH);
  leaf1(&p, EV_FILTER_EQ, "cat"); mu_val_str(&p, "zzz");
  EXPECT(p, NONE_MATCH);
  leaf1(&p, EV_FILTER_NE, "cat"); mu_val_str(&p, "zzz");
  EXPECT(p, SET(0, 1, 2));
  ev_index_free(ix);
}

TEST(filter_string_arrays) {
  ev_index *ix = fixture();
  REQUIRE(ix != NULL);
  mu_buf p;
  leaf1(&p, EV_FILTER_EQ, "tags"); mu_val_str(&p, "b");
  EXPECT(p, SET(0, 1));
  leaf1(&p, EV_FILTER_NE, "tags"); mu_val_str(&p, "b");
  EXPECT(p, SET(4)); /* present and lacking b (the empty array) */
  leaf1(&p, EV_FILTER_EQ, "tags"); mu_val_num(&p, 1);
  EXPECT(p, NONE_MATCH);
  leaf1(&p, EV_FILTER_NE, "tags"); mu_val_bool(&p, 1);
  EXPECT(p, NONE_MATCH);
  leaf1(&p, EV_FILTER_ANY, "tags"); mu_u16(&p, 3);
  mu_val_str(&p, "a"); mu_val_str(&p, "c"); mu_val_str(&p, "zzz");
  EXPECT(p, SET(0)); /* 5 has c but is deleted */
  leaf1(&p, EV_FILTER_ALL, "tags"); mu_u16(&p, 2); mu_val_str(&p, "b"); mu_val_str(&p, "a");
  EXPECT(p, SET(0));
  leaf1(&p, EV_FILTER_ALL, "tags"); mu_u16(&p, 1); mu_val_str(&p, "b");
  EXPECT(p, SET(0, 1));
  leaf1(&p, EV_FILTER_ALL, "tags"); mu_u16(&p, 2); mu_val_str(&p, "b"); mu_val_str(&p, "zzz");
  EXPECT(p, NONE_MATCH);
  leaf1(&p, EV_FILTER_NONE, "tags"); mu_u16(&p, 1); mu_val_str(&p, "a");
  EXPECT(p, SET(1, 4));
  leaf1(&p, EV_FILTER_EXISTS, "tags");
  EXPECT(p, SET(0, 1, 4));
  ev_index_free(ix);
}

TEST(filter_logic_nested) {
  ev_index *ix = fixture();
  REQUIRE(ix != NULL);
  mu_buf p;
  mu_prog(&p, 1); mu_u8(&p, EV_FILTER_TRUE);
  EXPECT(p, ALL_LIVE); /* never the deleted 5 */
  mu_prog(&p, 1); mu_u8(&p, EV_FILTER_FALSE);
  EXPECT(p, NONE_MATCH);
  /* NOT of a comparison matches the vectors without the field. */
  mu_prog(&p, 2); mu_leaf(&p, EV_FILTER_EQ, "cat"); mu_val_str(&p, "books");
  mu_u8(&p, EV_FILTER_NOT);
  EXPECT(p, SET(1, 3, 4, 6));
  mu_prog(&p, 2); mu_leaf(&p, EV_FILTER_EXISTS, "new"); mu_u8(&p, EV_FILTER_NOT);
  EXPECT(p, SET(2, 3, 4, 6));
  mu_prog(&p, 2); mu_leaf(&p, EV_FILTER_EQ, "nope"); mu_val_num(&p, 1);
  mu_u8(&p, EV_FILTER_NOT);
  EXPECT(p, ALL_LIVE);
  /* (cat = books AND price < 50) OR new = false */
  mu_prog(&p, 5);
  mu_leaf(&p, EV_FILTER_EQ, "cat"); mu_val_str(&p, "books");
  mu_leaf(&p, EV_FILTER_LT, "price"); mu_val_num(&p, 50);
  mu_u8(&p, EV_FILTER_AND);
  mu_leaf(&p, EV_FILTER_EQ, "new"); mu_val_bool(&p, 0);
  mu_u8(&p, EV_FILTER_OR);
  EXPECT(p, SET(0, 1));
  /* NOT (cat = books OR tags ANY [b]) AND (TRUE AND NOT FALSE) */
  mu_prog(&p, 9);
  mu_leaf(&p, EV_FILTER_EQ, "cat"); mu_val_str(&p, "books");
  mu_leaf(&p, EV_FILTER_ANY, "tags"); mu_u16(&p, 1); mu_val_str(&p, "b");
  mu_u8(&p, EV_FILTER_OR);
  mu_u8(&p, EV_FILTER_NOT);
  mu_u8(&p, EV_FILTER_TRUE);
  mu_u8(&p, EV_FILTER_FALSE);
  mu_u8(&p, EV_FILTER_NOT);
  mu_u8(&p, EV_FILTER_AND);
  mu_u8(&p, EV_FILTER_AND);
  EXPECT(p, SET(3, 4, 6));
  /* 64 nested ANDs of TRUE (the deepest stack allowed) */
  mu_prog(&p, 127);
  for (int i = 0; i < 64; i++) mu_u8(&p, EV_FILTER_TRUE);
  for (int i = 0; i < 63; i++) mu_u8(&p, EV_FILTER_AND);
  EXPECT(p, ALL_LIVE);
  ev_index_free(ix);
}

TEST(filter_on_index_without_metadata) {
  ev_index *ix = cu_index(1, EV_METRIC_L2, 1);
  REQUIRE(ix != NULL);
  float v[3] = {0, 1, 2};
  REQUIRE(ev_insert_batch(ix, v, 3, 1, NULL, NULL, NULL, NULL, NULL, NULL) == EV_OK);
  mu_buf p;
  leaf1(&p, EV_FILTER_EQ, "cat"); mu_val_str(&p, "books");
  EXPECT(p, NONE_MATCH);
  mu_prog(&p, 2); mu_leaf(&p, EV_FILTER_EXISTS, "cat"); mu_u8(&p, EV_FILTER_NOT);
  EXPECT(p, SET(0, 1, 2));
  ev_index_free(ix);
}

/* The verdict of the check on p: INVALID_FILTER at `node`. */
static int bad_at(const mu_buf *p, uint32_t node) {
  uint32_t at = 12345;
  ev_status st = ev_filter_check(p->b, p->n, &at);
  if (st != EV_ERR_INVALID_FILTER || at != node) {
    printf("    got status %d node %u, expected node %u\n", (int)st, at, node);
    return 0;
  }
  return 1;
}

TEST(filter_malformed_programs) {
  mu_buf p;
  /* The header. */
  mu_prog(&p, 1); mu_u8(&p, EV_FILTER_TRUE);
  CHECK_EQ_INT(ev_filter_check(p.b, p.n, NULL), EV_OK);
  p.b[0] = 'X';
  CHECK(bad_at(&p, EV_FILTER_NO_NODE));
  mu_prog(&p, 1); mu_u8(&p, EV_FILTER_TRUE);
  p.b[4] = 2; /* version 2 */
  CHECK(bad_at(&p, EV_FILTER_NO_NODE));
  mu_prog(&p, 0);
  CHECK(bad_at(&p, EV_FILTER_NO_NODE));
  mu_prog(&p, EV_FILTER_MAX_NODES + 1);
  for (int i = 0; i <= EV_FILTER_MAX_NODES; i++) mu_u8(&p, EV_FILTER_TRUE);
  CHECK(bad_at(&p, EV_FILTER_NO_NODE));
  mu_prog(&p, 1);
  p.n = 7;
  CHECK(bad_at(&p, EV_FILTER_NO_NODE));
  CHECK_EQ_INT(ev_filter_check(NULL, 0, NULL), EV_ERR_INVALID_FILTER);
  /* Fewer nodes than the count says. */
  mu_prog(&p, 2); mu_u8(&p, EV_FILTER_TRUE);
  CHECK(bad_at(&p, 1));
  /* Trailing bytes. */
  mu_prog(&p, 1); mu_u8(&p, EV_FILTER_TRUE); mu_u8(&p, 0);
  CHECK(bad_at(&p, EV_FILTER_NO_NODE));
  /* Stack underflow: AND of one value, NOT of none, OR of none. */
  mu_prog(&p, 2); mu_u8(&p, EV_FILTER_TRUE); mu_u8(&p, EV_FILTER_AND);
  CHECK(bad_at(&p, 1));
  mu_prog(&p, 2); mu_u8(&p, EV_FILTER_NOT); mu_u8(&p, EV_FILTER_TRUE);
  CHECK(bad_at(&p, 0));
  mu_prog(&p, 1); mu_u8(&p, EV_FILTER_OR);
  CHECK(bad_at(&p, 0));
  /* Depth: 65 values on the stack. */
  mu_prog(&p, 129);
  for (int i = 0; i < 65; i++) mu_u8(&p, EV_FILTER_TRUE);
  for (int i = 0; i < 64; i++) mu_u8(&p, EV_FILTER_AND);
  CHECK(bad_at(&p, 64));
  /* Ends with two values: reported at the last node. */
  mu_prog(&p, 2); mu_u8(&p, EV_FILTER_TRUE); mu_u8(&p, EV_FILTER_FALSE);
  CHECK(bad_at(&p, 1));
  /* Unknown ops. */
  uint32_t bad_ops[] = {0, 11, 19, 25, 255};
  for (int i = 0; i < 5; i++) {
    mu_prog(&p, 2); mu_u8(&p, EV_FILTER_TRUE); mu_u8(&p, bad_ops[i]);
    CHECK(bad_at(&p, 1));
  }
  /* Names: length 0 and 65, cut short. */
  mu_prog(&p, 1); mu_u8(&p, EV_FILTER_EXISTS); mu_u8(&p, 0);
  CHECK(bad_at(&p, 0));
  mu_prog(&p, 1); mu_u8(&p, EV_FILTER_EXISTS); mu_u8(&p, 65);
  for (int i = 0; i < 65; i++) mu_u8(&p, 'n');
  CHECK(bad_at(&p, 0));
  mu_prog(&p, 1); mu_u8(&p, EV_FILTER_EXISTS); mu_u8(&p, 5); mu_bytes(&p, "ab", 2);
  CHECK(bad_at(&p, 0));
  /* Values: bad type, NaN, infinity, a BOOL of 2, cut short. */
  mu_prog(&p, 2); mu_u8(&p, EV_FILTER_TRUE);
  mu_leaf(&p, EV_FILTER_EQ, "a"); mu_u8(&p, 4); mu_u16(&p, 0);
  CHECK(bad_at(&p, 1));
  mu_prog(&p, 1); mu_leaf(&p, EV_FILTER_EQ, "a"); mu_u8(&p, 0);
  CHECK(bad_at(&p, 0));
  mu_prog(&p, 1); mu_leaf(&p, EV_FILTER_EQ, "a"); mu_val_num(&p, NAN);
  CHECK(bad_at(&p, 0));
  mu_prog(&p, 1); mu_leaf(&p, EV_FILTER_GT, "a"); mu_val_num(&p, -INFINITY);
  CHECK(bad_at(&p, 0));
  mu_prog(&p, 1); mu_leaf(&p, EV_FILTER_EQ, "a"); mu_val_bool(&p, 2);
  CHECK(bad_at(&p, 0));
  mu_prog(&p, 1); mu_leaf(&p, EV_FILTER_EQ, "a"); mu_u8(&p, 2); mu_u16(&p, 9); mu_bytes(&p, "abc", 3);
  CHECK(bad_at(&p, 0));
  mu_prog(&p, 1); mu_leaf(&p, EV_FILTER_EQ, "a"); mu_u8(&p, 1); mu_u32(&p, 0);
  CHECK(bad_at(&p, 0));
  mu_prog(&p, 1); mu_leaf(&p, EV_FILTER_EQ, "a");
  CHECK(bad_at(&p, 0));
  /* Order comparisons take numbers only. */
  uint32_t order_ops[] = {EV_FILTER_LT, EV_FILTER_LTE, EV_FILTER_GT, EV_FILTER_GTE};
  for (int i = 0; i < 4; i++) {
    mu_prog(&p, 1); mu_leaf(&p, order_ops[i], "a"); mu_val_str(&p, "10");
    CHECK(bad_at(&p, 0));
    mu_prog(&p, 1); mu_leaf(&p, order_ops[i], "a"); mu_val_bool(&p, 1);
    CHECK(bad_at(&p, 0));
    mu_prog(&p, 1); mu_leaf(&p, order_ops[i], "a"); mu_val_num(&p, 10);
    CHECK_EQ_INT(ev_filter_check(p.b, p.n, NULL), EV_OK);
  }
  /* Lists: count 0, count 1025, fewer values than counted. */
  mu_prog(&p, 1); mu_leaf(&p, EV_FILTER_ANY, "a"); mu_u16(&p, 0);
  CHECK(bad_at(&p, 0));
  mu_prog(&p, 1); mu_leaf(&p, EV_FILTER_ALL, "a"); mu_u16(&p, EV_FILTER_MAX_VALUES + 1);
  for (int i = 0; i <= EV_FILTER_MAX_VALUES; i++) mu_val_bool(&p, 1);
  CHECK(bad_at(&p, 0));
  mu_prog(&p, 1); mu_leaf(&p, EV_FILTER_NONE, "a"); mu_u16(&p, 2); mu_val_bool(&p, 1);
  CHECK(bad_at(&p, 0));
  mu_prog(&p, 1); mu_leaf(&p, EV_FILTER_NONE, "a"); mu_u16(&p, EV_FILTER_MAX_VALUES);
  for (int i = 0; i < EV_FILTER_MAX_VALUES; i++) mu_val_bool(&p, 1);
  CHECK_EQ_INT(ev_filter_check(p.b, p.n, NULL), EV_OK);
  /* EXISTS takes no operands: a value after it is a bad next op. */
  mu_prog(&p, 1); mu_leaf(&p, EV_FILTER_EXISTS, "a"); mu_val_bool(&p, 1);
  CHECK(bad_at(&p, EV_FILTER_NO_NODE));
}
