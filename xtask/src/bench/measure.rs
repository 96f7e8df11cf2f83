//! Running one benchmarked child: wall time, peak RSS (from `wait4`'s rusage, the child's
//! own high-water mark), and a watchdog that kills it past a time or RSS limit.
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Why the watchdog killed a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Killed {
    Timeout,
    Rss,
}

/// One finished child.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    pub secs: f64,
    pub peak_rss_kb: u64,
    /// The raw wait status.
    pub status: i32,
    pub killed: Option<Killed>,
}

impl Measured {
    pub fn exit_code(&self) -> Option<i32> {
        libc::WIFEXITED(self.status).then(|| libc::WEXITSTATUS(self.status))
    }
}

/// Spawn `cmd` (its stdio already set up), wait for it, and measure it.
pub fn measure(cmd: &mut Command, timeout: Duration, max_rss_kb: u64) -> Result<Measured, String> {
    let start = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let done = Arc::new(AtomicBool::new(false));
    let killed = Arc::new(Mutex::new(None));
    let watchdog = {
        let (done, killed) = (done.clone(), killed.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Acquire) {
                let why = if start.elapsed() > timeout {
                    Some(Killed::Timeout)
                } else if rss_kb(pid).is_some_and(|kb| kb > max_rss_kb) {
                    Some(Killed::Rss)
                } else {
                    None
                };
                if let Some(why) = why {
                    *killed.lock().unwrap() = Some(why);
                    // SAFETY: kill(2) on the child's pid; it is not reaped until wait4 below
                    // returns, so the pid cannot have been reused.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child, with valid pointers to locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = start.elapsed().as_secs_f64();
    done.store(true, Ordering::Release);
    let _ = watchdog.join();
    std::mem::forget(child); // reaped by wait4
    if r < 0 {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    let killed = *killed.lock().unwrap();
    Ok(Measured {
        secs,
        peak_rss_kb: usage.ru_maxrss as u64,
        status,
        killed,
    })
}

/// Resident set of a live process, from `/proc/<pid>/status`.
fn rss_kb(pid: libc::pid_t) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()
}
