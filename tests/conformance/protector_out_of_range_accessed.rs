//@ synthesized: differs
// §5: a read through a protected `&mut u8` outside its range marks that byte accessed; a foreign
// write to it afterwards is ProtectedDisabled(Reserved) at offset 0x3.
use bsan_test_support::*;

fn f(x: &mut u8, y: *mut u8) -> u8 {
    fn_entry!(x);
    let far = unsafe { *(x as *mut u8).add(3) };
    unsafe { *y.add(3) = far + 1 };
    far
}

fn main() {
    let mut a = [0u8; 4];
    let y = &raw mut a as *mut u8;
    let r = unsafe { f(reborrow_mut!(*y), y) };
    std::hint::black_box(r);
}
