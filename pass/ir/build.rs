//! Compiles the C++ glue (`glue/*.cpp`: what the LLVM C API cannot express, and the plugin
//! registration) against the host's LLVM 22 headers, one object per file. Nothing links
//! libLLVM here: the symbols resolve against the LLVM of the process that loads the plugin
//! (rustc, opt, clang), or against libLLVM in the binaries that run outside one (see
//! `pass/synthesize/build.rs`).
//!
//! `llvm-config-22` is found on `PATH`; `LLVM_CONFIG` names another one, and
//! `LLVM_SYS_221_PREFIX` (the variable inkwell's `llvm-sys` reads) a prefix holding one.

use std::process::Command;

const GLUE: [&str; 3] = ["glue/ir.cpp", "glue/debuginfo.cpp", "glue/registration.cpp"];

fn llvm_config() -> String {
    if let Ok(path) = std::env::var("LLVM_CONFIG") {
        return path;
    }
    match std::env::var("LLVM_SYS_221_PREFIX") {
        Ok(prefix) => format!("{prefix}/bin/llvm-config"),
        Err(_) => "llvm-config-22".to_string(),
    }
}

fn main() {
    for file in GLUE {
        println!("cargo:rerun-if-changed={file}");
    }
    println!("cargo:rerun-if-env-changed=LLVM_CONFIG");
    println!("cargo:rerun-if-env-changed=LLVM_SYS_221_PREFIX");
    let llvm_config = llvm_config();
    let out = Command::new(&llvm_config)
        .arg("--cxxflags")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "running `{llvm_config} --cxxflags`: {e} (install llvm-22-dev, or set LLVM_CONFIG)"
            )
        });
    assert!(out.status.success(), "`{llvm_config} --cxxflags` failed");
    let flags = String::from_utf8(out.stdout).expect("llvm-config output is UTF-8");

    let mut build = cc::Build::new();
    build.cpp(true).files(GLUE).std("c++17");
    for flag in flags.split_whitespace() {
        // `cc` sets the standard itself; everything else (include dir, defines,
        // -fno-exceptions) must match how LLVM was built.
        if !flag.starts_with("-std=") {
            build.flag(flag);
        }
    }
    build.flag_if_supported("-fno-rtti");
    build.flag_if_supported("-Wno-unused-parameter");
    build.compile("bsan_ir_glue");
}
