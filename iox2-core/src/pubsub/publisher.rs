//! The publisher's side of the data path (DESIGN.md "Data path"): loan a
//! chunk, send it to every connected subscriber and into the history, take
//! returned chunks back, and connect and disconnect subscribers.
//!
//! Everything here is written by the publisher alone — reference counts,
//! in-flight bits, history, its `pub_ready` row — so none of it needs
//! read-modify-write; only the queues' overflow and the slots do.
//!
//! INV-REFCOUNT: a chunk's reference count is the number of connections
//! whose in-flight bit it has set plus one if it is in the history; the
//! chunk goes back to the free list when that reaches zero. Every index a
//! subscriber hands back is checked against the connection's in-flight
//! bit first (INV-DISTRUST): an index that was never sent there, or is
//! returned twice, is ignored and counted as a protocol violation.

use super::control::{Control, DETACHED, pack_connection};
use crate::pool::{ChunkHeader, Data, PoolOwner};
use crate::service::handshake::wake_if_sleeping;
use crate::service::{PortKind, SlotId, SlotState};
use crate::sync::{Ordering, fence};
use core::fmt;
use iox2_platform::rmw::Rmw;
use iox2_platform::wait::WaitWord;

/// What to do when a subscriber's buffer is full and safe overflow is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Backpressure {
    /// Do not deliver the sample to that subscriber.
    Discard,
    /// Try again, taking back returned chunks between tries, up to
    /// `attempts` times, then discard.
    Retry {
        /// Further attempts after the first.
        attempts: u32,
    },
}

/// Why a chunk could not be loaned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LoanError {
    /// `max_loaned` samples are loaned and not yet sent or dropped.
    ExceedsMaxLoans {
        /// The limit.
        max: u32,
    },
    /// Every chunk is in use (only possible when a subscriber breaks the
    /// protocol, or a dead one has not been reaped yet).
    OutOfChunks,
}

impl fmt::Display for LoanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExceedsMaxLoans { max } => write!(f, "{max} samples are loaned already (max_loaned)"),
            Self::OutOfChunks => write!(f, "every chunk of the pool is in use"),
        }
    }
}

impl core::error::Error for LoanError {}

/// What a send did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Delivery {
    /// Subscribers that got the sample.
    pub delivered: u32,
    /// Subscribers that did not (full buffer with backpressure).
    pub discarded: u32,
}

/// A publisher port over a service's control segment and its own data segment.
#[derive(Debug)]
pub struct PublisherPort<'a, R> {
    control: Control<'a, R>,
    pool: PoolOwner<'a, R>,
    slot: SlotId,
    backpressure: Backpressure,
    topology_seen: Option<u32>,
    loaned: u32,
    sequence: u64,
}

impl<'a, R: Rmw> PublisherPort<'a, R> {
    /// A publisher in the claimed slot `slot`, over its freshly created `data`.
    ///
    /// The slot's `pub_ready` row may still hold an earlier publisher's
    /// entries: they name its generation, never ours, so they are left for
    /// its subscribers to drain and overwritten when we connect.
    pub fn new(control: Control<'a, R>, data: Data<'a, R>, slot: SlotId, backpressure: Backpressure) -> Self {
        Self {
            control,
            pool: PoolOwner::new(data),
            slot,
            backpressure,
            topology_seen: None,
            loaned: 0,
            sequence: 0,
        }
    }

    /// The port's slot.
    pub fn slot(&self) -> SlotId {
        self.slot
    }

