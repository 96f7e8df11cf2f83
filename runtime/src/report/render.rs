//! The text of a report, in Miri's wording and rustc's layout (model §9):
//!
//! ```text
//! error: Undefined Behavior: write access through <5> at alloc3[0x0] is forbidden
//!   --> src/main.rs:3:5
//!    |
//!  3 |     *x = 1;
//!    |     ^ Undefined Behavior occurred here
//!    |
//!    = note: retags synthesized from signatures and debug info; reborrows inside a function body are not seen
//!    = help: this indicates a potential bug in the program: ...
//!    = help: see https://github.com/rust-lang/unsafe-code-guidelines/... for further information
//!    = help: <kind-specific lines from the tree>
//! help: the accessed tag <5> was created here
//!   --> src/main.rs:2:16
//!    |
//!  2 | fn write_both(x: &mut i32, y: &mut i32) {
//!    |                ^
//!    = note: stack backtrace:
//!        0: crate::write_both at src/main.rs:3:5
//!        1: crate::main at src/main.rs:9:5
//! SUMMARY: BorrowSanitizer: protected-disabled src/main.rs:3 in crate::write_both
//! ```
//!
//! Pure formatting: everything from the outside (frames, source lines, paths) comes through
//! [`Symbolize`], so this module is tested with a fake. Source snippets are printed when
//! the file can be read and omitted otherwise; unknown locations print as `<unknown>` with
//! the raw address. The gutter is as wide as the largest line number (at least 2).

use std::fmt::Write as _;

use bsan_tree::Ub;

use super::symbolize::{SymFrame, Symbolize};

/// Everything a report shows, gathered at the point of the violation.
pub struct ReportInput<'a> {
    pub ub: &'a Ub,
    /// `alloc{id}`.
    pub alloc_name: String,
    /// Return addresses of the reporting thread's stack, innermost first (runtime frames
    /// included; they are cut here).
    pub backtrace: Vec<u64>,
    pub max_frames: usize,
    /// `Some(name)` when not on the main thread.
    pub thread: Option<String>,
    /// [`bsan_abi::retag_source`] bits of the program, for the note after the title block.
    pub retag_source: u32,
}

const GENERIC_HELP: [&str; 2] = [
    "this indicates a potential bug in the program: it performed an invalid operation, but \
     the Tree Borrows rules it violated are still experimental",
    "see https://github.com/rust-lang/unsafe-code-guidelines/blob/master/wip/tree-borrows.md \
     for further information",
];

/// Frames below which a backtrace is the language runtime, not the program.
fn is_stack_bottom(function: &str) -> bool {
    function.contains("__rust_begin_short_backtrace")
        || matches!(
            function,
            "__libc_start_call_main" | "__libc_start_main" | "_start" | "start_thread"
        )
}

/// A symbolized code address.
struct Located {
    pc: u64,
    frames: Vec<SymFrame>,
}

impl Located {
    /// The innermost frame with a source file, or the innermost frame.
    fn best(&self) -> Option<&SymFrame> {
        self.frames
            .iter()
            .find(|f| f.file.is_some())
            .or(self.frames.first())
    }
}

struct Renderer<'s> {
    sym: &'s mut dyn Symbolize,
    out: String,
    /// Gutter width.
    w: usize,
}

impl Renderer<'_> {
    fn blank(&self) -> String {
        " ".repeat(self.w + 1)
    }

    fn location_text(&self, loc: &Located) -> String {
        match loc.best() {
            Some(SymFrame {
                file: Some(file),
                line,
                column,
                ..
            }) => {
                let mut s = self.sym.display_path(file);
                if let Some(line) = line {
                    let _ = write!(s, ":{line}");
                    if let Some(col) = column {
                        let _ = write!(s, ":{col}");
                    }
                }
                s
            }
            _ => format!("<unknown> ({:#x})", loc.pc),
        }
    }

    /// `--> file:line:col`, then the source line with a caret if readable. Returns whether
    /// a snippet was printed.
    fn span(&mut self, loc: &Located, label: Option<&str>) -> bool {
        let arrow = format!("{}--> {}\n", " ".repeat(self.w), self.location_text(loc));
        self.out.push_str(&arrow);
        let Some(SymFrame {
            file: Some(file),
            line: Some(line),
            column,
            ..
        }) = loc.best().cloned()
        else {
            return false;
        };
        let Some(text) = self.sym.source_line(&file, line) else {
            return false;
        };
        let blank = self.blank();
        let col = column
            .map(|c| c as usize)
            .unwrap_or_else(|| text.chars().take_while(|c| c.is_whitespace()).count() + 1);
        // Keep tabs so the caret lines up with the source as displayed.
        let indent: String = text
            .chars()
            .chain(std::iter::repeat(' '))
            .take(col.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let _ = writeln!(self.out, "{blank}|");
        let _ = writeln!(self.out, "{line:>w$} | {text}", w = self.w);
        match label {
            Some(label) => {
                let _ = writeln!(self.out, "{blank}| {indent}^ {label}");
            }
            None => {
                let _ = writeln!(self.out, "{blank}| {indent}^");
            }
        }
        true
    }

    fn note(&mut self, kind: &str, text: &str) {
        let blank = self.blank();
        let _ = writeln!(self.out, "{blank}= {kind}: {text}");
    }
}

