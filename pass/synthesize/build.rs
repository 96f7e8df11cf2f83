//! The library itself links nothing: its C++ glue is `bsan-ir`'s, and its LLVM symbols
//! resolve against the LLVM of the process that loads the plugin (rustc, opt, clang).
//! The development driver `bsan-synthesize-ll` and the integration tests run outside such a
//! process, so they link libLLVM.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=LLVM_CONFIG");
    let llvm_config = std::env::var("LLVM_CONFIG").unwrap_or_else(|_| "llvm-config-22".into());
    let libdir = Command::new(&llvm_config)
        .arg("--libdir")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "/usr/lib/llvm-22/lib".to_string());
    for kind in ["bins", "tests"] {
        println!("cargo:rustc-link-arg-{kind}=-L{libdir}");
        println!("cargo:rustc-link-arg-{kind}=-Wl,-rpath,{libdir}");
        println!("cargo:rustc-link-arg-{kind}=-lLLVM");
    }
}
