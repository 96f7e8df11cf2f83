//! `bsan-cc` / `bsan-c++`: clang-22 with the pass plugin, debug info, `bsan.h` on the include
//! path, and the runtime when linking.
use crate::install::Install;
use crate::DriverError;
use std::ffi::OsString;
use std::process::Command;

/// Native libraries the runtime archive (a Rust staticlib) needs when the final link is done
/// by a C compiler (`rustc --print native-static-libs` for the runtime on linux-gnu).
pub const RUNTIME_NATIVE_LIBS: &[&str] = &["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl"];

/// Whether clang is asked to link (no `-c`, `-S`, `-E`, preprocess-only or syntax-only mode).
pub fn is_link(args: &[OsString]) -> bool {
    let compile_only = [
        "-c",
        "-S",
        "-E",
        "-M",
        "-MM",
        "-fsyntax-only",
        "--version",
        "-v",
        "-###",
    ];
    !args.is_empty()
        && !args
            .iter()
            .any(|a| compile_only.contains(&a.to_string_lossy().as_ref()))
}

/// The clang driver to run: `BSAN_CLANG` / `BSAN_CLANGXX`, else `clang-22` / `clang++-22`.
pub fn clang_path(cxx: bool) -> OsString {
    let (var, default) = if cxx {
        ("BSAN_CLANGXX", "clang++-22")
    } else {
        ("BSAN_CLANG", "clang-22")
    };
    std::env::var_os(var).unwrap_or_else(|| default.into())
}

/// The full clang command for `args`.
pub fn command(install: &Install, cxx: bool, args: &[OsString]) -> Result<Command, DriverError> {
    let clang = clang_path(cxx);
    let probe = Command::new(&clang).arg("--version").output();
    match probe {
        Ok(out) if out.status.success() => {}
        _ => {
            return Err(DriverError::new(format!(
                "cannot run `{}`; install Debian's clang-22 (apt-get install clang-22) or set {}",
                clang.to_string_lossy(),
                if cxx { "BSAN_CLANGXX" } else { "BSAN_CLANG" }
            )))
        }
    }
    let mut cmd = Command::new(clang);
    let mut plugin = OsString::from("-fpass-plugin=");
    plugin.push(install.plugin());
    cmd.arg(plugin)
        .arg("-g")
        .arg("-I")
        .arg(install.include_dir());
    cmd.args(args);
    if is_link(args) {
        cmd.arg(install.runtime());
        cmd.args(RUNTIME_NATIVE_LIBS);
    }
    cmd.env("BSAN_PASS_MODE", "clang");
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<OsString> {
        s.split_whitespace().map(OsString::from).collect()
    }

    #[test]
    fn link_detection() {
        assert!(is_link(&args("a.c -o a")));
        assert!(!is_link(&args("-c a.c -o a.o")));
        assert!(!is_link(&args("--version")));
        assert!(!is_link(&[]));
    }
}
