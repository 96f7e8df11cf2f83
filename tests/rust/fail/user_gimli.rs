//@ compile-flags: --crate-name gimli
//! A user's crate named like one of std's private dependencies: bsan's built-in ignorelist
//! names std's copy of gimli by its source path (`/rust/deps/gimli-*`), never by crate name,
//! so this crate's `gimli::read::parse_pair` is checked and its aliasing bug reported.
mod read {
    pub fn parse_pair(len: &mut u32, offset: &mut u32) {
        *len = 4;
        *offset = 8;
    }
}

fn main() {
    let mut header = 0u32;
    let p = &mut header as *mut u32;
    unsafe { read::parse_pair(&mut *p, &mut *p) };
    println!("{header}");
}
