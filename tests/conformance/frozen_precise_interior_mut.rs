// Model §10.11, precise interior mutability: a `&Foo` with `a: u32, b: Cell<u32>` is Frozen
// on a's bytes and Cell on b's. Writing b through a raw pointer derived from it is fine,
// writing a is not. (The node's initial state printed is its outside permission: Cell,
// because Foo is not Freeze.)
// UB (model §2.1, 3.3): s Frozen on a's bytes, local write: ChildAccessForbidden(Frozen), "initial state Cell".
//@ synthesized: missed: `&foo` is an intra-function reborrow; the raw pointer keeps foo's root tag
use bsan_test_support::*;
use std::cell::Cell;
use std::mem::offset_of;

struct Foo {
    a: u32,
    b: Cell<u32>,
}

fn main() {
    let foo = Foo {
        a: 1,
        b: Cell::new(2),
    };
    let s = reborrow!(foo, im = [(offset_of!(Foo, b), 4)]);
    let q = s as *const Foo as *mut Foo;
    unsafe { (*q).b.set(5) };
    unsafe { (*q).a = 6 };
    println!("{} {}", foo.a, foo.b.get());
}
