// A row-major matrix with the `as_mut_ptr` pattern done right: one base pointer per
// operation, rows handed out as disjoint `&mut [f64]` via `split_at_mut`/`chunks_mut`,
// and a transpose through raw pointers derived from a single `&mut`. Must be clean in
// both modes.
use bsan_test_support::*;

struct Matrix {
    n: usize,
    data: Vec<f64>,
}

fn row_mut(m: &mut Matrix, r: usize) -> &mut [f64] {
    fn_entry!(m);
    let n = m.n;
    retag_ret!(&mut m.data[r * n..(r + 1) * n])
}

fn transpose(m: &mut Matrix) {
    fn_entry!(m);
    let n = m.n;
    let base = <[f64]>::as_mut_ptr(reborrow_mut!(*m.data));
    for i in 0..n {
        for j in i + 1..n {
            unsafe { std::ptr::swap(base.add(i * n + j), base.add(j * n + i)) };
        }
    }
}

fn add_rows(dst: &mut [f64], src: &[f64]) {
    fn_entry!(dst);
    fn_entry!(src);
    for (d, s) in dst.iter_mut().zip(src) {
        *d += *s;
    }
}

fn main() {
    let n = 4;
    let mut m = Matrix {
        n,
        data: (0..n * n).map(|x| x as f64).collect(),
    };
    transpose(reborrow_mut!(m));
    {
        let r1 = retag_ret!(row_mut(reborrow_mut!(m), 1));
        r1[0] = -1.0;
        r1[3] += 0.5;
    }
    {
        let (top, bottom) = m.data.split_at_mut(2 * n);
        let top = retag_ret!(top);
        let bottom = retag_ret!(bottom);
        add_rows(reborrow_mut!(bottom[..n]), reborrow!(top[n..]));
        add_rows(reborrow_mut!(top[..n]), reborrow!(bottom[n..]));
    }
    for (r, row) in m.data.chunks_mut(n).enumerate() {
        let row = retag_ret!(row);
        row[r] *= 10.0;
    }
    let trace: f64 = (0..n).map(|i| m.data[i * n + i]).sum();
    println!("{trace} {:?}", m.data);
}
