//! Running child processes with context in every error.
use std::process::{Command, Output};

/// `cargo` as invoked by the user (`CARGO` when run through cargo).
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(crate::workspace_root());
    cmd
}

/// Run to completion with inherited output; an unsuccessful exit is an error naming `what`.
pub fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("{what}: cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Run and capture.
pub fn output(cmd: &mut Command, what: &str) -> Result<Output, String> {
    cmd.output()
        .map_err(|e| format!("{what}: cannot run {cmd:?}: {e}"))
}

/// Whether `program` can be run (`--version` succeeds).
pub fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `cargo` as a user runs it in their own project (through rustup's proxy): none of the
/// variables cargo set for xtask itself, which would pin xtask's toolchain and cargo binary.
pub fn user_cargo() -> Command {
    let mut cmd = Command::new("cargo");
    for var in [
        "CARGO",
        "RUSTC",
        "RUSTC_WRAPPER",
        "RUSTUP_TOOLCHAIN",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// The host triple of the default rustc.
pub fn host_triple() -> Result<String, String> {
    let out = output(Command::new("rustc").arg("-vV"), "rustc -vV")?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_string)
        .ok_or_else(|| "rustc -vV printed no host".to_string())
}
