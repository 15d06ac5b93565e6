/*
 * heap.h — binary heaps of (distance, slot) items over caller-owned arrays.
 *
 * The index preallocates the arrays (index.h: candidates, results, nearest)
 * so that a search never allocates; these functions only move items within
 * them.
 */
#ifndef EV_HEAP_H
#define EV_HEAP_H

#include <stdint.h>

typedef struct ev_heap_item {
  float distance;
  uint32_t slot;
} ev_heap_item;

/* Min-heap on distance (candidates). */
static inline void ev_heap_min_push(ev_heap_item *h, uint32_t *size, ev_heap_item item) {
  uint32_t i = (*size)++;
  while (i > 0) {
    uint32_t parent = (i - 1) / 2;
    if (h[parent].distance <= item.distance) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = item;
}

static inline ev_heap_item ev_heap_min_pop(ev_heap_item *h, uint32_t *size) {
  ev_heap_item top = h[0];
  ev_heap_item last = h[--(*size)];
  uint32_t n = *size, i = 0;
  for (;;) {
    uint32_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && h[child + 1].distance < h[child].distance) child++;
    if (last.distance <= h[child].distance) break;
    h[i] = h[child];
    i = child;
  }
  if (n > 0) h[i] = last;
  return top;
}

/* Max-heap on distance (results). */
static inline void ev_heap_max_push(ev_heap_item *h, uint32_t *size, ev_heap_item item) {
  uint32_t i = (*size)++;
  while (i > 0) {
    uint32_t parent = (i - 1) / 2;
    if (h[parent].distance >= item.distance) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = item;
}

static inline ev_heap_item ev_heap_max_pop(ev_heap_item *h, uint32_t *size) {
  ev_heap_item top = h[0];
  ev_heap_item last = h[--(*size)];
  uint32_t n = *size, i = 0;
  for (;;) {
    uint32_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && h[child + 1].distance > h[child].distance) child++;
    if (last.distance >= h[child].distance) break;
    h[i] = h[child];
    i = child;
  }
  if (n > 0) h[i] = last;
  return top;
}

/* Empties a max-heap into out[] nearest first; returns the count. */
static inline uint32_t ev_heap_drain_sorted(ev_heap_item *h, uint32_t size, ev_heap_item *out) {
  uint32_t n = size;
  while (size > 0) {
    ev_heap_item it = ev_heap_max_pop(h, &size);
    out[size] = it;
  }
  return n;
}

/* Sorts a short list nearest first, stably (equal distances keep their
 * order): an insertion sort, for lists of at most a node's links plus one,
 * where it beats anything with setup costs. */
static inline void ev_items_sort(ev_heap_item *items, uint32_t n) {
  for (uint32_t i = 1; i < n; i++) {
    ev_heap_item x = items[i];
    uint32_t j = i;
    while (j > 0 && items[j - 1].distance > x.distance) {
      items[j] = items[j - 1];
      j--;
    }
    items[j] = x;
  }
}

#endif
