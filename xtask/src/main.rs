//! `cargo xtask <verb>`: the only way in, for developers and CI alike.
//!
//! * `build`  — check/install prerequisites, build pass, runtime and drivers into `target/bsan/`
//! * `demo`   — build, then instrument and run the bundled example with an aliasing bug
//! * `ci`     — what CI runs: `cargo fmt --check`, clippy with `-D warnings`, the tidy rules of
//!   `ci.rs`, then `test`
//! * `test [--bless] [FILTER]` — unit tests, IR tests (opt-22 + FileCheck-22), end-to-end tests,
//!   the conformance suite (`test conformance` runs only it; `--bless` writes its
//!   intrinsics-mode expectations)
//! * `bench <tree|overhead|crates|ignorelist>` — benchmarks printing ratios against a baseline from the
//!   same run; `bench crates [NAME...]` runs real crates' test suites natively, under bsan and
//!   under ASan
mod bench;
mod build;
mod ci;
mod conformance;
mod e2e;
mod harness;
mod process;

use std::path::PathBuf;

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent")
        .to_path_buf()
}

const USAGE: &str =
    "usage: cargo xtask <build | demo | ci | test [--bless] [FILTER] | bench <tree|overhead [--instructions]|crates [NAME...]|ignorelist>>";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => build::build().map(|_| ()),
        Some("ci") => ci::run(),
        Some("demo") => build::build().and_then(|install| e2e::demo(&install)),
        Some("test") => {
            let bless = args.iter().any(|a| a == "--bless");
            let filter = args.iter().skip(1).find(|a| !a.starts_with("--")).cloned();
            build::build().and_then(|install| run_tests(&install, bless, filter.as_deref()))
        }
        Some("bench") => match args.get(1).map(String::as_str) {
            Some("tree") => bench::tree(),
            Some("overhead") => {
                build::build().and_then(|install| bench::overhead(&install, &args[2..]))
            }
            Some("crates") => {
                build::build().and_then(|install| bench::crates(&install, &args[2..]))
            }
            Some("ignorelist") => {
                build::build().and_then(|install| bench::ignorelist(&install, &args[2..]))
            }
            _ => Err(format!("unknown benchmark; {USAGE}")),
        },
        _ => Err(USAGE.to_string()),
    };
    if let Err(e) = result {
        eprintln!("xtask: error: {e}");
        std::process::exit(1);
    }
}

fn run_tests(install: &build::Install, bless: bool, filter: Option<&str>) -> Result<(), String> {
    let mut summary = harness::Summary::default();
    if filter.is_none() {
        process::run(
            process::cargo()
                .args([
                    "test",
                    "--release",
                    "-p",
                    "bsan-abi",
                    "-p",
                    "bsan-tree",
                    "-p",
                    "bsan-rt",
                ])
                .args(["-p", "bsan-shim", "-p", "bsan-rustc-wrapper", "-p", "xtask"])
                // IR tests: `.ll` files with RUN lines through opt-22 + FileCheck-22, run by
                // these packages' test runners against target/release/libbsan_pass.so.
                .args(["-p", "bsan-pass", "-p", "bsan-synthesize"]),
            "unit and IR tests",
        )?;
    }
    e2e::run(install, bless, filter, &mut summary)?;
    conformance::run(install, bless, filter, &mut summary)?;
    println!();
    println!(
        "bsan suites: {} passed, {} failed",
        summary.passed,
        summary.failed.len()
    );
    if !summary.failed.is_empty() {
        for f in &summary.failed {
            println!("  FAILED: {f}");
        }
        return Err(format!("{} test(s) failed", summary.failed.len()));
    }
    Ok(())
}
