// Threads: scoped threads working on disjoint `&mut` chunks of one buffer, an
// Arc<Mutex<_>> counter, atomics and a channel. Each thread's references are retagged as
// rustc would; nothing aliases across threads. Must be clean in both modes.
use bsan_test_support::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

fn work(chunk: &mut [u32], seed: u32) -> u64 {
    fn_entry!(chunk);
    let mut acc = 0u64;
    for (i, x) in chunk.iter_mut().enumerate() {
        *x = seed.wrapping_mul(31).wrapping_add(i as u32);
        acc += *x as u64;
    }
    acc
}

fn main() {
    let mut buf = vec![0u32; 4096];
    let hits = AtomicU64::new(0);
    let sums: Vec<u64> = thread::scope(|s| {
        let mut handles = Vec::new();
        for (k, chunk) in buf.chunks_mut(1024).enumerate() {
            let chunk = retag_ret!(chunk);
            let hits = reborrow!(hits, im = [(0, 8)]); // AtomicU64 is an UnsafeCell
            handles.push(s.spawn(move || {
                hits.fetch_add(1, Ordering::Relaxed);
                work(reborrow_mut!(*chunk), k as u32)
            }));
        }
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let counter = Arc::new(Mutex::new(0u64));
    let (tx, rx) = mpsc::channel();
    let mut joins = Vec::new();
    for i in 0..4u64 {
        let counter = Arc::clone(&counter);
        let tx = tx.clone();
        joins.push(thread::spawn(move || {
            for _ in 0..100 {
                let mut g = counter.lock().unwrap();
                let c = reborrow_mut!(*g);
                *c += i;
            }
            tx.send(i * 10).unwrap();
        }));
    }
    drop(tx);
    for j in joins {
        j.join().unwrap();
    }
    let received: u64 = rx.iter().sum();
    let total: u64 = sums.iter().sum();
    println!(
        "{} {} {} {}",
        total,
        *counter.lock().unwrap(),
        received,
        hits.load(Ordering::Relaxed)
    );
}
