//! `futex`, the floor of a blocking wake-up: the word ping-pong of
//! [`crate::pingpong::words`] where a side sleeps in `FUTEX_WAIT` until
//! the other's word changes, and wakes the other with `FUTEX_WAKE` after
//! each store. Shared futexes (no `FUTEX_PRIVATE_FLAG`: the words sit in a
//! `MAP_SHARED` mapping of two processes) and no timeout, as iox2's `Linux`
//! platform waits. Per hop: one store and one `FUTEX_WAKE` on the sending
//! side, one `FUTEX_WAIT` on the receiving side, nothing else.

use core::sync::atomic::{AtomicU32, Ordering};
use std::io;

use crate::pingpong::{Handoff, Words};

/// The futex hand-off.
#[derive(Debug)]
pub struct Futex;

/// The blocking floor.
pub type FutexWords = Words<Futex>;

impl Handoff for Futex {
    const NAME: &'static str = "futex";

    #[inline(always)]
    fn wait_for(word: &AtomicU32, what: &str, accept: impl Fn(u32) -> bool) -> u32 {
        loop {
            let token = word.load(Ordering::Acquire);
            if accept(token) {
                return token;
            }
            if let Err(e) = wait(word, token) {
                panic!("FUTEX_WAIT on {what} failed: {e}");
            }
        }
    }

    #[inline(always)]
    fn wake(word: &AtomicU32) {
        // SAFETY: `word` is an aligned `u32` in a mapping that outlives the
        // call; FUTEX_WAKE only looks up its sleepers.
        let rc = unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, 1) };
        if rc == -1 {
            panic!("FUTEX_WAKE failed: {}", io::Error::last_os_error());
        }
    }
}

/// Sleeps while `word` holds `expected`, without a timeout; a changed word
/// (`EAGAIN`) and a signal (`EINTR`) count as a wake-up.
#[inline(always)]
fn wait(word: &AtomicU32, expected: u32) -> io::Result<()> {
    // SAFETY: `word` is an aligned `u32` in a mapping that outlives the
    // call; FUTEX_WAIT only reads it, and a null timeout means none.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            core::ptr::null::<libc::timespec>(),
        )
    };
    if rc == 0 {
        return Ok(());
    }
    match io::Error::last_os_error() {
        e if matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EINTR)) => Ok(()),
        e => Err(e),
    }
}
