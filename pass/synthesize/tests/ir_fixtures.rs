//! Runs the FileCheck fixtures in `tests/ir/`.
//!
//! Each fixture's first line is `; RUN: opt-22 -load-pass-plugin=%plugin -passes=P -S %s |
//! FileCheck-22 %s` (the convention of `pass/tests/ir/`). When the plugin has been built
//! (`BSAN_PASS_PLUGIN`, else `target/<profile>/libbsan_pass.so` of this test's profile) the
//! RUN line is executed as is;
//! otherwise the opt half is replaced by this crate's `bsan-synthesize-ll` driver with the
//! stage taken from `P` (`bsan-synthesize`, `bsan-synthesize<rust-lto>`, `...<clang>`).
//! Skipped (with a message) when `opt-22`/`FileCheck-22` are not installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn plugin() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("BSAN_PASS_PLUGIN") {
        return Some(PathBuf::from(p));
    }
    // The plugin of this test binary's own profile (`target/<profile>/deps/ir_fixtures-*`),
    // so `cargo test --release` does not pick up a stale debug build.
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("libbsan_pass.so");
    p.exists().then_some(p)
}

fn run_fixture(path: &Path, plugin: Option<&Path>) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let run = text
        .lines()
        .find_map(|l| l.strip_prefix("; RUN: "))
        .ok_or("no RUN line")?;
    let file = path.to_str().unwrap();
    let cmd = match plugin {
        Some(plugin) => run
            .replace("%plugin", plugin.to_str().unwrap())
            .replace("%s", file),
        None => {
            let passes = run
                .split_whitespace()
                .find_map(|w| w.strip_prefix("-passes="))
                .ok_or("no -passes= in RUN line")?
                .trim_matches('\'');
            let stage = passes
                .strip_prefix("bsan-synthesize")
                .ok_or("not a bsan-synthesize pipeline")?
                .trim_start_matches('<')
                .trim_end_matches('>');
            let stage = if stage.is_empty() {
                "rust-crate"
            } else {
                stage
            };
            format!(
                "{} --stage {stage} {file} | FileCheck-22 {file}",
                env!("CARGO_BIN_EXE_bsan-synthesize-ll")
            )
        }
    };
    let out = Command::new("bash")
        .args(["-o", "pipefail", "-c"])
        .arg(&cmd)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{cmd}` failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[test]
fn ir_fixtures() {
    if !have("FileCheck-22") || !have("opt-22") {
        eprintln!("skipping: FileCheck-22/opt-22 not installed");
        return;
    }
    let plugin = plugin();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ir");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ll"))
        .collect();
    fixtures.sort();
    assert!(!fixtures.is_empty());
    let mut failures = Vec::new();
    for f in &fixtures {
        match run_fixture(f, plugin.as_deref()) {
            Ok(()) => eprintln!("PASS {}", f.display()),
            Err(e) => failures.push(format!("FAIL {}: {e}", f.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
