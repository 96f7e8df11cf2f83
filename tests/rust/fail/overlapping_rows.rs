//! The README's demo: a matrix hands out two mutable rows without checking that they differ.
//! `axpy` gets two `&mut [f64]` to the same row; both are protected for the call, and the
//! first write through `dst` would disable `src`.

/// A row-major matrix.
struct Matrix {
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    fn new(rows: usize, cols: usize) -> Matrix {
        Matrix { cols, data: (0..rows * cols).map(|x| x as f64).collect() }
    }

    /// BUG: `a == b` gives two mutable slices of the same row.
    fn two_rows_mut(&mut self, a: usize, b: usize) -> (&mut [f64], &mut [f64]) {
        let cols = self.cols;
        let base = self.data.as_mut_ptr();
        unsafe {
            (
                std::slice::from_raw_parts_mut(base.add(a * cols), cols),
                std::slice::from_raw_parts_mut(base.add(b * cols), cols),
            )
        }
    }
}

/// `dst += k * src`, element by element.
fn axpy(dst: &mut [f64], src: &mut [f64], k: f64) {
    for i in 0..dst.len() {
        dst[i] += k * src[i];
    }
}

fn main() {
    let mut m = Matrix::new(3, 3);
    let (r0, r2) = m.two_rows_mut(0, 2);
    axpy(r0, r2, 2.0); // distinct rows: fine
    let (ra, rb) = m.two_rows_mut(1, 1); // the same row twice
    axpy(ra, rb, -1.0);
    println!("{:?}", m.data);
}
