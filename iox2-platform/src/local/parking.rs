//! The parking lot of the local platform: a fixed table of mutex+condvar
//! buckets keyed by word address, plus one bucket for `wait_any`.

use crate::clock::{Clock, Instant};
use crate::wait::WaitOutcome;
use core::time::Duration;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::clock::LocalClock;

/// Buckets for single-word waits (a power of two).
const BUCKETS: usize = 64;

/// Sleepers and their wake counter.
///
/// INV-PARK: a waiter checks its word(s) while holding `wakes`' lock and
/// sleeps by releasing it atomically (`Condvar::wait`); a waker changes its
/// word first and then bumps `wakes` under the lock. So either the waiter's
/// check sees the change, or the bump happens while it sleeps: no lost wake.
#[derive(Debug)]
pub(crate) struct Bucket {
    wakes: Mutex<u64>,
    sleepers: Condvar,
}

impl Bucket {
    const fn new() -> Self {
        Self {
            wakes: Mutex::new(0),
            sleepers: Condvar::new(),
        }
    }

    /// The wake counter; nothing can be left half-done under it, so a
    /// poisoned lock is taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, u64> {
        self.wakes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes every sleeper of the bucket (they re-check their words).
    pub(crate) fn wake_all(&self) {
        let mut wakes = self.lock();
        *wakes = wakes.wrapping_add(1);
        drop(wakes);
        self.sleepers.notify_all();
    }

    /// Sleeps (with `wakes` locked by the caller, who has checked its words
    /// under the lock) until the counter moves or `deadline` passes.
    pub(crate) fn sleep(&self, mut wakes: MutexGuard<'_, u64>, deadline: Option<Instant>) -> WaitOutcome {
        let start = *wakes;
        while *wakes == start {
            match deadline {
                None => wakes = self.sleepers.wait(wakes).unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let now = LocalClock::now();
                    if now >= deadline {
                        return WaitOutcome::TimedOut;
                    }
                    let left = Duration::from_nanos(deadline.nanos_since(now));
                    wakes = self
                        .sleepers
                        .wait_timeout(wakes, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
            }
        }
        WaitOutcome::Woken
    }
}

static WORD_BUCKETS: [Bucket; BUCKETS] = [const { Bucket::new() }; BUCKETS];

/// The bucket every `wait_any` sleeps in; every wake rings it too.
pub(crate) static ANY: Bucket = Bucket::new();

/// The bucket of the word at `address`.
pub(crate) fn bucket_of(address: usize) -> &'static Bucket {
    // Words are 4-aligned; Fibonacci hashing spreads neighbouring words.
    let hash = (address >> 2).wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize);
    &WORD_BUCKETS[hash >> (usize::BITS - BUCKETS.trailing_zeros())]
}
