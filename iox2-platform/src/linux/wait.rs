//! `LinuxWaiter`: the `WaitWord` of the Linux platform.

use super::{futex, waitv};
use crate::clock::Instant;
use crate::error::WaitError;
use crate::signal;
use crate::sync::AtomicU32;
use crate::wait::{WaitOutcome, WaitTarget, WaitWord};

/// Shared futexes: `wait` through `FUTEX_WAIT_BITSET` with an absolute
/// `CLOCK_MONOTONIC` deadline, `wait_any` through `futex_waitv` (polling
/// with backoff on kernels older than 5.16), `wake` through `FUTEX_WAKE`,
/// which wakes both kinds of sleeper in any process. A signal ends a wait
/// with [`WaitOutcome::Interrupted`].
///
/// Once [`signal::catch_termination`] ran, every wait also sleeps on the
/// termination word (one `futex_waitv` slot is kept for it), so a SIGINT or
/// SIGTERM that arrives just before the sleep still ends it.
#[derive(Debug)]
pub struct LinuxWaiter;

impl LinuxWaiter {
    /// Waits through `futex_waitv` with the termination word added.
    fn wait_or_terminate(targets: &[WaitTarget<'_>], deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        let termination = WaitTarget {
            word: signal::termination_word(),
            expected: 0,
        };
        let outcome = match signal::termination_requested() {
            Some(_) => WaitOutcome::Interrupted,
            None => waitv::wait_any(targets, Some(termination), deadline)?,
        };
        Ok(match signal::termination_requested() {
            Some(_) => WaitOutcome::Interrupted,
            None => outcome,
        })
    }
}

impl WaitWord for LinuxWaiter {
    const MAX_WAIT_ANY: usize = waitv::MAX_WAIT_ANY - 1;

    fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        if signal::catching() {
            return Self::wait_or_terminate(&[WaitTarget { word, expected }], deadline);
        }
        futex::wait(word, expected, deadline)
    }

    fn wake(word: &AtomicU32, count: u32) -> Result<u32, WaitError> {
        futex::wake(word, count)
    }

    fn wait_any(targets: &[WaitTarget<'_>], deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        if targets.len() > Self::MAX_WAIT_ANY {
            return Err(WaitError::TooManyWords {
                max: Self::MAX_WAIT_ANY,
            });
        }
        if signal::catching() {
            return Self::wait_or_terminate(targets, deadline);
        }
        waitv::wait_any(targets, None, deadline)
    }
}
