// Model §10.5: `f.add({ *a = 42; 0 })` with `a` a raw pointer to a field made before the
// two-phase borrow: the write in the argument is a foreign write for the Reserved
// two-phase borrow (Disabled; allowed while unprotected), and `add`'s entry retag then
// reads through it.
// UB (model §2.1, 3.4): two-phase `&mut f` Reserved -> Disabled (foreign write via a); fn-entry retag through it: ChildAccessForbidden(Disabled), reborrow.
//@ synthesized: missed: the two-phase `&mut f` is an intra-function reborrow
use bsan_test_support::*;

struct Foo(u64, u64);

fn add(this: &mut Foo, x: u64) {
    fn_entry!(this);
    this.1 += x;
}

fn main() {
    let mut f = Foo(1, 2);
    let a = reborrow_mut!(f.0) as *mut u64;
    let two = reborrow_mut!(f);
    let arg = {
        unsafe { *a = 42 };
        0
    };
    add(two, arg);
    println!("{}", f.1);
}
