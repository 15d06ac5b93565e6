/*
 * filter.c — the filter program: its check, its compilation against an
 * index's metadata store, and its evaluation for one slot. The semantics
 * are in filter.h.
 *
 * The program (bytes, little-endian; the JS layer compiles it from the
 * object form or the string syntax, js/ has the encoder):
 *
 *   u32 magic      "EVFP" (0x45 0x56 0x46 0x50)
 *   u16 version    1
 *   u16 node_count 1..EV_FILTER_MAX_NODES
 *   node_count nodes in postfix (reverse Polish) order, each u8 op, then:
 *     leaves: u8 name_len (1..64), name bytes, then the operands:
 *       1 EQ, 2 NE                   value
 *       3 LT, 4 LTE, 5 GT, 6 GTE     value, which must be a NUMBER
 *       7 ANY, 8 ALL, 9 NONE         u16 count (1..EV_FILTER_MAX_VALUES),
 *                                    count values
 *       10 EXISTS                    nothing
 *     value: u8 type, then 1 NUMBER f64 (finite) | 2 STRING u16 len, bytes
 *            | 3 BOOL u8 0 or 1
 *     logic (no operands): 20 AND (pops 2, pushes 1), 21 OR (pops 2,
 *       pushes 1), 22 NOT (pops 1, pushes 1), 23 TRUE, 24 FALSE (push 1)
 *   Nothing may follow the last node; the stack never underflows, never
 *   holds more than EV_FILTER_MAX_DEPTH values, and ends holding one.
 *
 * A malformed program is INVALID_FILTER with the node at fault: the index
 * of the node being read, EV_FILTER_NO_NODE for the header and for bytes
 * after the last node, the last node when the stack does not end with one
 * value. Names and strings are bytes: one that is not in the store (any
 * bytes at all) simply matches nothing.
 *
 * Compiling (per search) resolves each leaf's field name to its column
 * and each string operand to its interned code (EV_META_NO_CODE when no
 * vector has it, which equals no stored code), so evaluating a leaf reads
 * one kind byte and one 8-byte value and compares integers or doubles. The
 * plan lives in index-owned scratch that grows to the largest program seen;
 * evaluation allocates nothing. The plan keeps a copy of its program's
 * bytes, so that an estimate made for it (ev__filter_estimate_put) is
 * reused only by the same program; it is compiled anew every time, since
 * the columns it points into move when the store grows.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "filter.h"
#include "index.h"
#include "meta_store.h"
#include "metadata.h"

typedef struct plan_value {
  uint8_t type;   /* EV_META_NUMBER, _STRING or _BOOL */
  uint32_t code;  /* STRING: interned code, or EV_META_NO_CODE */
  uint64_t bits;  /* BOOL: 0/1 */
  double number;  /* NUMBER */
} plan_value;

typedef struct plan_node {
  uint8_t op;
  uint32_t nvals, first; /* operands: values[first, first + nvals) */
  const uint8_t *kinds;  /* the field's column; NULL: no vector has it */
  const uint64_t *values;
} plan_node;

struct ev_filter_plan {
  plan_node *nodes;
  uint32_t nodes_cap, count;
  plan_value *values;
  uint32_t values_cap;
  const ev_intern *arrays; /* the store's arrays (STRINGS values) */
  uint8_t *prog;           /* the program's bytes (prog_len of prog_cap) */
  size_t prog_len, prog_cap;
  int has_estimate;             /* estimate holds for prog at `changes` */
  uint64_t changes;             /* ix->changes when it was made */
  ev_filter_estimate estimate;
};

/* ---- decoding ------------------------------------------------------------ */

