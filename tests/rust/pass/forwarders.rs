//! Forwarders (`forwarded_retags.rs`): functions that only pass their references on. Their
//! retags are elided and the callee's stand in; correct code, including a `&mut` handed
//! back through two levels and written by the caller, two shared references to one value,
//! and slices whose length is passed on, must run clean. std's hashing and map wrappers
//! are forwarders too.
//@ stats: retags_elided

use std::collections::HashMap;

struct Counter {
    hits: [u64; 4],
}

#[inline(never)]
fn slot_mut(c: &mut Counter, i: usize) -> &mut u64 {
    std::hint::black_box(());
    &mut c.hits[i % 4]
}

#[inline(never)]
fn forward_slot(c: &mut Counter, i: usize) -> &mut u64 {
    slot_mut(c, i)
}

#[inline(never)]
fn sum_both(a: &Counter, b: &Counter) -> u64 {
    std::hint::black_box(());
    a.hits.iter().sum::<u64>() + b.hits.iter().sum::<u64>()
}

#[inline(never)]
fn forward_sum(a: &Counter, b: &Counter) -> u64 {
    sum_both(a, b)
}

#[inline(never)]
fn fill(dst: &mut [u8], src: &[u8]) {
    std::hint::black_box(());
    dst.copy_from_slice(src);
}

#[inline(never)]
fn forward_fill(dst: &mut [u8], src: &[u8]) {
    fill(dst, src)
}

fn main() {
    let mut c = Counter { hits: [0; 4] };
    for i in 0..100 {
        *forward_slot(&mut c, i) += 1;
    }
    assert_eq!(forward_sum(&c, &c), 200);

    let src: Vec<u8> = (0..64).collect();
    let mut dst = vec![0u8; 64];
    forward_fill(&mut dst, &src);
    assert_eq!(dst, src);

    let mut m: HashMap<String, usize> = HashMap::new();
    for w in "a b c a b a".split(' ') {
        *m.entry(w.to_string()).or_default() += 1;
    }
    let mut v: Vec<_> = m.iter().collect();
    v.sort();
    println!("{v:?}");
}
