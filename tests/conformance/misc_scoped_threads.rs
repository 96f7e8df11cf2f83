// Clean std-heavy program: scoped threads writing disjoint `chunks_mut` of one buffer, sharing a
// Mutex, an atomic counter and read-only data; then Arc + spawned threads. Must stay clean in
// both modes.
use bsan_test_support::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

fn fill(chunk: &mut [u32], base: u32, table: &[u32]) -> u32 {
    fn_entry!(chunk);
    fn_entry!(table);
    let mut s = 0;
    for (i, x) in chunk.iter_mut().enumerate() {
        *x = base + table[i % table.len()];
        s += *x;
    }
    s
}

fn main() {
    let mut buf = vec![0u32; 64];
    let table = [1u32, 2, 3];
    let sum = AtomicU64::new(0);
    let log = Mutex::new(Vec::new());
    thread::scope(|sc| {
        for (n, chunk) in buf.chunks_mut(16).enumerate() {
            let (sum, log, table) = (&sum, &log, &table);
            sc.spawn(move || {
                let s = fill(reborrow_mut!(*chunk), n as u32 * 100, reborrow!(table[..]));
                sum.fetch_add(s as u64, Ordering::Relaxed);
                log.lock().unwrap().push(n);
            });
        }
    });
    let expected: u64 = buf.iter().map(|&x| x as u64).sum();
    assert_eq!(sum.load(Ordering::Relaxed), expected);
    let mut order = log.into_inner().unwrap();
    order.sort();
    assert_eq!(order, [0, 1, 2, 3]);

    let shared = Arc::new(Mutex::new(String::new()));
    let handles: Vec<_> = (0..3)
        .map(|i| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                for _ in 0..5 {
                    shared.lock().unwrap().push(char::from(b'a' + i));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(shared.lock().unwrap().len(), 15);
}
