//! The test harness shared by the end-to-end tests (`e2e.rs`) and the conformance suite
//! (`conformance.rs`): directives, the expected-outcome convention, normalization, timed
//! runs, comparison and `--bless`, and the summary.
//!
//! # One convention
//!
//! A test `x.rs` (or `x.c`, or a cargo project `x/`) has its expected output next to it:
//! `x.rs.stderr` and `x.rs.stdout` (absent = empty). Whether the program must *fail* is
//! decided by one rule, [`expected_exit`]: a `//@ exit: N` directive if there is one;
//! otherwise bsan's report status (66) if the expected stderr holds a report (its
//! `SUMMARY: BorrowSanitizer` line), else 0. Directories (`pass/`, `fail/`) only group
//! tests.
//!
//! # Directives
//!
//! `//@ key: value` lines anywhere in the test's source ([`directives`]); each suite says
//! which keys it accepts, and an unknown key is an error:
//! * `exit: N` — the expected exit status (see above);
//! * `stats: NAME...` — run with `BSAN_OPTIONS=stats=1` and require each named counter of
//!   the `bsan: stats:` line to be non-zero (proves instrumentation ran);
//! * `compile-flags: ...` — extra compiler arguments;
//! * `bsan-options: ...` — `BSAN_OPTIONS` of the run (joined with `stats=1` if asked);
//! * `synthesized: missed: <reason>` | `synthesized: differs` — conformance only.
//!
//! # Normalization
//!
//! [`normalize`]: absolute paths of the test tree become `$DIR`, tags `<N>` become `<TAGk>`
//! and allocations `allocN` become `ALLOCk`, numbered by first appearance (so "two different
//! tags" stays visible), long hex numbers become `0xADDR`, the toolchain's commit hash in
//! `/rustc/<hash>/` paths becomes `$HASH`, backtrace frames inside the standard library
//! (which differ between toolchains) are dropped, the `bsan: stats:` line is removed, and
//! the metadata in use when `bsan: out of memory for metadata` stopped a program becomes
//! `N MiB` (it depends on how the runtime's structures grow; the limit stays).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::workspace_root;

/// A test program running longer than this is killed (and fails).
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// Passed and failed tests of a `cargo xtask test` run.
#[derive(Default)]
pub struct Summary {
    pub passed: usize,
    pub failed: Vec<String>,
}

impl Summary {
    pub fn fail(&mut self, name: impl Into<String>) {
        self.failed.push(name.into());
    }

    /// Records the outcome of test `name` and prints its line.
    pub fn record(&mut self, label: &str, name: &str, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => {
                println!("{label} {name} ... ok");
                self.passed += 1;
            }
            Err(e) => {
                println!("{label} {name} ... FAILED\n{e}");
                self.fail(format!("{label} {name}"));
            }
        }
    }
}

/// `tests/`.
pub fn tests_dir() -> PathBuf {
    workspace_root().join("tests")
}

/// Where a suite's compiled programs go: `target/<suite>`.
pub fn scratch(suite: &str) -> PathBuf {
    workspace_root().join("target").join(suite)
}

/// The `//@` directives of a test.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Directives {
    pub exit: Option<i32>,
    pub stats: Vec<String>,
    pub compile_flags: Vec<String>,
    pub bsan_options: Vec<String>,
    /// The raw value of `synthesized:` (conformance interprets it).
    pub synthesized: Option<String>,
}

/// Parses the `//@ key: value` lines of `source`, accepting only the keys in `allowed`.
pub fn directives(source: &str, allowed: &[&str]) -> Result<Directives, String> {
    let mut d = Directives::default();
    for line in source.lines() {
        let Some(rest) = line.trim_start().strip_prefix("//@") else {
            continue;
        };
        let (key, value) = rest
            .split_once(':')
            .ok_or_else(|| format!("malformed directive `{line}`"))?;
        let (key, value) = (key.trim(), value.trim());
        if !allowed.contains(&key) {
            return Err(format!(
                "unknown directive `{key}` (here: {})",
                allowed.join(", ")
            ));
        }
        let words = || value.split_whitespace().map(str::to_string);
        match key {
            "exit" => {
                d.exit = Some(
                    value
                        .parse()
                        .map_err(|_| format!("bad exit status `{value}`"))?,
                )
            }
            "stats" => d.stats.extend(words()),
            "compile-flags" => d.compile_flags.extend(words()),
            "bsan-options" => d.bsan_options.extend(words()),
            "synthesized" => d.synthesized = Some(value.to_string()),
            other => return Err(format!("directive `{other}` has no meaning")),
        }
    }
    Ok(d)
}

