/* Range arguments the macros must refuse at compile time (one error per line marked ERR). */
#include "bsan.h"

static const size_t odd_count[] = {0, 4, 8};
static const int not_size_t[] = {0, 4};

int misuse(int *p, const size_t *pointer) {
  int *a = BSAN_REBORROW_MUT_RANGES(p, odd_count); /* ERR */
  int *b = BSAN_REBORROW_RANGES(p, not_size_t);    /* ERR */
  int *c = BSAN_REBORROW_MUT_RANGES(p, pointer);   /* ERR */
  return *a + *b + *c;
}
