//! The subscriber's side of the data path: attach to publishers, take the
//! next chunk index from a connected publisher's submission queue, and hand
//! it back through the completion queue when the sample is dropped.
//!
//! Mapping a publisher's data segment is the caller's job (a host maps a
//! region; firmware has it statically); this port keeps the protocol:
//! [`SubscriberPort::publishers_to_update`] says which publisher slots
//! changed, [`SubscriberPort::detach`] and [`SubscriberPort::attach`] record
//! the caller's decision in `sub_attached`, and only then does a publisher
//! connect (see `control.rs`).

use super::control::{Control, DETACHED, NOT_READY, pack_connection};
use crate::service::handshake::{announce_sleep, end_sleep};
use crate::service::{PortKind, SlotId, SlotState};
use crate::sync::Ordering;
use core::fmt;
use iox2_platform::clock::Instant;
use iox2_platform::error::WaitError;
use iox2_platform::rmw::Rmw;
use iox2_platform::wait::{WaitOutcome, WaitTarget, WaitWord};

/// A chunk taken from a publisher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// The publisher's slot.
    pub publisher: u32,
    /// The publisher's generation (which data segment the chunk is in).
    pub generation: u32,
    /// The chunk's index in that data segment (checked against the pool).
    pub chunk: u32,
}

/// Why nothing could be received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ReceiveError {
    /// `max_borrowed` samples are held already.
    ExceedsMaxBorrows {
        /// The limit.
        max: u32,
    },
    /// A publisher pushed an index beyond its pool: the connection is
    /// corrupted; the index is dropped.
    CorruptedIndex {
        /// The publisher's slot.
        publisher: u32,
        /// The index found.
        index: u32,
    },
}

impl fmt::Display for ReceiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExceedsMaxBorrows { max } => write!(f, "{max} samples are held already (max_borrowed)"),
            Self::CorruptedIndex { publisher, index } => {
                write!(
                    f,
                    "publisher slot {publisher} sent chunk index {index}, beyond its pool"
                )
            }
        }
    }
}

impl core::error::Error for ReceiveError {}

/// A subscriber port over a service's control segment.
#[derive(Debug)]
pub struct SubscriberPort<'a, R> {
    control: Control<'a, R>,
    slot: SlotId,
    chunks: u32,
    topology_seen: Option<u32>,
    next_publisher: u32,
    borrowed: u32,
}

impl<'a, R: Rmw> SubscriberPort<'a, R> {
    /// A subscriber in the claimed slot `slot` with a buffer of `buffer`
    /// samples (at most the service's; 0 for the service's); `chunks` is
    /// the pool size of every publisher (from the service's settings).
    pub fn new(control: Control<'a, R>, slot: SlotId, chunks: u32, buffer: u32) -> Self {
        // The buffer size first: a publisher connects only once the row
        // says DETACHED (ready), and reads the size after that.
        control.set_subscriber_buffer(slot.index, buffer);
        for publisher in 0..control.qos().max_publishers {
            control
                .sub_attached(slot.index, publisher)
                .store(DETACHED, Ordering::Release);
        }
        Self {
            control,
            slot,
            chunks,
            topology_seen: None,
            next_publisher: 0,
            borrowed: 0,
        }
    }

    /// The port's slot.
    pub fn slot(&self) -> SlotId {
        self.slot
    }

    /// Calls `f(publisher slot, wanted generation or None, attached
    /// generation or None)` for every publisher slot whose state differs
    /// from what this subscriber is attached to — only if the topology
    /// changed since the last call.
    pub fn publishers_to_update(&mut self, mut f: impl FnMut(u32, Option<u32>, Option<u32>)) {
        let topology = self.control.registry().topology();
        if self.topology_seen == Some(topology) {
            return;
        }
        self.topology_seen = Some(topology);
        for publisher in 0..self.control.qos().max_publishers {
            let wanted = match self.control.registry().port(PortKind::Publisher, publisher) {
                SlotState::Active { generation, .. } => Some(generation),
                _ => None,
            };
            let attached = self.attached(publisher);
            if wanted != attached {
                f(publisher, wanted, attached);
            }
        }
    }

    /// The publisher generation attached in slot `publisher`.
    pub fn attached(&self, publisher: u32) -> Option<u32> {
        match self
            .control
            .sub_attached(self.slot.index, publisher)
            .load(Ordering::Relaxed)
        {
            NOT_READY | DETACHED => None,
            generation => Some(generation),
        }
    }

    /// Stops using publisher slot `publisher`: samples from it that are
    /// still held are no longer returned.
    pub fn detach(&mut self, publisher: u32) {
        self.control
            .sub_attached(self.slot.index, publisher)
            .store(DETACHED, Ordering::Release);
    }

    /// Records that the caller has mapped the data segment of generation
    /// `generation` in publisher slot `publisher`.
    pub fn attach(&mut self, publisher: u32, generation: u32) {
        // SYNC: Release pairs with the publisher's Acquire before it
        // connects: our detachment from the previous publisher is visible.
        self.control
            .sub_attached(self.slot.index, publisher)
            .store(generation, Ordering::Release);
        // The publisher connects on its next look at the topology.
        self.control.registry().topology_changed();
    }

    /// Makes the next [`SubscriberPort::publishers_to_update`] look at every
    /// publisher slot again, e.g. after a publisher's data segment could not
    /// be mapped yet.
    pub fn refresh(&mut self) {
        self.topology_seen = None;
    }

