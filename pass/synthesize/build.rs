//! Compiles the C++ debug-info glue (`src/debuginfo.cpp`) against the host LLVM 22 headers.
//! Nothing is linked against libLLVM: the symbols resolve against the LLVM of the
//! process that loads the plugin (rustc, opt, clang).

use std::process::Command;

fn llvm_config() -> String {
    std::env::var("LLVM_CONFIG").unwrap_or_else(|_| "llvm-config-22".to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=src/debuginfo.cpp");
    println!("cargo:rerun-if-env-changed=LLVM_CONFIG");
    let out = Command::new(llvm_config())
        .arg("--cxxflags")
        .output()
        .expect("llvm-config-22 not found (install llvm-22-dev or set LLVM_CONFIG)");
    assert!(out.status.success(), "llvm-config --cxxflags failed");
    let flags = String::from_utf8(out.stdout).expect("llvm-config output is not UTF-8");

    let mut build = cc::Build::new();
    build.cpp(true).file("src/debuginfo.cpp").warnings(false);
    for flag in flags.split_whitespace() {
        // `-std=c++17` comes from llvm-config; keep every flag (includes, defines).
        build.flag(flag);
    }
    build.flag_if_supported("-Wno-unused-parameter");
    build.compile("bsan_synthesize_glue");

    // The development driver `bsan-synthesize-ll` (and integration tests) run outside an
    // LLVM host process, so they link libLLVM; the library itself never does.
    let libdir = Command::new(llvm_config())
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
