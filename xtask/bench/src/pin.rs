//! CPU pinning: binds the calling thread to one CPU (`sched_setaffinity`),
//! so that the two sides of a benchmark each own a core for the whole run.

use std::io;
use std::thread;

/// The CPUs the two sides of a two-thread benchmark run on.
pub const CPUS: [usize; 2] = [0, 1];

/// Binds the calling thread to `cpu`.
#[cfg(target_os = "linux")]
pub fn pin_current_thread(cpu: usize) -> io::Result<()> {
    // SAFETY: `cpu_set_t` is a plain bit array; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { core::mem::zeroed() };
    // SAFETY: `CPU_SET` writes one bit of the set we own; it ignores CPUs
    // beyond the set's size.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: pid 0 names the calling thread; the pointer and size describe
    // `set`, which outlives the call.
    let rc = unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Binds the calling thread to `cpu` (only Linux can).
#[cfg(not(target_os = "linux"))]
pub fn pin_current_thread(cpu: usize) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        format!("cannot pin to CPU {cpu}: pinning needs Linux"),
    ))
}

/// Checks once, from a throwaway thread, that every CPU of [`CPUS`] can be
/// pinned to, so the benchmark threads can rely on it.
pub fn check() -> Result<(), String> {
    thread::spawn(|| {
        CPUS.iter()
            .try_for_each(|&cpu| pin_current_thread(cpu).map_err(|e| format!("cannot pin a thread to CPU {cpu}: {e}")))
    })
    .join()
    .map_err(|_| "the CPU pinning check panicked".to_owned())?
}

/// Pins the calling thread to `cpu`; [`check`] has shown that it works.
pub fn pin_or_panic(cpu: usize) {
    if let Err(e) = pin_current_thread(cpu) {
        panic!("cannot pin to CPU {cpu} (it worked at start-up): {e}");
    }
}
