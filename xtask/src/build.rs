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
        self.root.join("bin").join(name)
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
        (
            rt_target.join("release/libbsan_rt.a"),
            out.join("lib/libbsan_rt.a"),
        ),
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