    /// Takes the next chunk, visiting connected publishers round-robin.
    pub fn receive(&mut self) -> Result<Option<Received>, ReceiveError> {
        let max = self.control.qos().max_borrowed;
        if self.borrowed >= max {
            return Err(ReceiveError::ExceedsMaxBorrows { max });
        }
        let publishers = self.control.qos().max_publishers;
        let mut publisher = self.next_publisher;
        for _ in 0..publishers {
            // Round robin without a division: this runs on every poll.
            publisher = if publisher + 1 >= publishers { 0 } else { publisher + 1 };
            let Some(generation) = self.attached(publisher) else {
                continue;
            };
            // SYNC: Acquire pairs with the publisher's Release of
            // `pub_ready` after it reset the queues.
            let ready = self
                .control
                .pub_ready(publisher, self.slot.index)
                .load(Ordering::Acquire);
            if ready != pack_connection(generation, self.slot.generation) {
                continue;
            }
            let queue = self.control.submission_queue(publisher, self.slot.index);
            // SAFETY: this port is the submission queue's only consumer.
            let Some(chunk) = (unsafe { queue.consumer_unchecked() }).pop() else {
                continue;
            };
            self.next_publisher = publisher;
            if chunk >= self.chunks {
                return Err(ReceiveError::CorruptedIndex {
                    publisher,
                    index: chunk,
                });
            }
            self.borrowed += 1;
            return Ok(Some(Received {
                publisher,
                generation,
                chunk,
            }));
        }
        Ok(None)
    }

    /// Hands a received chunk back (its sample is dropped). A chunk of a
    /// publisher this subscriber detached from is not returned.
    pub fn release(&mut self, received: Received) {
        self.borrowed = self.borrowed.saturating_sub(1);
        if self.attached(received.publisher) != Some(received.generation) {
            return;
        }
        let queue = self.control.completion_queue(received.publisher, self.slot.index);
        // SAFETY: this port is the completion queue's only producer. A full
        // queue is impossible while the publisher keeps the protocol (its
        // capacity exceeds what one subscriber can hold); if it is full
        // anyway, the index is not returned and the publisher reclaims it
        // when this subscriber leaves.
        let _ = (unsafe { queue.producer_unchecked() }).push(received.chunk);
    }

    /// Whether the attached publisher in slot `publisher` (present or
    /// departed) has samples queued for this subscriber. A subscriber stays
    /// attached to a departed publisher until this says no, so it receives
    /// everything sent before the publisher left.
    pub fn has_queued(&self, publisher: u32) -> bool {
        let Some(generation) = self.attached(publisher) else {
            return false;
        };
        let ready = self
            .control
            .pub_ready(publisher, self.slot.index)
            .load(Ordering::Acquire);
        if ready != pack_connection(generation, self.slot.generation) {
            return false;
        }
        let queue = self.control.submission_queue(publisher, self.slot.index);
        // SAFETY: this port is the submission queue's only consumer.
        !unsafe { queue.consumer_unchecked() }.is_empty()
    }

    /// Whether an attached publisher's queue holds a sample right now.
    ///
    /// A publisher this subscriber has not attached to yet does not count:
    /// the host attaches (`publishers_to_update`) before every look, and a
    /// publisher's first send to a sleeping subscriber wakes it, so that
    /// look attaches and finds the sample. Counting it would make every
    /// sleep end at once while its pool cannot be mapped.
    fn has_data(&self) -> bool {
        (0..self.control.qos().max_publishers).any(|publisher| self.has_queued(publisher))
    }

    /// Sleeps until a publisher sends to this subscriber, or `deadline`
    /// passes (`W`: the platform's wait/wake). May return early (a
    /// spurious wake-up, or a sample already there): receive, and wait again
    /// if there was nothing.
    pub fn wait<W: WaitWord>(&mut self, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        let Some(target) = self.prepare_sleep() else {
            return Ok(WaitOutcome::Woken);
        };
        let outcome = W::wait(target.word, target.expected, deadline);
        self.end_sleep();
        outcome
    }

    /// Announces a sleeper (this subscriber's own wait, or a WaitSet's):
    /// sets the sleeping bit of its wake word and returns the word and value
    /// to sleep on, or `None` (the bit cleared again) when data is there
    /// already. After the sleep, call [`SubscriberPort::end_sleep`].
    pub fn prepare_sleep(&self) -> Option<WaitTarget<'a>> {
        let word = self.control.wakeup(self.slot.index);
        // SYNC: pairs with the fence in `PublisherPort::wake_sleepers`:
        // either it sees our bit and wakes us, or we see its sample here.
        let asleep = announce_sleep::<R>(word);
        if self.has_data() {
            self.end_sleep();
            return None;
        }
        Some(WaitTarget { word, expected: asleep })
    }

    /// Clears the sleeping bit, so publishers stop waking this subscriber.
    pub fn end_sleep(&self) {
        end_sleep::<R>(self.control.wakeup(self.slot.index));
    }

    /// Leaves: detaches from every publisher, marks its row not ready (for
    /// the next holder of the slot) and frees the slot.
    pub fn leave(&mut self) {
        self.control.reset_subscriber_row(self.slot.index);
        self.control.registry().release_port(PortKind::Subscriber, self.slot);
    }
}
