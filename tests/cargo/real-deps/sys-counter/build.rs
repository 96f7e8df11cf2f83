//! A `-sys` style build script: compiles `csrc/counter.c` with the C compiler cargo's
//! conventions name for the target (`CC_<target>`, as cc-rs reads it), archives it, and links it.
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=csrc/counter.c");
    let target = env::var("TARGET").unwrap();
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let cc = env::var_os(format!("CC_{}", target.replace('-', "_")))
        .or_else(|| env::var_os("CC"))
        .unwrap_or_else(|| "cc".into());
    let obj = out.join("counter.o");
    let ok = Command::new(&cc)
        .args(["-c", "-g", "-O0", "-fPIC", "csrc/counter.c", "-o"])
        .arg(&obj)
        .status()
        .expect("run the C compiler");
    assert!(ok.success(), "C compile failed");
    let lib = out.join("libcounter.a");
    let _ = std::fs::remove_file(&lib);
    let ok = Command::new("ar").arg("crs").arg(&lib).arg(&obj).status().expect("run ar");
    assert!(ok.success(), "ar failed");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=counter");
}
