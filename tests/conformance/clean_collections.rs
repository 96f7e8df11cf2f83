// A larger correct program over std collections (Vec, VecDeque, HashMap, BTreeMap,
// BinaryHeap, String): references into them are created, passed and returned with the
// retags rustc would emit, while std itself runs instrumented. Must be clean in both modes.
use bsan_test_support::*;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};

fn total(v: &[u64]) -> u64 {
    fn_entry!(v);
    v.iter().sum()
}

fn bump_all(v: &mut [u64], by: u64) {
    fn_entry!(v);
    for x in v.iter_mut() {
        *x += by;
    }
}

fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    fn_entry!(a);
    fn_entry!(b);
    if a.len() >= b.len() {
        a
    } else {
        b
    }
}

fn slot(map: &mut HashMap<String, Vec<u64>>, key: &str) -> *mut Vec<u64> {
    fn_entry!(map);
    fn_entry!(key);
    map.entry(key.to_string()).or_default() as *mut Vec<u64>
}

fn main() {
    let mut v: Vec<u64> = (1..=20).collect();
    let n = v.len();
    bump_all(reborrow_mut!(v[..]), n as u64);
    let t = total(reborrow!(v[..]));
    v.retain(|x| x % 3 != 0);
    v.sort_by(|a, b| b.cmp(a));
    v.dedup();
    v.truncate(5);

    let mut dq: VecDeque<u64> = v.iter().copied().collect();
    dq.rotate_left(2);
    dq.push_front(t);
    let back = dq.pop_back().unwrap_or(0);

    let mut words: HashMap<String, Vec<u64>> = HashMap::new();
    for (i, w) in "the quick brown fox jumps over the lazy dog the end"
        .split(' ')
        .enumerate()
    {
        let e = slot(reborrow_mut!(words), reborrow!(*w));
        unsafe { (*e).push(i as u64) };
    }
    let the = words.get("the").map(|v| v.len()).unwrap_or(0);

    let mut tree: BTreeMap<u64, String> = BTreeMap::new();
    for x in &v {
        tree.insert(*x, format!("n{x}"));
    }
    if let Some(s) = tree.get_mut(&v[0]) {
        let s = retag_ret!(s);
        s.push('!');
    }
    let firsts: Vec<&String> = tree.values().take(2).collect();

    let mut heap: BinaryHeap<u64> = dq.iter().copied().collect();
    heap.push(back * 2);
    let top = heap.pop().unwrap();

    let a = String::from("alpha");
    let b = String::from("be");
    let l = retag_ret!(longest(reborrow!(*a), reborrow!(*b)));
    println!("{t} {v:?} {dq:?} {the} {firsts:?} {top} {l}");
}
