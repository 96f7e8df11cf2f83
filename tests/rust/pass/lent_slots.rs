//! References compared, hashed and ordered through `&&T` the way std and generic code do:
//! `a < b` and `a == b` on references (lent to `<&T as PartialOrd>::lt` and `PartialEq`
//! through slots), `max_by`/`min_by_key` closures, `sort_by`, a `BinaryHeap` and a
//! `BTreeMap` of references. With slots lent to transparent callees the callers make no
//! tag for the references they compare (`leaf_retags.rs`); nothing may be reported.
//@ stats: retags_elided

use std::collections::{BTreeMap, BinaryHeap};

#[inline(never)]
fn less<T: PartialOrd>(a: &T, b: &T) -> bool {
    a < b
}

#[inline(never)]
fn same<T: PartialEq>(a: &T, b: &T) -> bool {
    a == b
}

#[inline(never)]
fn bump_all(v: &mut [u64]) {
    for x in v.iter_mut() {
        *x += 1;
    }
}

fn main() {
    let mut v: Vec<u64> = (0..64).map(|i| (i * 37) % 64).collect();
    let mut hits = 0;
    for i in 0..v.len() - 1 {
        hits += less(&v[i], &v[i + 1]) as u32 + same(&v[i], &v[i]) as u32;
    }
    bump_all(&mut v);
    let max = v.iter().max_by(|a, b| a.cmp(b)).copied();
    let min = v.iter().min_by_key(|x| **x).copied();
    let mut refs: Vec<&u64> = v.iter().collect();
    refs.sort_by(|a, b| b.cmp(a));
    let heap: BinaryHeap<&u64> = v.iter().collect();
    let mut map = BTreeMap::new();
    for (i, x) in v.iter().enumerate() {
        map.insert(x, i);
    }
    let words = ["pear", "apple", "fig"];
    let shortest = words.iter().min_by_key(|w| w.len()).unwrap();
    println!(
        "{hits} {max:?} {min:?} {} {:?} {} {shortest} {}",
        refs[0],
        heap.peek(),
        map.len(),
        less(&"a", &"b"),
    );
}
