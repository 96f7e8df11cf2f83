//@ stats: retags accesses allocations trees
//! Correct, std-heavy code: collections, formatting, trait objects, Rc/RefCell, iterators,
//! slices and threads. Must exit 0 with no report, and the stats prove it was instrumented.
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

trait Shape {
    fn area(&self) -> f64;
    fn name(&self) -> String;
}

struct Square(f64);
struct Circle(f64);

impl Shape for Square {
    fn area(&self) -> f64 {
        self.0 * self.0
    }
    fn name(&self) -> String {
        format!("square({})", self.0)
    }
}

impl Shape for Circle {
    fn area(&self) -> f64 {
        3.0 * self.0 * self.0
    }
    fn name(&self) -> String {
        format!("circle({})", self.0)
    }
}

fn sum_slice(xs: &[u64]) -> u64 {
    xs.iter().sum()
}

fn bump_all(xs: &mut [u64]) {
    for x in xs.iter_mut() {
        *x += 1;
    }
}

fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() >= b.len() {
        a
    } else {
        b
    }
}

fn main() {
    // Vec, slices, iterators.
    let mut v: Vec<u64> = (1..=100).collect();
    bump_all(&mut v[10..20]);
    let evens: Vec<u64> = v.iter().copied().filter(|x| x % 2 == 0).collect();
    let (left, right) = v.split_at_mut(50);
    left[0] += right[0];
    v.sort_unstable_by(|a, b| b.cmp(a));
    v.dedup();
    println!("sum={} evens={} first={}", sum_slice(&v), evens.len(), v[0]);

    // String and formatting.
    let mut s = String::new();
    for i in 0..20 {
        s.push_str(&format!("{i:02}-"));
    }
    s.truncate(s.len() - 1);
    let words: Vec<&str> = s.split('-').collect();
    println!("{} words, longest {}", words.len(), longest(words[0], words[19]));

    // HashMap and BTreeMap.
    let mut counts: HashMap<String, usize> = HashMap::new();
    for w in "a b c a b a".split(' ') {
        *counts.entry(w.to_string()).or_default() += 1;
    }
    let mut sorted: Vec<_> = counts.into_iter().collect();
    sorted.sort();
    let tree: BTreeMap<usize, String> = sorted.iter().map(|(k, v)| (*v, k.clone())).collect();
    println!("{sorted:?} {tree:?}");

    // Box<dyn Trait>.
    let shapes: Vec<Box<dyn Shape>> = vec![Box::new(Square(2.0)), Box::new(Circle(1.0))];
    let total: f64 = shapes.iter().map(|s| s.area()).sum();
    let names: Vec<String> = shapes.iter().map(|s| s.name()).collect();
    println!("{total} {names:?}");

    // Rc/RefCell.
    let shared = Rc::new(RefCell::new(vec![1, 2, 3]));
    let other = Rc::clone(&shared);
    other.borrow_mut().push(4);
    {
        let b = shared.borrow();
        println!("rc len {} count {}", b.len(), Rc::strong_count(&shared));
    }

    // Threads: Arc<Mutex<_>> and mpsc.
    let counter = Arc::new(Mutex::new(0u64));
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = (0..4)
        .map(|id| {
            let counter = Arc::clone(&counter);
            let tx = tx.clone();
            thread::spawn(move || {
                for _ in 0..100 {
                    *counter.lock().unwrap() += 1;
                }
                tx.send(id * 10).unwrap();
            })
        })
        .collect();
    drop(tx);
    for h in handles {
        h.join().unwrap();
    }
    let mut got: Vec<u64> = rx.iter().collect();
    got.sort();
    println!("counter={} messages={got:?}", *counter.lock().unwrap());
}
