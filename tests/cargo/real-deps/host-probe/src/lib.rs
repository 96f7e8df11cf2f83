//! A host-only helper of the derive macro. With `host_probe_nightly` it uses an unstable
//! feature, which compiles only if its probe and its compile see the same channel.
#![cfg_attr(host_probe_nightly, feature(test))]
#[cfg(host_probe_nightly)]
extern crate test;

/// The name a derive gives to a type: `Point` -> `point`.
pub fn snake_name(ident: &str) -> String {
    let mut out = String::new();
    for (i, c) in ident.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    #[cfg(host_probe_nightly)]
    test::black_box(&out);
    out
}
