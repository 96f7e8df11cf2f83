//! `bsan-cc` / `bsan-c++` (the same binary; the name decides the language): clang-22 with the
//! bsan pass, debug info and, when linking, the runtime.
use bsan_rustc_wrapper::{clang, exit_with, install::Install, DriverError};
use std::ffi::OsString;

fn main() {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let name = std::path::Path::new(&argv0)
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let cxx = name.contains("++");
    let tool = if cxx { "bsan-c++" } else { "bsan-cc" };
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let run = || -> Result<i32, DriverError> {
        let install = Install::locate()?;
        let status = clang::command(&install, cxx, &args)?
            .status()
            .map_err(|e| DriverError::new(format!("cannot run clang: {e}")))?;
        Ok(status.code().unwrap_or(1))
    };
    match run() {
        Ok(code) => std::process::exit(code),
        Err(e) => exit_with(tool, e),
    }
}
