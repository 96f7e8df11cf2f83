//! Reports: the one fatal path for Tree Borrows violations, and internal errors.
//!
//! * A [`Violation`] is what core functions return when the tree finds undefined behaviour.
//!   Only hooks call [`report_violation`]: it takes the global report slot (one report per
//!   process; a second violating thread blocks until the first one exits the process),
//!   captures the stack, symbolizes ([`symbolize`]), renders in Miri's wording ([`render`]),
//!   writes to stderr in one piece, prints statistics if enabled, and exits with
//!   `exitcode` (or aborts with `abort_on_error=1`).
//! * [`internal_error`] is for the runtime's own failures (cannot map memory, a panic inside
//!   the runtime, an ABI value it does not understand): `bsan: internal error: ...` and
//!   `abort()`. It never looks like a user report.

pub mod render;
pub mod symbolize;

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering::*};

use bsan_tree::Ub;

use crate::sys;

/// A Tree Borrows violation found by a core function, with what the report needs beyond
/// the tree's [`Ub`].
#[derive(Debug)]
pub struct Violation {
    pub ub: Box<Ub>,
    /// The allocation's number, for `alloc{id}`.
    pub alloc_id: u64,
}

/// The thread id (`gettid`) holding the report slot, or 0.
static REPORTER: AtomicI64 = AtomicI64::new(0);

/// Takes the process-wide report slot: returns on the first call; a second thread blocks
/// forever (the first one is about to end the process); a re-entrant call on the same
/// thread (a failure while reporting) is an internal error.
fn take_report_slot() {
    let me = crate::sys::thread_id();
    match REPORTER.compare_exchange(0, me, AcqRel, Acquire) {
        Ok(_) => {}
        Err(owner) if owner == me => {
            sys::write_stderr(b"bsan: internal error: failure while writing a report\n");
            sys::abort()
        }
        Err(_) => loop {
            std::thread::park();
        },
    }
}

/// Reports `v` at the current point of execution and ends the process.
#[cold]
#[inline(never)]
pub fn report_violation(v: Violation) -> ! {
    take_report_slot();
    let flags = crate::runtime_flags();
    let pcs = sys::backtrace(flags.max_backtrace_frames.saturating_add(16));
    let input = render::ReportInput {
        ub: &v.ub,
        alloc_name: format!("alloc{}", v.alloc_id),
        backtrace: pcs,
        max_frames: flags.max_backtrace_frames,
        thread: sys::thread_name_if_not_main(),
        retag_source: crate::retag_source::bits(),
    };
    let text = if flags.symbolize {
        render::render(&input, &mut symbolize::DebugInfo::new())
    } else {
        render::render(&input, &mut symbolize::RawAddresses)
    };
    sys::write_stderr(text.as_bytes());
    crate::stats::print_if_enabled();
    if flags.abort_on_error {
        sys::abort()
    }
    sys::exit(flags.exitcode)
}

/// Stops the process because the runtime itself failed.
#[cold]
#[inline(never)]
pub fn internal_error(msg: fmt::Arguments<'_>) -> ! {
    sys::write_stderr(format!("bsan: internal error: {msg}\n").as_bytes());
    sys::abort()
}
