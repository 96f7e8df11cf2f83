//! Registered threads: where each thread of the program keeps pointers the runtime cannot
//! see in shadow memory (its stack and its TLS provenance slots), for the garbage
//! collector's root scan ([`crate::gc`]).
//!
//! A thread registers lazily, at its first hook among those through which a thread
//! acquires tags (`__bsan_retag`, `__bsan_load_prov`, `__bsan_alloc`, `__bsan_func_entry`,
//! `__bsan_expose`): its stack bounds (`pthread_getattr_np`) and the addresses of its
//! `__bsan_arg_prov` / `__bsan_ret_prov` slots. The check costs one thread-local load. A
//! thread that only reads and writes through pointers it got from registered code (never
//! loading a pointer itself) is not registered; it holds no tag the GC could miss except in
//! registers, which are invisible for other threads anyway (see [`crate::gc`]).
//!
//! A thread deregisters in a thread-local destructor, which runs on the thread before its
//! stack and TLS block are freed, and which waits for a scan in progress (the registry
//! lock): a registered thread's stack and slots are readable for as long as the registry
//! lock is held. After that destructor, the thread's hooks no longer register it.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};

/// What the GC scans of one thread.
#[derive(Debug)]
pub struct ThreadInfo {
    /// `gettid`, to tell the scanning thread from the others.
    pub tid: i64,
    /// Stack bounds `[lo, hi)` (the main thread's `lo` may not be mapped yet).
    pub stack_lo: usize,
    pub stack_hi: usize,
    /// `(address, words)` of the thread's TLS provenance slots (arguments, returns).
    pub tls_slots: [(usize, usize); 2],
    /// Address of the thread's [`SP_HINT`].
    sp_hint: usize,
}

impl ThreadInfo {
    /// The stack pointer the thread had at its latest retag (0 if none yet). Its frames
    /// below that are at most the ones it called since; deeper memory holds only what
    /// returned frames left behind.
    pub fn stack_pointer_hint(&self) -> usize {
        // SAFETY: `sp_hint` is the address of the thread's `SP_HINT`, which lives as long
        // as the thread's TLS block, longer than the thread's registration (whose
        // destructor removes it from the registry), and the registry is locked by whoever
        // holds a registered `ThreadInfo` of another thread.
        unsafe { (*(self.sp_hint as *const AtomicUsize)).load(Relaxed) }
    }
}

static REGISTRY: Mutex<Vec<Arc<ThreadInfo>>> = Mutex::new(Vec::new());

/// Deregisters its thread when the thread's locals are destroyed.
struct Registration(Arc<ThreadInfo>);

impl Drop for Registration {
    fn drop(&mut self) {
        STATE.set(State::Gone);
        REGISTRY.lock().retain(|t| !Arc::ptr_eq(t, &self.0));
        release_dead_stack(&self.0);
    }
}

/// Below this distance under the exiting thread's stack pointer its stack is released: the
/// frames running the thread-local destructors (this one included) stay as they are.
const LIVE_STACK_MARGIN: usize = 64 << 10;

