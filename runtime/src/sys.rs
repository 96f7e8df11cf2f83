//! The operating system, in one place: anonymous mappings and page residency, stderr,
//! process exit, the environment, the running executable and its loaded objects, return
//! addresses and stack walks, thread names and stacks, the stack pointer and callee-saved
//! registers (for the garbage collector's conservative scan).
//!
//! Nothing else in the runtime calls libc or opens files (the symbolizer opens the object
//! files this module names). Everything here is callable from any hook: no function panics,
//! allocates through the instrumented allocator (there is none in the runtime) or calls back
//! into the program.

use std::ffi::{c_int, c_void, CStr};
use std::io;
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------
// Memory

/// An anonymous, zero-filled, private mapping that is never unmapped once [`leak`]ed.
///
/// [`leak`]: Mapping::leak
pub struct Mapping(memmap2::MmapMut);

impl Mapping {
    /// Maps `len` bytes without reserving swap (`MAP_NORESERVE`): untouched pages cost
    /// neither memory nor commit charge. `None` if the kernel refuses.
    ///
    /// The runtime's mappings are sparse (shadow memory, the record arena): with
    /// transparent huge pages set to `always`, one touched word would make 2 MiB resident,
    /// so they opt out (`MADV_NOHUGEPAGE`, as sanitizers do for their shadow); a kernel
    /// without THP refuses the advice, which changes nothing.
    pub fn anon(len: usize) -> Option<Mapping> {
        let map = memmap2::MmapOptions::new()
            .len(len)
            .no_reserve_swap()
            .map_anon()
            .ok()?;
        #[cfg(target_os = "linux")]
        let _ = map.advise(memmap2::Advice::NoHugePage);
        Some(Mapping(map))
    }

    /// The start of the mapping (writable).
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.0.as_ptr().cast_mut()
    }

    /// Keeps the mapping for the rest of the process and returns its start.
    pub fn leak(self) -> *mut u8 {
        let p = self.as_mut_ptr();
        std::mem::forget(self);
        p
    }
}

/// The calling thread's kernel id (`gettid`).
pub fn thread_id() -> i64 {
    // SAFETY: gettid has no preconditions.
    i64::from(unsafe { libc::gettid() })
}

/// Gives the pages of `[start, start + len)` (page-aligned, inside a private anonymous
/// mapping of the runtime's) back to the kernel: they read as zero afterwards.
///
/// # Safety
/// The range must lie inside such a mapping, and nothing may rely on its contents.
pub unsafe fn discard_pages(start: usize, len: usize) {
    // SAFETY: the caller's contract; MADV_DONTNEED on private anonymous memory only zeroes it.
    unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_DONTNEED) };
}

/// The size of a memory page.
pub fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(n).ok().filter(|&n| n > 0).unwrap_or(4096)
}

/// Which pages of `[start, start + len)` are resident (`start` page-aligned), one bool per
/// page; `None` if part of the range is not mapped (or on any other error). Pages never
/// touched are not resident, so scans of sparse mappings can skip them.
pub fn resident_pages(start: usize, len: usize) -> Option<Vec<bool>> {
    let page = page_size();
    if !start.is_multiple_of(page) || len == 0 {
        return None;
    }
    let mut vec = vec![0u8; len.div_ceil(page)];
    // SAFETY: mincore only inspects the page tables; `vec` has one byte per page.
    let rc = unsafe { libc::mincore(start as *mut c_void, len, vec.as_mut_ptr()) };
    (rc == 0).then(|| vec.iter().map(|b| b & 1 != 0).collect())
}

// ---------------------------------------------------------------------------------------
// Output and exit

/// Writes all of `bytes` to file descriptor 2 with `write(2)` (no buffering, no locks, so it
/// works in any state the program may be in). Errors are ignored: there is nowhere else to
/// report them.
pub fn write_stderr(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe a live slice.
        let n = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
        if n < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        if n == 0 {
            return;
        }
        bytes = &bytes[n as usize..];
    }
}

/// Bytes of physical memory of the machine, if the system says.
pub fn physical_memory() -> Option<usize> {
    // SAFETY: sysconf has no preconditions.
    let (pages, page) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    (pages > 0 && page > 0).then(|| (pages as usize).saturating_mul(page as usize))
}

/// Ends the process immediately with `code`, without running `atexit` handlers or
/// destructors (the program is in an undefined state after a violation).
pub fn exit(code: i32) -> ! {
    // SAFETY: `_exit` has no preconditions.
    unsafe { libc::_exit(code) }
}

