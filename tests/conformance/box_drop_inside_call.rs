// §4 weak protector + §6: a Box parameter may be freed inside the call that received it (the
// deallocation goes through the weakly protected tag or its descendants). Clean.
use bsan_test_support::*;

fn consume(b: Box<[u32; 8]>) -> u32 {
    fn_entry_box!(b);
    let s = b.iter().sum();
    std::mem::drop(b);
    s
}

fn consume_vec(b: Box<Vec<u8>>) -> usize {
    fn_entry_box!(b);
    let n = b.len();
    drop(b);
    n
}

fn main() {
    let mut total = 0;
    for i in 0..4u32 {
        let b = Box::new([i; 8]);
        retag_box!(b);
        total += consume(b);
    }
    assert_eq!(total, 8 * (0 + 1 + 2 + 3));
    let v = Box::new(vec![1u8, 2, 3]);
    retag_box!(v);
    assert_eq!(consume_vec(v), 3);
}
