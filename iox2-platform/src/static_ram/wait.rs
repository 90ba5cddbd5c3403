//! `StaticWaiter<B>`: waiting on words by re-checking them between calls of
//! the board's wait hook (a spin by default), until a change, a wake or the
//! deadline.

use super::board::StaticRamBoard;
use crate::clock::Instant;
use crate::error::WaitError;
use crate::rmw::Rmw;
use crate::sync::{AtomicU32, Ordering};
use crate::wait::{WaitOutcome, WaitTarget, WaitWord};
use core::marker::PhantomData;

/// The most words [`StaticWaiter::wait_any`] takes (the same as `linux`, so
/// a WaitSet's limit does not depend on the platform).
pub const MAX_WAIT_ANY: usize = 128;

/// Wait and wake for the board `B`.
///
/// A waiter loops: it returns `Woken` when a word differs from its
/// expected value or when any wake happened since it started (the region
/// table's wake epoch, which [`WaitWord::wake`] bumps through the board's
/// `Rmw`), `TimedOut` once the board clock reaches the deadline, and calls
/// [`StaticRamBoard::wait_hook`] in between. No wake is lost: the epoch is
/// read before the words are checked, and a waker changes its word before
/// it bumps the epoch. Never `Interrupted`.
///
/// Progress: `wake` is wait-free where the board's `fetch_add` is; `wait`
/// blocks by design but holds nothing another context needs.
pub struct StaticWaiter<B>(PhantomData<fn() -> B>);

impl<B: StaticRamBoard> WaitWord for StaticWaiter<B> {
    const MAX_WAIT_ANY: usize = MAX_WAIT_ANY;

    fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        Self::wait_any(&[WaitTarget { word, expected }], deadline)
    }

    fn wake(word: &AtomicU32, count: u32) -> Result<u32, WaitError> {
        let _ = word;
        // SYNC: Release pairs with the waiter's Acquire of the epoch, so a
        // waiter that sees the new epoch also sees the waker's word change.
        B::Rmw::fetch_add(B::regions().wake_epoch, 1, Ordering::Release);
        B::wake_hook();
        Ok(count)
    }

    fn wait_any(targets: &[WaitTarget<'_>], deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        if targets.is_empty() {
            return Err(WaitError::NoWords);
        }
        if targets.len() > MAX_WAIT_ANY {
            return Err(WaitError::TooManyWords { max: MAX_WAIT_ANY });
        }
        let epoch = B::regions().wake_epoch;
        // SYNC: Acquire pairs with the Release of `wake`'s fetch_add.
        let start = epoch.load(Ordering::Acquire);
        loop {
            // SYNC: Acquire pairs with the writer's Release of the word.
            if targets.iter().any(|t| t.word.load(Ordering::Acquire) != t.expected) {
                return Ok(WaitOutcome::Woken);
            }
            // SYNC: as for `start`.
            if epoch.load(Ordering::Acquire) != start {
                return Ok(WaitOutcome::Woken);
            }
            if deadline.is_some_and(|d| B::now() >= d) {
                return Ok(WaitOutcome::TimedOut);
            }
            B::wait_hook(deadline);
        }
    }
}

impl<B> core::fmt::Debug for StaticWaiter<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StaticWaiter")
    }
}
