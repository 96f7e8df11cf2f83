/* Two unique reborrows of one pointer; writing through the second disables the first, so the
 * write through the first is reported (exit status 66), as `let a = &mut *p; let b = &mut *p;
 * *b = 1; *a = 2;` is in Rust. */
#include "bsan.h"
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  int *p = malloc(sizeof *p);
  *p = 0;
  int *a = BSAN_REBORROW_MUT(p);
  int *b = BSAN_REBORROW_MUT(p);
  *b = 1;
  *a = 2; /* reported here */
  printf("%d\n", *p);
  free(p);
  return 0;
}
