//! Compiles the C parts (TLS slots) into `libbsan_shim.a`, which rustc bundles into the
//! runtime staticlib (the runtime depends on this crate), so users link one archive.
fn main() {
    println!("cargo:rerun-if-changed=src/bsan_tls.c");
    println!("cargo:rerun-if-changed=include/bsan.h");
    cc::Build::new()
        .file("src/bsan_tls.c")
        .include("include")
        .flag_if_supported("-fno-sanitize=all")
        .compile("bsan_shim");
}
