//! `cargo xtask build`: prerequisites, then pass + runtime + drivers into `target/bsan/`.
use crate::process::{self, available};
use crate::workspace_root;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The assembled, relocatable install directory.
pub struct Install {
    pub root: PathBuf,
}

impl Install {
    pub fn bin(&self, name: &str) -> PathBuf {
        self.bin_dir().join(name)
    }

    pub fn bin_dir(&self) -> PathBuf {
        self.root.join("bin")
    }
}

/// A Debian package bsan needs, with a file or program proving it is installed.
struct Prerequisite {
    package: &'static str,
    probe: Probe,
    why: &'static str,
}

enum Probe {
    File(&'static str),
    Program(&'static str),
}

const PREREQUISITES: &[Prerequisite] = &[
    Prerequisite {
        package: "llvm-22-dev",
        probe: Probe::File("/usr/lib/llvm-22/include/llvm/Plugins/PassPlugin.h"),
        why: "LLVM 22 headers and llvm-config for the pass plugin",
    },
    Prerequisite {
        package: "clang-22",
        probe: Probe::Program("clang-22"),
        why: "C/C++ glue and bsan-cc",
    },
    Prerequisite {
        package: "lld-22",
        probe: Probe::Program("ld.lld-22"),
        why: "partial link of the runtime archive",
    },
    Prerequisite {
        package: "llvm-22-tools",
        probe: Probe::Program("FileCheck-22"),
        why: "opt-22 and FileCheck-22 for the IR tests",
    },
];

fn missing_packages() -> Vec<&'static Prerequisite> {
    PREREQUISITES
        .iter()
        .filter(|p| match p.probe {
            Probe::File(f) => !Path::new(f).exists(),
            Probe::Program(prog) => !available(prog),
        })
        .collect()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Make sure the Debian packages are there: install them when we are root with apt,
/// otherwise say exactly what to run.
fn ensure_prerequisites() -> Result<(), String> {
    let missing = missing_packages();
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().map(|p| p.package).collect();
    let reasons: Vec<String> = missing
        .iter()
        .map(|p| format!("  {}: {}", p.package, p.why))
        .collect();
    if is_root() && available("apt-get") {
        eprintln!(
            "xtask: installing missing Debian packages: {}",
            names.join(" ")
        );
        process::run(Command::new("apt-get").arg("update"), "apt-get update")?;
        process::run(
            Command::new("apt-get")
                .args(["install", "-y", "--no-install-recommends"])
                .args(&names),
            "apt-get install",
        )?;
        if missing_packages().is_empty() {
            return Ok(());
        }
    }
    Err(format!(
        "missing prerequisites:\n{}\ninstall them with: sudo apt-get install {}",
        reasons.join("\n"),
        names.join(" ")
    ))
}

/// Build everything and assemble `target/bsan/{bin,lib,include}`.
pub fn build() -> Result<Install, String> {
    ensure_prerequisites()?;
    let root = workspace_root();
    process::run(
        process::cargo().args([
            "build",
            "--release",
            "-p",
            "bsan-pass",
            "-p",
            "bsan-rustc-wrapper",
        ]),
        "building the pass plugin and drivers",
    )?;
    // The runtime reads return addresses through frame pointers (runtime/src/sys.rs), so it
    // is built with them, in its own target directory to keep RUSTFLAGS from invalidating
    // the other builds.
    let rt_target = root.join("target").join("runtime");
    process::run(
        process::cargo()
            .args(["build", "--release", "-p", "bsan-rt", "--target-dir"])
            .arg(&rt_target)
            .env("RUSTFLAGS", "-Cforce-frame-pointers=yes"),
        "building the runtime",
    )?;
    let runtime_archive = hide_runtime_internals(&rt_target)?;
    let out = root.join("target").join("bsan");
    for dir in ["bin", "lib", "include"] {
        std::fs::create_dir_all(out.join(dir)).map_err(|e| format!("creating {dir}: {e}"))?;
    }
    let release = root.join("target").join("release");
    let copies = [
        (release.join("bsan-rustc"), out.join("bin/bsan-rustc")),
        (release.join("cargo-bsan"), out.join("bin/cargo-bsan")),
        (release.join("bsan-cc"), out.join("bin/bsan-cc")),
        (release.join("bsan-cc"), out.join("bin/bsan-c++")),
        (
            release.join("libbsan_pass.so"),
            out.join("lib/libbsan_pass.so"),
        ),
        (runtime_archive.clone(), out.join("lib/libbsan_rt.a")),
        (
            root.join("shim-c/include/bsan.h"),
            out.join("include/bsan.h"),
        ),
    ];
    for (from, to) in copies {
        // Replace rather than overwrite: a running binary cannot be written in place.
        let _ = std::fs::remove_file(&to);
        std::fs::copy(&from, &to)
            .map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))?;
    }
    eprintln!("xtask: bsan is in {}", out.display());
    Ok(Install { root: out })
}

/// Every symbol the runtime archive exports: the ABI's hooks, TLS slots, version symbol and
/// record arena (the fast path's), and the fallback retag intrinsics.
fn exported_symbols() -> Vec<String> {
    let mut names: Vec<String> = bsan_abi::HOOKS.iter().map(|h| h.name.to_string()).collect();
    names.push(bsan_abi::VERSION_SYMBOL.to_string());
    names.push(bsan_abi::fast_path::SYMBOL.to_string());
    names.extend(
        [
            bsan_abi::tls::ARG_PROV,
            bsan_abi::tls::ARG_CALLEE,
            bsan_abi::tls::RET_PROV,
            bsan_abi::tls::RET_CALLEE,
        ]
        .map(String::from),
    );
    names.extend([bsan_abi::rust_retag::REG, bsan_abi::rust_retag::MEM].map(String::from));
    names
}

/// The runtime is a Rust staticlib with its own copy of std, whose global symbols
/// (`rust_eh_personality`, std statics) clash with the instrumented program's std. Like
/// compiler-rt, link it into one relocatable object and make everything but the ABI local;
/// the result is the archive users link.
fn hide_runtime_internals(rt_target: &Path) -> Result<PathBuf, String> {
    let staticlib = rt_target.join("release/libbsan_rt.a");
    let object = rt_target.join("bsan_rt.o");
    let keep = rt_target.join("bsan_rt.exports");
    let archive = rt_target.join("libbsan_rt.a");
    std::fs::write(&keep, exported_symbols().join("\n") + "\n")
        .map_err(|e| format!("{}: {e}", keep.display()))?;
    let _ = std::fs::remove_file(&archive);
    process::run(
        Command::new("ld.lld-22")
            .args(["-r", "--whole-archive"])
            .arg(&staticlib)
            .arg("-o")
            .arg(&object),
        "partially linking the runtime",
    )?;
    let mut keep_arg = std::ffi::OsString::from("--keep-global-symbols=");
    keep_arg.push(&keep);
    process::run(
        Command::new("llvm-objcopy-22").arg(keep_arg).arg(&object),
        "hiding runtime internals",
    )?;
    process::run(
        Command::new("llvm-ar-22")
            .arg("rcs")
            .arg(&archive)
            .arg(&object),
        "archiving the runtime",
    )?;
    Ok(archive)
}
