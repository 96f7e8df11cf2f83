//! The runtime's own heap: trees, tag maps, allocation-record side tables, GC live sets,
//! reports. A counting global allocator over a heap of its own (mimalloc), with a limit.
//!
//! Metadata grows with what the program does (tags kept alive, location chunks, exposed
//! allocations). A program whose metadata outgrows the machine must end with a clear
//! message naming the cause, not be killed by the kernel's OOM killer (which says nothing
//! about bsan) or abort on a failed allocation deep inside a tree operation. So every
//! allocation of the runtime goes through [`MetadataAllocator`]: it keeps the number of bytes
//! in use, and an allocation that would go past the limit (`BSAN_OPTIONS=max_metadata_mb`,
//! by default half of the machine's physical memory), or that the heap refuses, ends the
//! process with `bsan: out of memory for metadata (...)` and exit status 1.
//!
//! # A heap apart from the program's
//!
//! The program's own blocks come from glibc's `malloc`. Metadata used to come from there
//! too, and the two interleaved: the program's blocks were spread over a heap several times
//! the size it has natively, between tree chunks and tag maps, and shadow memory (24 bytes
//! per 8-byte word, resident by page: one shadow page per 1.3 KiB of program memory that
//! ever held a pointer) followed that spread. zerocopy's suite had 25 MB of shadow resident
//! with a shared heap and 1 MB with this one (`shadow_resident_kb` of `BSAN_OPTIONS=stats=1`),
//! and its peak RSS went from 95 to 76 MB (`cargo xtask bench crates zerocopy`, before and
//! after). So metadata lives in its own mimalloc heap
//! (its own `mmap`ed arenas; the bundled copy does not replace `malloc`, and its symbols are
//! localized with the rest of the runtime, so a program that links mimalloc itself has a
//! separate one). Two of its options are set before its first allocation ([`configure`]):
//! arenas are committed as they are used, not up front (`arena_eager_commit` 0), since
//! peak RSS is what the memory limits of the real-crates bench measure; and memory it no
//! longer uses goes back to the kernel after [`PURGE_DELAY_MS`] (mimalloc 2's default;
//! 3 waits a second, which would keep more of a short burst resident). A delay of 0 (at
//! once) was tried first: chacha20's `chacha20_core` test then spent a tenth of its time
//! in `madvise` and in faulting the same pages back in, as the trees of its many
//! short-lived 64-byte blocks grew and shrank (`perf stat -e page-faults,task-clock` on
//! the bench's `kats` binary, `--exact chacha20_core`, built with each setting and run
//! alternately: 295K page faults against 73K with the delay; task clock, medians of 3,
//! 6.69 s against 6.01 s; peak RSS 10.3 MB against 11.4 MB). mimalloc reads its other
//! options from `MIMALLOC_*` environment variables, so a program run with those set for
//! its own mimalloc sets them for this heap too (statistics printed at exit, say);
//! harmless, and not worth a fork of the allocator.
//!
//! This allocator is the runtime archive's own `#[global_allocator]`: the archive's symbols
//! are localized when it is assembled (`xtask/src/build.rs`), so the instrumented program's
//! allocations never come here (they are tracked allocations, not metadata).
//!
//! Shadow memory is not counted: it is a `MAP_NORESERVE` mapping whose resident part grows
//! with the pointers the program stores, not with bsan's own state.
//!
//! Nothing here may allocate: the message is formatted into a stack buffer.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::{c_int, c_long, c_void};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

use libmimalloc_sys::{mi_free, mi_malloc_aligned, mi_realloc_aligned, mi_zalloc_aligned};

/// Bytes handed out and not yet freed.
static IN_USE: AtomicUsize = AtomicUsize::new(0);
/// The most bytes in use at any time.
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Bytes allowed; `usize::MAX` until the flags are read ([`set_limit`]).
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);

/// How long the metadata heap keeps memory it no longer uses before returning it to the
/// kernel (module documentation).
const PURGE_DELAY_MS: c_long = 10;

/// Whether [`configure`] ran.
static CONFIGURED: AtomicBool = AtomicBool::new(false);

/// Option numbers of the mimalloc bundled with `libmimalloc-sys` 0.1.49 (mimalloc 3.3,
/// `mi_option_e` in its `mimalloc.h`); the dependency is pinned, and a unit test checks
/// the version so that an upgrade fails it until these are checked again.
mod mi_option {
    pub const ARENA_EAGER_COMMIT: std::ffi::c_int = 4;
    pub const PURGE_DELAY: std::ffi::c_int = 15;
}

extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
}

/// Sets the heap's options (see the module documentation) before its first allocation.
/// Racing first allocations may both set them: the values are the same.
#[cold]
fn configure() {
    // SAFETY: plain option setters, valid at any time; they take effect for memory
    // obtained from the OS afterwards, which is all of it before the first allocation.
    unsafe {
        mi_option_set(mi_option::PURGE_DELAY, PURGE_DELAY_MS);
        mi_option_set(mi_option::ARENA_EAGER_COMMIT, 0);
    }
    CONFIGURED.store(true, Relaxed);
}

/// The runtime's global allocator (see the module documentation).
pub struct MetadataAllocator;

#[global_allocator]
static ALLOCATOR: MetadataAllocator = MetadataAllocator;

