//! Where bsan is installed: `<root>/bin/<driver>`, `<root>/lib/{libbsan_pass.so,
//! libbsan_rt.a}`, `<root>/include/bsan.h`. Found from the running executable, so the whole
//! directory is relocatable.
use crate::DriverError;
use std::path::{Path, PathBuf};

pub const PLUGIN_FILE: &str = "libbsan_pass.so";
pub const RUNTIME_FILE: &str = "libbsan_rt.a";

/// An installed bsan directory, checked to contain its libraries.
#[derive(Clone, Debug)]
pub struct Install {
    pub root: PathBuf,
}

impl Install {
    /// The install containing the current executable (`BSAN_ROOT` overrides, for tests).
    pub fn locate() -> Result<Install, DriverError> {
        let root = match std::env::var_os("BSAN_ROOT") {
            Some(r) => PathBuf::from(r),
            None => {
                let exe = std::env::current_exe().map_err(|e| {
                    DriverError::new(format!("cannot find the running executable: {e}"))
                })?;
                let exe = exe.canonicalize().unwrap_or(exe);
                exe.parent()
                    .and_then(Path::parent)
                    .map(Path::to_path_buf)
                    .ok_or_else(|| {
                        DriverError::new(format!(
                            "{} is not inside a bsan bin/ directory",
                            exe.display()
                        ))
                    })?
            }
        };
        Install::at(root)
    }

    /// The install at `root`, if its libraries are there.
    pub fn at(root: PathBuf) -> Result<Install, DriverError> {
        let install = Install { root };
        for file in [install.plugin(), install.runtime()] {
            if !file.is_file() {
                return Err(DriverError::new(format!(
                    "{} is missing; build bsan with `cargo xtask build` (or set BSAN_ROOT to a \
                     bsan install directory)",
                    file.display()
                )));
            }
        }
        Ok(install)
    }

    pub fn bin(&self, name: &str) -> PathBuf {
        self.root.join("bin").join(name)
    }
    pub fn lib_dir(&self) -> PathBuf {
        self.root.join("lib")
    }
    pub fn plugin(&self) -> PathBuf {
        self.lib_dir().join(PLUGIN_FILE)
    }
    pub fn runtime(&self) -> PathBuf {
        self.lib_dir().join(RUNTIME_FILE)
    }
    pub fn include_dir(&self) -> PathBuf {
        self.root.join("include")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_libraries_are_named() {
        let dir = std::env::temp_dir().join(format!("bsan-install-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("lib")).unwrap();
        let err = Install::at(dir.clone()).unwrap_err().to_string();
        assert!(
            err.contains(PLUGIN_FILE) && err.contains("cargo xtask build"),
            "{err}"
        );
        std::fs::write(dir.join("lib").join(PLUGIN_FILE), b"").unwrap();
        std::fs::write(dir.join("lib").join(RUNTIME_FILE), b"").unwrap();
        let install = Install::at(dir.clone()).unwrap();
        assert_eq!(install.bin("bsan-cc"), dir.join("bin/bsan-cc"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
