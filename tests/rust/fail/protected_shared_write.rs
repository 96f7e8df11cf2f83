//! A `&i32` argument is protected (and frozen) for the whole call: writing its pointee through
//! a raw pointer while the call runs is a protector violation, even though `r` is never read
//! afterwards.
fn observe(r: &i32, raw: *mut i32) -> usize {
    unsafe { *raw = 7 };
    std::mem::size_of_val(r)
}

fn main() {
    let mut value = 5;
    let raw = &mut value as *mut i32;
    let r = unsafe { &*raw };
    let n = observe(r, raw);
    println!("{n} {value}");
}
