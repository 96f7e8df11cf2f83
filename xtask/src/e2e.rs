//! End-to-end tests: real programs under `tests/`, compiled with the installed drivers, run,
//! and compared with their expected output after normalization.
//!
//! Layout: `tests/rust/{pass,fail}/*.rs` (bsan-rustc), `tests/c/{pass,fail}/*.c` (bsan-cc),
//! `tests/cargo/<project>/` (cargo bsan). Next to a test, `<file>.stderr` / `<file>.stdout` hold
//! the expected normalized output (absent = empty); `cargo xtask test --bless` rewrites them.
//! Directives in the test file's leading comments:
//! * `//@ exit: N` — expected exit status (default 0 in `pass/`, 66 in `fail/`)
//! * `//@ stats: NAME...` — run with `BSAN_OPTIONS=stats=1` and require each named counter of
//!   the `bsan: stats:` line to be non-zero (proves instrumentation ran)
//! * `//@ compile-flags: ...` — extra compiler arguments
//! * `//@ bsan-options: ...` — `BSAN_OPTIONS` of the run (joined with `stats=1` if asked)
//!
//! Normalization: absolute paths of the test tree become `$DIR`, tags `<N>` become `<TAGk>` and
//! allocations `allocN` become `ALLOCk` numbered by first appearance (so "two different tags"
//! stays visible), long hex numbers become `0xADDR`, backtrace frames inside the standard
//! library (`/rustc/<hash>/...`, which differ between toolchains) are dropped, and the
//! `bsan: stats:` line is removed after being checked.
use crate::build::Install;
use crate::process;
use crate::workspace_root;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Default)]
pub struct Summary {
    pub passed: usize,
    pub failed: Vec<String>,
}

impl Summary {
    pub fn fail(&mut self, name: impl Into<String>) {
        self.failed.push(name.into());
    }
}

/// Where compiled test programs go.
fn scratch() -> PathBuf {
    workspace_root().join("target").join("e2e")
}

fn tests_dir() -> PathBuf {
    workspace_root().join("tests")
}

#[derive(Debug, Default)]
struct Directives {
    exit: Option<i32>,
    stats: Vec<String>,
    compile_flags: Vec<String>,
    bsan_options: Vec<String>,
}

fn directives(source: &str) -> Result<Directives, String> {
    let mut d = Directives::default();
    for line in source.lines() {
        let Some(rest) = line.trim_start().strip_prefix("//@") else {
            continue;
        };
        let (key, value) = rest
            .split_once(':')
            .ok_or_else(|| format!("malformed directive `{line}`"))?;
        let value = value.trim();
        match key.trim() {
            "exit" => {
                d.exit = Some(
                    value
                        .parse()
                        .map_err(|_| format!("bad exit status `{value}`"))?,
                )
            }
            "stats" => d.stats.extend(value.split_whitespace().map(str::to_string)),
            "compile-flags" => d
                .compile_flags
                .extend(value.split_whitespace().map(str::to_string)),
            "bsan-options" => d
                .bsan_options
                .extend(value.split_whitespace().map(str::to_string)),
            other => return Err(format!("unknown directive `{other}`")),
        }
    }
    Ok(d)
}

/// Normalize program output for comparison (see the module docs).
pub fn normalize(text: &str, dir: &Path) -> String {
    let text = text.replace(&format!("{}/", dir.display()), "$DIR/");
    let mut tags: HashMap<String, usize> = HashMap::new();
    let mut allocs: HashMap<String, usize> = HashMap::new();
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("bsan: stats:") || is_std_frame(line) {
            continue;
        }
        out.push_str(&normalize_line(line, &mut tags, &mut allocs));
        out.push('\n');
    }
    out
}

fn is_std_frame(line: &str) -> bool {
    let t = line.trim_start();
    let numbered = t
        .split_once(':')
        .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    numbered && (t.contains("/rustc/") || t.contains("<unknown>"))
}

fn normalize_line(
    line: &str,
    tags: &mut HashMap<String, usize>,
    allocs: &mut HashMap<String, usize>,
) -> String {
    let b = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        // <digits>
        if b[i] == b'<' {
            let j = b[i + 1..]
                .iter()
                .position(|c| !c.is_ascii_digit())
                .map(|p| i + 1 + p);
            if let Some(j) = j {
                if j > i + 1 && b[j] == b'>' {
                    let n = tags.len() + 1;
                    let k = *tags.entry(line[i + 1..j].to_string()).or_insert(n);
                    out.push_str(&format!("<TAG{k}>"));
                    i = j + 1;
                    continue;
                }
            }
        }
        // allocN
        if line[i..].starts_with("alloc") && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let start = i + 5;
            let end = b[start..]
                .iter()
                .position(|c| !c.is_ascii_digit())
                .map_or(b.len(), |p| start + p);
            if end > start {
                let n = allocs.len() + 1;
                let k = *allocs.entry(line[start..end].to_string()).or_insert(n);
                out.push_str(&format!("ALLOC{k}"));
                i = end;
                continue;
            }
        }
        // long hex numbers
        if line[i..].starts_with("0x") {
            let start = i + 2;
            let end = b[start..]
                .iter()
                .position(|c| !c.is_ascii_hexdigit())
                .map_or(b.len(), |p| start + p);
            if end - start >= 5 {
                out.push_str("0xADDR");
                i = end;
                continue;
            }
        }
        let ch = line[i..].chars().next().unwrap();
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Parse `bsan: stats: a=1 b=2` into a map.
fn stats(stderr: &str) -> HashMap<String, u64> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("bsan: stats:"))
        .flat_map(|l| l.split_whitespace())
        .filter_map(|kv| {
            kv.split_once('=')
                .and_then(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
        })
        .collect()
}

