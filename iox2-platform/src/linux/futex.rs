//! Sleeping on and waking one word with the shared (non-private) futex:
//! `FUTEX_WAIT_BITSET` for an absolute `CLOCK_MONOTONIC` deadline.

use super::clock::to_timespec;
use super::errno::wait_error;
use crate::clock::Instant;
use crate::error::WaitError;
use crate::sync::AtomicU32;
use crate::wait::WaitOutcome;
use core::num::NonZeroU32;
use rustix::io::Errno;
use rustix::thread::futex;

/// `FUTEX_BITSET_MATCH_ANY`: the waiter answers every wake.
const MATCH_ANY: NonZeroU32 = NonZeroU32::MAX;

/// The outcome of a futex wait call.
pub(crate) fn outcome(result: Result<(), Errno>) -> Result<WaitOutcome, WaitError> {
    match result {
        // Woken, or the word differed (EAGAIN): either way, re-check.
        Ok(()) | Err(Errno::AGAIN) => Ok(WaitOutcome::Woken),
        Err(Errno::TIMEDOUT) => Ok(WaitOutcome::TimedOut),
        Err(Errno::INTR) => Ok(WaitOutcome::Interrupted),
        Err(e) => Err(wait_error(e)),
    }
}

/// Sleeps while `word == expected`. The kernel compares the word after
/// queueing the sleeper, so no wake between the caller's check and the
/// sleep is lost. Shared futex: the word may sit in a `MAP_SHARED` mapping
/// that other processes wake. The deadline is absolute on
/// `CLOCK_MONOTONIC` (the platform clock), so it never fires early.
pub(crate) fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
    let result = match deadline {
        None => futex::wait(word, futex::Flags::empty(), expected, None),
        Some(deadline) => {
            let timeout = to_timespec(deadline);
            futex::wait_bitset(word, futex::Flags::empty(), expected, Some(&timeout), MATCH_ANY)
        }
    };
    outcome(result)
}

/// Wakes up to `count` sleepers of `word`, in any process; returns how many.
pub(crate) fn wake(word: &AtomicU32, count: u32) -> Result<u32, WaitError> {
    let count = count.min(i32::MAX as u32);
    let woken = futex::wake(word, futex::Flags::empty(), count).map_err(wait_error)?;
    Ok(u32::try_from(woken).unwrap_or(count))
}
