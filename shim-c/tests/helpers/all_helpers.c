/* Uses every BSAN_REBORROW* / BSAN_FN_ENTRY* macro of bsan.h the way its documentation says,
 * with no aliasing violation: compiled with -Wall -Wextra -Werror -pedantic by
 * shim-c/tests/helpers.rs and, when bsan-cc is installed, run instrumented (must exit 0). */
#include "bsan.h"
#include <stdio.h>
#include <stdlib.h>

struct stats {
  long limit;
  long hits; /* interior mutable, like an AtomicI64 field */
};
static const size_t stats_cells[] = {offsetof(struct stats, hits), sizeof(long)};

/* fn add(dst: &mut i32, src: &i32) */
static void add(int *dst, const int *src) {
  BSAN_FN_ENTRY_MUT(dst);
  BSAN_FN_ENTRY(src);
  *dst += *src;
}

/* fn observe(s: &Stats, counter: &Stats): writes hits through another pointer while `s` is
 * protected; allowed because hits is in s's cells. */
static long observe(const struct stats *s, struct stats *counter) {
  BSAN_FN_ENTRY_RANGES(s, stats_cells);
  long before = s->hits;
  counter->hits++;
  return s->limit + s->hits - before;
}

/* fn reset(s: &mut Stats) */
static void reset(struct stats *s) {
  BSAN_FN_ENTRY_MUT_RANGES(s, stats_cells);
  s->limit = 10;
  s->hits = 0;
}

int main(void) {
  int *x = malloc(sizeof *x);
  int y = 2;
  *x = 1;

  int *a = BSAN_REBORROW_MUT(x); /* let a = &mut *x; */
  *a = 5;
  const int *b = BSAN_REBORROW(&y); /* let b = &y; */
  add(a, b);
  add(x, &y); /* a is done: x may be used again */

  struct stats st = {1, 0};
  struct stats *m = BSAN_REBORROW_MUT_RANGES(&st, stats_cells); /* let m = &mut st; */
  reset(m);
  const struct stats *s = BSAN_REBORROW_RANGES(&st, stats_cells); /* let s = &st; */
  long limit = observe(s, &st);
  st.hits++; /* a cell: s stays readable */
  long hits = s->hits;

  printf("%d %ld %ld\n", *x, limit, hits);
  int ok = *x == 9 && limit == 11 && hits == 2;
  free(x);
  return ok ? 0 : 1;
}
