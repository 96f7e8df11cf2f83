//! The conformance suite: `tests/conformance/*.rs`, each run in two modes.
//!
//! * **intrinsics**: compiled with `--cfg bsan_intrinsics` against the support crate
//!   (`tests/support`, `bsan_test_support`) built the same way, so its macros emit rustc's
//!   retag intrinsics (`__rust_retag_reg`/`__rust_retag_mem`) at every retag MIR performs,
//!   as nightly rustc's `-Zcodegen-emit-retag` does. bsan must agree with the expected
//!   outcome on every program.
//! * **synthesized**: compiled without the cfg; the macros expand to plain Rust and bsan
//!   synthesizes fn-entry and call-return retags itself. It may miss a bug (declared per
//!   program) but must never report a correct program.
//!
//! Expected outcome of a program `x.rs`, by the shared convention ([`crate::harness`]):
//! `x.rs.stderr` holds the normalized report (exit status 66); without it the program must
//! run clean (exit 0, empty stderr). `x.rs.stdout`, when present, is compared too
//! (intrinsics mode, and synthesized mode of clean programs). Directives in `//@` comments:
//! * `//@ synthesized: missed: <reason>` — synthesized mode is expected to run clean (the bug
//!   needs intra-function retags); the reason is listed in the summary. A declared miss that
//!   is reported is stale and fails.
//! * `//@ synthesized: differs` — synthesized mode reports too, but differently: compare it
//!   with `x.rs.synth.stderr`.
//! * `//@ compile-flags: ...` — extra compiler arguments (both modes).
//!
//! Output is normalized by the shared harness ([`crate::harness::normalize`]). `--bless`
//! rewrites the intrinsics-mode
//! `.stderr`/`.stdout` files only. Programs run two at a time, each killed after two minutes.
//!
//! Compilation: with `bsan-rustc -g --edition 2021 -Ccodegen-units=1` (see [`CODEGEN`]).
//! To save the ~3 s fat-LTO link of the instrumented std per program, the programs of a
//! mode are compiled together, each as a module of one binary (a *batch*, see
//! [`compile_batch`]), and run one by one from it; the output is that of a single compile.
//! Programs a batch cannot hold, and all of them when the batch does not compile or
//! `BSAN_CONFORMANCE_SEPARATE=1` is set, are compiled one by one.
//!
//! `cargo xtask test conformance` runs the whole suite; `cargo xtask test a,b` runs the
//! programs whose names contain `a` or `b`.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use crate::build::Install;
use crate::harness::{self, read_optional, tests_dir, Summary, RUN_TIMEOUT};
use crate::process;

/// Parallel compile-and-run jobs.
const JOBS: usize = 2;

/// One codegen unit: bsan decides per LLVM module whether retags are synthesized (none in a
/// module with explicit intrinsic calls) and synthesizes call-return retags only where the
/// callee is defined in the caller's module, so with rustc's default partitioning the
/// outcome would depend on how a crate happens to be split. One unit makes it depend on the
/// program alone, whether compiled on its own or in a batch.
const CODEGEN: &[&str] = &["-Ccodegen-units=1"];

fn conformance_dir() -> PathBuf {
    tests_dir().join("conformance")
}

fn scratch() -> PathBuf {
    harness::scratch("conformance")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Intrinsics,
    Synthesized,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Intrinsics => "intrinsics",
            Mode::Synthesized => "synthesized",
        }
    }

    fn cfg(self) -> &'static [&'static str] {
        match self {
            Mode::Intrinsics => &["--cfg", "bsan_intrinsics"],
            Mode::Synthesized => &[],
        }
    }
}

/// What synthesized mode is declared to do with a UB program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum SynthExpect {
    /// The same report as intrinsics mode.
    #[default]
    Same,
    /// Runs clean; the reason is printed.
    Missed(String),
    /// Reports, as in `<name>.rs.synth.stderr`.
    Differs,
}

#[derive(Debug, Default)]
struct Directives {
    synth: SynthExpect,
    compile_flags: Vec<String>,
}

