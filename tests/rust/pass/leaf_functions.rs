//! Leaf functions whose protected retags the pass elides (`leaf_retags.rs`), used the way
//! correct code uses them: comparisons, a setter, a getter with an overflow check, and a
//! division whose panic is caught. After the caught panic the value is written through
//! its owner: the frame the panic path entered was left by unwinding, so the late tag's
//! protector is gone and nothing is reported.
//@ stats: retags_elided

#[derive(Default)]
struct Pair {
    a: u64,
    b: u64,
}

#[inline(never)]
fn same(x: &u64, y: &u64) -> bool {
    *x == *y
}

#[inline(never)]
fn set_b(p: &mut Pair, v: u64) {
    p.b = v;
}

#[inline(never)]
fn b_plus_one(p: &Pair) -> u64 {
    p.b + 1
}

#[inline(never)]
fn div(x: &u64, d: u64) -> u64 {
    *x / d
}

fn main() {
    std::panic::set_hook(Box::new(|_| {}));
    let mut p = Pair::default();
    let mut total = 0;
    for i in 0..1000u64 {
        set_b(&mut p, i);
        p.a = i;
        total += b_plus_one(&p);
        assert!(same(&p.a, &p.b));
    }
    let v = std::hint::black_box(10u64);
    let zero = std::hint::black_box(0);
    let mut boxed = Box::new(v);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| div(&boxed, zero)));
    *boxed += 1;
    println!("{} {} {}", total, r.is_err(), div(&boxed, 2));
}