impl MetadataAllocator {
    #[inline]
    fn reserve(&self, bytes: usize) {
        if !CONFIGURED.load(Relaxed) {
            configure();
        }
        let now = IN_USE.fetch_add(bytes, Relaxed) + bytes;
        if now > LIMIT.load(Relaxed) {
            IN_USE.fetch_sub(bytes, Relaxed);
            out_of_memory(bytes, "over the limit");
        }
        // A plain load first: `fetch_max` is a compare-exchange loop, paid on every
        // allocation, while a new peak is rare once the program runs steadily.
        if now > PEAK.load(Relaxed) {
            PEAK.fetch_max(now, Relaxed);
        }
    }
}

// SAFETY: every method forwards to mimalloc's aligned API with the layout's size and
// alignment (which return blocks of at least that size and alignment, or null); the
// counters do not affect what is returned.
unsafe impl GlobalAlloc for MetadataAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.reserve(layout.size());
        // SAFETY: no preconditions beyond a power-of-two alignment, which `Layout` has.
        let p = unsafe { mi_malloc_aligned(layout.size(), layout.align()) }.cast::<u8>();
        if p.is_null() {
            out_of_memory(layout.size(), "the heap refused");
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.reserve(layout.size());
        // SAFETY: as in `alloc`.
        let p = unsafe { mi_zalloc_aligned(layout.size(), layout.align()) }.cast::<u8>();
        if p.is_null() {
            out_of_memory(layout.size(), "the heap refused");
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, hence from mimalloc.
        unsafe { mi_free(ptr.cast::<c_void>()) };
        IN_USE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            self.reserve(new_size - layout.size());
        }
        // SAFETY: `ptr` came from mimalloc with `layout.align()`, which `realloc` keeps.
        let p = unsafe { mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()) }
            .cast::<u8>();
        if p.is_null() {
            out_of_memory(new_size, "the heap refused");
        }
        if new_size < layout.size() {
            IN_USE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        p
    }
}

/// Sets the limit from `max_metadata_mb` (0: half of physical memory).
pub fn set_limit(max_metadata_mb: usize) {
    let limit = if max_metadata_mb == 0 {
        crate::sys::physical_memory().map_or(usize::MAX, |b| b / 2)
    } else {
        max_metadata_mb.saturating_mul(1 << 20)
    };
    LIMIT.store(limit, Relaxed);
}

/// Bytes of metadata in use now, and at most so far.
pub fn usage() -> (usize, usize) {
    (IN_USE.load(Relaxed), PEAK.load(Relaxed))
}

#[cold]
#[inline(never)]
fn out_of_memory(requested: usize, why: &str) -> ! {
    let mut buf = MessageBuf::new();
    buf.push("bsan: out of memory for metadata (");
    buf.push(why);
    buf.push(": ");
    buf.push_mb(IN_USE.load(Relaxed));
    buf.push(" in use, ");
    buf.push_mb(requested);
    buf.push(" more requested, limit ");
    let limit = LIMIT.load(Relaxed);
    if limit == usize::MAX {
        buf.push("none");
    } else {
        buf.push_mb(limit);
    }
    if crate::stats::enabled() {
        buf.push("; largest tree ");
        buf.push_u64(crate::stats::TREE_NODES_MAX.get());
        buf.push(" tags x ");
        buf.push_u64(crate::stats::TREE_CHUNKS_MAX.get());
        buf.push(" location chunks");
    }
    buf.push("); BSAN_OPTIONS=max_metadata_mb=N sets the limit, stats=1 shows tree sizes\n");
    crate::sys::write_stderr(buf.as_bytes());
    crate::sys::exit(1)
}

/// A fixed buffer for a message built without allocating.
struct MessageBuf {
    bytes: [u8; 320],
    len: usize,
}

impl MessageBuf {
    fn new() -> MessageBuf {
        MessageBuf {
            bytes: [0; 320],
            len: 0,
        }
    }

    fn push(&mut self, s: &str) {
        for &b in s.as_bytes() {
            if self.len < self.bytes.len() {
                self.bytes[self.len] = b;
                self.len += 1;
            }
        }
    }

    fn push_u64(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for &d in &digits[i..] {
            self.push(std::str::from_utf8(&[d]).unwrap_or("?"));
        }
    }

    /// `bytes` as whole MiB (`0 MiB` below one).
    fn push_mb(&mut self, bytes: usize) {
        self.push_u64((bytes >> 20) as u64);
        self.push(" MiB");
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_counts_live_allocations() {
        let (before, _) = usage();
        let v: Vec<u8> = Vec::with_capacity(1 << 20);
        let (during, peak) = usage();
        // Other test threads allocate too: only a lower bound holds.
        assert!(during >= 1 << 20 || before > during, "{before} {during}");
        assert!(peak >= during);
        drop(v);
    }

    extern "C" {
        fn mi_version() -> c_int;
        fn mi_option_get(option: c_int) -> c_long;
    }

    #[test]
    fn the_metadata_heap_is_the_mimalloc_whose_options_we_number() {
        drop(Box::new(1u64));
        // SAFETY: plain getters.
        let (version, purge, eager) = unsafe {
            (
                mi_version(),
                mi_option_get(mi_option::PURGE_DELAY),
                mi_option_get(mi_option::ARENA_EAGER_COMMIT),
            )
        };
        assert_eq!(
            version, 30302,
            "re-check `mi_option` against this mimalloc.h"
        );
        assert_eq!((purge, eager), (PURGE_DELAY_MS, 0));
    }

    #[test]
    fn messages_format_without_allocating() {
        let mut b = MessageBuf::new();
        b.push("x ");
        b.push_mb(5 << 20);
        b.push(" ");
        b.push_u64(0);
        assert_eq!(b.as_bytes(), b"x 5 MiB 0");
    }
}
