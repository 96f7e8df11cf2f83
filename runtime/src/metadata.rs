//! The runtime's own heap: trees, tag maps, allocation-record side tables, GC live sets,
//! reports. A counting global allocator over the system allocator, with a limit.
//!
//! Metadata grows with what the program does (tags kept alive, location chunks, exposed
//! allocations). A program whose metadata outgrows the machine must end with a clear
//! message naming the cause, not be killed by the kernel's OOM killer (which says nothing
//! about bsan) or abort on a failed allocation deep inside a tree operation. So every
//! allocation of the runtime goes through [`MetadataAllocator`]: it keeps the number of bytes
//! in use, and an allocation that would go past the limit (`BSAN_OPTIONS=max_metadata_mb`,
//! by default half of the machine's physical memory), or that the system allocator refuses,
//! ends the process with `bsan: out of memory for metadata (...)` and exit status 1.
//!
//! This allocator is the runtime archive's own `#[global_allocator]`: the archive's symbols
//! are localized when it is assembled (`xtask/src/build.rs`), so the instrumented program's
//! allocations never come here (they are tracked allocations, not metadata).
//!
//! Shadow memory is not counted: it is a `MAP_NORESERVE` mapping whose resident part grows
//! with the pointers the program stores, not with bsan's own state.
//!
//! Nothing here may allocate: the message is formatted into a stack buffer.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Bytes handed out and not yet freed.
static IN_USE: AtomicUsize = AtomicUsize::new(0);
/// The most bytes in use at any time.
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Bytes allowed; `usize::MAX` until the flags are read ([`set_limit`]).
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);

/// The runtime's global allocator (see the module documentation).
pub struct MetadataAllocator;

#[global_allocator]
static ALLOCATOR: MetadataAllocator = MetadataAllocator;

impl MetadataAllocator {
    #[inline]
    fn reserve(&self, bytes: usize) {
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

// SAFETY: every method forwards to `System` with the same layout; the counters do not
// affect what is returned.
unsafe impl GlobalAlloc for MetadataAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.reserve(layout.size());
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size(), "the system allocator refused");
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.reserve(layout.size());
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory(layout.size(), "the system allocator refused");
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator (hence from `System`) with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            self.reserve(new_size - layout.size());
        }
        // SAFETY: forwarded with the caller's pointer, layout and size.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size, "the system allocator refused");
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
