//@ stats: retags accesses
// The same function with two distinct ints: correct, no report.
#include <stdio.h>

static void write_both(int *restrict a, int *restrict b) {
  *a = 1;
  *b = 2;
}

int main(void) {
  int x = 0, y = 0;
  write_both(&x, &y);
  printf("%d %d\n", x, y);
  return 0;
}
