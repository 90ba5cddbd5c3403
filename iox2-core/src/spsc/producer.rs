//! The pushing end of an SPSC queue.

use super::{SpscQueueView, CLAIM_PRODUCER, CONFIG_OVERFLOW, VALUE_MASK};
use crate::error::SpscPushError;
use crate::sync::{Ordering, PUBLISH};
use iox2_platform::rmw::Rmw;

/// The pushing end of an [`SpscQueueView`]; at most one exists per queue.
///
/// It caches the consumer's position and reads the shared one only when the
/// cache says the queue is full.
#[derive(Debug)]
pub struct Producer<'a, R: Rmw> {
    queue: &'a SpscQueueView<R>,
    /// Next position to push (mirrors the shared `tail`).
    tail: u32,
    /// The consumer's position, as last read.
    cached_head: u32,
    capacity: u32,
    overflow: bool,
}

impl<'a, R: Rmw> Producer<'a, R> {
    /// Takes over the producer end after a successful claim.
    pub(super) fn new(queue: &'a SpscQueueView<R>) -> Self {
        // SYNC: Acquire pairs with the consumer's Release of `head`.
        let cached_head = queue.consumer.head.load(Ordering::Acquire);
        let config = queue.producer.config.load(Ordering::Relaxed);
        Self {
            queue,
            tail: queue.producer.tail.load(Ordering::Relaxed),
            cached_head,
            capacity: queue.capacity(),
            overflow: config & CONFIG_OVERFLOW != 0,
        }
    }

    /// Pushes `value` (below 2^31); wait-free. A full queue hands the value
    /// back as [`SpscPushError::Full`], whatever the overflow setting.
    #[inline]
    pub fn push(&mut self, value: u32) -> Result<(), SpscPushError> {
        if value > VALUE_MASK {
            return Err(SpscPushError::ValueTooLarge(value));
        }
        if self.tail.wrapping_sub(self.cached_head) >= self.capacity {
            // SYNC: Acquire pairs with the consumer's Release store (or CAS)
            // of `head`: its read of a slot happens before we overwrite it.
            self.cached_head = self.queue.consumer.head.load(Ordering::Acquire);
            // INV-SPSC-WINDOW: a foreign `head` outside the window wraps to a
            // huge distance here and reads as full; never an out-of-range slot.
            if self.tail.wrapping_sub(self.cached_head) >= self.capacity {
                return Err(SpscPushError::Full(value));
            }
        }
        self.write(value);
        Ok(())
    }

    /// Pushes `value`; on a full queue created with overflow, evicts the
    /// oldest value and returns it (`Ok(Some(evicted))`), so its owner can
    /// reclaim it. Without overflow it behaves as [`Producer::push`].
    ///
    /// Takes at most two attempts: a lost race with the consumer means the
    /// consumer freed a slot.
    pub fn push_overflowing(&mut self, value: u32) -> Result<Option<u32>, SpscPushError> {
        for _ in 0..2 {
            match self.push(value) {
                Ok(()) => return Ok(None),
                Err(SpscPushError::Full(_)) if self.overflow => {}
                Err(e) => return Err(e),
            }
            let head = self.cached_head;
            if self.tail.wrapping_sub(head) != self.capacity {
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
                    self.cached_head = head.wrapping_add(1);
                    self.write(value);
                    return Ok(Some(evicted & VALUE_MASK));
                }
                Err(current) => self.cached_head = current,
            }
        }
        Err(SpscPushError::Full(value))
    }

    /// Writes `value` at `tail` (room is checked) and advances.
    #[inline]
    fn write(&mut self, value: u32) {
        let pos = self.tail;
        // SYNC: PUBLISH (Release) pairs with the consumer's Acquire load of
        // the slot: what the producer wrote for this value (e.g. a chunk's
        // payload) happens-before the consumer sees it (INV-ORDER).
        self.queue.slot(pos).store(value | self.queue.tag(pos), PUBLISH);
        self.tail = pos.wrapping_add(1);
        // Informational (`len`); the consumer never reads it to pop.
        self.queue.producer.tail.store(self.tail, Ordering::Relaxed);
    }

    /// The most values the queue holds.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// How many values the queue holds (may be stale by the consumer's pops).
    pub fn len(&self) -> u32 {
        let head = self.queue.consumer.head.load(Ordering::Relaxed);
        self.tail.wrapping_sub(head).min(self.capacity)
    }

    /// Whether the queue is empty (may be stale by the consumer's pops).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<R: Rmw> Drop for Producer<'_, R> {
    fn drop(&mut self) {
        self.queue.release(CLAIM_PRODUCER);
    }
}
