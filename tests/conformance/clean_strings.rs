// String processing with `&str`/`&mut str` retags (sizes from the fat pointer's length):
// splitting, in-place ASCII case changes through `&mut str`, char iteration, and functions
// returning sub-slices of their argument that are used after the call. Must be clean in
// both modes.
use bsan_test_support::*;

fn first_word(s: &str) -> &str {
    fn_entry!(s);
    match s.find(' ') {
        Some(i) => retag_ret!(&s[..i]),
        None => s,
    }
}

fn shout(s: &mut str) {
    fn_entry!(s);
    s.make_ascii_uppercase();
}

fn count_vowels(s: &str) -> usize {
    fn_entry!(s);
    s.chars().filter(|c| "aeiouAEIOU".contains(*c)).count()
}

fn main() {
    let mut text = String::from("borrow trees grow in every function");
    let w = retag_ret!(first_word(reborrow!(*text)));
    let wlen = w.len();
    let vowels = count_vowels(reborrow!(*text));
    {
        let whole = reborrow_mut!(*text);
        let (head, tail) = whole.split_at_mut(wlen);
        let head = retag_ret!(head);
        let tail = retag_ret!(tail);
        shout(reborrow_mut!(*head));
        tail.make_ascii_lowercase();
    }
    let words: Vec<&str> = text.split(' ').collect();
    let longest = words.iter().copied().max_by_key(|w| w.len()).unwrap_or("");
    let rev: String = text.chars().rev().collect();
    let bytes = reborrow!(*text.as_bytes());
    let sum: u32 = bytes.iter().map(|b| *b as u32).sum();
    println!("{text} | {wlen} {vowels} {longest} {sum} {rev}");
}
