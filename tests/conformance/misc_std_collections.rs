// Clean std-heavy program: Vec, HashMap, BTreeMap, VecDeque, String formatting and sorting, with
// helper functions taking references (protected at entry). Must stay clean in both modes.
use bsan_test_support::*;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;

fn word_counts(text: &str) -> HashMap<String, usize> {
    fn_entry!(text);
    let mut m = HashMap::new();
    for w in text.split_whitespace() {
        *m.entry(w.to_lowercase()).or_insert(0) += 1;
    }
    m
}

fn render(counts: &HashMap<String, usize>, out: &mut String) {
    fn_entry!(counts);
    fn_entry!(out);
    let sorted: BTreeMap<&str, usize> = counts.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    for (k, v) in &sorted {
        writeln!(out, "{k:>6}: {v:<3}|{:08.3}", *v as f64 / 3.0).unwrap();
    }
}

fn largest<'a>(v: &'a mut Vec<i64>) -> &'a mut i64 {
    fn_entry!(v);
    v.sort_unstable_by(|a, b| b.cmp(a));
    v.dedup();
    retag_ret!(v.first_mut().unwrap())
}

fn main() {
    let text = String::from("the quick brown fox jumps over the lazy dog The end");
    let counts = word_counts(reborrow!(*text));
    assert_eq!(counts["the"], 3);
    let mut out = String::new();
    render(reborrow!(counts), reborrow_mut!(out));
    assert!(out.contains("   the: 3  |0001.000"));
    assert_eq!(out.lines().count(), 9);

    let mut v: Vec<i64> = (0..200).map(|i| (i * 7919) % 101 - 50).collect();
    v.extend_from_slice(&[50, 50, -50]);
    let top = retag_ret!(largest(reborrow_mut!(v)));
    *top += 1;
    assert_eq!(v[0], 51);
    v.retain(|x| x % 2 == 0);
    v.truncate(10);
    v.insert(0, -1);
    v.swap(0, 1);

    let mut q: VecDeque<String> = VecDeque::new();
    for (i, x) in v.iter().enumerate() {
        if i % 2 == 0 {
            q.push_back(format!("{x}"));
        } else {
            q.push_front(format!("[{x:+}]"));
        }
    }
    q.make_contiguous().sort();
    let joined: Vec<String> = q.into_iter().collect();
    let s = joined.join(",");
    assert!(s.len() > 10);

    let mut nested: HashMap<u8, Vec<String>> = HashMap::new();
    for i in 0..50u8 {
        nested.entry(i % 5).or_default().push(format!("{i:02x}"));
    }
    let total: usize = nested.values().map(|v| v.iter().map(String::len).sum::<usize>()).sum();
    assert_eq!(total, 100);
    println!("{} {} {}", out.len(), s, total);
}