fn directives(source: &str) -> Result<Directives, String> {
    let d = harness::directives(source, &["synthesized", "compile-flags"])?;
    let synth = match d.synthesized.as_deref() {
        None => SynthExpect::Same,
        Some("differs") => SynthExpect::Differs,
        Some(value) => match value.strip_prefix("missed:").map(str::trim) {
            Some("") => return Err("`synthesized: missed:` needs a reason".into()),
            Some(reason) => SynthExpect::Missed(reason.to_string()),
            None => {
                return Err(format!(
                    "`synthesized: {value}`: expected `missed: <reason>` or `differs`"
                ))
            }
        },
    };
    Ok(Directives {
        synth,
        compile_flags: d.compile_flags,
    })
}

/// A program's expected files.
struct Program {
    name: String,
    /// Relative to `tests/` (reports name files this way).
    rel: PathBuf,
    path: PathBuf,
    directives: Directives,
    /// Can be a module of a batch ([`batchable`]).
    batchable: bool,
}

impl Program {
    fn expected(&self, suffix: &str) -> PathBuf {
        harness::expected_file(&self.path, suffix)
    }
}

/// One compile-and-run, normalized.
#[derive(Clone, Debug)]
struct Run {
    code: i32,
    stderr: String,
    stdout: String,
}

impl Run {
    fn reported(&self) -> bool {
        self.code == bsan_abi::DEFAULT_EXIT_CODE
    }
}

