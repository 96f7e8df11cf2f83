//! `forward` only passes its references on to `store_then_read`, which retags them the same
//! way: the pass elides `forward`'s retags (`forwarded_retags.rs`) and the callee's tags
//! stand in for them. The aliasing bug the forwarder's protectors would have reported is
//! reported by the callee's. No function here is a leaf, so every elided retag is a
//! forwarder's.
//@ stats: retags_elided
//@ bsan-options: fast_path=0

#[inline(never)]
fn note() {
    std::hint::black_box(());
}

#[inline(never)]
fn store_then_read(x: &mut i32, y: &i32) -> i32 {
    note();
    *x = 1;
    *y
}

#[inline(never)]
fn forward(x: &mut i32, y: &i32) -> i32 {
    store_then_read(x, y)
}

fn main() {
    let mut v = 0i32;
    let p = &raw mut v;
    println!("{}", unsafe { forward(&mut *p, &*p) });
}
