//! IR tests: a minimal `lit` for `tests/ir/*.ll`.
//!
//! Each file carries `; RUN:` lines (`%plugin` = the built plugin, `%s` = the file); each
//! line runs under `bash -o pipefail` with `BSAN_PASS_STATS=1` and `BSAN_PASS_VERIFY=1`
//! set and `BSAN_PASS_MODE` unset. Every file must check the stats line, which proves
//! that instrumentation ran (a no-op pass would pass the `CHECK-NOT`s).
//!
//! `cargo test -p bsan-pass --test ir_tests` builds the plugin first (the package's cdylib)
//! and runs them; `BSAN_IR_TEST=<substring>` selects files.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `target/<profile>/libbsan_pass.so`, found from this test binary's own location
/// (`target/<profile>/deps/ir_tests-*`).
fn plugin_path() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary lives in target/<profile>/deps");
    let plugin = profile_dir.join("libbsan_pass.so");
    assert!(
        plugin.exists(),
        "{} not found; build it with `cargo build -p bsan-pass`",
        plugin.display()
    );
    plugin
}

fn run_lines(file: &Path) -> Vec<String> {
    let text =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix("; RUN:"))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn ir_tests() {
    let plugin = plugin_path();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ir");
    let filter = std::env::var("BSAN_IR_TEST").unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ll"))
        .filter(|p| p.to_string_lossy().contains(&filter))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no IR tests in {} matching {filter:?}",
        dir.display()
    );

    let mut failures = Vec::new();
    for file in &files {
        let lines = run_lines(file);
        let text = std::fs::read_to_string(file).expect("read");
        if lines.is_empty() || !text.contains("bsan-pass: stats") {
            failures.push(format!(
                "{}: needs RUN lines and a stats check",
                file.display()
            ));
            continue;
        }
        for line in lines {
            let cmd = line
                .replace("%plugin", &plugin.to_string_lossy())
                .replace("%s", &file.to_string_lossy());
            let out = Command::new("bash")
                .args(["-o", "pipefail", "-c", &cmd])
                .env("BSAN_PASS_STATS", "1")
                .env("BSAN_PASS_VERIFY", "1")
                .env_remove("BSAN_PASS_MODE")
                .output()
                .unwrap_or_else(|e| panic!("running bash: {e}"));
            if out.status.success() {
                eprintln!(
                    "PASS {}: {line}",
                    file.file_name().unwrap().to_string_lossy()
                );
            } else {
                failures.push(format!(
                    "FAIL {}\n  RUN: {cmd}\n{}{}",
                    file.display(),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} IR test(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
