//! The popping end of an SPSC queue.

use super::{CLAIM_CONSUMER, CONFIG_OVERFLOW, SpscQueueView, TAG_BIT, VALUE_MASK};
use crate::sync::Ordering;
use iox2_platform::rmw::Rmw;

/// The popping end of an [`SpscQueueView`]; at most one is used at a time.
///
/// It polls the slot at its own position and never reads the producer's
/// `tail`. Its position lives in the queue (a handle is only a reference).
#[derive(Debug)]
pub struct Consumer<'a, R: Rmw> {
    queue: &'a SpscQueueView<R>,
    /// Whether dropping the handle releases a claim.
    claimed: bool,
}

impl<'a, R: Rmw> Consumer<'a, R> {
    #[inline]
    pub(super) fn new(queue: &'a SpscQueueView<R>, claimed: bool) -> Self {
        Self { queue, claimed }
    }

    /// Pops the oldest value, or `None` if the queue is empty.
    ///
    /// Wait-free without overflow; with overflow lock-free (it retries only
    /// after the producer evicted the entry it was about to take).
    #[inline]
    pub fn pop(&mut self) -> Option<u32> {
        let overflow = self.queue.shared.config.load(Ordering::Relaxed) & CONFIG_OVERFLOW != 0;
        let head_word = &self.queue.consumer.head;
        // SYNC: with overflow, Acquire pairs with the producer's eviction
        // CAS; without, `head` is ours and Relaxed reads our own store.
        let mut pos = head_word.load(if overflow { Ordering::Acquire } else { Ordering::Relaxed });
        loop {
            // SYNC: Acquire pairs with the producer's PUBLISH of the slot.
            let word = self.queue.slot(pos).load(Ordering::Acquire);
            if word & TAG_BIT != self.queue.tag(pos) {
                if overflow {
                    // The producer may have evicted `pos` since we read `head`.
                    // SYNC: Acquire pairs with its eviction CAS.
                    let current = head_word.load(Ordering::Acquire);
                    if current != pos {
                        pos = current;
                        continue;
                    }
                }
                return None;
            }
            let next = pos.wrapping_add(1);
            if overflow {
                // SYNC: the CAS races the producer's eviction CAS for this
                // position; the winner owns the entry. Release orders our
                // slot read before the producer's reuse of the slot.
                if let Err(current) = R::compare_exchange(head_word, pos, next, Ordering::AcqRel, Ordering::Acquire) {
                    pos = current;
                    continue;
                }
            } else {
                // SYNC: Release pairs with the producer's Acquire load of
                // `head`: our read of the slot happens-before its overwrite.
                head_word.store(next, Ordering::Release);
            }
            return Some(word & VALUE_MASK);
        }
    }

    /// How many values the queue holds (may be stale by the producer's pushes).
    pub fn len(&self) -> u32 {
        self.queue.len()
    }

    /// Whether no value is ready to pop right now.
    pub fn is_empty(&self) -> bool {
        let head = self.queue.consumer.head.load(Ordering::Acquire);
        self.queue.slot(head).load(Ordering::Relaxed) & TAG_BIT != self.queue.tag(head)
    }
}

impl<R: Rmw> Drop for Consumer<'_, R> {
    fn drop(&mut self) {
        if self.claimed {
            self.queue.release(CLAIM_CONSUMER);
        }
    }
}
