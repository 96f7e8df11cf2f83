//! Errors of the drivers: every fallible step says what it tried and what to do about it.
use std::fmt;

/// A driver failure with the context needed to fix it.
#[derive(Debug)]
pub struct DriverError {
    pub message: String,
}

impl DriverError {
    pub fn new(message: impl Into<String>) -> Self {
        DriverError {
            message: message.into(),
        }
    }
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DriverError {}

/// Print `bsan: error: ...` and exit with status 2 (usage or setup errors; distinct from the
/// report exit status 66 and from the compiler's own failures, which are passed through).
pub fn exit_with(tool: &str, err: DriverError) -> ! {
    eprintln!("{tool}: error: {err}");
    std::process::exit(2)
}
