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

/// `cargo xtask bench overhead`: the std-heavy test program, plain debug build vs bsan.
pub fn overhead(install: &Install) -> Result<(), String> {
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
    Ok(())
}
