/* Adds `n` to each of `len` counters, and returns their sum. */
#include <stddef.h>

long counter_add_all(long *restrict counters, size_t len, long n) {
    long sum = 0;
    for (size_t i = 0; i < len; i++) {
        counters[i] += n;
        sum += counters[i];
    }
    return sum;
}
