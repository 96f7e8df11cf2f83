// Clean slice-heavy program: split_at_mut, chunks_exact_mut, swap, rotate, windows, sort and
// iter_mut through helper functions that take (protected) slice references. Must stay clean in
// both modes.
use bsan_test_support::*;

fn add_into(dst: &mut [i32], src: &[i32]) {
    fn_entry!(dst);
    fn_entry!(src);
    for (d, s) in dst.iter_mut().zip(src) {
        *d += *s;
    }
}

fn halves(v: &mut [i32]) -> i32 {
    fn_entry!(v);
    let mid = v.len() / 2;
    let (a, b) = v.split_at_mut(mid);
    add_into(reborrow_mut!(*a), reborrow!(*b));
    b.reverse();
    a.iter().sum()
}

fn max_window(v: &[i32]) -> i32 {
    fn_entry!(v);
    v.windows(3).map(|w| w.iter().sum()).max().unwrap_or(0)
}

fn main() {
    let mut v: Vec<i32> = (1..=16).collect();
    let s = halves(reborrow_mut!(v[..]));
    assert_eq!(s, (1..=8).zip(9..=16).map(|(a, b)| a + b).sum::<i32>());
    for c in v.chunks_exact_mut(4) {
        c.swap(0, 3);
        c.rotate_left(1);
    }
    let m = max_window(reborrow!(v[..]));
    assert!(m > 0);
    v.sort();
    let (left, right) = v.split_at_mut(8);
    left.copy_from_slice(right);
    let p = left.as_mut_ptr();
    for i in 0..8 {
        unsafe { *p.add(i) *= 2 };
    }
    let total: i32 = v.iter().sum();
    assert!(total > 0);
    let mut grid = [[0u8; 4]; 4];
    for (i, row) in grid.iter_mut().enumerate() {
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = (i * 4 + j) as u8;
        }
    }
    let (top, bottom) = grid.split_at_mut(2);
    top[0].copy_from_slice(&bottom[1]);
    assert_eq!(grid[0], [12, 13, 14, 15]);
}
