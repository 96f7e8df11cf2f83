//! End-to-end tests: real programs under `tests/`, compiled with the installed drivers, run,
//! and compared with their expected output after normalization.
//!
//! Layout: `tests/rust/{pass,fail}/*.rs` (bsan-rustc), `tests/c/{pass,fail}/*.c` (bsan-cc),
//! `tests/cargo/<project>/` (cargo bsan). Next to a test, `<file>.stderr` / `<file>.stdout` hold
//! the expected normalized output (absent = empty); `cargo xtask test --bless` rewrites them.
//! Directives (`exit`, `stats`, `compile-flags`, `bsan-options`), the expected exit
//! status, normalization and `--bless` follow the shared harness ([`crate::harness`]).
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::build::Install;
use crate::harness::{self, normalize, tests_dir, Summary};
use crate::process;

/// The directives an end-to-end test may have.
const DIRECTIVES: &[&str] = &["exit", "stats", "compile-flags", "bsan-options"];

/// Where compiled test programs go.
fn scratch() -> PathBuf {
    harness::scratch("e2e")
}

/// One program test: compile, run, check exit status, stats and output.
fn program_test(install: &Install, path: &Path, bless: bool) -> Result<(), String> {
    let dir = tests_dir();
    let rel = path.strip_prefix(&dir).unwrap_or(path).to_path_buf();
    let name = rel.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let d = harness::directives(&source, DIRECTIVES).map_err(|e| format!("{name}: {e}"))?;
    let stderr_file = harness::expected_file(path, "stderr");
    let stdout_file = harness::expected_file(path, "stdout");
    let expected_exit =
        harness::expected_exit(d.exit, harness::read_optional(&stderr_file).as_deref());
    let exe = scratch().join(rel.with_extension(""));
    std::fs::create_dir_all(exe.parent().unwrap()).map_err(|e| e.to_string())?;
    let mut compile = if path.extension().is_some_and(|e| e == "c") {
        let mut c = Command::new(install.bin("bsan-cc"));
        c.args(["-g", "-O0"]);
        c
    } else {
        let mut c = Command::new(install.bin("bsan-rustc"));
        c.args(["-g", "--edition", "2021"]);
        c
    };
    // Relative source paths keep the reports' file names short and machine-independent.
    compile
        .current_dir(&dir)
        .arg(&rel)
        .arg("-o")
        .arg(&exe)
        .args(&d.compile_flags);
    let out = process::output(&mut compile, &name)?;
    if !out.status.success() {
        return Err(format!(
            "{name}: compilation failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut run = Command::new(&exe);
    run.current_dir(&dir);
    let mut options = d.bsan_options.clone();
    if !d.stats.is_empty() {
        options.push("stats=1".to_string());
    }
    if options.is_empty() {
        run.env_remove("BSAN_OPTIONS");
    } else {
        run.env("BSAN_OPTIONS", options.join(":"));
    }
    let out = harness::run_with_timeout(&mut run, harness::RUN_TIMEOUT)
        .map_err(|e| format!("{name}: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let code = out.code;
    if code != expected_exit {
        return Err(format!(
            "{name}: exit status {code}, expected {expected_exit}\n--- stderr\n{stderr}"
        ));
    }
    harness::check_stats(&name, &d.stats, &stderr)?;
    harness::check_or_bless(
        &name,
        "stderr",
        &stderr_file,
        &normalize(&stderr, &dir),
        bless,
    )?;
    harness::check_or_bless(
        &name,
        "stdout",
        &stdout_file,
        &normalize(&stdout, &dir),
        bless,
    )
}

fn program_tests(filter: Option<&str>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (lang, ext) in [("rust", "rs"), ("c", "c")] {
        for kind in ["pass", "fail"] {
            if let Ok(entries) = std::fs::read_dir(tests_dir().join(lang).join(kind)) {
                files.extend(
                    entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|e| e == ext)),
                );
            }
        }
    }
    files.retain(|f| filter.is_none_or(|flt| f.to_string_lossy().contains(flt)));
    files.sort();
    files
}

/// `cargo bsan test` on `tests/cargo/borrow-demo`: the clean test passes, the UB test is
/// stopped by a report, and cargo reports the failed test binary with bsan's status.
fn cargo_test(install: &Install, bless: bool) -> Result<(), String> {
    let project = tests_dir().join("cargo").join("borrow-demo");
    // cargo does not fingerprint the bsan runtime or plugin (they enter through the wrapper),
    // so a test binary built against an older runtime would be reused: start fresh.
    let _ = std::fs::remove_dir_all(scratch().join("cargo-target"));
    let run = |args: &[&str]| {
        let mut cmd = Command::new(install.bin("cargo-bsan"));
        cmd.arg("bsan")
            .args(args)
            .current_dir(&project)
            .env("CARGO_TARGET_DIR", scratch().join("cargo-target"));
        cmd.env_remove("RUSTC_WRAPPER").env_remove("BSAN_OPTIONS");
        process::output(&mut cmd, "cargo bsan test")
    };
    let clean = run(&["test", "--quiet", "clean_"])?;
    if !clean.status.success() {
        return Err(format!(
            "cargo bsan test clean_: {}\n{}",
            clean.status,
            String::from_utf8_lossy(&clean.stderr)
        ));
    }
    let out = run(&["test", "--", "--test-threads=1"])?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // cargo passes the failing test binary's status through: bsan's report status.
    if out.status.code() != Some(bsan_abi::DEFAULT_EXIT_CODE) || !stderr.contains("exit status: 66")
    {
        return Err(format!(
            "cargo bsan test: status {}, expected bsan's 66 from the test binary\n{stderr}",
            out.status
        ));
    }
    // With one test thread the clean test runs (and passes) before the UB test stops the binary.
    if !stdout.contains("test tests::clean_collections ... ok") {
        return Err(format!(
            "cargo bsan test: the clean test did not pass\n{stdout}"
        ));
    }
    // The report itself, compared like any other expected output.
    let report: String = stderr
        .lines()
        .skip_while(|l| !l.starts_with("error: Undefined Behavior"))
        .take_while(|l| !l.starts_with("error: test failed"))
        .map(|l| format!("{l}\n"))
        .collect();
    harness::check_or_bless(
        "cargo/borrow-demo",
        "report",
        &harness::expected_file(&project, "stderr"),
        &normalize(&report, &project),
        bless,
    )
}

/// `cargo bsan` on `tests/cargo/real-deps`, a workspace with a derive macro, build scripts that
/// probe the compiler (through `RUSTC_WRAPPER`, with `--target`), and a `links` crate building
/// C: it must build and its suite must pass clean, as with plain cargo, on each toolchain of
/// the machine; `--release` and an explicit `--target` must build too.
fn cargo_real_deps(install: &Install) -> Result<(), String> {
    let project = tests_dir().join("cargo").join("real-deps");
    let target_dir = scratch().join("real-deps-target");
    let _ = std::fs::remove_dir_all(&target_dir);
    let host = process::host_triple()?;
    let mut runs: Vec<(Option<&str>, Vec<String>)> = vec![
        (
            None,
            vec![
                "test".into(),
                "--workspace".into(),
                "--features".into(),
                "app/extra".into(),
            ],
        ),
        (
            None,
            vec![
                "build".into(),
                "--release".into(),
                "--target".into(),
                host.clone(),
            ],
        ),
    ];
    if toolchain_installed("nightly") {
        runs.push((
            Some("nightly"),
            vec!["test".into(), "-p".into(), "app".into()],
        ));
    } else {
        println!("e2e cargo/real-deps: no nightly toolchain installed; stable only");
    }
    for (toolchain, args) in runs {
        // Through rustup's `cargo` proxy, as a user types it.
        let mut cmd = process::user_cargo();
        if let Some(tc) = toolchain {
            cmd.arg(format!("+{tc}"));
        }
        cmd.arg("bsan")
            .args(&args)
            .current_dir(&project)
            .env("PATH", path_with(&install.bin_dir())?)
            .env("CARGO_TARGET_DIR", &target_dir)
            .env("BSAN_OPTIONS", "stats=1");
        let what = format!(
            "cargo {}bsan {}",
            toolchain.map(|t| format!("+{t} ")).unwrap_or_default(),
            args.join(" ")
        );
        let out = process::output(&mut cmd, &what)?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!("{what}: {}\n{stdout}\n{stderr}", out.status));
        }
        if args[0] == "test" {
            // Instrumentation ran (each test binary prints its counters) and found nothing.
            let stats = stderr
                .lines()
                .filter(|l| l.starts_with("bsan: stats:"))
                .count();
            let passed: usize = stdout
                .lines()
                .filter_map(|l| l.strip_prefix("test result: ok. "))
                .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
                .sum();
            let expected_passed = if args.iter().any(|a| a == "app/extra") {
                3
            } else {
                2
            };
            if stats == 0 || passed != expected_passed || stderr.contains("Undefined Behavior") {
                return Err(format!(
                    "{what}: expected {expected_passed} passing tests with bsan's stats and no \
                     report, got {passed} passed and {stats} stats lines\n{stdout}\n{stderr}"
                ));
            }
        }
    }
    Ok(())
}

fn toolchain_installed(name: &str) -> bool {
    Command::new("rustup")
        .args(["run", name, "rustc", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `PATH` with `dir` in front.
fn path_with(dir: &Path) -> Result<std::ffi::OsString, String> {
    let mut dirs = vec![dir.to_path_buf()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).map_err(|e| format!("cannot build PATH: {e}"))
}

pub fn run(
    install: &Install,
    bless: bool,
    filter: Option<&str>,
    summary: &mut Summary,
) -> Result<(), String> {
    let files = program_tests(filter);
    println!("\nend-to-end tests: {} programs", files.len());
    for file in files {
        let name = file
            .strip_prefix(tests_dir())
            .unwrap_or(&file)
            .display()
            .to_string();
        summary.record("e2e", &name, program_test(install, &file, bless));
    }
    if filter.is_none_or(|f| "cargo".contains(f) || f.contains("cargo")) {
        summary.record("e2e", "cargo/borrow-demo", cargo_test(install, bless));
        summary.record("e2e", "cargo/real-deps", cargo_real_deps(install));
    }
    Ok(())
}

/// The README's main job: instrument and run a program with an aliasing bug, show the report.
pub fn demo(install: &Install) -> Result<(), String> {
    let dir = tests_dir();
    let rel = Path::new("rust/fail/overlapping_rows.rs");
    let exe = scratch().join("demo-overlapping_rows");
    std::fs::create_dir_all(scratch()).map_err(|e| e.to_string())?;
    println!(
        "$ bsan-rustc -g tests/{} -o {}",
        rel.display(),
        exe.display()
    );
    process::run(
        Command::new(install.bin("bsan-rustc"))
            .current_dir(&dir)
            .args(["-g", "--edition", "2021"])
            .arg(rel)
            .arg("-o")
            .arg(&exe),
        "compiling the demo",
    )?;
    println!("$ {}", exe.display());
    let status = Command::new(&exe)
        .current_dir(&dir)
        .status()
        .map_err(|e| format!("running the demo: {e}"))?;
    match status.code() {
        Some(c) if c == bsan_abi::DEFAULT_EXIT_CODE => {
            println!("\nbsan stopped the program at the aliasing violation (exit status {c}).");
            Ok(())
        }
        _ => Err(format!(
            "the demo was expected to be stopped by a bsan report, but it exited with {status}"
        )),
    }
}
