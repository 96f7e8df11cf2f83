//! Compiles the C++ registration glue (`src/plugin/glue.cpp`) against the host's LLVM 22
//! headers. Nothing links libLLVM: the plugin binds to the LLVM of the process that loads it
//! (rustc, opt, clang).
use std::process::Command;

const LLVM_CONFIG: &str = "llvm-config-22";

fn main() {
    println!("cargo:rerun-if-changed=src/plugin/glue.cpp");
    println!("cargo:rerun-if-env-changed=LLVM_SYS_221_PREFIX");
    let llvm_config = match std::env::var("LLVM_SYS_221_PREFIX") {
        Ok(prefix) => format!("{prefix}/bin/llvm-config"),
        Err(_) => LLVM_CONFIG.to_string(),
    };
    let out = Command::new(&llvm_config)
        .arg("--cxxflags")
        .output()
        .unwrap_or_else(|e| panic!("running `{llvm_config} --cxxflags`: {e}"));
    assert!(out.status.success(), "`{llvm_config} --cxxflags` failed");
    let flags = String::from_utf8(out.stdout).expect("llvm-config output is UTF-8");

    let mut build = cc::Build::new();
    build.cpp(true).file("src/plugin/glue.cpp").std("c++17");
    for flag in flags.split_whitespace() {
        // `cc` sets the standard itself; everything else (include dir, defines,
        // -fno-exceptions) must match how LLVM was built.
        if !flag.starts_with("-std=") {
            build.flag(flag);
        }
    }
    build.flag_if_supported("-fno-rtti");
    build.flag_if_supported("-Wno-unused-parameter");
    build.compile("bsan_pass_glue");
}