fn build_support(install: &Install, mode: Mode) -> Result<PathBuf, String> {
    let out = scratch().join(mode.name());
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let src = tests_dir().join("support/src/lib.rs");
    let mut cmd = Command::new(install.bin("bsan-rustc"));
    cmd.args(["--edition", "2021", "--crate-type", "rlib"])
        .args(["--crate-name", "bsan_test_support"])
        .args(mode.cfg())
        .arg(&src)
        .arg("--out-dir")
        .arg(&out);
    let o = process::output(&mut cmd, "building bsan_test_support")?;
    if !o.status.success() {
        return Err(format!(
            "building bsan_test_support ({}):\n{}",
            mode.name(),
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    Ok(out.join("libbsan_test_support.rlib"))
}

fn compile_and_run(
    install: &Install,
    program: &Program,
    mode: Mode,
    support: &Path,
) -> Result<Run, String> {
    let dir = tests_dir();
    let exe = scratch().join(mode.name()).join(&program.name);
    let mut extern_arg = std::ffi::OsString::from("bsan_test_support=");
    extern_arg.push(support);
    let mut compile = Command::new(install.bin("bsan-rustc"));
    compile
        .current_dir(&dir)
        .args(["-g", "--edition", "2021"])
        .args(CODEGEN)
        .args(mode.cfg())
        .arg("--extern")
        .arg(extern_arg)
        .arg(&program.rel)
        .arg("-o")
        .arg(&exe)
        .args(&program.directives.compile_flags);
    let out = process::output(&mut compile, &program.name)?;
    if !out.status.success() {
        return Err(format!(
            "compilation failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut run = Command::new(&exe);
    run.current_dir(&dir).env_remove("BSAN_OPTIONS");
    let out = harness::run_with_timeout(&mut run, RUN_TIMEOUT)?;
    Ok(Run {
        code: out.code,
        stderr: normalize_output(&out.stderr, &dir),
        stdout: normalize_output(&out.stdout, &dir),
    })
}

/// [`harness::normalize`] of raw output.
fn normalize_output(text: &[u8], dir: &Path) -> String {
    harness::normalize(&String::from_utf8_lossy(text), dir)
}

/// The difference between `run` and an expected report (`None` = clean), or `None` if
/// they agree.
fn mismatch(run: &Run, report: Option<&str>, stdout: Option<&str>) -> Option<String> {
    let expected_code = harness::expected_exit(None, report);
    let mut why = Vec::new();
    if run.code != expected_code {
        why.push(format!(
            "exit status {}, expected {expected_code}",
            run.code
        ));
    }
    let report = report.unwrap_or("");
    if run.stderr != report {
        why.push(format!(
            "stderr differs\n--- expected\n{report}--- actual\n{}---",
            run.stderr
        ));
    }
    if let Some(stdout) = stdout {
        if run.stdout != stdout {
            why.push(format!(
                "stdout differs\n--- expected\n{stdout}--- actual\n{}---",
                run.stdout
            ));
        }
    }
    (!why.is_empty()).then(|| why.join("\n"))
}

/// How a synthesized-mode run compares with what the program declares.
#[derive(Debug, PartialEq, Eq)]
enum SynthOutcome {
    Agree,
    /// A declared miss (the program ran clean).
    Missed,
    /// A clean program was reported: the one thing synthesis must never do.
    FalseReport(String),
    /// A UB program ran clean without declaring the miss.
    UndeclaredMiss,
    /// A declared miss is reported now: update the program's directive.
    StaleMiss(String),
    /// Any other difference (another report, another exit status).
    Disagree(String),
}

fn classify_synth(
    run: &Run,
    expect: &SynthExpect,
    report: Option<&str>,
    synth_report: Option<&str>,
    stdout: Option<&str>,
) -> SynthOutcome {
    let Some(report) = report else {
        // A correct program: must be clean.
        return match mismatch(run, None, stdout) {
            None => SynthOutcome::Agree,
            Some(why) if run.reported() => SynthOutcome::FalseReport(why),
            Some(why) => SynthOutcome::Disagree(why),
        };
    };
    let clean = run.code == 0 && run.stderr.is_empty();
    match expect {
        SynthExpect::Missed(_) if clean => SynthOutcome::Missed,
        SynthExpect::Missed(_) => SynthOutcome::StaleMiss(run.stderr.clone()),
        _ if clean => SynthOutcome::UndeclaredMiss,
        SynthExpect::Same => match mismatch(run, Some(report), None) {
            None => SynthOutcome::Agree,
            Some(why) => SynthOutcome::Disagree(why),
        },
        SynthExpect::Differs => match synth_report {
            None => SynthOutcome::Disagree(
                "`synthesized: differs` but no .rs.synth.stderr file".to_string(),
            ),
            Some(expected) => match mismatch(run, Some(expected), None) {
                None => SynthOutcome::Agree,
                Some(why) => SynthOutcome::Disagree(format!("(vs .rs.synth.stderr) {why}")),
            },
        },
    }
}

fn programs(filter: Option<&str>) -> Result<Vec<Program>, String> {
    let dir = conformance_dir();
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    // `conformance` (or no filter) selects every program; otherwise a comma-separated list
    // of substrings of program names.
    let parts: Vec<&str> = match filter {
        None | Some("conformance") => Vec::new(),
        Some(f) => f.split(',').filter(|p| !p.is_empty()).collect(),
    };
    let mut out = Vec::new();
    for path in paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if !parts.is_empty() && !parts.iter().any(|p| name.contains(p)) {
            continue;
        }
        let source = std::fs::read_to_string(&path).map_err(|e| format!("{name}: {e}"))?;
        let directives = directives(&source).map_err(|e| format!("{name}: {e}"))?;
        out.push(Program {
            rel: path.strip_prefix(tests_dir()).unwrap().to_path_buf(),
            batchable: batchable(&name, &source, &directives),
            name,
            path,
            directives,
        });
    }
    Ok(out)
}

/// A compile-and-run: the run, or why there was none (compilation failed, timeout).
type RunResult = Result<Run, String>;

/// One unit of work of [`run_all`].
#[derive(Clone, Copy)]
enum Job {
    /// Compile the batch of a mode (index into the modes).
    Batch(usize),
    /// Run program `p` in mode `m`: from the mode's batch if it has one and the program is
    /// in it, else compiled on its own.
    Program(usize, usize),
}

/// Compile the batches, then run every (program, mode) pair, on [`JOBS`] threads.
fn run_all(
    install: &Install,
    programs: &[Program],
    support: &[(Mode, PathBuf)],
) -> Vec<Vec<RunResult>> {
    let separate = std::env::var_os("BSAN_CONFORMANCE_SEPARATE").is_some_and(|v| v == "1");
    let batched: Vec<&Program> = programs.iter().filter(|p| p.batchable).collect();
    let mut jobs: Vec<Job> = Vec::new();
    if !separate && batched.len() > 1 {
        jobs.extend((0..support.len()).map(Job::Batch));
    }
    jobs.extend(
        (0..programs.len()).flat_map(|p| (0..support.len()).map(move |m| Job::Program(p, m))),
    );
    let next = Mutex::new(0usize);
    // Per mode: the batch executable, once compiled (None: none, or it failed).
    let batches: Vec<Mutex<Option<PathBuf>>> = support.iter().map(|_| Mutex::new(None)).collect();
    // Program jobs of a mode wait until its batch job has finished.
    let batch_done: Vec<(Mutex<bool>, std::sync::Condvar)> = support
        .iter()
        .map(|_| {
            (
                Mutex::new(!jobs.iter().any(|j| matches!(j, Job::Batch(_)))),
                Default::default(),
            )
        })
        .collect();
    let results: Mutex<Vec<Vec<Option<RunResult>>>> =
        Mutex::new(vec![vec![None; support.len()]; programs.len()]);
    std::thread::scope(|s| {
        for _ in 0..JOBS {
            s.spawn(|| loop {
                let job = {
                    let mut n = next.lock().unwrap();
                    let j = jobs.get(*n).copied();
                    *n += 1;
                    j
                };
                match job {
                    None => break,
                    Some(Job::Batch(m)) => {
                        let (mode, rlib) = &support[m];
                        match compile_batch(install, &batched, *mode, rlib) {
                            Ok(exe) => *batches[m].lock().unwrap() = Some(exe),
                            Err(e) => println!(
                                "conformance: the {} batch did not compile, compiling its programs one by one:\n{e}",
                                mode.name()
                            ),
                        }
                        let (done, cv) = &batch_done[m];
                        *done.lock().unwrap() = true;
                        cv.notify_all();
                    }
                    Some(Job::Program(p, m)) => {
                        let (mode, rlib) = &support[m];
                        let (done, cv) = &batch_done[m];
                        let mut d = done.lock().unwrap();
                        while !*d {
                            d = cv.wait(d).unwrap();
                        }
                        drop(d);
                        let batch = batches[m].lock().unwrap().clone();
                        let program = &programs[p];
                        let r = match batch {
                            Some(exe) if program.batchable => {
                                run_from_batch(&exe, program, *mode)
                            }
                            _ => compile_and_run(install, program, *mode, rlib),
                        };
                        results.lock().unwrap()[p][m] = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|row| row.into_iter().map(Option::unwrap).collect())
        .collect()
}

// Batches: every program of a mode compiled as a module of one binary.
//
// Almost all of a program's compile time is the fat-LTO link of the instrumented standard
// library (about 3 s here), the same for every program; a batch pays it once per mode.
// Each module is the program's file `include!`d verbatim, so its code, spans and debug info
// (with `--remap-path-prefix`, file names relative to `tests/` as for a single compile) are
// the program's own; the binary is run through a symlink named after the program, which
// selects the module (and keeps the process and thread names of a single compile). Output
// differs from a single compile only in the crate name in item paths
// (`bsan_conformance::x::main` for `x::main`) and in two backtrace frames in the generated
// file, and both are normalized away. Programs with inner attributes, `compile-flags` or a
// name that is not an identifier are compiled on their own; if the batch does not
// compile, all are. `BSAN_CONFORMANCE_SEPARATE=1` compiles every program on its own.

/// The crate name of a batch.
const BATCH_CRATE: &str = "bsan_conformance";

/// Whether a program can be a module of a batch.
fn batchable(name: &str, source: &str, d: &Directives) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else",
        "enum", "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match",
        "mod", "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "try", "type", "unsafe", "use", "where", "while", "yield",
    ];
    let ident = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name);
    // `include!` cannot take inner attributes (`#![..]`, `//!`).
    let inner_attributes = source.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("#![") || l.starts_with("//!")
    });
    ident && !inner_attributes && d.compile_flags.is_empty() && source.contains("fn main(")
}

fn batch_dir(mode: Mode) -> PathBuf {
    scratch().join(mode.name()).join("batch")
}

/// The generated crate root of a batch.
fn batch_source(programs: &[&Program]) -> String {
    let mut s = String::from(
        "// Generated by `cargo xtask test conformance`: one module per program, chosen by\n\
         // the name this binary is run as.\n\
         #![allow(warnings)]\n",
    );
    for p in programs {
        s.push_str(&format!(
            "mod {name} {{\n    include!({path:?});\n    \
             pub fn __bsan_run() -> impl std::process::Termination {{\n        main()\n    }}\n}}\n",
            name = p.name,
            path = p.path.display().to_string(),
        ));
    }
    s.push_str(
        "fn main() -> std::process::ExitCode {\n    \
         let argv0 = std::env::args_os().next().unwrap_or_default();\n    \
         let name = std::path::Path::new(&argv0).file_name().and_then(|n| n.to_str()).unwrap_or(\"\").to_string();\n    \
         match name.as_str() {\n",
    );
    for p in programs {
        s.push_str(&format!(
            "        {name:?} => std::process::Termination::report({name}::__bsan_run()),\n",
            name = p.name
        ));
    }
    s.push_str(
        "        other => {\n            eprintln!(\"no conformance program {other:?}\");\n            \
         std::process::ExitCode::from(2)\n        }\n    }\n}\n",
    );
    s
}

/// Compile the batch of `mode`; returns the executable.
fn compile_batch(
    install: &Install,
    programs: &[&Program],
    mode: Mode,
    support: &Path,
) -> Result<PathBuf, String> {
    let dir = batch_dir(mode);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let root = dir.join(format!("{BATCH_CRATE}.rs"));
    std::fs::write(&root, batch_source(programs))
        .map_err(|e| format!("{}: {e}", root.display()))?;
    let exe = dir.join(BATCH_CRATE);
    let mut extern_arg = std::ffi::OsString::from("bsan_test_support=");
    extern_arg.push(support);
    let mut remap = std::ffi::OsString::from("--remap-path-prefix=");
    remap.push(tests_dir());
    remap.push("/=");
    let mut compile = Command::new(install.bin("bsan-rustc"));
    compile
        .current_dir(tests_dir())
        .args(["-g", "--edition", "2021", "--crate-name", BATCH_CRATE])
        .args(CODEGEN)
        .args(mode.cfg())
        .arg("--extern")
        .arg(extern_arg)
        .arg(remap)
        .arg(&root)
        .arg("-o")
        .arg(&exe);
    let out = process::output(&mut compile, "compiling a conformance batch")?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(exe)
}

/// Run `program` from the batch executable `exe`, through a symlink named after it.
fn run_from_batch(exe: &Path, program: &Program, mode: Mode) -> RunResult {
    let link = batch_dir(mode).join(&program.name);
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(exe, &link).map_err(|e| format!("{}: {e}", link.display()))?;
    let dir = tests_dir();
    let mut run = Command::new(&link);
    run.current_dir(&dir).env_remove("BSAN_OPTIONS");
    let out = harness::run_with_timeout(&mut run, RUN_TIMEOUT)?;
    Ok(Run {
        code: out.code,
        stderr: unbatch(&normalize_output(&out.stderr, &dir)),
        stdout: unbatch(&normalize_output(&out.stdout, &dir)),
    })
}

/// Output of a batch as that of a single compile: without the crate name in item paths and
/// without the backtrace frames in the generated crate root (the module's wrapper and the
/// dispatching `main`).
fn unbatch(text: &str) -> String {
    let root = format!("{BATCH_CRATE}.rs");
    let prefix = format!("{BATCH_CRATE}::");
    text.lines()
        .filter(|l| !l.contains(&root))
        .map(|l| l.replace(&prefix, "") + "\n")
        .collect()
}

#[derive(Default)]
struct Counts {
    intrinsics_agree: usize,
    intrinsics_disagree: usize,
    synth_agree: usize,
    synth_missed: usize,
    synth_false: usize,
}

pub fn run(
    install: &Install,
    bless: bool,
    filter: Option<&str>,
    summary: &mut Summary,
) -> Result<(), String> {
    let programs = programs(filter)?;
    if programs.is_empty() {
        return Ok(());
    }
    println!(
        "\nconformance tests: {} programs x 2 modes, {JOBS} jobs",
        programs.len()
    );
    let start = Instant::now();
    let modes = [Mode::Intrinsics, Mode::Synthesized];
    let mut support = Vec::new();
    for mode in modes {
        support.push((mode, build_support(install, mode)?));
    }
    let results = run_all(install, &programs, &support);
    let elapsed = start.elapsed();

    let mut counts = Counts::default();
    let mut missed: Vec<(String, String)> = Vec::new();
    for (program, runs) in programs.iter().zip(results) {
        let name = &program.name;
        let report = read_optional(&program.expected("stderr"));
        let stdout = read_optional(&program.expected("stdout"));
        let synth_report = read_optional(&program.expected("synth.stderr"));
        let mut failures: Vec<String> = Vec::new();

        // Intrinsics mode.
        match &runs[0] {
            Err(e) => {
                counts.intrinsics_disagree += 1;
                failures.push(format!("intrinsics: {e}"));
            }
            Ok(run) if bless => {
                harness::write_expected(&program.expected("stderr"), &run.stderr)?;
                if stdout.is_some() {
                    harness::write_expected(&program.expected("stdout"), &run.stdout)?;
                }
                counts.intrinsics_agree += 1;
            }
            Ok(run) => match mismatch(run, report.as_deref(), stdout.as_deref()) {
                None => counts.intrinsics_agree += 1,
                Some(why) => {
                    counts.intrinsics_disagree += 1;
                    failures.push(format!("intrinsics: disagrees: {why}"));
                }
            },
        }
        // After blessing, the synthesized mode is judged against the new expectation.
        let report = if bless {
            read_optional(&program.expected("stderr"))
        } else {
            report
        };
        if report.is_none() && program.directives.synth != SynthExpect::Same {
            failures.push("a `synthesized:` directive on a program expected to run clean".into());
        }

        // Synthesized mode.
        match &runs[1] {
            Err(e) => failures.push(format!("synthesized: {e}")),
            Ok(run) => {
                let synth_stdout = if report.is_none() {
                    stdout.as_deref()
                } else {
                    None
                };
                match classify_synth(
                    run,
                    &program.directives.synth,
                    report.as_deref(),
                    synth_report.as_deref(),
                    synth_stdout,
                ) {
                    SynthOutcome::Agree => counts.synth_agree += 1,
                    SynthOutcome::Missed => {
                        counts.synth_missed += 1;
                        if let SynthExpect::Missed(reason) = &program.directives.synth {
                            missed.push((name.clone(), reason.clone()));
                        }
                    }
                    SynthOutcome::UndeclaredMiss => {
                        counts.synth_missed += 1;
                        missed.push((name.clone(), "UNDECLARED".into()));
                        failures.push(
                            "synthesized: runs clean, but no `//@ synthesized: missed: <reason>`"
                                .into(),
                        );
                    }
                    SynthOutcome::FalseReport(why) => {
                        counts.synth_false += 1;
                        failures.push(format!("synthesized: FALSE REPORT: {why}"));
                    }
                    SynthOutcome::StaleMiss(report) => failures.push(format!(
                        "synthesized: declared missed but reported now (update the directive):\n{report}"
                    )),
                    SynthOutcome::Disagree(why) => {
                        failures.push(format!("synthesized: disagrees: {why}"))
                    }
                }
            }
        }

        let outcome = if failures.is_empty() {
            Ok(())
        } else {
            Err(failures
                .iter()
                .map(|f| format!("  {f}"))
                .collect::<Vec<_>>()
                .join("\n"))
        };
        summary.record("conformance", name, outcome);
    }

    println!();
    println!(
        "conformance (intrinsics): {} agree, {} disagree",
        counts.intrinsics_agree, counts.intrinsics_disagree
    );
    println!(
        "conformance (synthesized): {} agree, {} missed, {} false reports",
        counts.synth_agree, counts.synth_missed, counts.synth_false
    );
    if !missed.is_empty() {
        println!("missed in synthesized mode:");
        for (name, reason) in &missed {
            println!("  {name}: {reason}");
        }
    }
    println!(
        "conformance: {} runs in {:.1}s ({JOBS} jobs)",
        programs.len() * modes.len(),
        elapsed.as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(code: i32, stderr: &str) -> Run {
        Run {
            code,
            stderr: stderr.into(),
            stdout: String::new(),
        }
    }

    #[test]
    fn batches_hold_plain_programs_only() {
        let d = Directives::default();
        assert!(batchable("raw_a", "use x;\nfn main() {}\n", &d));
        assert!(!batchable("raw_a", "#![allow(unused)]\nfn main() {}\n", &d));
        assert!(!batchable("raw_a", "//! docs\nfn main() {}\n", &d));
        assert!(!batchable("match", "fn main() {}\n", &d));
        assert!(!batchable("1st", "fn main() {}\n", &d));
        assert!(!batchable("a-b", "fn main() {}\n", &d));
        let flags = Directives {
            compile_flags: vec!["-Cpanic=abort".into()],
            ..Directives::default()
        };
        assert!(!batchable("raw_a", "fn main() {}\n", &flags));
    }

    #[test]
    fn batch_output_reads_like_a_single_compile() {
        let text = "  0: bsan_conformance::raw_a::main at conformance/raw_a.rs:3:5\n  \
                    1: bsan_conformance::raw_a::__bsan_run at /t/bsan_conformance.rs:4:9\n\
                    SUMMARY: BorrowSanitizer: x conformance/raw_a.rs:3 in bsan_conformance::raw_a::main\n";
        assert_eq!(
            unbatch(text),
            "  0: raw_a::main at conformance/raw_a.rs:3:5\n\
             SUMMARY: BorrowSanitizer: x conformance/raw_a.rs:3 in raw_a::main\n"
        );
    }

    #[test]
    fn directives_parse() {
        let d =
            directives("//@ synthesized: missed: needs `let y = &mut *x`\nfn main(){}").unwrap();
        assert_eq!(
            d.synth,
            SynthExpect::Missed("needs `let y = &mut *x`".into())
        );
        assert_eq!(
            directives("//@ synthesized: differs").unwrap().synth,
            SynthExpect::Differs
        );
        assert!(directives("//@ synthesized: missed:").is_err());
        assert!(directives("//@ synthesized: maybe").is_err());
        assert!(directives("//@ exit: 3").is_err());
    }

    #[test]
    fn clean_programs_must_stay_clean() {
        let same = SynthExpect::Same;
        assert_eq!(
            classify_synth(&run(0, ""), &same, None, None, None),
            SynthOutcome::Agree
        );
        assert!(matches!(
            classify_synth(
                &run(66, "SUMMARY: BorrowSanitizer: UB\n"),
                &same,
                None,
                None,
                None
            ),
            SynthOutcome::FalseReport(_)
        ));
        assert!(matches!(
            classify_synth(&run(101, "panic\n"), &same, None, None, None),
            SynthOutcome::Disagree(_)
        ));
    }

    #[test]
    fn misses_must_be_declared_and_current() {
        let missed = SynthExpect::Missed("why".into());
        let report = Some("SUMMARY: BorrowSanitizer: UB\n");
        assert_eq!(
            classify_synth(&run(0, ""), &missed, report, None, None),
            SynthOutcome::Missed
        );
        assert!(matches!(
            classify_synth(
                &run(66, "SUMMARY: BorrowSanitizer: UB\n"),
                &missed,
                report,
                None,
                None
            ),
            SynthOutcome::StaleMiss(_)
        ));
        assert_eq!(
            classify_synth(&run(0, ""), &SynthExpect::Same, report, None, None),
            SynthOutcome::UndeclaredMiss
        );
    }

    #[test]
    fn reports_compare_with_the_right_file() {
        let report = Some("SUMMARY: BorrowSanitizer: A\n");
        let same = SynthExpect::Same;
        assert_eq!(
            classify_synth(
                &run(66, "SUMMARY: BorrowSanitizer: A\n"),
                &same,
                report,
                None,
                None
            ),
            SynthOutcome::Agree
        );
        assert!(matches!(
            classify_synth(
                &run(66, "SUMMARY: BorrowSanitizer: B\n"),
                &same,
                report,
                None,
                None
            ),
            SynthOutcome::Disagree(_)
        ));
        let differs = SynthExpect::Differs;
        assert_eq!(
            classify_synth(
                &run(66, "SUMMARY: BorrowSanitizer: B\n"),
                &differs,
                report,
                Some("SUMMARY: BorrowSanitizer: B\n"),
                None
            ),
            SynthOutcome::Agree
        );
        assert!(matches!(
            classify_synth(
                &run(66, "SUMMARY: BorrowSanitizer: B\n"),
                &differs,
                report,
                None,
                None
            ),
            SynthOutcome::Disagree(_)
        ));
    }
}
