//! One rustc invocation, read and extended with bsan's flags.
use crate::install::Install;
use crate::retags::{self, Retags, Source};
use crate::toolchain::Rustc;
use crate::DriverError;
use std::ffi::OsString;
use std::process::Command;

/// What an argument list asks rustc to produce.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invocation {
    pub crate_types: Vec<String>,
    pub test_harness: bool,
    pub target: Option<String>,
    pub has_lto: bool,
    /// rustc is asked a question (`-vV`, `--print`) or compiles nothing.
    pub is_query: bool,
}

/// Crate types whose link happens in this rustc call (so it must include the runtime).
const LINKED_HERE: &[&str] = &["bin", "cdylib", "dylib"];
/// Crate types that are final artifacts (fat LTO makes their module whole, std included).
const FINAL: &[&str] = &["bin", "cdylib", "staticlib"];

impl Invocation {
    pub fn parse(args: &[OsString]) -> Invocation {
        let mut inv = Invocation::default();
        let args: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let mut has_input = false;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            let mut value = |flag: &str| -> Option<String> {
                if a == flag {
                    i += 1;
                    args.get(i).cloned()
                } else {
                    a.strip_prefix(flag)
                        .and_then(|v| v.strip_prefix('='))
                        .map(str::to_string)
                }
            };
            if let Some(v) = value("--crate-type") {
                inv.crate_types.extend(v.split(',').map(str::to_string));
            } else if let Some(v) = value("--target") {
                inv.target = Some(v);
            } else if a == "--test" {
                inv.test_harness = true;
            } else if a == "-vV" || a == "-V" || a == "--version" || a.starts_with("--print") {
                inv.is_query = true;
            } else if a == "-C" || a == "--codegen" {
                if args.get(i + 1).is_some_and(|v| v.starts_with("lto")) {
                    inv.has_lto = true;
                }
                i += 1;
            } else if a.starts_with("-Clto") {
                inv.has_lto = true;
            } else if !a.starts_with('-') && (a.ends_with(".rs") || a == "-") {
                has_input = true;
            }
            i += 1;
        }
        if !has_input {
            inv.is_query = true;
        }
        inv
    }

    fn types(&self) -> Vec<&str> {
        if self.test_harness {
            return vec!["bin"];
        }
        if self.crate_types.is_empty() {
            return vec!["bin"];
        }
        self.crate_types.iter().map(String::as_str).collect()
    }

    /// Never instrumented: proc-macros run inside the compiler.
    pub fn is_proc_macro(&self) -> bool {
        self.crate_types.iter().any(|t| t == "proc-macro")
    }

    /// Produces an artifact whose LTO module the pass instruments.
    pub fn is_final(&self) -> bool {
        self.types().iter().any(|t| FINAL.contains(t))
    }

    /// Links an executable or shared object here, so the runtime goes in.
    pub fn links_runtime(&self) -> bool {
        self.types().iter().any(|t| LINKED_HERE.contains(t))
    }
}

/// One codegen unit per instrumented crate, for synthesized retags (see [`instrument_args`]).
pub const SINGLE_CODEGEN_UNIT: &str = "-Ccodegen-units=1";

/// The extra arguments for an instrumented compile of `inv` whose retags come from `retags`.
pub fn instrument_args(inv: &Invocation, install: &Install, retags: Source) -> Vec<OsString> {
    let mut out: Vec<OsString> = Vec::new();
    if retags == Source::Intrinsics {
        out.push(retags::EMIT_RETAG_FLAG.into());
    } else {
        // Call-return retags are synthesized only for callees whose debug info the module
        // has (`pass/synthesize/src/call_return.rs`), and a callee in another codegen unit
        // of the same crate is a bare declaration there: which results got a retag
        // depended on how rustc partitioned the crate (itertools' `KMergeBy::next` lost
        // the one of `Vec::index_mut`). One unit per crate makes it the crate's functions.
        out.push(SINGLE_CODEGEN_UNIT.into());
    }
    let mut plugin = OsString::from("-Zllvm-plugins=");
    plugin.push(install.plugin());
    out.push(plugin);
    out.push("-Cdebuginfo=2".into());
    // Protectors are scoped to LLVM functions: an optimizer that inlines a callee with a
    // protected retag would stretch the protector to the caller's return (false reports).
    // Until lowering scopes inlined protectors, instrumented code is compiled unoptimized.
    out.push("-Copt-level=0".into());
    if inv.is_final() && !inv.has_lto {
        out.push("-Clto=fat".into());
    }
    if inv.links_runtime() {
        let mut dir = OsString::from("native=");
        dir.push(install.lib_dir());
        out.push("-L".into());
        out.push(dir);
        out.push("-lstatic=bsan_rt".into());
    }
    out
}

