//! A spawned thread's closure is called by std's `__rust_begin_short_backtrace`, whose file
//! (`std/src/sys/backtrace.rs`) bsan's built-in ignorelist names. The closure and what only it
//! calls are the user's code and stay checked: the aliasing bug inside the thread is reported.
fn bump_both(a: &mut u64, b: &mut u64) {
    *a += 1;
    *b += 1;
}

fn worker(mut counter: u64) -> u64 {
    let p = &mut counter as *mut u64;
    unsafe { bump_both(&mut *p, &mut *p) };
    counter
}

fn main() {
    let start = std::env::args().count() as u64;
    let handle = std::thread::spawn(move || worker(start));
    println!("{}", handle.join().unwrap());
}
