//! What the rustc in use is: its host triple, LLVM version and channel, probed once per
//! process with `rustc -vV` (whose whole output also keys the retag probe cache,
//! [`crate::retags`]).
use crate::DriverError;
use std::ffi::OsString;
use std::process::Command;

/// The LLVM major version the plugin is built against.
pub const PLUGIN_LLVM_MAJOR: u32 = 22;

/// Facts about one rustc.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rustc {
    pub path: OsString,
    /// `+toolchain` argument for rustup proxies, if the user gave one.
    pub toolchain: Option<String>,
    pub host: String,
    pub release: String,
    pub llvm_major: u32,
    pub nightly: bool,
    /// The whole `rustc -vV` output: identifies the toolchain build (the key of the
    /// `-Zcodegen-emit-retag` probe cache, [`crate::retags`]).
    pub version: String,
}

impl Rustc {
    /// Probe `path` (optionally with a `+toolchain`).
    pub fn probe(path: OsString, toolchain: Option<String>) -> Result<Rustc, DriverError> {
        let mut cmd = Command::new(&path);
        if let Some(tc) = &toolchain {
            cmd.arg(format!("+{tc}"));
        }
        let out = cmd.arg("-vV").output().map_err(|e| {
            DriverError::new(format!("cannot run {} -vV: {e}", path.to_string_lossy()))
        })?;
        if !out.status.success() {
            return Err(DriverError::new(format!(
                "{} -vV failed: {}",
                path.to_string_lossy(),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Rustc::from_version_output(path, toolchain, &String::from_utf8_lossy(&out.stdout))
    }

    /// Parse `rustc -vV` output; refuses an LLVM the plugin cannot load into.
    pub fn from_version_output(
        path: OsString,
        toolchain: Option<String>,
        text: &str,
    ) -> Result<Rustc, DriverError> {
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
                .ok_or_else(|| DriverError::new(format!("`rustc -vV` printed no `{name}` line")))
        };
        let host = field("host:")?;
        let release = field("release:")?;
        let llvm = field("LLVM version:")?;
        let llvm_major: u32 = llvm
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .ok_or_else(|| {
                DriverError::new(format!("cannot parse LLVM version `{llvm}` of rustc"))
            })?;
        if llvm_major != PLUGIN_LLVM_MAJOR {
            return Err(DriverError::new(format!(
                "rustc {release} uses LLVM {llvm}, but the bsan pass plugin is built for LLVM \
                 {PLUGIN_LLVM_MAJOR}; use a Rust toolchain based on LLVM {PLUGIN_LLVM_MAJOR}"
            )));
        }
        Ok(Rustc {
            path,
            toolchain,
            nightly: release.contains("nightly") || release.contains("-dev"),
            host,
            release,
            llvm_major,
            version: text.to_string(),
        })
    }

    /// The first line of `rustc -vV` (`rustc 1.95.0 (59807616e 2026-04-14)`), plus the
    /// `+toolchain` or path when not plain `rustc`: how messages name this toolchain.
    pub fn describe(&self) -> String {
        let first = self.version.lines().next().unwrap_or("rustc").trim();
        match (&self.toolchain, self.path.to_string_lossy()) {
            (Some(tc), _) => format!("{first} (+{tc})"),
            (None, p) if p != "rustc" => format!("{first} ({p})"),
            _ => first.to_string(),
        }
    }

    /// Whether `rustc -vV` identifies one build: a locally built rustc without a commit hash
    /// may change behind the same output.
    pub fn identifies_build(&self) -> bool {
        self.version
            .lines()
            .find_map(|l| l.strip_prefix("commit-hash:"))
            .is_some_and(|h| {
                let h = h.trim();
                !h.is_empty() && h != "unknown"
            })
    }

    /// A command running this rustc.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.path);
        if let Some(tc) = &self.toolchain {
            cmd.arg(format!("+{tc}"));
        }
        cmd
    }
}

/// Target triples the runtime supports (shadow memory layout is per architecture).
pub fn check_supported_target(triple: &str) -> Result<(), DriverError> {
    let supported = ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"];
    if supported.contains(&triple) {
        Ok(())
    } else {
        Err(DriverError::new(format!(
            "target `{triple}` is not supported by bsan (supported: {})",
            supported.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STABLE: &str = "rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\nhost: x86_64-unknown-linux-gnu\nrelease: 1.95.0\nLLVM version: 22.1.2\n";

    #[test]
    fn parses_stable() {
        let r = Rustc::from_version_output("rustc".into(), None, STABLE).unwrap();
        assert_eq!(r.host, "x86_64-unknown-linux-gnu");
        assert_eq!(r.llvm_major, 22);
        assert!(!r.nightly);
    }

    #[test]
    fn describes_and_identifies_the_build() {
        let r = Rustc::from_version_output("rustc".into(), None, STABLE).unwrap();
        assert_eq!(r.describe(), "rustc 1.95.0 (59807616e 2026-04-14)");
        assert!(!r.identifies_build(), "STABLE has no commit-hash line");
        let text = STABLE.replace("binary: rustc\n", "binary: rustc\ncommit-hash: 59807616e\n");
        let r = Rustc::from_version_output("rustc".into(), Some("nightly".into()), &text).unwrap();
        assert!(r.identifies_build());
        assert_eq!(
            r.describe(),
            "rustc 1.95.0 (59807616e 2026-04-14) (+nightly)"
        );
        let text = text.replace("59807616e\n", "unknown\n");
        let r = Rustc::from_version_output("/opt/rustc".into(), None, &text).unwrap();
        assert!(!r.identifies_build());
        assert_eq!(
            r.describe(),
            "rustc 1.95.0 (59807616e 2026-04-14) (/opt/rustc)"
        );
    }

    #[test]
    fn nightly_is_detected() {
        let text = STABLE.replace("release: 1.95.0", "release: 1.97.0-nightly");
        assert!(
            Rustc::from_version_output("rustc".into(), None, &text)
                .unwrap()
                .nightly
        );
    }

    #[test]
    fn other_llvm_is_refused_with_reason() {
        let text = STABLE.replace("22.1.2", "21.1.0");
        let err = Rustc::from_version_output("rustc".into(), None, &text).unwrap_err();
        assert!(err.to_string().contains("built for LLVM 22"), "{err}");
    }

    #[test]
    fn unsupported_target_is_named() {
        assert!(check_supported_target("x86_64-unknown-linux-gnu").is_ok());
        let err = check_supported_target("wasm32-unknown-unknown").unwrap_err();
        assert!(err.to_string().contains("wasm32-unknown-unknown"));
    }
}
