//! Functions that return a reference they made (`max_by`, `min_by_key`, a `pick` of two
//! `&mut`, a getter that writes before it returns, closures through `call_once`'s argument
//! tuple): their callers' retags splice the callee's tag out (`PARENT_DIES`), and the
//! references they did not return die at their exit (`DIES_UNLESS_RETURNED`). Correct
//! code, including writes through the returned references and through their parents
//! afterwards; nothing may be reported.
//@ stats: tags_spliced

use std::collections::HashMap;

#[inline(never)]
fn pick<'a>(a: &'a mut Vec<u32>, b: &'a mut Vec<u32>, first: bool) -> &'a mut Vec<u32> {
    if first {
        a
    } else {
        b
    }
}

/// Writes through its reference before handing back a part of it: an Active tag, which
/// is not spliced under the caller's Reserved one.
#[inline(never)]
fn bump_first(v: &mut [u64]) -> &mut u64 {
    v[0] += 1;
    &mut v[0]
}

#[inline(never)]
fn longest<'a>(words: &'a [String]) -> Option<&'a String> {
    words.iter().max_by_key(|w| w.len())
}

fn main() {
    let data: Vec<u64> = (0..256).map(|i| (i * 37) % 101).collect();
    let mut total = 0u64;
    for _ in 0..50 {
        total += *data.iter().max().unwrap();
        total += *data.iter().min_by(|a, b| a.cmp(b)).unwrap();
        total += *data.iter().max_by(|a, b| (*a % 7).cmp(&(*b % 7))).unwrap();
    }
    let mut a = vec![1u32; 8];
    let mut b = vec![2u32; 8];
    for i in 0..100 {
        let r = pick(&mut a, &mut b, i % 3 == 0);
        r[i % 8] += 1;
        r.push(i as u32);
    }
    a[0] += 1;
    b[0] += 1;
    let mut buf = vec![0u64; 16];
    for _ in 0..40 {
        let x = bump_first(&mut buf);
        *x += 1;
        buf[1] += 1;
    }
    let words: Vec<String> = ["fig", "banana", "kiwi", "cherry"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for _ in 0..20 {
        let w = longest(&words).unwrap();
        *counts.entry(w.as_str()).or_insert(0) += 1;
    }
    println!(
        "{total} {} {} {} {} {:?}",
        a.len() + b.len(),
        a.iter().sum::<u32>() + b.iter().sum::<u32>(),
        buf[0],
        buf[1],
        counts.get("banana")
    );
}
