// Two-phase borrows as the compiler creates them for method calls whose arguments read
// the receiver: `c.set(c.get() + 1)`, `m.scale(m.rows() * m.cols())`, `v.extend_from(v.sum())`.
// Every argument read is a foreign read for the Reserved two-phase borrow; the callee's
// protected retag and its writes then activate it. All clean.
use bsan_test_support::*;

struct Mat {
    cells: [i64; 6],
    rows: usize,
    cols: usize,
}

fn rows(m: &Mat) -> usize {
    fn_entry!(m);
    m.rows
}

fn cols(m: &Mat) -> usize {
    fn_entry!(m);
    m.cols
}

fn sum(m: &Mat) -> i64 {
    fn_entry!(m);
    m.cells.iter().sum()
}

fn scale(m: &mut Mat, k: i64) {
    fn_entry!(m);
    for c in m.cells.iter_mut() {
        *c *= k;
    }
}

fn shift(m: &mut Mat, by: i64) {
    fn_entry!(m);
    for i in 0..m.rows * m.cols {
        m.cells[i] += by;
    }
}

fn main() {
    let mut m = Mat {
        cells: [1, 2, 3, 4, 5, 6],
        rows: 2,
        cols: 3,
    };
    let mp = &raw mut m;
    unsafe {
        // m.scale((m.rows() * m.cols()) as i64)
        let two = reborrow_mut!(*mp);
        let k = rows(reborrow!(*mp)) * cols(reborrow!(*mp));
        scale(two, k as i64);
        // m.shift(m.sum())
        let two = reborrow_mut!(*mp);
        let s = sum(reborrow!(*mp));
        shift(two, s);
        // m.shift(m.cells[0]) with a direct field read
        let two = reborrow_mut!(*mp);
        let c0 = (*mp).cells[0];
        shift(two, c0);
    }
    println!("{:?}", m.cells);
}
