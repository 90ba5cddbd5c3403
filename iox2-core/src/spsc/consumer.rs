//! The popping end of an SPSC queue.

use super::{SpscQueueView, CLAIM_CONSUMER, CONFIG_OVERFLOW, TAG_BIT, VALUE_MASK};
use crate::sync::Ordering;
use iox2_platform::rmw::Rmw;

/// The popping end of an [`SpscQueueView`]; at most one exists per queue.
///
/// It polls the slot at its own position and never reads the producer's
/// `tail`.
#[derive(Debug)]
pub struct Consumer<'a, R: Rmw> {
    queue: &'a SpscQueueView<R>,
    /// Next position to pop (mirrors the shared `head`).
    head: u32,
    overflow: bool,
}

impl<'a, R: Rmw> Consumer<'a, R> {
    /// Takes over the consumer end after a successful claim.
    pub(super) fn new(queue: &'a SpscQueueView<R>) -> Self {
        let config = queue.producer.config.load(Ordering::Relaxed);
        Self {
            queue,
            head: queue.consumer.head.load(Ordering::Acquire),
            overflow: config & CONFIG_OVERFLOW != 0,
        }
    }

    /// Pops the oldest value, or `None` if the queue is empty.
    ///
    /// Wait-free without overflow; with overflow lock-free (it retries only
    /// after the producer evicted the entry it was about to take).
    #[inline]
    pub fn pop(&mut self) -> Option<u32> {
        loop {
            let pos = self.head;
            // SYNC: Acquire pairs with the producer's PUBLISH of the slot.
            let word = self.queue.slot(pos).load(Ordering::Acquire);
            if word & TAG_BIT != self.queue.tag(pos) {
                if !self.overflow {
                    return None;
                }
                // The producer may have evicted entries and moved `head`.
                // SYNC: Acquire pairs with the producer's eviction CAS.
                let shared = self.queue.consumer.head.load(Ordering::Acquire);
                if shared == pos {
                    return None;
                }
                self.head = shared;
                continue;
            }
            let next = pos.wrapping_add(1);
            if self.overflow {
                // SYNC: the CAS races the producer's eviction CAS for this
                // position; the winner owns the entry. Release orders our
                // slot read before the producer's reuse of the slot.
                if let Err(current) =
                    R::compare_exchange(&self.queue.consumer.head, pos, next, Ordering::AcqRel, Ordering::Acquire)
                {
                    self.head = current;
                    continue;
                }
            } else {
                // SYNC: Release pairs with the producer's Acquire load of
                // `head`: our read of the slot happens-before its overwrite.
                self.queue.consumer.head.store(next, Ordering::Release);
            }
            self.head = next;
            return Some(word & VALUE_MASK);
        }
    }

    /// How many values the queue holds (may be stale by the producer's pushes).
    pub fn len(&self) -> u32 {
        let tail = self.queue.producer.tail.load(Ordering::Relaxed);
        tail.wrapping_sub(self.head).min(self.queue.capacity())
    }

    /// Whether a value is ready to pop right now.
    pub fn is_empty(&self) -> bool {
        let word = self.queue.slot(self.head).load(Ordering::Relaxed);
        word & TAG_BIT != self.queue.tag(self.head)
    }
}

impl<R: Rmw> Drop for Consumer<'_, R> {
    fn drop(&mut self) {
        self.queue.release(CLAIM_CONSUMER);
    }
}
