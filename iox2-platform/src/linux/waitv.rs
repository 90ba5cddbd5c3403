//! Sleeping on several words at once with `futex_waitv` (Linux >= 5.16),
//! falling back to polling where the kernel lacks it.

use super::clock::{LinuxClock, to_timespec};
use super::futex::outcome;
use crate::clock::{Clock, Instant};
use crate::error::WaitError;
use crate::sync::{AtomicBool, Ordering};
use crate::wait::{WaitOutcome, WaitTarget};
use rustix::io::Errno;
use rustix::thread::futex::{self, ClockId, Wait, WaitFlags, WaitPtr, WaitvFlags};

/// The kernel's limit on `futex_waitv` (`FUTEX_WAITV_MAX`).
pub const MAX_WAIT_ANY: usize = 128;

/// Set once the kernel answered ENOSYS: poll from then on.
static NO_WAITV: AtomicBool = AtomicBool::new(false);

/// Sleeps while every target (and `extra`, if given) holds its expected
/// value (checked by the kernel after queueing, as for one word); returns
/// on a wake of any of them, a signal, or the absolute `CLOCK_MONOTONIC`
/// deadline. At most [`MAX_WAIT_ANY`] words in all.
pub(crate) fn wait_any(
    targets: &[WaitTarget<'_>],
    extra: Option<WaitTarget<'_>>,
    deadline: Option<Instant>,
) -> Result<WaitOutcome, WaitError> {
    if targets.is_empty() {
        return Err(WaitError::NoWords);
    }
    let count = targets.len() + usize::from(extra.is_some());
    if count > MAX_WAIT_ANY {
        return Err(WaitError::TooManyWords {
            max: MAX_WAIT_ANY - usize::from(extra.is_some()),
        });
    }
    // SYNC: Relaxed; a stale `false` costs one more ENOSYS.
    if NO_WAITV.load(Ordering::Relaxed) {
        return Ok(poll(targets, extra, deadline));
    }
    let mut waits = [Wait::new(); MAX_WAIT_ANY];
    for (wait, target) in waits.iter_mut().zip(targets.iter().chain(extra.as_ref())) {
        wait.val = u64::from(target.expected);
        wait.uaddr = WaitPtr::new(core::ptr::from_ref(target.word).cast_mut().cast());
        // 32-bit words, shared (no FUTEX2_PRIVATE): woken by FUTEX_WAKE
        // from any process.
        wait.flags = WaitFlags::SIZE_U32;
    }
    let timeout = deadline.map(to_timespec);
    let result = futex::waitv(
        &waits[..count],
        WaitvFlags::empty(),
        timeout.as_ref(),
        ClockId::Monotonic,
    );
    match result {
        Err(Errno::NOSYS) => {
            // SYNC: Relaxed; only a hint (see above).
            NO_WAITV.store(true, Ordering::Relaxed);
            Ok(poll(targets, extra, deadline))
        }
        other => outcome(other.map(|_| ())),
    }
}

/// The fallback without `futex_waitv`: polling with backoff. A wake that
/// changes no word is not seen (callers change the word, then wake).
pub(crate) fn poll(
    targets: &[WaitTarget<'_>],
    extra: Option<WaitTarget<'_>>,
    deadline: Option<Instant>,
) -> WaitOutcome {
    match extra {
        None => crate::poll::poll_until(targets, deadline, LinuxClock::now),
        Some(extra) => {
            let all: std::vec::Vec<WaitTarget<'_>> = targets.iter().copied().chain([extra]).collect();
            crate::poll::poll_until(&all, deadline, LinuxClock::now)
        }
    }
}
