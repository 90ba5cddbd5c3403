//! `LinuxWaiter`: the `WaitWord` of the Linux platform.

use super::{futex, waitv};
use crate::clock::Instant;
use crate::error::WaitError;
use crate::sync::AtomicU32;
use crate::wait::{WaitOutcome, WaitTarget, WaitWord};

/// Shared futexes: `wait` through `FUTEX_WAIT_BITSET` with an absolute
/// `CLOCK_MONOTONIC` deadline, `wait_any` through `futex_waitv` (polling
/// with backoff on kernels older than 5.16), `wake` through `FUTEX_WAKE`,
/// which wakes both kinds of sleeper in any process. A signal ends a wait
/// with [`WaitOutcome::Interrupted`].
#[derive(Debug)]
pub struct LinuxWaiter;

impl WaitWord for LinuxWaiter {
    const MAX_WAIT_ANY: usize = waitv::MAX_WAIT_ANY;

    fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        futex::wait(word, expected, deadline)
    }

    fn wake(word: &AtomicU32, count: u32) -> Result<u32, WaitError> {
        futex::wake(word, count)
    }

    fn wait_any(targets: &[WaitTarget<'_>], deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        waitv::wait_any(targets, deadline)
    }
}
