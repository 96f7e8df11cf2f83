//! Code addresses to functions, files and lines, for reports only.
//!
//! [`DebugInfo`] finds the loaded object containing an address (`dl_iterate_phdr`, so PIE
//! executables and shared libraries both work), loads that object's DWARF with `addr2line`
//! once per report, and returns the inlined frames at the address, innermost first, with
//! demangled names (Rust v0 and legacy, without the hash; C++). Every failure degrades to
//! "no frames", which the renderer prints as `<unknown>` and the raw address: symbolization
//! never panics a report away.
//!
//! All sites bsan records are return addresses, so the address looked up is `pc - 1` (inside
//! the call instruction, which has the call's line).

use std::collections::HashMap;
use std::path::PathBuf;

use crate::sys;

/// One (possibly inlined) frame at a code address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SymFrame {
    pub function: Option<String>,
    /// The path as the debug info has it (absolute when the compilation directory is known).
    pub file: Option<String>,
    pub line: Option<u32>,
    /// 1-based column; `None` when unknown or "left edge".
    pub column: Option<u32>,
}

/// What the renderer needs from the outside world.
pub trait Symbolize {
    /// The frames at return address `pc`, innermost (inlined) first; empty if unknown.
    fn frames(&mut self, pc: u64) -> Vec<SymFrame>;
    /// Line `line` (1-based) of source file `file`, if readable.
    fn source_line(&mut self, file: &str, line: u32) -> Option<String>;
    /// How to show `file` in a report.
    fn display_path(&self, file: &str) -> String {
        file.to_string()
    }
}

/// Symbolization with the program's debug info.
pub struct DebugInfo {
    loaders: HashMap<PathBuf, Option<addr2line::Loader>>,
    sources: HashMap<String, Option<Vec<String>>>,
    cwd: Option<String>,
}

impl Default for DebugInfo {
    fn default() -> Self {
        Self::new()
    }
}

impl DebugInfo {
    pub fn new() -> DebugInfo {
        DebugInfo {
            loaders: HashMap::new(),
            sources: HashMap::new(),
            cwd: sys::current_dir().and_then(|d| d.to_str().map(str::to_string)),
        }
    }
}

impl Symbolize for DebugInfo {
    fn frames(&mut self, pc: u64) -> Vec<SymFrame> {
        if pc == 0 {
            return Vec::new();
        }
        let Some(object) = sys::object_containing(pc - 1) else {
            return Vec::new();
        };
        let loader = self
            .loaders
            .entry(object.path.clone())
            .or_insert_with(|| addr2line::Loader::new(&object.path).ok());
        let Some(loader) = loader.as_ref() else {
            return Vec::new();
        };
        let probe = (pc - 1).wrapping_sub(object.bias);
        let mut out = Vec::new();
        if let Ok(mut frames) = loader.find_frames(probe) {
            while let Ok(Some(frame)) = frames.next() {
                let function = frame
                    .function
                    .as_ref()
                    .and_then(|f| f.demangle().ok())
                    .map(|name| name.into_owned());
                let (file, line, column) = match frame.location {
                    Some(loc) => (
                        loc.file.map(str::to_string),
                        loc.line,
                        loc.column.filter(|&c| c != 0),
                    ),
                    None => (None, None, None),
                };
                out.push(SymFrame {
                    function,
                    file,
                    line,
                    column,
                });
            }
        }
        if out.iter().all(|f| f.function.is_none()) {
            // No debug info for the function: fall back to the symbol table.
            if let Some(name) = loader.find_symbol(probe) {
                let name = addr2line::demangle_auto(name.into(), None).into_owned();
                match out.first_mut() {
                    Some(first) => first.function = Some(name),
                    None => out.push(SymFrame {
                        function: Some(name),
                        ..SymFrame::default()
                    }),
                }
            }
        }
        out
    }

    fn source_line(&mut self, file: &str, line: u32) -> Option<String> {
        let lines = self.sources.entry(file.to_string()).or_insert_with(|| {
            sys::read_source(file).map(|s| s.lines().map(str::to_string).collect())
        });
        lines.as_ref()?.get(line.checked_sub(1)? as usize).cloned()
    }

    /// Paths under the current directory are shown relative to it (as `cargo run` users
    /// see them in rustc's messages); others as the debug info has them.
    fn display_path(&self, file: &str) -> String {
        if let Some(cwd) = &self.cwd {
            if let Some(rest) = file.strip_prefix(cwd.as_str()) {
                if let Some(rest) = rest.strip_prefix('/') {
                    return rest.to_string();
                }
            }
        }
        file.to_string()
    }
}

/// No symbolization (`symbolize=0`): every location prints as a raw address.
pub struct RawAddresses;

impl Symbolize for RawAddresses {
    fn frames(&mut self, _pc: u64) -> Vec<SymFrame> {
        Vec::new()
    }
    fn source_line(&mut self, _file: &str, _line: u32) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[inline(never)]
    fn a_function_with_a_name() -> u64 {
        std::hint::black_box(42)
    }

    #[test]
    fn symbolizes_code_of_this_binary_or_degrades_quietly() {
        let mut s = DebugInfo::new();
        let frames = s.frames(a_function_with_a_name as *const () as usize as u64 + 1);
        // Test binaries have debug info in dev profile; if not, an empty answer is fine,
        // but a present answer must name this function.
        // Inlined frames come first; the outermost one is the function itself.
        if let Some(f) = frames.last().and_then(|f| f.function.clone()) {
            assert!(f.contains("a_function_with_a_name"), "{frames:?}");
            assert!(!f.contains("::h"), "hash stripped: {f}");
        }
        assert!(s.frames(0).is_empty());
        assert!(s.frames(8).is_empty(), "unmapped address");
    }

    #[test]
    fn relative_display_paths() {
        let mut s = DebugInfo::new();
        s.cwd = Some("/work/proj".into());
        assert_eq!(s.display_path("/work/proj/src/main.rs"), "src/main.rs");
        assert_eq!(s.display_path("/work/projx/a.rs"), "/work/projx/a.rs");
        assert_eq!(s.display_path("src/lib.rs"), "src/lib.rs");
        assert_eq!(s.source_line("/nonexistent/file.rs", 1), None);
    }
}