static inline uint32_t get_u16(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static int is_leaf(uint8_t op) { return op >= EV_FILTER_EQ && op <= EV_FILTER_EXISTS; }

typedef struct reader {
  const uint8_t *p;
  size_t len, pos;
} reader;

/* One value at r->pos into *out (may be NULL); 0 if malformed. */
static int read_value(reader *r, plan_value *out, const struct ev_meta *m) {
  if (r->pos >= r->len) return 0;
  uint8_t type = r->p[r->pos++];
  plan_value v = {type, EV_META_NO_CODE, 0, 0.0};
  switch (type) {
    case EV_META_NUMBER: {
      if (r->len - r->pos < 8) return 0;
      uint64_t bits = ev_le_get_u64(r->p + r->pos);
      if ((bits & 0x7FF0000000000000ull) == 0x7FF0000000000000ull) return 0;
      memcpy(&v.number, &bits, 8);
      r->pos += 8;
      break;
    }
    case EV_META_STRING: {
      if (r->len - r->pos < 2) return 0;
      uint32_t n = get_u16(r->p + r->pos);
      r->pos += 2;
      if (r->len - r->pos < n) return 0;
      if (out && m) v.code = ev__intern_find(&m->strings, r->p + r->pos, n);
      r->pos += n;
      break;
    }
    case EV_META_BOOL:
      if (r->pos >= r->len || r->p[r->pos] > 1) return 0;
      v.bits = r->p[r->pos++];
      break;
    default:
      return 0;
  }
  if (out) *out = v;
  return 1;
}

/* Walks the program; with plan, fills it (nodes and values must have room:
 * a first pass without plan counts them into *nodes / *values). */
static ev_status decode(const uint8_t *prog, size_t len, uint32_t *err_node,
                        uint32_t *nodes_out, uint32_t *values_out,
                        struct ev_filter_plan *plan, const struct ev_meta *m) {
  *err_node = EV_FILTER_NO_NODE;
  if (!prog || len < 8 || ev_le_get_u32(prog) != EV_FILTER_MAGIC ||
      get_u16(prog + 4) != EV_FILTER_VERSION)
    return EV_ERR_INVALID_FILTER;
  uint32_t count = get_u16(prog + 6);
  if (count < 1 || count > EV_FILTER_MAX_NODES) return EV_ERR_INVALID_FILTER;
  reader r = {prog, len, 8};
  uint32_t depth = 0, values = 0;
  for (uint32_t i = 0; i < count; i++) {
    *err_node = i;
    if (r.pos >= len) return EV_ERR_INVALID_FILTER;
    uint8_t op = prog[r.pos++];
    plan_node node = {op, 0, values, NULL, NULL};
    if (is_leaf(op)) {
      if (r.pos >= len) return EV_ERR_INVALID_FILTER;
      uint32_t name_len = prog[r.pos++];
      if (name_len < 1 || name_len > EV_META_MAX_NAME_BYTES || len - r.pos < name_len)
        return EV_ERR_INVALID_FILTER;
      if (plan && m) {
        uint32_t field = ev__intern_find(&m->names, prog + r.pos, name_len);
        if (field != EV_META_NO_CODE) {
          node.kinds = m->columns[field].kinds;
          node.values = m->columns[field].values;
        }
      }
      r.pos += name_len;
      uint32_t nvals = 1;
      if (op == EV_FILTER_EXISTS) {
        nvals = 0;
      } else if (op >= EV_FILTER_ANY) {
        if (len - r.pos < 2) return EV_ERR_INVALID_FILTER;
        nvals = get_u16(prog + r.pos);
        r.pos += 2;
        if (nvals < 1 || nvals > EV_FILTER_MAX_VALUES) return EV_ERR_INVALID_FILTER;
      }
      for (uint32_t k = 0; k < nvals; k++) {
        plan_value v;
        if (!read_value(&r, plan ? &plan->values[values + k] : &v, m))
          return EV_ERR_INVALID_FILTER;
        const plan_value *got = plan ? &plan->values[values + k] : &v;
        /* Order comparisons take numbers only. */
        if (op >= EV_FILTER_LT && op <= EV_FILTER_GTE && got->type != EV_META_NUMBER)
          return EV_ERR_INVALID_FILTER;
      }
      node.nvals = nvals;
      values += nvals;
      depth++;
    } else if (op == EV_FILTER_AND || op == EV_FILTER_OR) {
      if (depth < 2) return EV_ERR_INVALID_FILTER;
      depth--;
    } else if (op == EV_FILTER_NOT) {
      if (depth < 1) return EV_ERR_INVALID_FILTER;
    } else if (op == EV_FILTER_TRUE || op == EV_FILTER_FALSE) {
      depth++;
    } else {
      return EV_ERR_INVALID_FILTER;
    }
    if (depth > EV_FILTER_MAX_DEPTH) return EV_ERR_INVALID_FILTER;
    if (plan) plan->nodes[i] = node;
  }
  *err_node = count - 1;
  if (depth != 1) return EV_ERR_INVALID_FILTER;
  *err_node = EV_FILTER_NO_NODE;
  if (r.pos != len) return EV_ERR_INVALID_FILTER;
  *nodes_out = count;
  *values_out = values;
  return EV_OK;
}

ev_status ev_filter_check(const uint8_t *prog, size_t len, uint32_t *err_node) {
  uint32_t ignored, nodes, values;
  if (!err_node) err_node = &ignored;
  return decode(prog, len, err_node, &nodes, &values, NULL, NULL);
}

ev_status ev__filter_compile(ev_index *ix, const uint8_t *prog, size_t len,
                             uint32_t *err_node) {
  uint32_t nodes, values;
  ev_status st = decode(prog, len, err_node, &nodes, &values, NULL, NULL);
  if (st != EV_OK) return st;
  struct ev_filter_plan *p = ix->filter_plan;
  if (!p) {
    p = calloc(1, sizeof *p);
    if (!p) return EV_ERR_OUT_OF_MEMORY;
    ix->filter_plan = p;
  }
  if (nodes > p->nodes_cap) {
    plan_node *n = realloc(p->nodes, sizeof *n * nodes);
    if (!n) return EV_ERR_OUT_OF_MEMORY;
    p->nodes = n;
    p->nodes_cap = nodes;
  }
  if (values > p->values_cap || !p->values) {
    plan_value *v = realloc(p->values, sizeof *v * (values ? values : 1));
    if (!v) return EV_ERR_OUT_OF_MEMORY;
    p->values = v;
    p->values_cap = values ? values : 1;
  }
  p->arrays = ix->meta ? &ix->meta->arrays : NULL;
  p->count = nodes;
  st = decode(prog, len, err_node, &nodes, &values, p, ix->meta);
  if (st != EV_OK) return st;
  /* Another program: the estimate kept was not made for it. */
  if (len != p->prog_len || memcmp(prog, p->prog, len) != 0) {
    p->has_estimate = 0;
    p->prog_len = 0;
    if (len > p->prog_cap) {
      uint8_t *b = realloc(p->prog, len);
      if (!b) return EV_OK; /* then nothing is kept for it */
      p->prog = b;
      p->prog_cap = len;
    }
    memcpy(p->prog, prog, len);
    p->prog_len = len;
  }
  return EV_OK;
}

int ev__filter_estimate_get(const ev_index *ix, ev_filter_estimate *out) {
  const struct ev_filter_plan *p = ix->filter_plan;
  if (!p || !p->has_estimate || p->changes != ix->changes) return 0;
  *out = p->estimate;
  return 1;
}

void ev__filter_estimate_put(ev_index *ix, ev_filter_estimate e) {
  struct ev_filter_plan *p = ix->filter_plan;
  if (!p || p->prog_len == 0) return;
  p->estimate = e;
  p->changes = ix->changes;
  p->has_estimate = 1;
}

void ev__filter_plan_free(ev_index *ix) {
  struct ev_filter_plan *p = ix->filter_plan;
  if (!p) return;
  free(p->nodes);
  free(p->values);
  free(p->prog);
  free(p);
  ix->filter_plan = NULL;
}

size_t ev__filter_plan_bytes(const ev_index *ix) {
  const struct ev_filter_plan *p = ix->filter_plan;
  if (!p) return 0;
  return sizeof *p + sizeof(plan_node) * p->nodes_cap +
         sizeof(plan_value) * p->values_cap + p->prog_cap;
}

/* ---- evaluation ---------------------------------------------------------- */

static int array_contains(const ev_intern *arrays, uint64_t array, uint32_t code) {
  uint32_t bytes;
  const uint8_t *codes = ev__intern_get(arrays, (uint32_t)array, &bytes);
  for (uint32_t i = 0; i < bytes / 4; i++) {
    uint32_t c;
    memcpy(&c, codes + 4 * i, 4);
    if (c == code) return 1;
  }
  return 0;
}

/* The field's value (kind, v) has the operand's type (a STRINGS field
 * counts as STRING). */
static inline int same_type(uint8_t kind, const plan_value *x) {
  return kind == x->type || (kind == EV_META_STRINGS && x->type == EV_META_STRING);
}

static inline int equals(const struct ev_filter_plan *p, uint8_t kind, uint64_t v,
                         const plan_value *x) {
  switch (kind) {
    case EV_META_NUMBER: {
      double d;
      memcpy(&d, &v, 8);
      return x->type == EV_META_NUMBER && d == x->number;
    }
    case EV_META_STRING: return x->type == EV_META_STRING && v == x->code;
    case EV_META_BOOL: return x->type == EV_META_BOOL && v == x->bits;
    default:
      return x->type == EV_META_STRING && array_contains(p->arrays, v, x->code);
  }
}

static int leaf(const struct ev_filter_plan *p, const plan_node *nd, uint32_t slot) {
  if (!nd->kinds) return 0;
  uint8_t kind = nd->kinds[slot];
  if (!kind) return 0;
  if (nd->op == EV_FILTER_EXISTS) return 1;
  uint64_t v = nd->values[slot];
  const plan_value *x = p->values + nd->first;
  switch (nd->op) {
    case EV_FILTER_EQ: return equals(p, kind, v, x);
    case EV_FILTER_NE: return same_type(kind, x) && !equals(p, kind, v, x);
    case EV_FILTER_LT:
    case EV_FILTER_LTE:
    case EV_FILTER_GT:
    case EV_FILTER_GTE: {
      if (kind != EV_META_NUMBER) return 0;
      double d;
      memcpy(&d, &v, 8);
      switch (nd->op) {
        case EV_FILTER_LT: return d < x->number;
        case EV_FILTER_LTE: return d <= x->number;
        case EV_FILTER_GT: return d > x->number;
        default: return d >= x->number;
      }
    }
    case EV_FILTER_ANY:
      for (uint32_t i = 0; i < nd->nvals; i++)
        if (equals(p, kind, v, x + i)) return 1;
      return 0;
    case EV_FILTER_ALL:
      for (uint32_t i = 0; i < nd->nvals; i++)
        if (!equals(p, kind, v, x + i)) return 0;
      return 1;
    default: { /* NONE */
      int typed = 0;
      for (uint32_t i = 0; i < nd->nvals; i++) {
        if (equals(p, kind, v, x + i)) return 0;
        typed |= same_type(kind, x + i);
      }
      return typed;
    }
  }
}

int ev__filter_match(const ev_index *ix, uint32_t slot) {
  const struct ev_filter_plan *p = ix->filter_plan;
  uint8_t stack[EV_FILTER_MAX_DEPTH];
  uint32_t sp = 0;
  for (uint32_t i = 0; i < p->count; i++) {
    const plan_node *nd = &p->nodes[i];
    switch (nd->op) {
      case EV_FILTER_AND: sp--; stack[sp - 1] &= stack[sp]; break;
      case EV_FILTER_OR: sp--; stack[sp - 1] |= stack[sp]; break;
      case EV_FILTER_NOT: stack[sp - 1] ^= 1; break;
      case EV_FILTER_TRUE: stack[sp++] = 1; break;
      case EV_FILTER_FALSE: stack[sp++] = 0; break;
      default: stack[sp++] = (uint8_t)leaf(p, nd, slot);
    }
  }
  return stack[0];
}
