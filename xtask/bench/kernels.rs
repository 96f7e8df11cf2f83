//! Kernels of everyday Rust for `cargo xtask bench overhead`: each runs a loop of one
//! common operation and prints its cost per iteration, so that the cost of instrumenting
//! one kind of operation can be followed from change to change. Built as a plain debug
//! program and with bsan by the benchmark; not a test.
//!
//! Usage: `kernels <name> <iterations>`; prints `<name> <ns per iteration>`.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::hint::black_box;
use std::mem::MaybeUninit;
use std::time::Instant;

#[inline(never)]
fn bump(x: &mut u64) {
    *x += 1;
}

/// The drop guard with which `hybrid_array::Array::from_fn` (every RustCrypto block and
/// key) and `core::array::from_fn` fill an array: one `get_unchecked_mut(i).write(x)` on
/// the whole `&mut [MaybeUninit<T>]` per element.
struct FillGuard<'a, T> {
    array_mut: &'a mut [MaybeUninit<T>],
    initialized: usize,
}

impl<T> FillGuard<'_, T> {
    #[inline]
    unsafe fn push_unchecked(&mut self, item: T) {
        unsafe { self.array_mut.get_unchecked_mut(self.initialized).write(item) };
        self.initialized += 1;
    }
}

fn fill_with(buf: &mut [MaybeUninit<u8>], f: impl Fn(usize) -> u8) {
    let mut g = FillGuard {
        array_mut: buf,
        initialized: 0,
    };
    while g.initialized < g.array_mut.len() {
        let x = f(g.initialized);
        unsafe { g.push_unchecked(x) };
    }
    std::mem::forget(g);
}

fn run(name: &str, n: u64) -> Option<u64> {
    let mut acc = 0u64;
    match name {
        // `Range::next`: the loop of every `for`.
        "range_loop" => {
            for i in 0..n {
                acc = acc.wrapping_add(black_box(i));
            }
        }
        // A `&mut` to a stack slot passed to a small function.
        "bump_mut" => {
            for _ in 0..n {
                bump(&mut acc);
            }
        }
        // `Vec::push` into a vector cleared every 1024 elements.
        "vec_push" => {
            let mut v = Vec::with_capacity(1024);
            for i in 0..n {
                if v.len() == 1024 {
                    v.clear();
                }
                v.push(i);
            }
            acc = v.len() as u64;
        }
        // `slice::Iter` summing a 64-element slice; per element.
        "slice_sum" => {
            let v: Vec<u64> = (0..64).collect();
            for _ in 0..n / 64 {
                acc = acc.wrapping_add(black_box(&v).iter().sum::<u64>());
            }
        }
        // `v[i]` on a `Vec`: `Index`/`IndexMut` down to `SliceIndex`; one read and one
        // write per iteration.
        "vec_index" => {
            let mut v = vec![1u64; 1024];
            for i in 0..n as usize {
                v[i & 1023] = v[i & 1023].wrapping_add(v[(i + 7) & 1023]);
            }
            acc = v[black_box(5)];
        }
        // `Iterator::max` over a 64-element slice of `&u64`: `Ord::cmp(&a, &b)` on two
        // references per element.
        "max_ref" => {
            let v: Vec<u64> = (0..64).map(|i| (i * 37) % 64).collect();
            for _ in 0..n / 64 {
                acc = acc.wrapping_add(*black_box(&v).iter().max().unwrap());
            }
        }
        // Filling a 64-byte array element by element through a drop guard; per element.
        "array_fill" => {
            for _ in 0..n / 64 {
                let mut a = [MaybeUninit::<u8>::uninit(); 64];
                fill_with(&mut a, |i| i as u8);
                acc = acc.wrapping_add(unsafe { black_box(&a)[7].assume_init() } as u64);
            }
        }
        // SipHash of one integer, through std's `Hash`/`Hasher` chain.
        "hash_one" => {
            let s = std::hash::RandomState::new();
            for i in 0..n {
                acc ^= s.hash_one(i);
            }
        }
        // `HashSet::insert` of 1024 distinct keys, over and over.
        "hashset_insert" => {
            let mut set = HashSet::new();
            for i in 0..n {
                set.insert(i & 1023);
            }
            acc = set.len() as u64;
        }
        // `format!` of one integer.
        "format" => {
            for i in 0..n {
                acc = acc.wrapping_add(format!("{i}").len() as u64);
            }
        }
        _ => return None,
    }
    Some(acc)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(n)) = (args.next(), args.next().and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: kernels <name> <iterations>");
        std::process::exit(2);
    };
    let t = Instant::now();
    let Some(acc) = run(&name, n) else {
        eprintln!("kernels: unknown kernel `{name}`");
        std::process::exit(2);
    };
    let ns = t.elapsed().as_nanos() as f64 / n as f64;
    black_box(acc);
    println!("{name} {ns:.1}");
}