/// Ends the process with `SIGABRT` (for core dumps and debuggers).
pub fn abort() -> ! {
    // SAFETY: `abort` has no preconditions.
    unsafe { libc::abort() }
}

/// Runs `f` at normal process exit.
pub fn at_exit(f: extern "C" fn()) {
    // SAFETY: `f` is a plain function valid for the whole process.
    unsafe {
        libc::atexit(f);
    }
}

// ---------------------------------------------------------------------------------------
// Environment and files

/// The value of an environment variable (lossily converted to UTF-8).
pub fn getenv(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

/// The current working directory, used to shorten paths in reports.
pub fn current_dir() -> Option<PathBuf> {
    std::env::current_dir().ok()
}

/// The contents of a source file, for report snippets.
pub fn read_source(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

// ---------------------------------------------------------------------------------------
// Code addresses

/// The return address of the enclosing function: when called from a hook, the address in
/// instrumented code right after the call to the hook. This is the [`bsan_tree::Site`]
/// recorded for retags, accesses and deallocations.
///
/// It reads the saved return address through the frame pointer (`[rbp + 8]` on x86_64,
/// `[x29 + 8]` on aarch64: both ABIs store the caller's frame pointer and the return address
/// as a pair at the frame pointer). That is only valid when
/// * the runtime is compiled with `-Cforce-frame-pointers=yes` (the xtask build passes it in
///   `RUSTFLAGS`; `build.rs` detects it and sets `cfg(bsan_frame_pointers)`; without it this
///   function returns 0, "unknown site", and reports fall back to the stack walk), and
/// * the caller is a hook marked `#[inline(never)]` that calls this function directly, not
///   from a closure (this function is `#[inline(always)]`, so it reads the hook's frame).
///
/// On aarch64 with pointer authentication the address would carry a signature; Linux
/// targets of Rust do not enable it by default.
#[inline(always)]
pub fn caller_pc() -> u64 {
    #[cfg(all(bsan_frame_pointers, target_arch = "x86_64"))]
    {
        let pc: u64;
        // SAFETY: with frame pointers forced, rbp points at this function's frame record.
        unsafe {
            core::arch::asm!(
                "mov {pc}, qword ptr [rbp + 8]",
                pc = out(reg) pc,
                options(nostack, readonly, preserves_flags)
            );
        }
        pc
    }
    #[cfg(all(bsan_frame_pointers, target_arch = "aarch64"))]
    {
        let pc: u64;
        // SAFETY: with frame pointers forced, x29 points at this function's frame record.
        unsafe {
            core::arch::asm!(
                "ldr {pc}, [x29, #8]",
                pc = out(reg) pc,
                options(nostack, readonly, preserves_flags)
            );
        }
        pc
    }
    #[cfg(not(bsan_frame_pointers))]
    {
        0
    }
}

#[repr(C)]
struct UnwindContext {
    _opaque: [u8; 0],
}

/// `_URC_NO_REASON`: continue the walk.
const URC_NO_REASON: c_int = 0;
/// `_URC_END_OF_STACK`: stop the walk.
const URC_END_OF_STACK: c_int = 5;

type UnwindTraceFn = extern "C" fn(ctx: *mut UnwindContext, arg: *mut c_void) -> c_int;

extern "C" {
    // From libgcc_s / libunwind, which every Rust program (and this staticlib's std) links.
    fn _Unwind_Backtrace(trace: UnwindTraceFn, arg: *mut c_void) -> c_int;
    fn _Unwind_GetIP(ctx: *mut UnwindContext) -> usize;
}

struct Walk {
    pcs: Vec<u64>,
    max: usize,
}

extern "C" fn walk_one(ctx: *mut UnwindContext, arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the `Walk` passed by `backtrace` below, alive for the whole walk;
    // `ctx` is the context the unwinder hands us.
    let walk = unsafe { &mut *(arg as *mut Walk) };
    // SAFETY: `ctx` is the live frame context of this callback.
    let ip = unsafe { _Unwind_GetIP(ctx) } as u64;
    if ip == 0 || walk.pcs.len() >= walk.max {
        return URC_END_OF_STACK;
    }
    walk.pcs.push(ip);
    URC_NO_REASON
}

/// The return addresses of the current call stack, innermost first, at most `max`. Uses the
/// unwind tables (`.eh_frame`), so it works whether or not the program keeps frame pointers,
/// and stops cleanly at the first frame without unwind information. Only used for reports.
pub fn backtrace(max: usize) -> Vec<u64> {
    let mut walk = Walk {
        pcs: Vec::with_capacity(max.min(256)),
        max,
    };
    // SAFETY: `walk_one` only touches `walk`, which outlives the call.
    unsafe {
        _Unwind_Backtrace(walk_one, &mut walk as *mut Walk as *mut c_void);
    }
    walk.pcs
}

/// A loaded object (the executable or a shared library) containing some code address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedObject {
    /// Path of the file to read debug info from (`/proc/self/exe` for the executable).
    pub path: PathBuf,
    /// Load bias: run-time address minus the address in the file (non-zero for PIE and
    /// shared libraries).
    pub bias: u64,
}

struct ObjectQuery {
    pc: u64,
    found: Option<LoadedObject>,
}

unsafe extern "C" fn find_object_cb(
    info: *mut libc::dl_phdr_info,
    _size: usize,
    data: *mut c_void,
) -> c_int {
    // SAFETY: the loader passes a valid `info`; `data` is the query of `object_containing`.
    let (info, query) = unsafe { (&*info, &mut *(data as *mut ObjectQuery)) };
    let bias = info.dlpi_addr;
    for i in 0..usize::from(info.dlpi_phnum) {
        // SAFETY: `dlpi_phdr` has `dlpi_phnum` entries.
        let ph = unsafe { &*info.dlpi_phdr.add(i) };
        if ph.p_type != libc::PT_LOAD {
            continue;
        }
        let start = bias.wrapping_add(ph.p_vaddr);
        if query.pc >= start && query.pc - start < ph.p_memsz {
            let name = if info.dlpi_name.is_null() {
                ""
            } else {
                // SAFETY: non-null names are NUL-terminated strings owned by the loader.
                unsafe { CStr::from_ptr(info.dlpi_name) }
                    .to_str()
                    .unwrap_or("")
            };
            let path = if name.is_empty() {
                PathBuf::from("/proc/self/exe")
            } else {
                PathBuf::from(name)
            };
            query.found = Some(LoadedObject { path, bias });
            return 1;
        }
    }
    0
}

/// The loaded object whose segments contain `pc`, with its load bias.
pub fn object_containing(pc: u64) -> Option<LoadedObject> {
    let mut query = ObjectQuery { pc, found: None };
    // SAFETY: the callback only touches `query`, which outlives the call.
    unsafe {
        libc::dl_iterate_phdr(
            Some(find_object_cb),
            &mut query as *mut ObjectQuery as *mut c_void,
        );
    }
    query.found
}

// ---------------------------------------------------------------------------------------
// Threads

/// `None` on the main thread; otherwise the thread's name (`<unnamed>` if it has none), for
/// the `this is on thread` note of reports.
pub fn thread_name_if_not_main() -> Option<String> {
    // SAFETY: plain syscalls wrappers without preconditions.
    let (tid, pid) = unsafe { (libc::gettid(), libc::getpid()) };
    if tid == pid {
        return None;
    }
    let mut buf = [0 as libc::c_char; 64];
    // SAFETY: the buffer is writable for its whole length; glibc NUL-terminates.
    let rc = unsafe { libc::pthread_getname_np(libc::pthread_self(), buf.as_mut_ptr(), buf.len()) };
    let name = if rc == 0 {
        // SAFETY: NUL-terminated by pthread_getname_np on success.
        unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    } else {
        String::new()
    };
    Some(if name.is_empty() {
        "<unnamed>".to_string()
    } else {
        name
    })
}

/// `[lo, hi)` of the calling thread's stack as the thread library describes it (without
/// the guard page). For the main thread, `lo` is derived from the stack size limit and the
/// bottom of that range may not be mapped yet (the kernel grows the stack on demand).
pub fn current_thread_stack() -> Option<(usize, usize)> {
    // SAFETY: `attr` is initialised by pthread_getattr_np before use and destroyed after.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut c_void = std::ptr::null_mut();
        let mut size: usize = 0;
        let rc = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        (rc == 0 && !addr.is_null()).then(|| (addr as usize, addr as usize + size))
    }
}

