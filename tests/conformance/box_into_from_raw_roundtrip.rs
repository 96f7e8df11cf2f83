// §3.4: `Box::into_raw`/`from_raw`/`leak` round trips; each new Box is a child of the raw pointer
// it came from, and the raw pointer is not used again after the Box is re-created. Clean.
use bsan_test_support::*;

fn main() {
    let b = Box::new(5i32);
    retag_box!(b);
    let raw = Box::into_raw(b);
    unsafe { *raw += 1 };
    let mut b = unsafe { Box::from_raw(raw) };
    retag_box!(b);
    *b += 1;
    let raw2 = Box::into_raw(b);
    let r = unsafe { reborrow_mut!(*raw2) };
    *r += 1;
    let b = unsafe { Box::from_raw(raw2) };
    retag_box!(b);
    assert_eq!(*b, 8);
    drop(b);

    let mut boxes: Vec<*mut [u16; 4]> = Vec::new();
    for i in 0..3u16 {
        let b = Box::new([i; 4]);
        retag_box!(b);
        boxes.push(Box::into_raw(b));
    }
    for &p in &boxes {
        unsafe { (*p)[3] = 100 };
    }
    let mut sum = 0;
    for p in boxes {
        let b = unsafe { Box::from_raw(p) };
        retag_box!(b);
        sum += b.iter().sum::<u16>();
    }
    assert_eq!(sum, 3 * 100 + 3 * (0 + 1 + 2));

    let b = Box::new(String::from("leak"));
    retag_box!(b);
    let s = retag_ret!(Box::leak(b));
    s.push('!');
    let back = unsafe { Box::from_raw(s as *mut String) };
    retag_box!(back);
    assert_eq!(back.as_str(), "leak!");
}
