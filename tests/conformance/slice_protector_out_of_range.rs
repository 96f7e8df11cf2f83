// Model §10.16: a protector covers only the bytes its tag accessed. `x: &mut u8` into a
// `[u8; 4]`: the parent writing a[1] during the call is fine (x's latent permission there
// is only updated), but after x read a[3] (out of range, now accessed), the parent's write
// to a[3] would disable a protected, accessed location.
// UB (model §2.2.2, 5): x (protected) latent Reserved at offset 3, accessed by the read, -> Disabled by a foreign write: ProtectedDisabled(Reserved).
//@ synthesized: differs
use bsan_test_support::*;

fn f(x: &mut u8, y: *mut u8) -> u8 {
    fn_entry!(x);
    unsafe {
        *y.add(1) = 1;
        let far = *(x as *mut u8).add(3);
        *y.add(3) = far + 1;
    }
    *x
}

fn main() {
    let mut a = [0u8; 4];
    let y = reborrow_mut!(a) as *mut [u8; 4] as *mut u8;
    let r = f(unsafe { reborrow_mut!(*y) }, y);
    println!("{r}");
}
