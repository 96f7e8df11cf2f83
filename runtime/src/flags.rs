//! Run-time flags: one table (name, type, default, doc), read from `BSAN_OPTIONS`.
//!
//! Syntax as in the compiler-rt sanitizers: `name=value` pairs separated by `:`, `,` or
//! whitespace, e.g. `BSAN_OPTIONS=stats=1:exitcode=23`. Booleans accept `1/0`, `true/false`,
//! `yes/no`. An unknown name or a malformed value is an error (`bsan: error: ...`, exit
//! status 1) rather than being silently ignored. `help=1` prints the table and continues.

use std::fmt::Write as _;

/// A value type a flag can have.
trait FlagValue: Sized {
    const TYPE_NAME: &'static str;
    fn parse(s: &str) -> Option<Self>;
    fn show(&self) -> String;
}

impl FlagValue for bool {
    const TYPE_NAME: &'static str = "bool";
    fn parse(s: &str) -> Option<bool> {
        match s {
            "1" | "true" | "yes" => Some(true),
            "0" | "false" | "no" => Some(false),
            _ => None,
        }
    }
    fn show(&self) -> String {
        u8::from(*self).to_string()
    }
}

impl FlagValue for i32 {
    const TYPE_NAME: &'static str = "int";
    fn parse(s: &str) -> Option<i32> {
        s.parse().ok()
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl FlagValue for usize {
    const TYPE_NAME: &'static str = "uint";
    fn parse(s: &str) -> Option<usize> {
        s.parse().ok()
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

/// One row of the flag table.
#[derive(Clone, Debug)]
pub struct FlagInfo {
    pub name: &'static str,
    pub ty: &'static str,
    pub default: String,
    pub doc: &'static str,
}

macro_rules! flags {
    ($( $name:ident : $ty:ty = $default:expr, $doc:literal; )*) => {
        /// The runtime's flags (see the module documentation).
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct Flags { $( #[doc = $doc] pub $name: $ty, )* }

        impl Default for Flags {
            fn default() -> Flags { Flags { $( $name: $default, )* } }
        }

        /// The flag table, with defaults rendered.
        pub fn table() -> Vec<FlagInfo> {
            let d = Flags::default();
            vec![ $( FlagInfo {
                name: stringify!($name),
                ty: <$ty as FlagValue>::TYPE_NAME,
                default: FlagValue::show(&d.$name),
                doc: $doc,
            }, )* ]
        }

        impl Flags {
            fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
                match name {
                    $( stringify!($name) => {
                        self.$name = <$ty as FlagValue>::parse(value).ok_or_else(|| format!(
                            "invalid value `{value}` for flag `{name}` (expected {})",
                            <$ty as FlagValue>::TYPE_NAME,
                        ))?;
                    } )*
                    _ => return Err(format!(
                        "unknown flag `{name}` (BSAN_OPTIONS=help=1 lists the flags)"
                    )),
                }
                Ok(())
            }
        }
    };
}

flags! {
    help: bool = false,
        "print this table of flags to stderr and continue";
    stats: bool = false,
        "print runtime counters (`bsan: stats: ...`) at exit and before a report exits";
    exitcode: i32 = bsan_abi::DEFAULT_EXIT_CODE,
        "exit status of a program stopped by a report";
    abort_on_error: bool = false,
        "after a report, call abort() (core dump, debugger) instead of _exit(exitcode)";
    report_internal_errors: bool = false,
        "stop with an internal error on provenance naming no allocation record (a bug in the pass) instead of ignoring it";
    symbolize: bool = true,
        "symbolize report locations with the program's debug info (0: print raw addresses)";
    max_backtrace_frames: usize = 32,
        "maximum number of frames in a report's stack backtrace";
    gc: bool = true,
        "prune tags no pointer holds from the trees of long-lived allocations (0: trees only shrink when freed)";
    fast_path: bool = true,
        "let instrumented code skip the runtime call of an access to an allocation without a tree (0: every access check calls the runtime, and stats=1 counts them all)";
    max_metadata_mb: usize = 0,
        "memory bsan's own state (trees, tags, records) may use before the program stops with `bsan: out of memory for metadata` (0: half of physical memory)";
}

impl Flags {
    /// Parses a `BSAN_OPTIONS` string over the defaults.
    pub fn parse(options: &str) -> Result<Flags, String> {
        let mut flags = Flags::default();
        for item in options
            .split(|c: char| c == ':' || c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| format!("malformed option `{item}` (expected name=value)"))?;
            flags.set(name, value)?;
        }
        Ok(flags)
    }
}

/// The table as printed by `help=1`.
pub fn help_text() -> String {
    let mut out = String::from("bsan: flags (BSAN_OPTIONS=name=value:name=value...):\n");
    for f in table() {
        let _ = writeln!(
            out,
            "  {:<24} {:<5} default {:<4} {}",
            f.name, f.ty, f.default, f.doc
        );
    }
    out
}

/// The flags of this process: `BSAN_OPTIONS` parsed, or `bsan: error: ...` and exit(1).
pub fn from_env() -> Flags {
    let options = crate::sys::getenv("BSAN_OPTIONS").unwrap_or_default();
    match Flags::parse(&options) {
        Ok(flags) => {
            if flags.help {
                crate::sys::write_stderr(help_text().as_bytes());
            }
            flags
        }
        Err(msg) => {
            crate::sys::write_stderr(format!("bsan: error: BSAN_OPTIONS: {msg}\n").as_bytes());
            crate::sys::exit(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let f = Flags::parse("").unwrap();
        assert_eq!(f, Flags::default());
        assert_eq!(f.exitcode, 66);
        assert!(!f.stats && f.symbolize);
    }

    #[test]
    fn separators_and_values() {
        let f = Flags::parse("stats=1:exitcode=23, abort_on_error=true\tsymbolize=no").unwrap();
        assert!(f.stats && f.abort_on_error && !f.symbolize);
        assert_eq!(f.exitcode, 23);
        assert_eq!(Flags::parse("exitcode=-1").unwrap().exitcode, -1);
    }

    #[test]
    fn errors_are_clear() {
        let e = Flags::parse("nope=1").unwrap_err();
        assert!(e.contains("unknown flag `nope`"), "{e}");
        let e = Flags::parse("stats=maybe").unwrap_err();
        assert!(e.contains("invalid value `maybe` for flag `stats`"), "{e}");
        let e = Flags::parse("stats").unwrap_err();
        assert!(e.contains("expected name=value"), "{e}");
        assert!(Flags::parse("max_backtrace_frames=-3").is_err());
    }

    #[test]
    fn help_lists_every_flag_with_its_default() {
        let h = help_text();
        for f in table() {
            assert!(h.contains(f.name) && h.contains(f.doc), "{}", f.name);
        }
        assert!(h.contains("exitcode") && h.contains("66"));
    }
}
