//! A publish-subscribe service's control segment: its header, the node and
//! port slots, and per connection the two handshake words and two queues.
//!
//! # Connection handshake (INV-EPOCH)
//! Connection (publisher slot `p`, subscriber slot `j`) has two words:
//! - `sub_attached[j][p]`, written by subscriber `j` only (or by whoever
//!   reaps it once it is dead): the generation of the publisher in slot `p`
//!   whose data segment it has mapped; [`DETACHED`] when ready but attached
//!   to nobody; [`NOT_READY`] before a new subscriber has written its
//!   settings, and after one left or was reaped.
//!   Before it attaches to a new generation it detaches from the old one
//!   and stops returning that publisher's chunks.
//! - `pub_ready[p][j]`, written by publisher `p` only (or by whoever reaps
//!   it once it is dead): `pack_connection(publisher generation, subscriber
//!   generation)` once the publisher has reset both queues for this pair.
//!
//! A publisher resets a connection only when the subscriber slot is active
//! and `sub_attached` names the publisher's own generation or DETACHED: the
//! subscriber is then not attached to any previous publisher in that slot,
//! so no stale chunk index can reach the new publisher's completion queue.
//! (Connecting before the subscriber attached lets samples sent meanwhile
//! wait in its buffer.) A subscriber pops only while it is attached and
//! `pub_ready` names both generations. Samples carry the publisher
//! generation and are returned only while `sub_attached` still holds it.

use super::layout::{ControlLayout, control_layout};
use super::qos::PubSubQos;
use crate::segment::Segment;
pub use crate::service::handshake::{DETACHED, NOT_READY, pack_connection};
use crate::service::{Header, HeaderContent, PortKind, Registry, ServiceOpenError};
use crate::spsc::SpscQueueView;
use crate::sync::{AtomicU32, Ordering};
use core::marker::PhantomData;
use iox2_platform::rmw::Rmw;

/// The control segment of a publish-subscribe service.
#[derive(Debug)]
pub struct Control<'a, R> {
    segment: Segment<'a>,
    qos: PubSubQos,
    layout: ControlLayout,
    _rmw: PhantomData<fn() -> R>,
}

// Manual impls: a derive would demand `R: Clone`, but `R` is only a marker.
impl<R> Clone for Control<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Control<'_, R> {}

impl<'a, R: Rmw> Control<'a, R> {
    /// Writes a new service into a fresh, zero-filled `segment` of at least
    /// `content.len` bytes; READY is stored last.
    pub fn create(segment: Segment<'a>, content: &HeaderContent<'_, PubSubQos>) -> Result<Self, ServiceOpenError> {
        let layout = control_layout::<R>(&content.settings).map_err(ServiceOpenError::CorruptedQos)?;
        if segment.len() < layout.len {
            return Err(ServiceOpenError::TooShort {
                required: layout.len,
                available: segment.len(),
            });
        }
        Header::new(segment).write(content);
        Ok(Self {
            segment,
            qos: content.settings,
            layout,
            _rmw: PhantomData,
        })
    }

    /// Opens the service in `segment`, checking its header against `expected`.
    pub fn open(segment: Segment<'a>, expected: &HeaderContent<'_, PubSubQos>) -> Result<Self, ServiceOpenError> {
        let header = Header::new(segment);
        header.check(expected)?;
        let layout = control_layout::<R>(&expected.settings).map_err(ServiceOpenError::CorruptedQos)?;
        Ok(Self {
            segment,
            qos: expected.settings,
            layout,
            _rmw: PhantomData,
        })
    }

    /// The header.
    pub fn header(&self) -> Header<'a> {
        Header::new(self.segment)
    }

    /// The service's settings.
    pub fn qos(&self) -> &PubSubQos {
        &self.qos
    }

    /// The node and port slots.
    pub fn registry(&self) -> Registry<'a, R> {
        Registry::new(self.segment, self.layout.registry)
    }

    /// `pub_ready[publisher][subscriber]`.
    pub fn pub_ready(&self, publisher: u32, subscriber: u32) -> &'a AtomicU32 {
        self.segment
            .word(self.layout.pub_ready + publisher as usize * self.layout.pub_ready_row + 4 * subscriber as usize)
    }

    /// `sub_attached[subscriber][publisher]`.
    pub fn sub_attached(&self, subscriber: u32, publisher: u32) -> &'a AtomicU32 {
        self.segment.word(
            self.layout.sub_attached + subscriber as usize * self.layout.sub_attached_row + 4 * publisher as usize,
        )
    }

    /// Subscriber `subscriber`'s wake word: `seq << 1 | sleeping`.
    pub fn wakeup(&self, subscriber: u32) -> &'a AtomicU32 {
        self.segment
            .word(self.layout.wakeups + subscriber as usize * crate::sync::CACHE_LINE)
    }

    /// The submission queue (publisher -> subscriber) of a connection.
    pub fn submission_queue(&self, publisher: u32, subscriber: u32) -> &'a SpscQueueView<R> {
        let offset = self.layout.submission_queue_at(&self.qos, publisher, subscriber);
        self.segment.spsc(offset, self.qos.subscriber_buffer)
    }

    /// The completion queue (subscriber -> publisher) of a connection.
    pub fn completion_queue(&self, publisher: u32, subscriber: u32) -> &'a SpscQueueView<R> {
        let offset = self.layout.submission_queue_at(&self.qos, publisher, subscriber) + self.layout.completion_queue;
        self.segment.spsc(offset, self.qos.completion_capacity())
    }

    /// The buffer size subscriber slot `subscriber` asked for: 1..=the
    /// service's `subscriber_buffer` (a stored 0 or larger value, e.g. from
    /// a faulty peer, means the service's).
    pub fn subscriber_buffer(&self, subscriber: u32) -> u32 {
        let word = self.registry().port_word(PortKind::Subscriber, subscriber, 1);
        match word.load(Ordering::Acquire) {
            requested @ 1.. if requested <= self.qos.subscriber_buffer => requested,
            _ => self.qos.subscriber_buffer,
        }
    }

    /// Records the buffer size the subscriber in slot `subscriber` wants
    /// (before it attaches to any publisher).
    pub fn set_subscriber_buffer(&self, subscriber: u32, buffer: u32) {
        let word = self.registry().port_word(PortKind::Subscriber, subscriber, 1);
        // SYNC: Release; the publisher reads it after its Acquire of the
        // subscriber's slot claim or attachment, which come after this.
        word.store(buffer, Ordering::Release);
    }

    /// Marks subscriber `subscriber`'s row not ready: when it leaves, and
    /// when a reaper frees a dead subscriber's slot (before the release, so
    /// the next holder starts from a row no publisher acts on).
    pub fn reset_subscriber_row(&self, subscriber: u32) {
        for publisher in 0..self.qos.max_publishers {
            self.sub_attached(subscriber, publisher)
                .store(NOT_READY, Ordering::Release);
        }
    }

    /// Resets both queues of a connection (the publisher's step of the
    /// handshake, before it stores `pub_ready`); the submission queue holds
    /// the subscriber's chosen buffer size.
    pub fn reset_connection(&self, publisher: u32, subscriber: u32) {
        let offset = self.layout.submission_queue_at(&self.qos, publisher, subscriber);
        let buffer = self.qos.subscriber_buffer;
        let overflow = self.qos.safe_overflow == 1;
        self.segment
            .init_spsc::<R>(offset, buffer, self.subscriber_buffer(subscriber), overflow);
        let completion = self.qos.completion_capacity();
        self.segment
            .init_spsc::<R>(offset + self.layout.completion_queue, completion, completion, false);
    }
}
