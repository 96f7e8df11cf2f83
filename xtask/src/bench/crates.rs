//! `cargo xtask bench crates [NAME...] [--runs N] [--timeout SECS] [--backtrace unset|1|both]`:
//! real test suites (the [`corpus`](super::corpus)) natively, under bsan and under ASan.
//!
//! For each crate: fetch it at its pinned version with cargo itself (an exact-version
//! dependency of a scratch package, `cargo fetch`; `cargo update --precise` for a yanked one),
//! copy its sources out of cargo's registry (an empty `[workspace]` table keeps it out of ours),
//! resolve its dev-dependencies, and build `--lib --tests` once per mode:
//! * `native`: `cargo test` (debug profile), the baseline of every ratio;
//! * `bsan`:   `cargo bsan test`;
//! * `asan`:   `RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Zsanitizer=address cargo test --target <host>`.
//!
//! Then every test binary runs from the package root, the three modes interleaved run by run,
//! each `--runs` times (median time; peak RSS from `wait4`), with `RUST_BACKTRACE` unset and
//! `=1`. A run that exceeds `--timeout` or `--max-rss-mb` is killed and marked. Each crate
//! gets one row per backtrace setting (tests passed per mode, seconds, ratios, peak RSS ratio,
//! whether bsan reported), then a geomean line; everything also goes to
//! `target/bench-crates/results.csv`, and the last run's output of each binary to
//! `target/bench-crates/logs/`. A benchmark, not a test: not part of `cargo xtask test`.
use super::corpus::{Crate, CORPUS};
use super::measure::{measure, Killed};
use super::median;
use crate::build::Install;
use crate::process::{self, host_triple, user_cargo};
use crate::workspace_root;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Native,
    Bsan,
    Asan,
}

const MODES: [Mode; 3] = [Mode::Native, Mode::Bsan, Mode::Asan];

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Native => "native",
            Mode::Bsan => "bsan",
            Mode::Asan => "asan",
        }
    }
}

struct Options {
    names: Vec<String>,
    runs: usize,
    timeout: Duration,
    max_rss_kb: u64,
    backtraces: Vec<Option<&'static str>>,
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        names: Vec::new(),
        runs: 3,
        timeout: Duration::from_secs(600),
        max_rss_kb: 12 * 1024 * 1024,
        backtraces: vec![None, Some("1")],
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match a.as_str() {
            "--runs" => {
                o.runs = value("--runs")?
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or("--runs needs a positive number")?
            }
            "--timeout" => {
                o.timeout = Duration::from_secs(
                    value("--timeout")?
                        .parse()
                        .map_err(|_| "--timeout needs seconds")?,
                )
            }
            "--max-rss-mb" => {
                o.max_rss_kb = value("--max-rss-mb")?
                    .parse::<u64>()
                    .map_err(|_| "--max-rss-mb needs a number")?
                    * 1024
            }
            "--backtrace" => {
                o.backtraces = match value("--backtrace")?.as_str() {
                    "unset" => vec![None],
                    "1" => vec![Some("1")],
                    "both" => vec![None, Some("1")],
                    other => return Err(format!("--backtrace unset|1|both, not `{other}`")),
                }
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            name => {
                if !CORPUS.iter().any(|c| c.suite == name) {
                    let known: Vec<_> = CORPUS.iter().map(|c| c.suite).collect();
                    return Err(format!(
                        "`{name}` is not in the corpus ({})",
                        known.join(", ")
                    ));
                }
                o.names.push(name.to_string());
            }
        }
    }
    Ok(o)
}

fn bench_dir() -> PathBuf {
    workspace_root().join("target").join("bench-crates")
}

