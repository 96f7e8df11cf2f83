/* all_helpers.c in C++, plus the macros in a template and on a reference: compiled with
 * -Wall -Wextra -Werror -pedantic by shim-c/tests/helpers.rs and, when bsan-c++ is
 * installed, run instrumented (must exit 0). */
#include "bsan.h"
#include <cstdio>
#include <cstdlib>

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

/* fn swap<T>(a: &mut T, b: &mut T) */
template <class T> static void swap_values(T *a, T *b) {
  BSAN_FN_ENTRY_MUT(a);
  BSAN_FN_ENTRY_MUT(b);
  T t = *a;
  *a = *b;
  *b = t;
}

static int twice(const int &r) {
  const int *p = BSAN_REBORROW(&r); /* let p = &*r; */
  return 2 * *p;
}

int main() {
  int *x = static_cast<int *>(std::malloc(sizeof *x));
  int y = 2;
  *x = 1;

  int *a = BSAN_REBORROW_MUT(x); /* let a = &mut *x; */
  *a = 5;
  const int *b = BSAN_REBORROW(&y); /* let b = &y; */
  add(a, b);
  add(x, &y); /* a is done: x may be used again */

  stats st = {1, 0};
  stats *m = BSAN_REBORROW_MUT_RANGES(&st, stats_cells); /* let m = &mut st; */
  reset(m);
  const stats *s = BSAN_REBORROW_RANGES(&st, stats_cells); /* let s = &st; */
  long limit = observe(s, &st);
  st.hits++; /* a cell: s stays readable */
  long hits = s->hits;

  long other = 4;
  swap_values(&limit, &other);

  std::printf("%d %ld %ld %ld\n", *x, limit, other, hits);
  bool ok = *x == 9 && limit == 4 && other == 11 && hits == 2 && twice(y) == 4;
  std::free(x);
  return ok ? 0 : 1;
}
