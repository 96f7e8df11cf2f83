//! A panic unwinds out of a function whose `&mut` parameter is protected. The protector must
//! end during unwinding (the pass gives such calls a cleanup path that calls
//! `__bsan_func_exit`): the later write through the parent is legal and must not be reported.
//@ stats: retags
use std::panic;

#[inline(never)]
fn protected_then_panic(x: &mut i32) {
    *x += 1;
    if *x > 0 {
        panic!("boom");
    }
}

fn main() {
    panic::set_hook(Box::new(|_| {}));
    let mut v = 0i32;
    let p = &mut v as *mut i32;
    let r = panic::catch_unwind(panic::AssertUnwindSafe(|| {
        protected_then_panic(unsafe { &mut *p })
    }));
    unsafe { *p = 5 };
    assert!(r.is_err());
    v += 1;
    println!("v = {v}");
}