/// A rustc command that compiles `args` with instrumentation. Only a compile that is
/// instrumented (not a query, not a proc-macro) decides the retag source, so only such a
/// compile may probe rustc ([`Retags::decide`]).
pub fn instrumented_command(
    rustc: &Rustc,
    install: &Install,
    args: &[OsString],
    retags: &Retags,
) -> Result<Command, DriverError> {
    let inv = Invocation::parse(args);
    let mut cmd = rustc.command();
    cmd.args(args);
    if !inv.is_query && !inv.is_proc_macro() {
        let source = if retags::has_emit_retag_flag(args) {
            // The user's own `-Zcodegen-emit-retag[=options]` stays; the wrapper adds none.
            Source::Synthesized
        } else {
            retags.decide(rustc)?.source
        };
        cmd.args(instrument_args(&inv, install, source));
        cmd.env("BSAN_PASS_MODE", "rustc");
        if !rustc.nightly {
            // -Zllvm-plugins (and -Zcodegen-emit-retag) are unstable; only this rustc
            // process is unlocked.
            cmd.env("RUSTC_BOOTSTRAP", "1");
        }
    }
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Invocation {
        Invocation::parse(&s.split_whitespace().map(OsString::from).collect::<Vec<_>>())
    }

    #[test]
    fn single_file_is_a_final_binary() {
        let inv = parse("-g x.rs -o x");
        assert!(inv.is_final() && inv.links_runtime() && !inv.is_query);
    }

    #[test]
    fn rlib_is_not_final() {
        let inv =
            parse("--crate-name foo --crate-type lib src/lib.rs --target x86_64-unknown-linux-gnu");
        assert!(!inv.is_final() && !inv.links_runtime());
        assert_eq!(inv.target.as_deref(), Some("x86_64-unknown-linux-gnu"));
    }

    #[test]
    fn test_harness_links_runtime() {
        let inv = parse("--crate-name foo --test src/lib.rs");
        assert!(inv.is_final() && inv.links_runtime());
    }

    #[test]
    fn staticlib_is_final_but_not_linked_here() {
        let inv = parse("--crate-type=staticlib src/lib.rs");
        assert!(inv.is_final() && !inv.links_runtime());
    }

    #[test]
    fn queries_are_recognised() {
        assert!(parse("-vV").is_query);
        assert!(parse("- --crate-name ___ --print=file-names --crate-type bin").is_query);
    }

    #[test]
    fn existing_lto_is_respected() {
        assert!(parse("-C lto=fat x.rs").has_lto);
        assert!(parse("-Clto=thin x.rs").has_lto);
    }

    fn install() -> Install {
        Install {
            root: "/opt/bsan".into(),
        }
    }

    #[test]
    fn emit_retag_flag_only_for_intrinsics() {
        let inv = parse("--crate-type lib src/lib.rs");
        let flag = OsString::from(retags::EMIT_RETAG_FLAG);
        assert!(instrument_args(&inv, &install(), Source::Intrinsics).contains(&flag));
        assert!(!instrument_args(&inv, &install(), Source::Synthesized).contains(&flag));
        let one = OsString::from(SINGLE_CODEGEN_UNIT);
        assert!(instrument_args(&inv, &install(), Source::Synthesized).contains(&one));
        assert!(!instrument_args(&inv, &install(), Source::Intrinsics).contains(&one));
    }

    fn fake_rustc() -> Rustc {
        let text = "rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\nhost: \
                    x86_64-unknown-linux-gnu\nrelease: 1.95.0\nLLVM version: 22.1.2\n";
        // A path that cannot run: any probe would fail loudly in the assertions below.
        Rustc::from_version_output("/nonexistent/rustc".into(), None, text).unwrap()
    }

    #[test]
    fn queries_proc_macros_and_synthesized_never_probe() {
        let rustc = fake_rustc();
        let intrinsics = Retags {
            request: retags::Request::Intrinsics,
            cache: retags::ProbeCache { dir: None },
        };
        // With `intrinsics`, a probe of the unrunnable rustc would be an error.
        for args in [
            "-vV",
            "- --crate-name ___ --print=file-names --crate-type bin --target x",
            "--crate-type proc-macro src/lib.rs",
            "-Zcodegen-emit-retag=no-precise-pin src/lib.rs --crate-type lib",
        ] {
            let args: Vec<OsString> = args.split_whitespace().map(OsString::from).collect();
            assert!(instrumented_command(&rustc, &install(), &args, &intrinsics).is_ok());
        }
        let compile: Vec<OsString> = ["--crate-type", "lib", "src/lib.rs"]
            .map(OsString::from)
            .to_vec();
        assert!(instrumented_command(&rustc, &install(), &compile, &intrinsics).is_err());
        let synthesized = Retags {
            request: retags::Request::Synthesized,
            ..intrinsics
        };
        let cmd = instrumented_command(&rustc, &install(), &compile, &synthesized).unwrap();
        assert!(!cmd
            .get_args()
            .any(|a| a.to_string_lossy().contains("codegen-emit-retag")));
    }

    #[test]
    fn proc_macros_are_recognised() {
        assert!(parse("--crate-type proc-macro src/lib.rs").is_proc_macro());
    }
}
