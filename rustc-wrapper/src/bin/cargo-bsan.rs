//! `cargo bsan <run|test|build>`; see `bsan_rustc_wrapper::cargo` for the phases.
use bsan_rustc_wrapper::cargo::{self, CrateRole, Phase, CARGO_CRATE_NAME_ENV, WRAPPER_ENV};
use bsan_rustc_wrapper::retags::Retags;
use bsan_rustc_wrapper::{exit_with, install::Install, rustc, toolchain::Rustc, DriverError};
use std::ffi::OsString;

fn run() -> Result<i32, DriverError> {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let in_wrapper = std::env::var_os(WRAPPER_ENV).is_some();
    let install = Install::locate()?;
    let status = match cargo::phase(args, in_wrapper)? {
        Phase::Cargo { subcommand, args } => {
            let rustc_path = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
            let rustc = Rustc::probe(rustc_path, None)?;
            // Decided once here: a bad BSAN_RETAGS, or `intrinsics` on a toolchain without
            // the flag, fails before cargo starts, and the probe's answer is cached before
            // cargo runs many wrapper processes in parallel.
            Retags::from_env()?.decide(&rustc)?;
            let me = std::env::current_exe()
                .map_err(|e| DriverError::new(format!("cannot find cargo-bsan itself: {e}")))?;
            cargo::cargo_command(subcommand, &args, &rustc, &install, &me)?.status()
        }
        Phase::Rustc { rustc: path, args }
            if cargo::is_version_query(
                &args,
                std::env::var_os(cargo::BUILD_SCRIPT_ENV).is_some(),
            ) =>
        {
            let out = std::process::Command::new(&path)
                .args(&args)
                .output()
                .map_err(|e| DriverError::new(format!("cannot run rustc -vV: {e}")))?;
            use std::io::Write;
            let mut stdout = std::io::stdout();
            let _ = stdout.write_all(&out.stdout);
            if out.status.success() {
                let _ = writeln!(stdout, "bsan-fingerprint: {}", cargo::fingerprint(&install));
            }
            let _ = std::io::stderr().write_all(&out.stderr);
            return Ok(out.status.code().unwrap_or(1));
        }
        Phase::Rustc { rustc: path, args } => {
            let launched_by_cargo = std::env::var_os(CARGO_CRATE_NAME_ENV).is_some();
            match cargo::crate_role(&args, launched_by_cargo) {
                CrateRole::Target => {
                    let rustc = Rustc::probe(path, None)?;
                    rustc::instrumented_command(&rustc, &install, &args, &Retags::from_env()?)?
                        .status()
                }
                CrateRole::Host | CrateRole::Probe => {
                    std::process::Command::new(path).args(&args).status()
                }
            }
        }
    };
    let status =
        status.map_err(|e| DriverError::new(format!("cannot run the child process: {e}")))?;
    Ok(status.code().unwrap_or(1))
}

fn main() {
    match run() {
        Ok(code) => std::process::exit(code),
        Err(e) => exit_with("cargo-bsan", e),
    }
}