/// Where the program's part of the backtrace starts: at the hook's return address if it is
/// known, else after the last frame of a `__bsan_*` hook.
fn program_frames_start(backtrace: &[Located], access_site: u64) -> usize {
    if access_site != 0 {
        if let Some(i) = backtrace.iter().position(|l| l.pc == access_site) {
            return i;
        }
    }
    backtrace
        .iter()
        .rposition(|l| {
            l.frames.iter().any(|f| {
                f.function
                    .as_deref()
                    .is_some_and(|n| n.starts_with("__bsan_"))
            })
        })
        .map_or(0, |i| i + 1)
}

/// Renders the report.
pub fn render(input: &ReportInput<'_>, sym: &mut dyn Symbolize) -> String {
    let ub = input.ub;

    let all: Vec<Located> = input
        .backtrace
        .iter()
        .map(|&pc| Located {
            pc,
            frames: sym.frames(pc),
        })
        .collect();
    let start = program_frames_start(&all, ub.access_site);
    let mut stack: Vec<&Located> = Vec::new();
    'outer: for loc in &all[start.min(all.len())..] {
        for f in &loc.frames {
            if f.function.as_deref().is_some_and(is_stack_bottom) {
                break 'outer;
            }
        }
        stack.push(loc);
        if stack.len() >= input.max_frames {
            break;
        }
    }

    let primary_pc = if ub.access_site != 0 {
        ub.access_site
    } else {
        stack.first().map_or(0, |l| l.pc)
    };
    let locate = |sym: &mut dyn Symbolize, pc: u64| Located {
        pc,
        frames: if pc == 0 { Vec::new() } else { sym.frames(pc) },
    };
    let primary = locate(sym, primary_pc);
    let history: Vec<(Located, &bsan_tree::diagnostics::HistoryLine)> = ub
        .history
        .iter()
        .map(|h| (locate(sym, h.site), h))
        .collect();

    let max_line = std::iter::once(&primary)
        .chain(history.iter().map(|(l, _)| l))
        .filter_map(|l| l.best().and_then(|f| f.line))
        .max()
        .unwrap_or(0);
    let mut r = Renderer {
        sym,
        out: String::new(),
        w: max_line.to_string().len().max(2),
    };

    let _ = writeln!(
        r.out,
        "error: Undefined Behavior: {}",
        ub.title(&input.alloc_name)
    );
    if r.span(&primary, Some("Undefined Behavior occurred here")) {
        let blank = r.blank();
        let _ = writeln!(r.out, "{blank}|");
    }
    r.note("note", crate::retag_source::note(input.retag_source));
    for help in GENERIC_HELP {
        r.note("help", help);
    }
    for help in ub.help_lines() {
        r.note("help", &help);
    }
    for (loc, line) in &history {
        let _ = writeln!(r.out, "help: {}", line.text);
        if loc.pc != 0 {
            r.span(loc, None);
        }
        if let Some(note) = &line.note {
            r.note("help", note);
        }
    }

    if !stack.is_empty() {
        r.note("note", "stack backtrace:");
        let pad = " ".repeat(r.w + 5);
        let mut n = 0;
        for loc in &stack {
            if loc.frames.is_empty() {
                let _ = writeln!(r.out, "{pad}{n}: <unknown> ({:#x})", loc.pc);
                n += 1;
                continue;
            }
            for f in &loc.frames {
                let name = f.function.as_deref().unwrap_or("<unknown>");
                let single = Located {
                    pc: loc.pc,
                    frames: vec![f.clone()],
                };
                let at = r.location_text(&single);
                let _ = writeln!(r.out, "{pad}{n}: {name} at {at}");
                n += 1;
            }
        }
    }
    if let Some(thread) = &input.thread {
        r.note("note", &format!("this is on thread `{thread}`"));
    }

    let (file_line, function) = match primary.best() {
        Some(f) => (
            match (&f.file, f.line) {
                (Some(file), Some(line)) => format!("{}:{line}", r.sym.display_path(file)),
                (Some(file), None) => r.sym.display_path(file),
                _ => format!("<unknown> ({:#x})", primary.pc),
            },
            f.function.clone().unwrap_or_else(|| "<unknown>".into()),
        ),
        None => (format!("<unknown> ({:#x})", primary.pc), "<unknown>".into()),
    };
    let _ = writeln!(
        r.out,
        "SUMMARY: BorrowSanitizer: {} {file_line} in {function}",
        ub.rule()
    );
    r.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A symbolizer over a fixed table.
    struct Fake {
        frames: HashMap<u64, Vec<SymFrame>>,
        source: Vec<&'static str>,
    }

    impl Symbolize for Fake {
        fn frames(&mut self, pc: u64) -> Vec<SymFrame> {
            self.frames.get(&pc).cloned().unwrap_or_default()
        }
        fn source_line(&mut self, file: &str, line: u32) -> Option<String> {
            (file == "/p/src/main.rs")
                .then(|| self.source.get(line as usize - 1).map(|s| s.to_string()))
                .flatten()
        }
        fn display_path(&self, file: &str) -> String {
            file.strip_prefix("/p/").unwrap_or(file).to_string()
        }
    }

    fn frame(function: &str, line: u32, col: u32) -> SymFrame {
        SymFrame {
            function: Some(function.into()),
            file: Some("/p/src/main.rs".into()),
            line: Some(line),
            column: Some(col),
        }
    }

    fn fake() -> Fake {
        let mut frames = HashMap::new();
        frames.insert(0x10, vec![frame("__bsan_write", 1, 1)]);
        frames.insert(0x20, vec![frame("p::write_both", 3, 5)]);
        frames.insert(0x30, vec![frame("p::main", 9, 5)]);
        frames.insert(
            0x40,
            vec![frame(
                "std::sys::backtrace::__rust_begin_short_backtrace",
                1,
                1,
            )],
        );
        frames.insert(0x50, vec![frame("p::write_both", 2, 16)]);
        Fake {
            frames,
            source: vec![
                "fn main() {}",
                "fn write_both(x: &mut i32, y: &mut i32) {",
                "    *x = 1;",
            ],
        }
    }

    #[test]
    fn frames_start_after_the_hook() {
        let mut f = fake();
        let locs: Vec<Located> = [0x10, 0x20, 0x30]
            .iter()
            .map(|&pc| Located {
                pc,
                frames: f.frames(pc),
            })
            .collect();
        assert_eq!(program_frames_start(&locs, 0x30), 2, "exact site wins");
        assert_eq!(program_frames_start(&locs, 0), 1, "after __bsan_*");
        assert_eq!(program_frames_start(&locs[1..], 0), 0);
    }

    #[test]
    fn spans_and_snippets() {
        let mut f = fake();
        let mut r = Renderer {
            sym: &mut f,
            out: String::new(),
            w: 2,
        };
        let loc = Located {
            pc: 0x20,
            frames: vec![frame("p::write_both", 3, 5)],
        };
        assert!(r.span(&loc, Some("here")));
        let unknown = Located {
            pc: 0xabc,
            frames: vec![],
        };
        assert!(!r.span(&unknown, None));
        assert_eq!(
            r.out,
            "  --> src/main.rs:3:5\n   |\n 3 |     *x = 1;\n   |     ^ here\n  --> <unknown> (0xabc)\n"
        );
    }

    #[test]
    fn stack_bottom_names() {
        assert!(is_stack_bottom(
            "std::sys::backtrace::__rust_begin_short_backtrace::<fn(), ()>"
        ));
        assert!(is_stack_bottom("__libc_start_call_main"));
        assert!(!is_stack_bottom("p::main"));
    }

    /// The full report needs `Ub`'s wording from the tree crate.
    #[test]
    fn full_report_layout() {
        use bsan_tree::diagnostics::{HistoryLine, UbKind};
        use bsan_tree::{AccessCause, AccessKind, Permission};
        let ub = Ub {
            kind: UbKind::ProtectedDisabled(Permission::Reserved { conflicted: false }),
            cause: AccessCause::Explicit(AccessKind::Write),
            accessed: Some(5),
            conflicting: Some(6),
            offset: 0,
            access_range: 0..4,
            access_site: 0x20,
            history: vec![HistoryLine {
                text: "the accessed tag <5> was created here".into(),
                site: 0x50,
                note: None,
            }],
        };
        let input = ReportInput {
            ub: &ub,
            alloc_name: "alloc3".into(),
            backtrace: vec![0x10, 0x20, 0x30, 0x40],
            max_frames: 32,
            thread: Some("worker".into()),
            retag_source: bsan_abi::retag_source::SYNTHESIZED,
        };
        let text = render(&input, &mut fake());
        let expected_start = "error: Undefined Behavior: write access through <5> at alloc3[0x0] is forbidden\n  --> src/main.rs:3:5\n   |\n 3 |     *x = 1;\n   |     ^ Undefined Behavior occurred here\n   |\n   = note: retags synthesized from signatures and debug info; reborrows inside a function body are not seen\n   = help: this indicates a potential bug";
        assert!(text.starts_with(expected_start), "{text}");
        assert!(text.contains("help: the accessed tag <5> was created here\n  --> src/main.rs:2:16\n   |\n 2 | fn write_both(x: &mut i32, y: &mut i32) {\n   |                ^\n"), "{text}");
        assert!(text.contains("   = note: stack backtrace:\n       0: p::write_both at src/main.rs:3:5\n       1: p::main at src/main.rs:9:5\n   = note: this is on thread `worker`\n"), "{text}");
        assert!(
            text.ends_with(
                "SUMMARY: BorrowSanitizer: protected-disabled src/main.rs:3 in p::write_both\n"
            ),
            "{text}"
        );
        assert!(!text.contains("__rust_begin_short_backtrace") && !text.contains("__bsan_write"));
    }
}
