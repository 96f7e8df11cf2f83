//! Benchmarks. Every number is printed next to a baseline measured in the same run.
mod corpus;
mod crates;
mod ignorelist;
mod measure;

use crate::build::Install;
use crate::process;
use crate::workspace_root;
pub use crates::crates;
pub use ignorelist::ignorelist;
use std::process::Command;
use std::time::Instant;

/// `cargo xtask bench tree`: the Tree Borrows core against its naive reference model.
pub fn tree() -> Result<(), String> {
    process::run(
        process::cargo().args(["run", "--release", "-p", "bsan-tree", "--example", "bench"]),
        "tree benchmark",
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// `cargo xtask bench overhead [--instructions]`: the std-heavy test program, then the
/// kernels of `xtask/bench/kernels.rs`, plain debug build vs bsan; with `--instructions`,
/// also the kernels' instructions per iteration under valgrind's callgrind, which do not
/// move with the machine's load as times do (an A/B of a change to one kernel's cost is
/// readable there to a percent, where times vary by a quarter between runs here).
pub fn overhead(install: &Install, args: &[String]) -> Result<(), String> {
    let instructions = match args {
        [] => false,
        [a] if a == "--instructions" => true,
        _ => {
            return Err(format!(
                "bench overhead: unknown arguments {args:?} (expected nothing or --instructions)"
            ))
        }
    };
    let dir = workspace_root().join("tests");
    let rel = "rust/pass/std_heavy.rs";
    let out = workspace_root().join("target/bench");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let plain = out.join("std_heavy-plain");
    let bsan = out.join("std_heavy-bsan");
    process::run(
        Command::new("rustc")
            .current_dir(&dir)
            .args(["-g", "--edition", "2021", rel, "-o"])
            .arg(&plain),
        "plain build",
    )?;
    process::run(
        Command::new(install.bin("bsan-rustc"))
            .current_dir(&dir)
            .args(["-g", "--edition", "2021", rel, "-o"])
            .arg(&bsan),
        "bsan build",
    )?;
    let time = |exe: &std::path::Path| -> Result<f64, String> {
        let t = Instant::now();
        let o = Command::new(exe)
            .current_dir(&dir)
            .output()
            .map_err(|e| e.to_string())?;
        if !o.status.success() {
            return Err(format!(
                "{} failed: {}",
                exe.display(),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        Ok(t.elapsed().as_secs_f64())
    };
    let runs = 7;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        a.push(time(&plain)?);
        b.push(time(&bsan)?);
    }
    let (ma, mb) = (median(a), median(b));
    println!(
        "std_heavy ({runs} runs, medians): plain debug {:.1} ms, bsan {:.1} ms, ratio {:.2}x",
        ma * 1e3,
        mb * 1e3,
        mb / ma
    );
    kernels(install, &out, instructions)
}

/// The kernels of `xtask/bench/kernels.rs` (one common operation each): nanoseconds per
/// iteration, plain debug build vs bsan, medians of runs alternating between the two.
fn kernels(install: &Install, out: &std::path::Path, instructions: bool) -> Result<(), String> {
    const KERNELS: &[(&str, u64)] = &[
        ("range_loop", 2_000_000),
        ("bump_mut", 2_000_000),
        ("vec_push", 1_000_000),
        ("slice_sum", 2_000_000),
        ("vec_index", 1_000_000),
        ("max_ref", 2_000_000),
        ("array_fill", 200_000),
        ("hash_one", 100_000),
        ("hashset_insert", 100_000),
        ("format", 50_000),
    ];
    let src = workspace_root().join("xtask/bench/kernels.rs");
    let plain = out.join("kernels-plain");
    let bsan = out.join("kernels-bsan");
    process::run(
        Command::new("rustc")
            .args(["-g", "--edition", "2021"])
            .arg(&src)
            .arg("-o")
            .arg(&plain),
        "plain build of the kernels",
    )?;
    process::run(
        Command::new(install.bin("bsan-rustc"))
            .args(["-g", "--edition", "2021"])
            .arg(&src)
            .arg("-o")
            .arg(&bsan),
        "bsan build of the kernels",
    )?;
    let per_iter = |exe: &std::path::Path, name: &str, n: u64| -> Result<f64, String> {
        let o = Command::new(exe)
            .args([name, &n.to_string()])
            .output()
            .map_err(|e| e.to_string())?;
        let stdout = String::from_utf8_lossy(&o.stdout);
        match stdout.split_whitespace().collect::<Vec<_>>()[..] {
            [k, ns] if o.status.success() && k == name => ns
                .parse::<f64>()
                .map_err(|e| format!("{}: bad output `{stdout}`: {e}", exe.display())),
            _ => Err(format!(
                "{} {name} failed: {}{}",
                exe.display(),
                stdout,
                String::from_utf8_lossy(&o.stderr)
            )),
        }
    };
    let runs = 5;
    println!("kernels ({runs} runs, medians, ns per iteration):");
    print_kernel_header();
    let mut ratios = Vec::new();
    for &(name, n) in KERNELS {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            a.push(per_iter(&plain, name, n)?);
            b.push(per_iter(&bsan, name, n)?);
        }
        let (ma, mb) = (median(a), median(b));
        ratios.push(mb / ma);
        println!("  {name:<16} {ma:>10.1} {mb:>10.1} {:>7.1}x", mb / ma);
    }
    println!(
        "  geomean ratio {:.1}x",
        crates::geomean(&ratios).unwrap_or(f64::NAN)
    );
    if instructions {
        kernel_instructions(&plain, &bsan, KERNELS)?;
    }
    Ok(())
}

/// The column heads of both kernel tables.
fn print_kernel_header() {
    println!(
        "  {:<16} {:>10} {:>10} {:>8}",
        "kernel", "plain", "bsan", "ratio"
    );
}

/// Instructions per iteration of each kernel, plain vs bsan, counted by callgrind: the
/// difference between runs of `n` and `2n` iterations over `n`, so that start-up and
/// exit cancel out (`n` is a hundredth of the timed runs' count: callgrind runs code about
/// 50 times slower).
fn kernel_instructions(
    plain: &std::path::Path,
    bsan: &std::path::Path,
    kernels: &[(&str, u64)],
) -> Result<(), String> {
    let collected = |exe: &std::path::Path, name: &str, n: u64| -> Result<u64, String> {
        let o = Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(exe)
            .args([name, &n.to_string()])
            .output()
            .map_err(|e| format!("valgrind (apt-get install valgrind): {e}"))?;
        let stderr = String::from_utf8_lossy(&o.stderr);
        stderr
            .lines()
            .find_map(|l| {
                l.split_once("Collected : ")
                    .map(|(_, n)| n.trim().to_string())
            })
            .and_then(|n| n.parse().ok())
            .filter(|_| o.status.success())
            .ok_or_else(|| {
                format!(
                    "callgrind of {} {name} {n} failed:\n{stderr}",
                    exe.display()
                )
            })
    };
    let per_iter = |exe: &std::path::Path, name: &str, n: u64| -> Result<f64, String> {
        let (one, two) = (collected(exe, name, n)?, collected(exe, name, 2 * n)?);
        Ok(two.saturating_sub(one) as f64 / n as f64)
    };
    println!("kernels (instructions per iteration, callgrind):");
    print_kernel_header();
    let mut ratios = Vec::new();
    for &(name, n) in kernels {
        let n = (n / 100).max(100);
        let (a, b) = (per_iter(plain, name, n)?, per_iter(bsan, name, n)?);
        ratios.push(b / a);
        println!("  {name:<16} {a:>10.0} {b:>10.0} {:>7.1}x", b / a);
    }
    println!(
        "  geomean ratio {:.1}x",
        crates::geomean(&ratios).unwrap_or(f64::NAN)
    );
    Ok(())
}
