//! `bsan-rustc <rustc args>`: rustc with the bsan pass and runtime, for single files
//! (`bsan-rustc -g x.rs -o x`), like `miri x.rs`. A leading `+toolchain` selects a rustup
//! toolchain; `BSAN_RUSTC` overrides the rustc binary.
//!
//! `bsan-rustc [+toolchain] --print-retag-source` compiles nothing: it prints where retags
//! will come from for that toolchain (`intrinsics` or `synthesized`, see
//! `bsan_rustc_wrapper::retags`) on stdout and why on stderr. It honours `BSAN_RETAGS` and
//! answers for `cargo bsan` with the same toolchain too.
use bsan_rustc_wrapper::retags::{Retags, PRINT_OPTION};
use bsan_rustc_wrapper::{exit_with, install::Install, rustc, toolchain::Rustc, DriverError};
use std::ffi::OsString;

fn main() {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let toolchain = match args.first().map(|a| a.to_string_lossy().into_owned()) {
        Some(tc) if tc.starts_with('+') => {
            args.remove(0);
            Some(tc[1..].to_string())
        }
        _ => None,
    };
    let path = std::env::var_os("BSAN_RUSTC").unwrap_or_else(|| "rustc".into());
    let run = || -> Result<i32, DriverError> {
        if args.iter().any(|a| a == PRINT_OPTION) {
            let rustc = Rustc::probe(path, toolchain)?;
            let decision = Retags::from_env()?.decide(&rustc)?;
            println!("{}", decision.source.as_str());
            eprintln!("bsan-rustc: {}", decision.reason);
            return Ok(0);
        }
        let install = Install::locate()?;
        let rustc = Rustc::probe(path, toolchain)?;
        let retags = Retags::from_env()?;
        let status = rustc::instrumented_command(&rustc, &install, &args, &retags)?
            .status()
            .map_err(|e| DriverError::new(format!("cannot run rustc: {e}")))?;
        Ok(status.code().unwrap_or(1))
    };
    match run() {
        Ok(code) => std::process::exit(code),
        Err(e) => exit_with("bsan-rustc", e),
    }
}