    /// The data segment.
    pub fn data(&self) -> &Data<'a, R> {
        self.pool.data()
    }

    /// How many indices subscribers handed back that were never theirs.
    pub fn protocol_violations(&self) -> u32 {
        self.pool.violations()
    }

    /// Chunks of the pool that are free, after taking back what
    /// subscribers returned.
    pub fn free_chunks(&mut self) -> u32 {
        self.drain_all();
        self.pool.free_chunks()
    }

    /// Connects new subscribers and disconnects departed ones, if the
    /// topology changed since the last call (one atomic load otherwise).
    pub fn update_connections(&mut self) {
        let topology = self.control.registry().topology();
        if self.topology_seen == Some(topology) {
            return;
        }
        self.topology_seen = Some(topology);
        for subscriber in 0..self.control.qos().max_subscribers {
            self.sync_connection(subscriber);
        }
    }

    fn sync_connection(&mut self, subscriber: u32) {
        let publisher = self.slot.index;
        let ready = self.control.pub_ready(publisher, subscriber).load(Ordering::Relaxed);
        let current = match self.control.registry().port(PortKind::Subscriber, subscriber) {
            SlotState::Active { generation, .. } => Some(generation),
            _ => None,
        };
        if self.is_mine(ready) && current.map(|s| pack_connection(self.slot.generation, s)) != Some(ready) {
            self.disconnect(subscriber);
        }
        if let Some(generation) = current {
            let wanted = pack_connection(self.slot.generation, generation);
            // SYNC: Acquire pairs with the subscriber's Release of its
            // attachment. Attached to us, or to nobody (a new subscriber, or
            // one that detached from an earlier publisher in this slot): it
            // will never return an earlier publisher's chunk here. Attached
            // to an earlier generation: wait until it detaches.
            let attached = self.control.sub_attached(subscriber, publisher).load(Ordering::Acquire);
            if self.control.pub_ready(publisher, subscriber).load(Ordering::Relaxed) != wanted
                && (attached == self.slot.generation || attached == DETACHED)
            {
                self.connect(subscriber, wanted);
            }
        }
    }

    fn connect(&mut self, subscriber: u32, ready: u32) {
        let publisher = self.slot.index;
        self.control.reset_connection(publisher, subscriber);
        // Late joiner: the history, oldest first.
        let (head, len, capacity) = self.history_state();
        let queue = self.control.submission_queue(publisher, subscriber);
        // SAFETY: this port is the submission queue's only producer.
        let mut producer = unsafe { queue.producer_unchecked() };
        for k in 0..len {
            let chunk = self
                .pool
                .data()
                .history_word(2 + ((head + k) % capacity) as usize)
                .load(Ordering::Relaxed);
            if producer.push(chunk).is_ok() {
                self.pool.take_reference(subscriber, chunk);
            }
        }
        // SYNC: Release publishes the reset queues and the history to the
        // subscriber's Acquire of `pub_ready`.
        self.control
            .pub_ready(publisher, subscriber)
            .store(ready, Ordering::Release);
    }

    /// Takes back everything on a connection whose subscriber is gone (left
    /// or reaped: it never writes the connection again).
    fn disconnect(&mut self, subscriber: u32) {
        self.drain(subscriber);
        self.pool.release_all(subscriber);
        self.control
            .pub_ready(self.slot.index, subscriber)
            .store(0, Ordering::Release);
    }

    /// Takes back the chunks a subscriber returned.
    fn drain(&mut self, subscriber: u32) {
        let queue = self.control.completion_queue(self.slot.index, subscriber);
        // SAFETY: this port is the completion queue's only consumer.
        let mut consumer = unsafe { queue.consumer_unchecked() };
        while let Some(chunk) = consumer.pop() {
            self.pool.release_reference(subscriber, chunk);
        }
    }

    fn drain_all(&mut self) {
        for subscriber in 0..self.control.qos().max_subscribers {
            if self.connected(subscriber) {
                self.drain(subscriber);
            }
        }
    }

    /// Loans a free chunk from the free list (FIFO). Chunks subscribers
    /// returned are taken back only when the list is empty: in a batch,
    /// instead of a cache miss on every loan. The pool is large enough
    /// that taking them back then always frees one (`PubSubQos::chunks_per_publisher`).
    pub fn loan(&mut self) -> Result<u32, LoanError> {
        let max = self.control.qos().max_loaned;
        if self.loaned >= max {
            return Err(LoanError::ExceedsMaxLoans { max });
        }
        self.update_connections();
        let chunk = match self.pool.acquire() {
            Some(chunk) => chunk,
            None => {
                self.drain_all();
                self.pool.acquire().ok_or(LoanError::OutOfChunks)?
            }
        };
        self.loaned += 1;
        Ok(chunk)
    }

    /// Gives back a loaned chunk that is not sent.
    pub fn release_loan(&mut self, chunk: u32) {
        self.loaned = self.loaned.saturating_sub(1);
        self.pool.free(chunk);
    }

    /// Whether a receiver asked for send times (see
    /// [`PublisherPort::send_stamped`]): one load of a line nobody writes
    /// while no tool watches.
    #[inline]
    pub fn wants_stamps(&self) -> bool {
        // SYNC: Relaxed: a late or early stamp only changes what a tool shows.
        self.control.qos().send_times == 1 && self.control.header().stamp_requests().load(Ordering::Relaxed) != 0
    }

    /// Sends a loaned chunk whose payload holds `payload_len` bytes, and
    /// wakes the receiving subscribers that sleep (`W`).
    pub fn send<W: WaitWord>(&mut self, chunk: u32, payload_len: u32) -> Delivery {
        self.send_stamped::<W>(chunk, payload_len, 0)
    }

    /// Like [`PublisherPort::send`], recording `sent_at_ns` (platform
    /// clock; 0 for none) in the chunk header.
    pub fn send_stamped<W: WaitWord>(&mut self, chunk: u32, payload_len: u32, sent_at_ns: u64) -> Delivery {
        self.loaned = self.loaned.saturating_sub(1);
        self.update_connections();
        let header = ChunkHeader {
            payload_len,
            sequence: self.sequence,
            publisher_generation: self.slot.generation,
            sent_at_ns,
        };
        self.sequence += 1;
        self.pool.data().write_header(chunk, &header);
        self.pool.start_count(chunk);
        let overflow = self.control.qos().safe_overflow == 1;
        let mut delivery = Delivery::default();
        for subscriber in 0..self.control.qos().max_subscribers {
            if !self.connected(subscriber) {
                continue;
            }
            // INV-REFCOUNT / INV-ORDER: the bit and the count are set before
            // the push publishes the index.
            self.pool.take_reference(subscriber, chunk);
            if self.push(subscriber, chunk, overflow) {
                delivery.delivered += 1;
            } else {
                // Not freed here: the history or another subscriber may
                // still take it; `free_if_unreferenced` decides below.
                self.pool.undo_reference(subscriber, chunk);
                delivery.discarded += 1;
            }
        }
        self.record_history(chunk);
        self.pool.free_if_unreferenced(chunk);
        if delivery.delivered > 0 {
            self.wake_sleepers::<W>();
        }
        delivery
    }

    /// Wakes the connected subscribers whose wake word says they sleep.
    ///
    /// SYNC: the SeqCst fence between our pushes and the loads of the wake
    /// words pairs with the fence in `SubscriberPort::wait` between its
    /// setting of the sleeping bit and its look at the queues (a Dekker
    /// pair): either it sees our push, or we see its bit. A subscriber that
    /// polls never sets the bit, so it costs us one fence and one load of a
    /// line nobody writes — no syscall.
    fn wake_sleepers<W: WaitWord>(&self) {
        fence(Ordering::SeqCst);
        for subscriber in 0..self.control.qos().max_subscribers {
            if !self.connected(subscriber) {
                continue;
            }
            wake_if_sleeping::<R, W>(self.control.wakeup(subscriber));
        }
    }

    /// Pushes into a subscriber's queue; evicted chunks are taken back.
    fn push(&mut self, subscriber: u32, chunk: u32, overflow: bool) -> bool {
        let queue = self.control.submission_queue(self.slot.index, subscriber);
        // SAFETY: this port is the submission queue's only producer.
        let mut producer = unsafe { queue.producer_unchecked() };
        if overflow {
            return match producer.push_overflowing(chunk) {
                Ok(None) => true,
                Ok(Some(evicted)) => {
                    self.pool.release_reference(subscriber, evicted);
                    true
                }
                Err(_) => false,
            };
        }
        let attempts = match self.backpressure {
            Backpressure::Discard => 0,
            Backpressure::Retry { attempts } => attempts,
        };
        for attempt in 0..=attempts {
            if producer.push(chunk).is_ok() {
                return true;
            }
            if attempt < attempts {
                self.drain(subscriber);
                core::hint::spin_loop();
            }
        }
        false
    }

    /// `(head, len, capacity)` of the history ring.
    fn history_state(&self) -> (u32, u32, u32) {
        let capacity = self.control.qos().history;
        let head = self.pool.data().history_word(0).load(Ordering::Relaxed);
        let len = self.pool.data().history_word(1).load(Ordering::Relaxed);
        (head % capacity.max(1), len.min(capacity), capacity)
    }

    fn record_history(&mut self, chunk: u32) {
        let (head, len, capacity) = self.history_state();
        if capacity == 0 {
            return;
        }
        self.pool.add_reference(chunk);
        let data = self.pool.data();
        if len < capacity {
            data.history_word(2 + ((head + len) % capacity) as usize)
                .store(chunk, Ordering::Relaxed);
            data.history_word(1).store(len + 1, Ordering::Relaxed);
        } else {
            let entry = data.history_word(2 + head as usize);
            let oldest = entry.load(Ordering::Relaxed);
            entry.store(chunk, Ordering::Relaxed);
            data.history_word(0).store((head + 1) % capacity, Ordering::Relaxed);
            self.pool.drop_reference(oldest);
        }
    }

    /// Whether a `pub_ready` entry is this publisher's (it names our
    /// generation), rather than an earlier holder's of the slot.
    fn is_mine(&self, ready: u32) -> bool {
        ready != 0 && ready >> 16 == self.slot.generation
    }

    /// Whether the connection to `subscriber` is ours and ready.
    fn connected(&self, subscriber: u32) -> bool {
        self.is_mine(
            self.control
                .pub_ready(self.slot.index, subscriber)
                .load(Ordering::Relaxed),
        )
    }

    /// Leaves: frees the slot. The `pub_ready` row stays, so subscribers
    /// still receive what is queued for them (they keep the pool mapped
    /// while they read or hold it) before they detach; nothing is returned.
    pub fn leave(&mut self) {
        self.control.registry().release_port(PortKind::Publisher, self.slot);
    }
}
