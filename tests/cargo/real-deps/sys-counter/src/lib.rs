//! Bindings to `csrc/counter.c`, compiled by the build script.
extern "C" {
    fn counter_add_all(counters: *mut i64, len: usize, n: i64) -> i64;
}

/// Adds `n` to every counter, in C; returns the sum.
pub fn add_all(counters: &mut [i64], n: i64) -> i64 {
    // SAFETY: the pointer and length come from one live `&mut [i64]`.
    unsafe { counter_add_all(counters.as_mut_ptr(), counters.len(), n) }
}
