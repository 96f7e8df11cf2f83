//! `cargo xtask bench ignorelist [--runs N]`: what the built-in ignorelist saves when tests
//! panic under `RUST_BACKTRACE=1`.
//!
//! A generated crate with ten `#[should_panic]` tests (each panic prints a symbolized
//! backtrace) is built natively, with bsan, and with bsan and `BSAN_IGNORELIST_DEFAULT=0`; its
//! test binary runs `--runs` times in each build with `RUST_BACKTRACE=1` (and once more
//! unset, for scale), interleaved. Prints medians of time and peak RSS, and the ratios.
use super::measure::measure;
use super::median;
use crate::build::Install;
use crate::process::{self, user_cargo};
use crate::workspace_root;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const MANIFEST: &str = "[package]\nname = \"panics\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                        publish = false\n\n[workspace]\n";

const LIB: &str = r#"//! Ten tests that panic (an index out of bounds), one that passes.
pub fn pick(v: &[u32], i: usize) -> u32 {
    v[i]
}

#[cfg(test)]
mod tests {
    macro_rules! panicking {
        ($($name:ident)*) => {$(
            #[test]
            #[should_panic]
            fn $name() {
                let v: Vec<u32> = (0..3).collect();
                super::pick(&v, 7);
            }
        )*};
    }
    panicking!(p0 p1 p2 p3 p4 p5 p6 p7 p8 p9);

    #[test]
    fn fine() {
        assert_eq!(super::pick(&[1, 2], 1), 2);
    }
}
"#;

struct Build {
    name: &'static str,
    exe: PathBuf,
}

fn build(dir: &Path, install: &Install, name: &'static str) -> Result<Build, String> {
    let mut cmd = user_cargo();
    cmd.current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join(format!("target-{name}")))
        .env_remove("BSAN_IGNORELIST");
    match name {
        "native" => {
            cmd.arg("test");
        }
        _ => {
            let path = std::env::join_paths(std::iter::once(install.bin_dir()).chain(
                std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
            ))
            .map_err(|e| e.to_string())?;
            cmd.env("PATH", path).args(["bsan", "test"]);
            if name == "bsan-no-list" {
                cmd.env("BSAN_IGNORELIST_DEFAULT", "0");
            } else {
                cmd.env_remove("BSAN_IGNORELIST_DEFAULT");
            }
        }
    }
    cmd.args([
        "--lib",
        "--no-run",
        "--message-format=json-render-diagnostics",
    ]);
    cmd.stderr(Stdio::inherit());
    let out = process::output(&mut cmd, name)?;
    if !out.status.success() {
        return Err(format!("{name} build failed ({})", out.status));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let exe = stdout
        .split("\"executable\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .ok_or_else(|| format!("{name}: cargo named no test executable"))?;
    Ok(Build {
        name,
        exe: PathBuf::from(exe),
    })
}

pub fn ignorelist(install: &Install, args: &[String]) -> Result<(), String> {
    let runs: usize = match args {
        [] => 5,
        [flag, n] if flag == "--runs" => n
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or("--runs needs a positive number")?,
        _ => return Err("usage: cargo xtask bench ignorelist [--runs N]".into()),
    };
    let dir = workspace_root().join("target").join("bench").join("panics");
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("Cargo.toml"), MANIFEST).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("src/lib.rs"), LIB).map_err(|e| e.to_string())?;
    let builds = [
        build(&dir, install, "native")?,
        build(&dir, install, "bsan")?,
        build(&dir, install, "bsan-no-list")?,
    ];
    let mut results = Vec::new();
    for backtrace in [Some("1"), None] {
        let n = if backtrace.is_some() { runs } else { 1 };
        let mut secs = vec![Vec::new(); builds.len()];
        let mut rss = vec![Vec::new(); builds.len()];
        for _ in 0..n {
            for (i, b) in builds.iter().enumerate() {
                let mut cmd = Command::new(&b.exe);
                cmd.arg("-q")
                    .current_dir(&dir)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .env_remove("BSAN_OPTIONS")
                    .env_remove("RUST_BACKTRACE");
                if let Some(bt) = backtrace {
                    cmd.env("RUST_BACKTRACE", bt);
                }
                let m = measure(&mut cmd, Duration::from_secs(600), u64::MAX)?;
                if m.exit_code() != Some(0) {
                    return Err(format!("{}: the test binary failed ({m:?})", b.name));
                }
                secs[i].push(m.secs);
                rss[i].push(m.peak_rss_kb as f64);
            }
        }
        results.push((backtrace, n, secs, rss));
    }
    println!("ten panicking tests + one passing (medians):");
    for (backtrace, n, secs, rss) in results {
        let s: Vec<f64> = secs.into_iter().map(median).collect();
        let r: Vec<f64> = rss.into_iter().map(median).collect();
        println!(
            "RUST_BACKTRACE={} ({n} runs):",
            backtrace.unwrap_or("unset")
        );
        for (i, b) in builds.iter().enumerate() {
            println!(
                "  {:<13} {:>8.3} s  {:>7.1}x native   peak RSS {:>7.1} MB  {:>6.1}x native",
                b.name,
                s[i],
                s[i] / s[0],
                r[i] / 1024.0,
                r[i] / r[0]
            );
        }
        println!(
            "  the built-in ignorelist: {:.1}x faster, {:.1}x less memory",
            s[2] / s[1],
            r[2] / r[1]
        );
    }
    Ok(())
}
