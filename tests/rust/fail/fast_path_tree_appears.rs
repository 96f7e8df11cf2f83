//! The inline fast path skips the runtime for accesses to an allocation without a tree.
//! Here a heap block is written many times through its root while it has no tree (all
//! skipped), then a `&mut` handed to a function gives it a tree, and a write through the
//! raw root pointer afterwards disables that reference: the read through it is reported.
//! The same program with `fast_path=0` is `fast_path_off.rs`.
//@ stats: trees

#[inline(never)]
fn keep(r: &mut u32) -> &mut u32 {
    r
}

fn main() {
    let p = Box::into_raw(Box::new(0u32));
    for i in 0..1000 {
        unsafe { *p = std::hint::black_box(i) };
    }
    let r = keep(unsafe { &mut *p });
    *r += 1;
    unsafe { *p = 7 };
    println!("{}", *r);
    drop(unsafe { Box::from_raw(p) });
}
