//! `LocalWaiter`: futex-like wait and wake between threads of one process,
//! over the parking buckets.

use super::parking::{ANY, bucket_of};
use crate::clock::Instant;
use crate::error::WaitError;
use crate::sync::{AtomicU32, Ordering};
use crate::wait::{WaitOutcome, WaitTarget, WaitWord};

/// The most words `wait_any` takes.
pub const MAX_WAIT_ANY: usize = 128;

/// Wait and wake for threads of this process (INV-PARK: no lost wake-ups).
/// `wake` wakes every sleeper of the word's bucket (and of `wait_any`) and
/// reports `count`; woken sleepers of other words re-check and find a
/// spurious wake-up. Never `Interrupted`.
#[derive(Debug)]
pub struct LocalWaiter;

impl WaitWord for LocalWaiter {
    const MAX_WAIT_ANY: usize = MAX_WAIT_ANY;

    fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        let bucket = bucket_of(core::ptr::from_ref(word) as usize);
        let wakes = bucket.lock();
        // SYNC: Acquire pairs with the waker's Release of the word; checked
        // under the bucket lock (INV-PARK).
        if word.load(Ordering::Acquire) != expected {
            return Ok(WaitOutcome::Woken);
        }
        Ok(bucket.sleep(wakes, deadline))
    }

    fn wake(word: &AtomicU32, count: u32) -> Result<u32, WaitError> {
        bucket_of(core::ptr::from_ref(word) as usize).wake_all();
        ANY.wake_all();
        Ok(count)
    }

    fn wait_any(targets: &[WaitTarget<'_>], deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        if targets.is_empty() {
            return Err(WaitError::NoWords);
        }
        if targets.len() > MAX_WAIT_ANY {
            return Err(WaitError::TooManyWords { max: MAX_WAIT_ANY });
        }
        let wakes = ANY.lock();
        // SYNC: as in `wait`.
        if targets.iter().any(|t| t.word.load(Ordering::Acquire) != t.expected) {
            return Ok(WaitOutcome::Woken);
        }
        Ok(ANY.sleep(wakes, deadline))
    }
}
