// §2.1 (scenario 4): a two-phase `&mut v` is Reserved, the `&v` created before it is used is a
// sibling whose retag is a foreign read (harmless to Reserved); the mutable one is written
// afterwards. Written out with raw pointers, as MIR's two-phase borrow would. Clean.
use bsan_test_support::*;

fn push_len(v: &mut Vec<usize>, n: usize) {
    fn_entry!(v);
    v.push(n);
}

fn main() {
    let mut v: Vec<usize> = vec![1, 2];
    let base = &raw mut v;
    for _ in 0..3 {
        let two_phase = unsafe { reborrow_mut!(*base) } as *mut Vec<usize>;
        let len = unsafe { reborrow!(*base) }.len();
        unsafe { push_len(reborrow_mut!(*two_phase), len) };
    }
    v.push(v.len());
    assert_eq!(v, [1, 2, 2, 3, 4, 5]);
}