/// Whether `stderr` holds a bsan report.
pub fn is_report(stderr: &str) -> bool {
    stderr.contains("SUMMARY: BorrowSanitizer")
}

/// The exit status a test must end with (see the module documentation).
pub fn expected_exit(exit_directive: Option<i32>, expected_stderr: Option<&str>) -> i32 {
    exit_directive.unwrap_or(if expected_stderr.is_some_and(is_report) {
        bsan_abi::DEFAULT_EXIT_CODE
    } else {
        0
    })
}

/// The expected-output file of `test` with `suffix`: `x.rs` → `x.rs.stderr` (the extension
/// stays, so Rust and C tests of one name do not share files; a directory `x/` → `x.stderr`).
pub fn expected_file(test: &Path, suffix: &str) -> PathBuf {
    let mut name = test.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    test.with_file_name(name)
}

/// The contents of `path`, `None` if it does not exist.
pub fn read_optional(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Compares `actual` with the expected file `path` (absent = empty); with `bless`, rewrites
/// the file instead (removes it when `actual` is empty).
pub fn check_or_bless(
    name: &str,
    what: &str,
    path: &Path,
    actual: &str,
    bless: bool,
) -> Result<(), String> {
    let expected = read_optional(path).unwrap_or_default();
    if expected == actual {
        return Ok(());
    }
    if bless {
        return write_expected(path, actual);
    }
    Err(format!(
        "{name}: {what} differs from {}\n--- expected\n{expected}--- actual\n{actual}---",
        path.display()
    ))
}

/// Writes (or removes, when empty) an expected file.
pub fn write_expected(path: &Path, actual: &str) -> Result<(), String> {
    if actual.is_empty() {
        if path.exists() {
            std::fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("  blessed {} (removed)", path.display());
        }
        return Ok(());
    }
    if read_optional(path).as_deref() != Some(actual) {
        std::fs::write(path, actual).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("  blessed {}", path.display());
    }
    Ok(())
}

/// A finished run: exit status (-1 if killed by a signal) and raw output.
pub struct Output {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `cmd` (stdin closed) to completion, or kills it after `timeout` (an error).
pub fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Result<Output, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let mut out_pipe = child.stdout.take().expect("piped");
    let mut err_pipe = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "still running after {}s: killed",
                    timeout.as_secs()
                ));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    Ok(Output {
        code: status.code().unwrap_or(-1),
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
}

/// Parses `bsan: stats: a=1 b=2` into a map.
pub fn stats(stderr: &str) -> HashMap<String, u64> {
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

/// Checks that each counter in `wanted` is non-zero in the stats line of `stderr`.
pub fn check_stats(name: &str, wanted: &[String], stderr: &str) -> Result<(), String> {
    let s = stats(stderr);
    for counter in wanted {
        match s.get(counter) {
            Some(n) if *n > 0 => {}
            other => {
                return Err(format!(
                    "{name}: stats counter `{counter}` is {other:?}, expected > 0\n{stderr}"
                ))
            }
        }
    }
    Ok(())
}

/// Normalizes program output for comparison (see the module documentation).
pub fn normalize(text: &str, dir: &Path) -> String {
    let text = text.replace(&format!("{}/", dir.display()), "$DIR/");
    let mut tags: HashMap<String, usize> = HashMap::new();
    let mut allocs: HashMap<String, usize> = HashMap::new();
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("bsan: stats:") || is_std_frame(line) {
            continue;
        }
        let line = metadata_in_use(line);
        out.push_str(&normalize_line(&line, &mut tags, &mut allocs));
        out.push('\n');
    }
    rustc_hashes(&out)
}

/// `... (over the limit: 7 MiB in use, 1 MiB more requested, ...` becomes `... (over the
/// limit: N MiB in use, N MiB more requested, ...`.
fn metadata_in_use(line: &str) -> String {
    const AT: &str = "(over the limit: ";
    if !line.starts_with("bsan: out of memory for metadata") {
        return line.to_string();
    }
    let Some(start) = line.find(AT).map(|i| i + AT.len()) else {
        return line.to_string();
    };
    let Some(len) = line[start..].find(" more requested") else {
        return line.to_string();
    };
    let numbers = &line[start..start + len];
    let mut masked = String::new();
    let mut in_digits = false;
    for c in numbers.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                masked.push('N');
            }
            in_digits = true;
        } else {
            masked.push(c);
            in_digits = false;
        }
    }
    format!("{}{masked}{}", &line[..start], &line[start + len..])
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
        let ch = line[i..].chars().next().unwrap_or_default();
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

