//! A writable global (`static mut`) stays tracked: two `&mut` to it passed to one function is
//! reported as for any other allocation (the read-only `static_tables.rs` next to it is not
//! tracked, because nothing can write it).
static mut COUNTERS: [u32; 8] = [0; 8];

fn bump_both(a: &mut u32, b: &mut u32) {
    *a += 1;
    *b += 1;
}

fn main() {
    let p = &raw mut COUNTERS;
    unsafe { bump_both(&mut (*p)[3], &mut (*p)[3]) };
    println!("{}", unsafe { (*p)[3] });
}
