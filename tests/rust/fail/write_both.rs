//! Two `&mut i32` to one integer, both made from the same raw pointer and passed to one
//! function. Each argument is protected for the whole call, so the write through `x` would
//! disable the protected `y`: Tree Borrows reports it at `*x = 1`.
fn write_both(x: &mut i32, y: &mut i32) {
    *x = 1;
    *y = 2;
}

fn main() {
    let mut value = 0;
    let raw = &mut value as *mut i32;
    unsafe { write_both(&mut *raw, &mut *raw) };
    println!("{value}");
}