/// The toolchain's commit hash in `/rustc/<hash>/` source paths replaced by `$HASH`.
fn rustc_hashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("/rustc/") {
        let (head, tail) = rest.split_at(i + "/rustc/".len());
        out.push_str(head);
        let hash_len = tail.bytes().take_while(u8::is_ascii_hexdigit).count();
        if hash_len >= 7 && tail[hash_len..].starts_with('/') {
            out.push_str("$HASH");
            rest = &tail[hash_len..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_numbers_tags_and_allocs_by_appearance() {
        let text = "write access through <71> at alloc9[0x0] is forbidden\n\
                    the accessed tag <71> is foreign to the protected tag <72>\n\
                    at 0x55d4c3a2b1f0 in alloc9\nbsan: stats: retags=3\n";
        assert_eq!(
            normalize(text, Path::new("/x")),
            "write access through <TAG1> at ALLOC1[0x0] is forbidden\n\
             the accessed tag <TAG1> is foreign to the protected tag <TAG2>\n\
             at 0xADDR in ALLOC1\n"
        );
    }

    #[test]
    fn metadata_in_use_is_masked_the_limit_kept() {
        let text = "bsan: out of memory for metadata (over the limit: 17 MiB in use, 1 MiB more requested, limit 8 MiB); see\nother 17 MiB\n";
        assert_eq!(
            normalize(text, Path::new("/x")),
            "bsan: out of memory for metadata (over the limit: N MiB in use, N MiB more requested, limit 8 MiB); see\nother 17 MiB\n"
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
    fn rustc_hashes_are_normalized() {
        let text =
            "  --> /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/cell.rs:600\n";
        assert_eq!(
            normalize(text, Path::new("/x")),
            "  --> /rustc/$HASH/library/core/src/cell.rs:600\n"
        );
        assert_eq!(
            normalize("/rustc/ is a dir\n", Path::new("/x")),
            "/rustc/ is a dir\n"
        );
    }

    #[test]
    fn directives_parse_and_reject_what_a_suite_does_not_know() {
        let all = [
            "exit",
            "stats",
            "compile-flags",
            "bsan-options",
            "synthesized",
        ];
        let d = directives("//@ exit: 3\n//@ stats: retags accesses\nfn main(){}", &all).unwrap();
        assert_eq!(d.exit, Some(3));
        assert_eq!(d.stats, ["retags", "accesses"]);
        assert!(directives("//@ frobnicate: 1", &all).is_err());
        assert!(directives("//@ exit: 3", &["synthesized"]).is_err());
        assert!(directives("//@ exit: three", &all).is_err());
        assert!(directives("//@ exit 3", &all).is_err());
    }

    #[test]
    fn one_rule_decides_the_expected_exit_status() {
        let report = "error: Undefined Behavior: ...\nSUMMARY: BorrowSanitizer: x a.rs:1 in f\n";
        assert_eq!(expected_exit(None, Some(report)), 66);
        assert_eq!(expected_exit(None, None), 0);
        assert_eq!(expected_exit(None, Some("a warning\n")), 0);
        assert_eq!(expected_exit(Some(1), Some("bsan: out of memory\n")), 1);
    }

    #[test]
    fn expected_files_keep_the_extension() {
        assert_eq!(
            expected_file(Path::new("t/x.rs"), "stderr"),
            Path::new("t/x.rs.stderr")
        );
        assert_eq!(
            expected_file(Path::new("t/x.c"), "stdout"),
            Path::new("t/x.c.stdout")
        );
        assert_eq!(
            expected_file(Path::new("t/demo"), "stderr"),
            Path::new("t/demo.stderr")
        );
    }

    #[test]
    fn stats_line_parses() {
        let s = stats("x\nbsan: stats: retags=4 accesses=0\n");
        assert_eq!(s["retags"], 4);
        assert_eq!(s["accesses"], 0);
        assert!(check_stats("t", &["retags".into()], "bsan: stats: retags=4\n").is_ok());
        assert!(check_stats("t", &["accesses".into()], "bsan: stats: accesses=0\n").is_err());
    }
}
