//! `#[derive(Describe)]`: `impl Describe for T { fn describe() -> &'static str }`, written
//! without syn or quote so the workspace needs no registry.
use proc_macro::{TokenStream, TokenTree};

#[proc_macro_derive(Describe)]
pub fn derive_describe(input: TokenStream) -> TokenStream {
    let mut tokens = input.into_iter();
    let mut name = None;
    while let Some(t) = tokens.next() {
        if let TokenTree::Ident(i) = &t {
            let kw = i.to_string();
            if kw == "struct" || kw == "enum" {
                name = tokens.next().map(|n| n.to_string());
                break;
            }
        }
    }
    let name = name.expect("#[derive(Describe)] needs a struct or enum");
    let described = host_probe::snake_name(&name);
    format!("impl crate::Describe for {name} {{ fn describe() -> &'static str {{ {described:?} }} }}")
        .parse()
        .unwrap()
}