/// Gives back the shadow of the part of an exiting thread's stack below its remaining
/// frames (see [`crate::shadow::release`]).
///
/// Every frame the thread's code ran in there has returned, so the pointers spilled there
/// are stale. Left in place they keep the shadow pages resident for the rest of the
/// process: glibc does not always give a new thread the stack of an exited one (it keeps a
/// bounded cache, and two threads running at once get two stacks), so a program that runs
/// many short threads, like a test harness spawning one per test, touches ever new stack
/// addresses. Clearing only loses stale provenance, never a report.
fn release_dead_stack(t: &ThreadInfo) {
    if t.stack_hi == 0 {
        return;
    }
    let live = crate::sys::stack_pointer().saturating_sub(LIVE_STACK_MARGIN);
    if t.stack_lo < live && live < t.stack_hi {
        crate::shadow::release(t.stack_lo, live - t.stack_lo);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Unregistered,
    Registered,
    /// Registration failed, or the thread's locals are being destroyed.
    Gone,
}

thread_local! {
    static STATE: Cell<State> = const { Cell::new(State::Unregistered) };
    static REGISTRATION: Registration = Registration(register());
    /// See [`ThreadInfo::stack_pointer_hint`]. No destructor: it outlives `REGISTRATION`.
    static SP_HINT: AtomicUsize = const { AtomicUsize::new(0) };
}

/// Publishes the calling thread's stack pointer for the GC's scan of its stack (one
/// thread-local store; called by every retag that reaches the runtime: the inline fast
/// path skips elided ones on allocations without a tree, as it skips accesses, which never
/// published it. A hint that lags behind a deeper stack can only let the GC miss a tag held
/// there, which loses reports, never makes one: see `gc.rs`).
#[inline]
pub fn note_stack_pointer() {
    SP_HINT.with(|s| s.store(crate::sys::stack_pointer(), Relaxed));
}

fn register() -> Arc<ThreadInfo> {
    let (stack_lo, stack_hi) = crate::sys::current_thread_stack().unwrap_or((0, 0));
    let info = Arc::new(ThreadInfo {
        tid: crate::sys::thread_id(),
        stack_lo,
        stack_hi,
        tls_slots: bsan_shim::tls_prov_slots(),
        sp_hint: SP_HINT.with(|s| s as *const AtomicUsize as usize),
    });
    REGISTRY.lock().push(info.clone());
    info
}

/// Registers the calling thread if it is not yet (cheap when it is).
#[inline]
pub fn ensure_registered() {
    if STATE.get() == State::Unregistered {
        register_slow();
    }
}

#[cold]
fn register_slow() {
    // Guards against re-entry (a signal handler's hook) while registering.
    STATE.set(State::Gone);
    let ok = REGISTRATION
        .try_with(|r| r.0.stack_hi != 0)
        .unwrap_or(false);
    if ok {
        STATE.set(State::Registered);
    }
}

/// Whether the calling thread is registered.
pub fn is_registered() -> bool {
    STATE.get() == State::Registered
}

/// The registered threads, while the guard is held (their stacks and slots stay readable);
/// `None` if the registry is busy (a thread is registering or exiting, or the calling thread
/// was interrupted by a signal while holding it): the caller tries again later.
pub fn lock_all() -> Option<MutexGuard<'static, Vec<Arc<ThreadInfo>>>> {
    REGISTRY.try_lock()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_register_once_and_deregister_at_exit() {
        let tid = std::thread::spawn(|| {
            ensure_registered();
            ensure_registered();
            assert!(is_registered());
            let me = crate::sys::thread_id();
            let all = REGISTRY.lock();
            let mine: Vec<_> = all.iter().filter(|t| t.tid == me).collect();
            assert_eq!(mine.len(), 1);
            let sp = crate::sys::stack_pointer();
            assert!(mine[0].stack_lo < sp && sp < mine[0].stack_hi);
            assert_eq!(mine[0].tls_slots, bsan_shim::tls_prov_slots());
            me
        })
        .join()
        .unwrap();
        assert!(REGISTRY.lock().iter().all(|t| t.tid != tid));
    }

    #[test]
    fn an_exiting_thread_releases_its_dead_stack_shadow_and_keeps_its_live_frames() {
        let prov = bsan_abi::Prov { alloc: 64, tag: 9 };
        let (deep, live) = std::thread::spawn(move || {
            ensure_registered();
            let (lo, _) = crate::sys::current_thread_stack().unwrap();
            // A word deep in the stack, where a returned frame spilled a pointer, and one in
            // the frames still running at exit (this closure's caller chain).
            let deep = (lo + 4096) & !7;
            let live = (crate::sys::stack_pointer() + 256) & !7;
            crate::shadow::store_prov(deep, 0x1234, prov);
            crate::shadow::store_prov(live, 0x5678, prov);
            (deep, live)
        })
        .join()
        .unwrap();
        assert!(crate::shadow::recorded_in(deep, 8).is_empty());
        assert_eq!(crate::shadow::load_prov(live, 0x5678), prov);
        crate::shadow::clear_prov(live, 8);
    }
}
