//! Correct code full of transient reborrows (`transient_retags.rs`): std's inlined `lt`
//! in every `Range::next`, comparisons and `Option::as_ref` in generic code, references
//! returned by calls and read at once, a `&mut` returned by a call and written at once.
//! Nothing is reported, and the retags are elided.
//@ stats: retags_elided

#[inline(never)]
fn first(v: &[u32]) -> &u32 {
    &v[0]
}

#[inline(never)]
fn first_mut(v: &mut [u32]) -> &mut u32 {
    &mut v[0]
}

fn main() {
    let mut sum = 0u64;
    for i in 0..1000u64 {
        sum += i;
    }
    let mut v: Vec<u32> = (0..64).rev().collect();
    v.sort();
    let mut best = None;
    for (i, x) in v.iter().enumerate() {
        if best.as_ref().is_none_or(|&(_, b): &(usize, &u32)| x > b) {
            best = Some((i, x));
        }
    }
    let best = best.map(|(i, x)| (i, *x));
    let max = v.iter().copied().max().unwrap();
    let head = *first(&v);
    *first_mut(&mut v) += 1;
    let head2 = *first(&v);
    let names = ["b", "a", "c"];
    let smallest = names.iter().min().unwrap();
    println!("{sum} {best:?} {max} {head} {head2} {smallest}");
}
