//! Runs the FileCheck fixtures in `tests/ir/`.
//!
//! Each fixture has one or more `; RUN: opt-22 -load-pass-plugin=%plugin -passes=P -S %s |
//! FileCheck-22 [--check-prefix=X] %s` lines (the convention of `pass/tests/ir/`), and every
//! one of them runs. When the plugin has been built (`BSAN_PASS_PLUGIN`, else
//! `target/<profile>/libbsan_pass.so` of this test's profile) a RUN line is executed as is;
//! otherwise its opt half is replaced by this crate's `bsan-synthesize-ll` driver with the
//! stage taken from `P` (`bsan-synthesize`, `bsan-synthesize<rust-lto>`, `...<clang>`).
//! `opt-22` and `FileCheck-22` must be installed (`llvm-22-tools`): without them the test
//! fails, it does not pass without checking anything.

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

/// Runs every RUN line of the fixture `path`; the first failure is the error.
fn run_fixture(path: &Path, plugin: Option<&Path>) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let runs: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("; RUN:"))
        .map(str::trim)
        .collect();
    if runs.is_empty() {
        return Err("no RUN line".into());
    }
    for run in &runs {
        run_line(path, run, plugin)?;
    }
    Ok(runs.len())
}

fn run_line(path: &Path, run: &str, plugin: Option<&Path>) -> Result<(), String> {
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
            // The FileCheck half as written (prefixes included), after the first pipe.
            let check = run
                .split_once('|')
                .map(|(_, c)| c.trim())
                .ok_or("no `| FileCheck-22` in RUN line")?
                .replace("%s", file);
            format!(
                "{} --stage {stage} {file} | {check}",
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
    for tool in ["FileCheck-22", "opt-22"] {
        assert!(
            have(tool),
            "{tool} is not installed (Debian: llvm-22-tools); the IR fixtures need it"
        );
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
            Ok(n) => eprintln!("PASS {} ({n} RUN lines)", f.display()),
            Err(e) => failures.push(format!("FAIL {}: {e}", f.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
