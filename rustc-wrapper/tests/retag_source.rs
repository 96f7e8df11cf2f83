//! `bsan-rustc --print-retag-source` and `BSAN_RETAGS` against this machine's real rustc
//! (`rustc` on `PATH`, as `bsan-rustc` runs it). The toolchains installed here predate
//! `-Zcodegen-emit-retag`, so the answer is `synthesized`; when the default toolchain gains
//! the flag (a nightly with rust-lang/rust#159245), `intrinsics_on_this_toolchain_*` and the
//! expected word below change.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("bsan-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn bsan_rustc(cache: &Path, retags: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bsan-rustc"));
    cmd.args(args)
        .env("BSAN_CACHE_DIR", cache)
        .env_remove("BSAN_RUSTC")
        .env_remove("BSAN_RETAGS");
    if let Some(v) = retags {
        cmd.env("BSAN_RETAGS", v);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| rd.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

fn rustc_release_line() -> String {
    let out = Command::new("rustc").arg("-vV").output().unwrap();
    text(&out.stdout).lines().next().unwrap().trim().to_string()
}

#[test]
fn this_toolchain_gets_synthesized_retags_and_the_answer_is_cached() {
    let cache = TempDir::new("retag-source");
    let first = bsan_rustc(&cache.0, None, &["--print-retag-source"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(text(&first.stdout), "synthesized\n");
    let why = text(&first.stderr);
    assert!(
        why.contains(&rustc_release_line()) && why.contains("probed, cached in"),
        "{why}"
    );
    let files = cache_files(&cache.0);
    assert_eq!(files.len(), 1, "{files:?}");
    let entry = std::fs::read_to_string(&files[0]).unwrap();
    assert!(entry.contains("codegen-emit-retag: rejected"), "{entry}");

    let again = bsan_rustc(&cache.0, Some("auto"), &["--print-retag-source"]);
    assert_eq!(text(&again.stdout), "synthesized\n");
    assert!(
        text(&again.stderr).contains("(cached in"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn intrinsics_on_this_toolchain_is_a_clear_error() {
    let cache = TempDir::new("retag-intrinsics");
    let out = bsan_rustc(&cache.0, Some("intrinsics"), &["--print-retag-source"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for word in [
        "bsan-rustc: error: BSAN_RETAGS=intrinsics",
        &rustc_release_line(),
        "does not accept -Zcodegen-emit-retag",
        "nightly",
    ] {
        assert!(err.contains(word), "missing `{word}`:\n{err}");
    }
    // A compile stops with the same error before running rustc.
    let root = fake_install("retag-intrinsics-compile");
    let out = Command::new(env!("CARGO_BIN_EXE_bsan-rustc"))
        .args(["-g", "/nonexistent/x.rs"])
        .env("BSAN_ROOT", &root.0)
        .env("BSAN_CACHE_DIR", &cache.0)
        .env("BSAN_RETAGS", "intrinsics")
        .env_remove("BSAN_RUSTC")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("bsan-rustc: error: BSAN_RETAGS=intrinsics"),
        "{err}"
    );
}

/// A directory that passes for an install: the drivers only check that the libraries exist.
fn fake_install(name: &str) -> TempDir {
    let root = TempDir::new(name);
    std::fs::create_dir_all(root.0.join("lib")).unwrap();
    for lib in ["libbsan_pass.so", "libbsan_rt.a"] {
        std::fs::write(root.0.join("lib").join(lib), b"").unwrap();
    }
    root
}

#[test]
fn synthesized_does_not_probe() {
    let cache = TempDir::new("retag-synthesized");
    let out = bsan_rustc(&cache.0, Some("synthesized"), &["--print-retag-source"]);
    assert_eq!(text(&out.stdout), "synthesized\n");
    assert!(cache_files(&cache.0).is_empty());
}

#[test]
fn unknown_values_list_the_valid_ones() {
    let cache = TempDir::new("retag-bogus");
    let out = bsan_rustc(&cache.0, Some("fast"), &["--print-retag-source"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for word in ["BSAN_RETAGS=`fast`", "auto", "intrinsics", "synthesized"] {
        assert!(err.contains(word), "missing `{word}`:\n{err}");
    }
}

#[test]
fn cargo_bsan_checks_bsan_retags_before_running_cargo() {
    let root = fake_install("retag-cargo");
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-bsan"))
        .args(["bsan", "build"])
        .env("BSAN_ROOT", &root.0)
        .env("BSAN_CACHE_DIR", root.0.join("cache"))
        .env("BSAN_RETAGS", "intrinsics")
        .env("CARGO", "/nonexistent/cargo-must-not-run")
        .env_remove("BSAN_CARGO_WRAPPER")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("cargo-bsan: error: BSAN_RETAGS=intrinsics"),
        "{err}"
    );
}