/// Fetch `krate` at its pinned version; returns the package root of a private copy.
fn prepare(krate: &Crate) -> Result<PathBuf, String> {
    let root = bench_dir().join("src").join(krate.suite);
    let copy = root.join(format!("{}-{}", krate.package, krate.version));
    if copy.join(".bsan-ready").exists() {
        return Ok(copy);
    }
    let fetch = root.join("fetch");
    std::fs::create_dir_all(fetch.join("src")).map_err(|e| e.to_string())?;
    let requirement = if krate.yanked {
        krate.version.to_string()
    } else {
        format!("={}", krate.version)
    };
    std::fs::write(
        fetch.join("Cargo.toml"),
        format!(
            "[package]\nname = \"bsan-corpus-fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n[dependencies]\n{} = \"{requirement}\"\n\n[workspace]\n",
            krate.package
        ),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(fetch.join("src/lib.rs"), "").map_err(|e| e.to_string())?;
    process::run(
        user_cargo().arg("generate-lockfile").current_dir(&fetch),
        &format!("{}: cargo generate-lockfile", krate.suite),
    )?;
    if krate.yanked {
        process::run(
            user_cargo()
                .args(["update", "-p", krate.package, "--precise", krate.version])
                .current_dir(&fetch),
            &format!("{}: cargo update --precise {}", krate.suite, krate.version),
        )?;
    }
    process::run(
        user_cargo().arg("fetch").current_dir(&fetch),
        &format!("{}: cargo fetch", krate.suite),
    )?;
    // Where cargo unpacked it: `cargo metadata` names the manifest path.
    let meta = process::output(
        user_cargo()
            .args(["metadata", "--format-version=1"])
            .current_dir(&fetch),
        "cargo metadata",
    )?;
    let meta = String::from_utf8_lossy(&meta.stdout);
    let needle = format!("{}-{}/Cargo.toml", krate.package, krate.version);
    let manifest = json_strings(&meta, "manifest_path")
        .into_iter()
        .find(|p| p.ends_with(&needle))
        .ok_or_else(|| format!("{}: cargo metadata does not list {needle}", krate.suite))?;
    let source = Path::new(&manifest).parent().unwrap().to_path_buf();
    let _ = std::fs::remove_dir_all(&copy);
    process::run(
        Command::new("cp").arg("-r").arg(&source).arg(&copy),
        "copy the crate's sources",
    )?;
    // Its own workspace, outside bsan's (target/ is inside this repository).
    let manifest = copy.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    if !text.contains("\n[workspace]") {
        text.push_str("\n[workspace]\n");
        std::fs::write(&manifest, text).map_err(|e| e.to_string())?;
    }
    if !copy.join("Cargo.lock").exists() {
        process::run(
            user_cargo().arg("generate-lockfile").current_dir(&copy),
            &format!("{}: resolve dev-dependencies", krate.suite),
        )?;
    }
    std::fs::write(copy.join(".bsan-ready"), "").map_err(|e| e.to_string())?;
    Ok(copy)
}

/// All string values of `"key":"..."` in cargo's JSON (no escapes occur in paths we read).
fn json_strings(json: &str, key: &str) -> Vec<String> {
    let pat = format!("\"{key}\":\"");
    let mut out = Vec::new();
    let mut rest = json;
    while let Some(i) = rest.find(&pat) {
        rest = &rest[i + pat.len()..];
        if let Some(end) = rest.find('"') {
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

/// Build the crate's `--lib --tests` in `mode`; returns the test executables.
fn build(
    krate: &Crate,
    dir: &Path,
    mode: Mode,
    install: &Install,
    host: &str,
) -> Result<Vec<PathBuf>, String> {
    let mut cmd = user_cargo();
    cmd.current_dir(dir).env(
        "CARGO_TARGET_DIR",
        dir.join(format!("target-{}", mode.name())),
    );
    match mode {
        Mode::Native => {
            cmd.arg("test");
        }
        Mode::Bsan => {
            let path = std::env::join_paths(std::iter::once(install.bin_dir()).chain(
                std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
            ))
            .map_err(|e| e.to_string())?;
            cmd.env("PATH", path).args(["bsan", "test"]);
        }
        Mode::Asan => {
            cmd.env("RUSTC_BOOTSTRAP", "1")
                .env("RUSTFLAGS", "-Zsanitizer=address")
                .args(["test", "--target", host]);
        }
    }
    cmd.args([
        "--lib",
        "--tests",
        "--no-run",
        "--message-format=json-render-diagnostics",
    ]);
    cmd.stderr(Stdio::inherit());
    let what = format!("{}: {} build", krate.suite, mode.name());
    let out = process::output(&mut cmd, &what)?;
    if !out.status.success() {
        return Err(format!("{what} failed ({})", out.status));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut exes: Vec<PathBuf> = json_strings(&stdout, "executable")
        .into_iter()
        .map(PathBuf::from)
        .collect();
    exes.sort();
    exes.dedup();
    Ok(exes)
}

/// One run of one test binary.
#[derive(Clone, Debug, Default)]
struct Run {
    secs: f64,
    peak_rss_kb: u64,
    passed: u64,
    failed: u64,
    /// bsan printed a report (or exited with its status).
    reported: bool,
    timed_out: bool,
    rss_killed: bool,
    /// The binary exited unsuccessfully for any reason.
    unsuccessful: bool,
}

fn run_binary(
    exe: &Path,
    cwd: &Path,
    krate: &Crate,
    backtrace: Option<&str>,
    opts: &Options,
    log: &Path,
) -> Result<Run, String> {
    let stdout_path = log.with_extension("stdout");
    let stderr_path = log.with_extension("stderr");
    let stdout = std::fs::File::create(&stdout_path).map_err(|e| e.to_string())?;
    let stderr = std::fs::File::create(&stderr_path).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.current_dir(cwd)
        .stdout(stdout)
        .stderr(stderr)
        .stdin(Stdio::null());
    cmd.env_remove("RUST_BACKTRACE").env_remove("BSAN_OPTIONS");
    if let Some(bt) = backtrace {
        cmd.env("RUST_BACKTRACE", bt);
    }
    for s in krate.skip {
        cmd.args(["--skip", s.test]);
    }
    let m = measure(&mut cmd, opts.timeout, opts.max_rss_kb)
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    let out = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let mut run = Run {
        secs: m.secs,
        peak_rss_kb: m.peak_rss_kb,
        ..Run::default()
    };
    for line in out.lines() {
        if let Some(rest) = line
            .strip_prefix("test result: ok. ")
            .or_else(|| line.strip_prefix("test result: FAILED. "))
        {
            let num = |label: &str| -> u64 {
                rest.split(';')
                    .find_map(|p| p.trim().strip_suffix(label))
                    .and_then(|n| n.trim().parse().ok())
                    .unwrap_or(0)
            };
            run.passed += num(" passed");
            run.failed += num(" failed");
        }
    }
    run.unsuccessful = m.exit_code() != Some(0);
    run.reported = err.contains("SUMMARY: BorrowSanitizer")
        || m.exit_code() == Some(bsan_abi::DEFAULT_EXIT_CODE);
    match m.killed {
        Some(Killed::Timeout) => run.timed_out = true,
        Some(Killed::Rss) => run.rss_killed = true,
        None => {}
    }
    Ok(run)
}

/// A suite's result in one mode and backtrace setting: per-run sums over its binaries.
#[derive(Default, Clone)]
struct SuiteResult {
    /// Median over runs of the summed time of all binaries.
    secs: f64,
    /// Largest peak RSS of any binary, median over runs.
    peak_rss_kb: u64,
    passed: u64,
    failed: u64,
    reported: bool,
    problems: Vec<String>,
}

fn summarize(per_run: &[Vec<(String, Run)>]) -> SuiteResult {
    let secs = median(
        per_run
            .iter()
            .map(|bins| bins.iter().map(|(_, r)| r.secs).sum())
            .collect(),
    );
    let rss = median(
        per_run
            .iter()
            .map(|bins| bins.iter().map(|(_, r)| r.peak_rss_kb).max().unwrap_or(0) as f64)
            .collect(),
    ) as u64;
    let last = per_run.last().cloned().unwrap_or_default();
    let mut res = SuiteResult {
        secs,
        peak_rss_kb: rss,
        passed: last.iter().map(|(_, r)| r.passed).sum(),
        failed: last.iter().map(|(_, r)| r.failed).sum(),
        reported: per_run.iter().flatten().any(|(_, r)| r.reported),
        problems: Vec::new(),
    };
    for (name, r) in per_run.iter().flatten() {
        let p = if r.timed_out {
            format!("{name}: timeout")
        } else if r.rss_killed {
            format!("{name}: killed over RSS limit")
        } else if r.reported {
            format!("{name}: bsan report")
        } else if r.unsuccessful {
            format!("{name}: failed")
        } else {
            continue;
        };
        if !res.problems.contains(&p) {
            res.problems.push(p);
        }
    }
    res
}

/// The real-crates issue's memory bound for one test binary: its bsan peak RSS may be at
/// most this many times the native one, plus [`RSS_BOUND_SLACK_KB`].
const RSS_BOUND_FACTOR: u64 = 4;
const RSS_BOUND_SLACK_KB: u64 = 64 * 1024;

/// The bsan binaries whose peak RSS (median over runs) exceeds the bound against the
/// native binary of the same name, as problems for the table.
fn over_memory_bound(native: &[Vec<(String, Run)>], bsan: &[Vec<(String, Run)>]) -> Vec<String> {
    let peak = |runs: &[Vec<(String, Run)>], name: &str| -> Option<u64> {
        let v: Vec<f64> = runs
            .iter()
            .flatten()
            .filter(|(n, _)| n == name)
            .map(|(_, r)| r.peak_rss_kb as f64)
            .collect();
        (!v.is_empty()).then(|| median(v) as u64)
    };
    let mut names: Vec<&str> = bsan.iter().flatten().map(|(n, _)| n.as_str()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (n, b) = (peak(native, name)?, peak(bsan, name)?);
            let bound = RSS_BOUND_FACTOR * n + RSS_BOUND_SLACK_KB;
            (b > bound).then(|| {
                format!(
                    "{name}: peak RSS {:.1} MB over 4x native + 64 MB ({:.1} MB)",
                    b as f64 / 1024.0,
                    bound as f64 / 1024.0
                )
            })
        })
        .collect()
}

struct Row {
    suite: &'static str,
    backtrace: &'static str,
    modes: Vec<SuiteResult>,
}

pub fn crates(install: &Install, args: &[String]) -> Result<(), String> {
    let opts = parse_options(args)?;
    let host = host_triple()?;
    let selected: Vec<&Crate> = CORPUS
        .iter()
        .filter(|c| opts.names.is_empty() || opts.names.iter().any(|n| n == c.suite))
        .collect();
    let mut rows: Vec<Row> = Vec::new();
    for krate in selected {
        println!("== {} {} {}", krate.suite, krate.package, krate.version);
        for s in krate.skip {
            println!("   skipping `{}`: {}", s.test, s.reason);
        }
        let dir = prepare(krate)?;
        let mut exes = Vec::new();
        let mut build_failed = None;
        for mode in MODES {
            match build(krate, &dir, mode, install, &host) {
                Ok(e) => exes.push(e),
                Err(e) => {
                    build_failed = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = build_failed {
            println!("   {e}");
            for bt in &opts.backtraces {
                let failed = SuiteResult {
                    problems: vec![e.clone()],
                    ..SuiteResult::default()
                };
                rows.push(Row {
                    suite: krate.suite,
                    backtrace: bt.unwrap_or("unset"),
                    modes: vec![failed.clone(), failed.clone(), failed],
                });
            }
            continue;
        }
        let logs = bench_dir().join("logs").join(krate.suite);
        std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
        for bt in &opts.backtraces {
            let mut per_mode: Vec<Vec<Vec<(String, Run)>>> = vec![Vec::new(); MODES.len()];
            for _ in 0..opts.runs {
                for (m, mode) in MODES.iter().enumerate() {
                    let mut bins = Vec::new();
                    for exe in &exes[m] {
                        let name = exe
                            .file_name()
                            .unwrap()
                            .to_string_lossy()
                            .rsplit_once('-')
                            .map_or_else(|| "?".to_string(), |(n, _)| n.to_string());
                        let log = logs.join(format!(
                            "{name}.{}.bt-{}.log",
                            mode.name(),
                            bt.unwrap_or("unset")
                        ));
                        let r = run_binary(exe, &dir, krate, *bt, &opts, &log)?;
                        bins.push((name, r));
                    }
                    per_mode[m].push(bins);
                }
            }
            let mut modes: Vec<SuiteResult> = per_mode.iter().map(|r| summarize(r)).collect();
            modes[1]
                .problems
                .extend(over_memory_bound(&per_mode[0], &per_mode[1]));
            let row = Row {
                suite: krate.suite,
                backtrace: bt.unwrap_or("unset"),
                modes,
            };
            println!("{}", format_row(&row));
            rows.push(row);
        }
    }
    println!();
    print_table(&rows, &opts);
    write_csv(&rows)?;
    Ok(())
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (a > 0.0 && b > 0.0).then(|| a / b)
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".to_string(), |r| format!("{r:.1}x"))
}

const HEADER: &str = "suite                  RUST_BT  tests n/b/a       native s   bsan s   asan s  bsan/nat  asan/nat  rss nat MB  rss bsan MB  rss ratio  bsan";

fn format_row(row: &Row) -> String {
    let [n, b, a] = [&row.modes[0], &row.modes[1], &row.modes[2]];
    let status = if !b.problems.is_empty() || !n.problems.is_empty() {
        b.problems
            .iter()
            .chain(n.problems.iter())
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    } else if n.passed != b.passed {
        format!("{} tests fewer passed", n.passed as i64 - b.passed as i64)
    } else {
        "clean".to_string()
    };
    format!(
        "{:<22} {:<7}  {:>5}/{:>5}/{:>5}  {:>8.2} {:>8.2} {:>8.2}  {:>8}  {:>8}  {:>10.1}  {:>11.1}  {:>9}  {}",
        row.suite,
        row.backtrace,
        n.passed,
        b.passed,
        a.passed,
        n.secs,
        b.secs,
        a.secs,
        fmt_ratio(ratio(b.secs, n.secs)),
        fmt_ratio(ratio(a.secs, n.secs)),
        n.peak_rss_kb as f64 / 1024.0,
        b.peak_rss_kb as f64 / 1024.0,
        fmt_ratio(ratio(b.peak_rss_kb as f64, n.peak_rss_kb as f64)),
        status
    )
}

pub(super) fn geomean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp())
}

fn print_table(rows: &[Row], opts: &Options) {
    println!("{HEADER}");
    for bt in &opts.backtraces {
        let bt = bt.unwrap_or("unset");
        let mine: Vec<&Row> = rows.iter().filter(|r| r.backtrace == bt).collect();
        for r in &mine {
            println!("{}", format_row(r));
        }
        let collect = |m: usize| -> Vec<f64> {
            mine.iter()
                .filter(|r| r.modes.iter().all(|s| s.problems.is_empty()))
                .filter_map(|r| ratio(r.modes[m].secs, r.modes[0].secs))
                .collect()
        };
        let (b, a) = (collect(1), collect(2));
        let max_b = b
            .iter()
            .cloned()
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
        println!(
            "geomean (RUST_BACKTRACE={bt}, {} suites with timings in all modes): bsan/native {}, asan/native {}, worst bsan/native {}",
            b.len(),
            fmt_ratio(geomean(&b)),
            fmt_ratio(geomean(&a)),
            fmt_ratio(max_b)
        );
    }
}

fn write_csv(rows: &[Row]) -> Result<(), String> {
    let mut csv = String::from(
        "suite,rust_backtrace,mode,seconds,peak_rss_kb,passed,failed,bsan_reported,problems\n",
    );
    for r in rows {
        for (m, s) in MODES.iter().zip(&r.modes) {
            let _ = writeln!(
                csv,
                "{},{},{},{:.4},{},{},{},{},\"{}\"",
                r.suite,
                r.backtrace,
                m.name(),
                s.secs,
                s.peak_rss_kb,
                s.passed,
                s.failed,
                s.reported,
                s.problems.join("; ").replace('"', "'")
            );
        }
    }
    let path = bench_dir().join("results.csv");
    std::fs::write(&path, csv).map_err(|e| e.to_string())?;
    println!("results: {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_bound_is_per_binary() {
        let run = |name: &str, mb: u64| {
            (
                name.to_string(),
                Run {
                    peak_rss_kb: mb * 1024,
                    ..Run::default()
                },
            )
        };
        // `a` is within 4 x 10 + 64 MB; `b` is not, though the suite's largest native
        // binary (`a`) would allow it.
        let native = vec![vec![run("a", 100), run("b", 10)]];
        let bsan = vec![vec![run("a", 400), run("b", 105)]];
        let p = over_memory_bound(&native, &bsan);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("b: peak RSS 105.0 MB"), "{p:?}");
        assert!(over_memory_bound(&native, &[vec![run("b", 104)]]).is_empty());
    }

    #[test]
    fn options() {
        let o = parse_options(&["bytes".into(), "--runs".into(), "5".into()]).unwrap();
        assert_eq!((o.names.len(), o.runs), (1, 5));
        assert!(parse_options(&["nonesuch".into()]).is_err());
        assert!(parse_options(&["--runs".into(), "0".into()]).is_err());
        assert!(parse_options(&["--backtrace".into(), "full".into()]).is_err());
    }

    #[test]
    fn json_values() {
        let j = r#"{"executable":"/a/b-1"}{"executable":null}{"executable":"/c"}"#;
        assert_eq!(json_strings(j, "executable"), ["/a/b-1", "/c"]);
    }

    #[test]
    fn geomean_of_ratios() {
        assert!((geomean(&[2.0, 8.0]).unwrap() - 4.0).abs() < 1e-9);
        assert_eq!(geomean(&[]), None);
    }
}
