//! Termination signals (SIGINT, SIGTERM) that end a wait instead of the
//! process: once [`catch_termination`] ran, such a signal is recorded, and
//! every wait of the host platforms — one that is under way, and every one
//! after it — returns [`crate::wait::WaitOutcome::Interrupted`], so the
//! program finishes what it was doing and leaves cleanly.
//!
//! No signal is missed between a waiter's last check and its sleep: the
//! handler changes a word that `linux` waits include (and wakes it with a
//! futex call), and writes a byte into a pipe that `posix` waits poll.
//! Both are async-signal-safe.

use crate::sync::{AtomicU32, Ordering};
use std::sync::Once;

/// The caught signal's number; 0 before one arrived. A futex word.
static TERMINATION: AtomicU32 = AtomicU32::new(0);
/// No descriptor (before `catch_termination`).
const NO_FD: u32 = u32::MAX;
/// The pipe's write end (the handler's).
static PIPE_WRITE: AtomicU32 = AtomicU32::new(NO_FD);
/// The pipe's read end (the waiters').
static PIPE_READ: AtomicU32 = AtomicU32::new(NO_FD);

static INSTALL: Once = Once::new();

/// Records SIGINT and SIGTERM from now on instead of letting them end the
/// process (idempotent). Returns the OS error if a handler could not be
/// installed.
pub fn catch_termination() -> Result<(), i32> {
    let mut result = Ok(());
    INSTALL.call_once(|| result = install());
    result
}

/// The termination signal caught, if one was.
pub fn termination_requested() -> Option<i32> {
    // SYNC: Acquire pairs with the handler's store (same thread or not).
    match TERMINATION.load(Ordering::Acquire) {
        0 => None,
        signal => Some(signal as i32),
    }
}

/// Whether [`catch_termination`] installed the handlers.
#[cfg(feature = "linux")]
pub(crate) fn catching() -> bool {
    INSTALL.is_completed() && PIPE_READ.load(Ordering::Relaxed) != NO_FD
}

/// The word a waiter adds to its sleep (expecting 0).
#[cfg(feature = "linux")]
pub(crate) fn termination_word() -> &'static AtomicU32 {
    &TERMINATION
}

/// The pipe's read end, readable once a termination signal arrived.
#[cfg(feature = "posix")]
pub(crate) fn pipe_fd() -> Option<i32> {
    let fd = PIPE_READ.load(Ordering::Relaxed);
    (fd != NO_FD).then_some(fd as i32)
}

extern "C" fn on_termination(signal: libc::c_int) {
    // Async-signal-safe only: an atomic store, a futex wake, a write.
    // SYNC: Release publishes nothing but the word itself; waiters re-read it.
    TERMINATION.store(signal as u32, Ordering::Release);
    #[cfg(target_os = "linux")]
    // SAFETY: FUTEX_WAKE on a static word; the syscall is async-signal-safe.
    unsafe {
        libc::syscall(libc::SYS_futex, TERMINATION.as_ptr(), libc::FUTEX_WAKE, i32::MAX);
    }
    let fd = PIPE_WRITE.load(Ordering::Relaxed);
    if fd != NO_FD {
        let byte = 1u8;
        // SAFETY: `fd` is the pipe's open write end; one byte from the stack.
        unsafe { libc::write(fd as i32, (&raw const byte).cast(), 1) };
    }
}

fn install() -> Result<(), i32> {
    let mut fds = [-1 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors `pipe` writes.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO));
    }
    for fd in fds {
        // SAFETY: plain fcntl calls on the descriptors just made.
        unsafe {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK);
        }
    }
    PIPE_WRITE.store(fds[1] as u32, Ordering::Relaxed);
    PIPE_READ.store(fds[0] as u32, Ordering::Relaxed);
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction is valid; the handler is an
        // `extern "C" fn(c_int)` doing only async-signal-safe work. No
        // SA_RESTART: an interrupted sleep returns EINTR.
        let installed = unsafe {
            let mut action: libc::sigaction = core::mem::zeroed();
            action.sa_sigaction = on_termination as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&raw mut action.sa_mask);
            libc::sigaction(signal, &raw const action, core::ptr::null_mut())
        };
        if installed != 0 {
            return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EINVAL));
        }
    }
    Ok(())
}
