//! Indexing the way correct code does it: `Vec` and slice elements read and written in
//! loops through `Index`/`IndexMut` (whose `SliceIndex` functions are pass-throughs,
//! `returned_retags.rs`), nested vectors, and an out-of-bounds index whose panic is
//! caught, after which the vector is written through its owner: the frame the late retag
//! entered on the panic path was left by unwinding, so nothing is reported.
//@ stats: retags_elided

use std::panic;

fn main() {
    let mut v: Vec<u64> = (0..32).collect();
    for i in 0..v.len() {
        v[i] = v[i] * 2 + v[(i + 1) % 32];
    }
    let mut grid = vec![vec![0u32; 8]; 8];
    for r in 0..8 {
        for c in 0..8 {
            grid[r][c] = (r * c) as u32;
        }
    }
    let s = &mut v[4..12];
    s[3] += 1;
    panic::set_hook(Box::new(|_| {}));
    let caught = panic::catch_unwind(panic::AssertUnwindSafe(|| {
        let i = std::hint::black_box(40);
        v[i] += 1;
    }));
    let _ = panic::take_hook();
    v[0] = 99;
    let total: u64 = v.iter().sum();
    println!("{} {} {}", caught.is_err(), total, grid[7][7]);
}
