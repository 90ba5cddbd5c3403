//! The pushing end of an SPSC queue.

use super::{CLAIM_PRODUCER, CONFIG_OVERFLOW, SpscQueueView, VALUE_MASK};
use crate::error::SpscPushError;
use crate::sync::{Ordering, PUBLISH};
use iox2_platform::rmw::Rmw;

/// The pushing end of an [`SpscQueueView`]; at most one is used at a time.
///
/// The end's state (its position and its reading of the consumer's) lives
/// in the queue, on the producer's own cache line, so a handle is only a
/// reference. The consumer's shared position is read only when the cached
/// reading says the queue is full.
#[derive(Debug)]
pub struct Producer<'a, R: Rmw> {
    queue: &'a SpscQueueView<R>,
    /// Whether dropping the handle releases a claim.
    claimed: bool,
}

impl<'a, R: Rmw> Producer<'a, R> {
    #[inline]
    pub(super) fn new(queue: &'a SpscQueueView<R>, claimed: bool) -> Self {
        Self { queue, claimed }
    }

    /// Pushes `value` (below 2^31); wait-free. A full queue hands the value
    /// back as [`SpscPushError::Full`], whatever the overflow setting.
    #[inline]
    pub fn push(&mut self, value: u32) -> Result<(), SpscPushError> {
        if value > VALUE_MASK {
            return Err(SpscPushError::ValueTooLarge(value));
        }
        let words = &self.queue.producer;
        let tail = words.tail.load(Ordering::Relaxed);
        let capacity = self.capacity();
        if tail.wrapping_sub(words.cached_head.load(Ordering::Relaxed)) >= capacity {
            // SYNC: Acquire pairs with the consumer's Release store (or CAS)
            // of `head`: its read of a slot happens before we overwrite it.
            let head = self.queue.consumer.head.load(Ordering::Acquire);
            words.cached_head.store(head, Ordering::Relaxed);
            // INV-SPSC-WINDOW: a foreign `head` outside the window wraps to a
            // huge distance here and reads as full; never an out-of-range slot.
            if tail.wrapping_sub(head) >= capacity {
                return Err(SpscPushError::Full(value));
            }
        }
        self.write(tail, value);
        Ok(())
    }

    /// Pushes `value`; on a full queue created with overflow, evicts the
    /// oldest value and returns it (`Ok(Some(evicted))`), so its owner can
    /// reclaim it. Without overflow it behaves as [`Producer::push`].
    ///
    /// Takes at most two attempts: a lost race with the consumer means the
    /// consumer freed a slot.
    pub fn push_overflowing(&mut self, value: u32) -> Result<Option<u32>, SpscPushError> {
        let overflow = self.queue.shared.config.load(Ordering::Relaxed) & CONFIG_OVERFLOW != 0;
        for _ in 0..2 {
            match self.push(value) {
                Ok(()) => return Ok(None),
                Err(SpscPushError::Full(_)) if overflow => {}
                Err(e) => return Err(e),
            }
            let words = &self.queue.producer;
            let tail = words.tail.load(Ordering::Relaxed);
            // `push` just refreshed the cached head.
            let head = words.cached_head.load(Ordering::Relaxed);
            if tail.wrapping_sub(head) != self.capacity() {
                // A foreign head outside the window: nothing we pushed to evict.
                return Err(SpscPushError::Full(value));
            }
            // SYNC: Acquire pairs with our own earlier PUBLISH of this slot;
            // only the producer writes slots, so this is the entry at `head`.
            let evicted = self.queue.slot(head).load(Ordering::Acquire);
            // SYNC: the CAS decides who owns position `head` — us or the
            // consumer's CAS in `pop` (INV-ONEWRITER: `head` is written only
            // through `Rmw` when overflow is on). AcqRel: Acquire orders the
            // consumer's earlier pops before our overwrite.
            match R::compare_exchange(
                &self.queue.consumer.head,
                head,
                head.wrapping_add(1),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    words.cached_head.store(head.wrapping_add(1), Ordering::Relaxed);
                    self.write(tail, value);
                    return Ok(Some(evicted & VALUE_MASK));
                }
                Err(current) => words.cached_head.store(current, Ordering::Relaxed),
            }
        }
        Err(SpscPushError::Full(value))
    }

    /// Writes `value` at position `tail` (room is checked) and advances.
    #[inline]
    fn write(&mut self, tail: u32, value: u32) {
        // SYNC: PUBLISH (Release) pairs with the consumer's Acquire load of
        // the slot: what the producer wrote for this value (e.g. a chunk's
        // payload) happens-before the consumer sees it (INV-ORDER).
        self.queue.slot(tail).store(value | self.queue.tag(tail), PUBLISH);
        // The consumer never reads `tail` to pop; it is for `len` and for
        // the next push of this end.
        self.queue.producer.tail.store(tail.wrapping_add(1), Ordering::Relaxed);
    }

    /// The most values the queue holds.
    #[inline]
    pub fn capacity(&self) -> u32 {
        self.queue.capacity()
    }

    /// How many values the queue holds (may be stale by the consumer's pops).
    pub fn len(&self) -> u32 {
        self.queue.len()
    }

    /// Whether the queue is empty (may be stale by the consumer's pops).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<R: Rmw> Drop for Producer<'_, R> {
    fn drop(&mut self) {
        if self.claimed {
            self.queue.release(CLAIM_PRODUCER);
        }
    }
}
