//! Probes like proc-macro2's: compile a file that uses `#![feature]` with the compiler cargo
//! names (through `RUSTC_WRAPPER` when one is set, with `--target $TARGET`). If it compiles, the
//! library enables the feature, so a probe that sees a different channel than the real compile
//! breaks the build with E0554.
use std::env;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-check-cfg=cfg(host_probe_nightly)");
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let probe = out.join("probe.rs");
    std::fs::write(&probe, "#![feature(test)]\nextern crate test;\npub fn f() {}\n").unwrap();
    let rustc = env::var_os("RUSTC").unwrap();
    let wrapper = env::var_os("RUSTC_WRAPPER").filter(|w| !w.is_empty());
    let mut cmd = match &wrapper {
        Some(w) => {
            let mut c = Command::new(w);
            c.arg(&rustc);
            c
        }
        None => Command::new(&rustc),
    };
    cmd.args(["--crate-name=host_probe_probe", "--crate-type=lib", "--emit=metadata"])
        .arg("--out-dir")
        .arg(&out)
        .arg(&probe)
        .stderr(Stdio::null());
    if let Some(target) = env::var_os("TARGET") {
        cmd.arg("--target").arg(target);
    }
    if cmd.status().is_ok_and(|s| s.success()) {
        println!("cargo:rustc-cfg=host_probe_nightly");
    }
}
