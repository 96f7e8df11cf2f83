// Two `restrict` parameters that point to the same int: the pass gives each a protected
// unique retag, so the second write, through `b`, hits a tag the first write disabled.
#include <stdio.h>

static void write_both(int *restrict a, int *restrict b) {
  *a = 1;
  *b = 2;
}

int main(void) {
  int x = 0;
  write_both(&x, &x);
  printf("%d\n", x);
  return 0;
}
