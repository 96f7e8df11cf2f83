// Formatting machinery: Display/Debug impls that take references, `write!` into a String
// through `&mut dyn Write`, `format!` with width/precision, and a formatter state struct
// passed by `&mut`. Must be clean in both modes.
use bsan_test_support::*;
use std::fmt::{self, Write as _};

#[derive(Debug, Clone)]
struct Point {
    x: f64,
    y: f64,
    label: String,
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn_entry!(f);
        write!(f, "{}=({:.2}, {:>6.1})", self.label, self.x, self.y)
    }
}

struct Table {
    rows: Vec<Point>,
    width: usize,
}

fn render_row(out: &mut String, p: &Point, width: usize) -> fmt::Result {
    fn_entry!(out);
    fn_entry!(p);
    writeln!(out, "|{:^w$}|{:<8}|", p.to_string(), p.label.len(), w = width)
}

fn render(t: &Table) -> Result<String, fmt::Error> {
    fn_entry!(t);
    let mut s = String::new();
    for p in &t.rows {
        render_row(reborrow_mut!(s), reborrow!(*p), t.width)?;
    }
    Ok(s)
}

fn main() {
    let mut t = Table {
        rows: Vec::new(),
        width: 24,
    };
    for i in 0..5 {
        t.rows.push(Point {
            x: i as f64 * 1.5,
            y: -(i as f64) / 3.0,
            label: format!("p{i}"),
        });
    }
    let last = reborrow_mut!(t.rows[4]);
    last.label.push_str("-last");
    let text = render(reborrow!(t)).unwrap();
    let dbg = format!("{:?}", reborrow!(t.rows[0]));
    let hex = format!("{:#010x} {:e} {:?} {:>5}", 48879, 1234.5, "q\"s", true);
    print!("{text}");
    println!("{dbg}");
    println!("{hex}");
}