fn compare(
    name: &str,
    what: &str,
    expected_path: &Path,
    actual: &str,
    bless: bool,
) -> Result<(), String> {
    let expected = std::fs::read_to_string(expected_path).unwrap_or_default();
    if expected == actual {
        return Ok(());
    }
    if bless {
        if actual.is_empty() {
            let _ = std::fs::remove_file(expected_path);
        } else {
            std::fs::write(expected_path, actual)
                .map_err(|e| format!("{}: {e}", expected_path.display()))?;
        }
        println!("  blessed {}", expected_path.display());
        return Ok(());
    }
    Err(format!(
        "{name}: {what} differs from {}\n--- expected\n{expected}--- actual\n{actual}---",
        expected_path.display()
    ))
}

/// One program test: compile, run, check exit status, stats and output.
fn program_test(install: &Install, path: &Path, bless: bool) -> Result<(), String> {
    let dir = tests_dir();
    let rel = path.strip_prefix(&dir).unwrap_or(path).to_path_buf();
    let name = rel.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let d = directives(&source).map_err(|e| format!("{name}: {e}"))?;
    let fail_dir = rel.components().any(|c| c.as_os_str() == "fail");
    let expected_exit = d.exit.unwrap_or(if fail_dir {
        bsan_abi::DEFAULT_EXIT_CODE
    } else {
        0
    });
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
    let out = process::output(&mut run, &name)?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let code = out.status.code().unwrap_or(-1);
    if code != expected_exit {
        return Err(format!(
            "{name}: exit status {code}, expected {expected_exit}\n--- stderr\n{stderr}"
        ));
    }
    if !d.stats.is_empty() {
        let s = stats(&stderr);
        for counter in &d.stats {
            match s.get(counter) {
                Some(n) if *n > 0 => {}
                other => {
                    return Err(format!(
                        "{name}: stats counter `{counter}` is {other:?}, expected > 0\n{stderr}"
                    ))
                }
            }
        }
    }
    compare(
        &name,
        "stderr",
        &path.with_extension(ext_with(path, "stderr")),
        &normalize(&stderr, &dir),
        bless,
    )?;
    compare(
        &name,
        "stdout",
        &path.with_extension(ext_with(path, "stdout")),
        &normalize(&stdout, &dir),
        bless,
    )?;
    Ok(())
}

/// `x.rs` → expected file `x.rs.stderr` (keeps Rust and C tests of one name apart).
fn ext_with(path: &Path, suffix: &str) -> String {
    format!(
        "{}.{suffix}",
        path.extension().unwrap_or_default().to_string_lossy()
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
    compare(
        "cargo/borrow-demo",
        "report",
        &project.join("expected.stderr"),
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
        match program_test(install, &file, bless) {
            Ok(()) => {
                println!("e2e {name} ... ok");
                summary.passed += 1;
            }
            Err(e) => {
                println!("e2e {name} ... FAILED\n{e}");
                summary.fail(name);
            }
        }
    }
    if filter.is_none_or(|f| "cargo".contains(f) || f.contains("cargo")) {
        match cargo_test(install, bless) {
            Ok(()) => {
                println!("e2e cargo/borrow-demo ... ok");
                summary.passed += 1;
            }
            Err(e) => {
                println!("e2e cargo/borrow-demo ... FAILED\n{e}");
                summary.fail("cargo/borrow-demo");
            }
        }
        match cargo_real_deps(install) {
            Ok(()) => {
                println!("e2e cargo/real-deps ... ok");
                summary.passed += 1;
            }
            Err(e) => {
                println!("e2e cargo/real-deps ... FAILED\n{e}");
                summary.fail("cargo/real-deps");
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_numbers_tags_and_allocs_by_appearance() {
        let text = "write access through <71> at alloc9[0x0] is forbidden\n\
                    the accessed tag <71> is foreign to the protected tag <72>\n\
                    at 0x55d4c3a2b1f0 in alloc9\nbsan: stats: retags=3\n";
        let n = normalize(text, Path::new("/x"));
        assert_eq!(
            n,
            "write access through <TAG1> at ALLOC1[0x0] is forbidden\n\
             the accessed tag <TAG1> is foreign to the protected tag <TAG2>\n\
             at 0xADDR in ALLOC1\n"
        );
    }

    #[test]
    fn generic_types_are_not_tags() {
        assert_eq!(
            normalize("Vec<T> <12a>\n", Path::new("/x")),
            "Vec<T> <12a>\n"
        );
    }

    #[test]
    fn std_frames_are_dropped_user_frames_kept() {
        let text = "   0: main at src/main.rs:3:5\n   1: call_once at /rustc/abc/library/core/src/ops.rs:250:5\n";
        assert_eq!(
            normalize(text, Path::new("/x")),
            "   0: main at src/main.rs:3:5\n"
        );
    }

    #[test]
    fn directives_parse_and_reject_unknown() {
        let d = directives("//@ exit: 3\n//@ stats: retags accesses\nfn main(){}").unwrap();
        assert_eq!(d.exit, Some(3));
        assert_eq!(d.stats, ["retags", "accesses"]);
        assert!(directives("//@ frobnicate: 1").is_err());
    }

    #[test]
    fn stats_line_parses() {
        let s = stats("x\nbsan: stats: retags=4 accesses=0\n");
        assert_eq!(s["retags"], 4);
        assert_eq!(s["accesses"], 0);
    }
}
