//! Probes like autocfg: feed an expression to the compiler on stdin, for `$TARGET`, through
//! `RUSTC_WRAPPER`, and enable a cfg when it compiles. The probe must run plain rustc.
use std::env;
use std::io::Write;
use std::process::{Command, Stdio};

fn probe(code: &str) -> bool {
    let rustc = env::var_os("RUSTC").unwrap();
    let mut cmd = match env::var_os("RUSTC_WRAPPER").filter(|w| !w.is_empty()) {
        Some(w) => {
            let mut c = Command::new(w);
            c.arg(rustc);
            c
        }
        None => Command::new(rustc),
    };
    cmd.args(["--crate-name", "probe0", "--crate-type", "lib", "--emit=llvm-ir", "-o"])
        .arg(std::path::Path::new(&env::var_os("OUT_DIR").unwrap()).join("probe0.ll"))
        .arg("-")
        .arg("--target")
        .arg(env::var_os("TARGET").unwrap())
        .stdin(Stdio::piped())
        .stderr(Stdio::null());
    let Ok(mut child) = cmd.spawn() else { return false };
    child.stdin.take().unwrap().write_all(code.as_bytes()).unwrap();
    child.wait().is_ok_and(|s| s.success())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-check-cfg=cfg(has_div_ceil, probe_saw_nightly, rustc_is_nightly)");
    if probe("pub fn f(x: u32) -> u32 { x.div_ceil(3) }") {
        println!("cargo:rustc-cfg=has_div_ceil");
    }
    // A probe that compiles only on a nightly channel: it must agree with the channel of the
    // compiler itself, asked directly.
    if probe("#![feature(test)] extern crate test;") {
        println!("cargo:rustc-cfg=probe_saw_nightly");
    }
    let version = Command::new(env::var_os("RUSTC").unwrap()).arg("-vV").output().unwrap();
    if String::from_utf8_lossy(&version.stdout).contains("-nightly") {
        println!("cargo:rustc-cfg=rustc_is_nightly");
    }
}