/// The current stack pointer (of the caller: this function is always inlined).
#[inline(always)]
pub fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads a register.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::asm!("mov {sp}, rsp", sp = out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    // SAFETY: reads a register.
    #[cfg(target_arch = "aarch64")]
    unsafe {
        core::arch::asm!("mov {sp}, sp", sp = out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    sp
}

/// Number of registers [`callee_saved_registers`] returns.
#[cfg(target_arch = "x86_64")]
pub const CALLEE_SAVED: usize = 6;
/// Number of registers [`callee_saved_registers`] returns.
#[cfg(target_arch = "aarch64")]
pub const CALLEE_SAVED: usize = 11;

/// The callee-saved registers (x86_64: rbx, rbp, r12-r15; aarch64: x19-x29) as they are in
/// the calling function (always inlined). Values an instrumented caller keeps across a call
/// into the runtime live there or in stack slots at or above the current stack pointer.
#[inline(always)]
pub fn callee_saved_registers() -> [u64; CALLEE_SAVED] {
    let mut r = [0u64; CALLEE_SAVED];
    let p = r.as_mut_ptr();
    // SAFETY: stores six registers into the six words of `r`.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::asm!(
            "mov qword ptr [{p}], rbx",
            "mov qword ptr [{p} + 8], rbp",
            "mov qword ptr [{p} + 16], r12",
            "mov qword ptr [{p} + 24], r13",
            "mov qword ptr [{p} + 32], r14",
            "mov qword ptr [{p} + 40], r15",
            p = in(reg) p,
            options(nostack, preserves_flags)
        );
    }
    // SAFETY: stores eleven registers into the eleven words of `r`.
    #[cfg(target_arch = "aarch64")]
    unsafe {
        core::arch::asm!(
            "stp x19, x20, [{p}]",
            "stp x21, x22, [{p}, #16]",
            "stp x23, x24, [{p}, #32]",
            "stp x25, x26, [{p}, #48]",
            "stp x27, x28, [{p}, #64]",
            "str x29, [{p}, #80]",
            p = in(reg) p,
            options(nostack, preserves_flags)
        );
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_bounds_contain_the_stack_pointer_and_it_is_resident() {
        let sp = stack_pointer();
        let (lo, hi) = current_thread_stack().expect("pthread_getattr_np");
        assert!(lo < sp && sp < hi, "{lo:#x} {sp:#x} {hi:#x}");
        let page = page_size();
        let start = sp & !(page - 1);
        let pages = resident_pages(start, hi - start).expect("the used stack is mapped");
        assert!(pages[0], "the page holding sp is resident");
        assert!(resident_pages(start + 1, page).is_none(), "unaligned");
    }

    #[test]
    fn residency_of_a_fresh_mapping() {
        let page = page_size();
        let p = Mapping::anon(4 * page).expect("mmap").leak();
        // SAFETY: inside the mapping.
        unsafe { p.add(2 * page).write(1) };
        let r = resident_pages(p as usize, 4 * page).unwrap();
        assert_eq!(r, [false, false, true, false]);
    }

    #[test]
    fn callee_saved_registers_are_read() {
        let r = callee_saved_registers();
        assert_eq!(r.len(), CALLEE_SAVED);
    }

    #[inline(never)]
    fn here() -> u64 {
        // Any address inside this test binary's code.
        here as *const () as usize as u64
    }

    #[test]
    fn own_code_is_found_in_a_loaded_object() {
        let obj = object_containing(here()).expect("the test binary is a loaded object");
        assert!(!obj.path.as_os_str().is_empty());
    }

    #[test]
    fn backtrace_is_bounded_and_nonempty() {
        let pcs = backtrace(4);
        assert!(!pcs.is_empty() && pcs.len() <= 4, "{pcs:?}");
    }

    #[test]
    fn anonymous_mappings_opt_out_of_huge_pages() {
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            return; // a kernel without THP has nothing to opt out of (and no `nh` flag)
        }
        let map = Mapping::anon(8 << 20).expect("mmap");
        let start = map.as_mut_ptr() as usize;
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let mut in_ours = false;
        let mut flags = None;
        for line in smaps.lines() {
            // The area containing ours, which need not start there: the kernel merges
            // adjacent anonymous mappings with the same flags (another test's, running
            // in parallel, has them too).
            if let Some((range, _)) = line.split_once(' ') {
                if let Some((lo, hi)) = range.split_once('-') {
                    if let (Ok(lo), Ok(hi)) =
                        (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
                    {
                        in_ours = (lo..hi).contains(&start);
                        continue;
                    }
                }
            }
            if in_ours {
                if let Some(f) = line.strip_prefix("VmFlags:") {
                    flags = Some(f.split_whitespace().map(str::to_string).collect::<Vec<_>>());
                }
            }
        }
        let flags = flags.expect("the mapping is in /proc/self/smaps");
        assert!(flags.iter().any(|f| f == "nh"), "VmFlags: {flags:?}");
    }

    #[test]
    fn anonymous_mappings_are_zeroed() {
        let p = Mapping::anon(1 << 20).expect("mmap").leak();
        // SAFETY: the mapping is 1 MiB long and never unmapped.
        assert_eq!(unsafe { *p.add(12345) }, 0);
    }
}
