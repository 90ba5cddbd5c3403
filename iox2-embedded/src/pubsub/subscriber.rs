//! The subscriber of a static service: take the next sample (read in
//! place in the publisher's pool), hand it back by dropping it, or idle
//! until a publisher sends.
//!
//! Progress: `receive` is wait-free without safe overflow and lock-free
//! with it (a pop retries only after the publisher evicted an entry);
//! `wait` idles through the board's wait hook and holds nothing a
//! publisher needs.

use super::PubSubRef;
use crate::changes::collect;
use core::cell::{Cell, RefCell};
use core::marker::PhantomData;
use core::ptr::NonNull;
use iox2_core::payload::ZeroCopySend;
use iox2_core::pool::DataLayout;
use iox2_core::pubsub::{Control, Data, ReceiveError, Received, SubscriberPort};
use iox2_core::service::{PortKind, SlotState};
use iox2_platform::Instant;
use iox2_platform::error::WaitError;
use iox2_platform::static_ram::{StaticRamBoard, StaticWaiter};
use iox2_platform::wait::WaitOutcome;

/// A subscriber of payload `T` on board `B`: `Send`, not `Sync`; dropping
/// it frees its port (the publisher takes back what it held).
pub struct Subscriber<'a, T, B: StaticRamBoard> {
    service: PubSubRef<'a, T, B>,
    control: Control<'a, B::Rmw>,
    layout: DataLayout,
    port: RefCell<SubscriberPort<'a, B::Rmw>>,
    /// Samples handed out and not yet dropped.
    held: Cell<u32>,
}

impl<'a, T: ZeroCopySend, B: StaticRamBoard> Subscriber<'a, T, B> {
    pub(crate) fn new(
        service: PubSubRef<'a, T, B>,
        control: Control<'a, B::Rmw>,
        layout: DataLayout,
        port: SubscriberPort<'a, B::Rmw>,
    ) -> Self {
        Self {
            service,
            control,
            layout,
            port: RefCell::new(port),
            held: Cell::new(0),
        }
    }

    /// Takes the next sample, if a publisher sent one; it is read in place
    /// and handed back when dropped. [`ReceiveError::ExceedsMaxBorrows`]
    /// while `borrows` samples are held.
    pub fn receive(&self) -> Result<Option<Sample<'_, 'a, T, B>>, ReceiveError> {
        self.update_publishers();
        let Some(received) = self.port.borrow_mut().receive()? else {
            return Ok(None);
        };
        // The port checked the index against the pool (INV-DISTRUST); the
        // payload's offset follows from the layout alone.
        let offset = self.layout.chunk_base + received.chunk as usize * self.layout.stride + self.layout.payload;
        let payload = self
            .service
            .data_segment(received.publisher)
            .at(offset, size_of::<T>())
            .cast::<T>();
        self.held.set(self.held.get() + 1);
        Ok(Some(Sample {
            subscriber: self,
            received,
            payload,
            _not_send: PhantomData,
        }))
    }

    /// Whether a connected publisher has a sample queued for us.
    pub fn has_samples(&self) -> bool {
        self.update_publishers();
        let port = self.port.borrow();
        (0..self.service.qos().max_publishers).any(|publisher| port.has_queued(publisher))
    }

    /// Idles (the board's wait hook) until a publisher sends to this
    /// subscriber or `deadline` (board clock) passes. May return early:
    /// receive, and wait again if there was nothing.
    pub fn wait(&self, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        self.update_publishers();
        self.port.borrow_mut().wait::<StaticWaiter<B>>(deadline)
    }

    /// Attaches to new publishers and lets go of departed ones.
    ///
    /// A departed publisher stays attached while it has samples queued for
    /// us or we hold samples: its slot's pool is reused in place by the
    /// next publisher, which is refused (`SlotBusy`) until we let go.
    /// After attaching we look at the slot once more: a new publisher that
    /// claimed it meanwhile did not see our attachment, so we must let go
    /// before reading anything (both sides bump the topology word by RMW,
    /// which orders them: one of the two looks sees the other).
    fn update_publishers(&self) {
        let mut port = self.port.borrow_mut();
        let (changes, more) = collect(|f| port.publishers_to_update(f));
        if more {
            port.refresh();
        }
        for &(publisher, wanted, attached) in changes.as_slice() {
            if attached.is_some() {
                if self.held.get() > 0 || port.has_queued(publisher) {
                    port.refresh();
                    continue;
                }
                port.detach(publisher);
            }
            let Some(generation) = wanted else { continue };
            let segment = self.service.data_segment(publisher);
            if Data::<B::Rmw>::open(segment, self.layout, generation).is_err() {
                // Its pool is not written yet: look again next time.
                port.refresh();
                continue;
            }
            port.attach(publisher, generation);
            let still = matches!(
                self.control.registry().port(PortKind::Publisher, publisher),
                SlotState::Active { generation: g, .. } if g == generation
            );
            if !still {
                port.detach(publisher);
                port.refresh();
            }
        }
    }

    fn release(&self, received: Received) {
        self.port.borrow_mut().release(received);
        self.held.set(self.held.get().saturating_sub(1));
    }
}

impl<T, B: StaticRamBoard> Drop for Subscriber<'_, T, B> {
    fn drop(&mut self) {
        self.port.get_mut().leave();
    }
}

impl<T, B: StaticRamBoard> core::fmt::Debug for Subscriber<'_, T, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Subscriber")
            .field("slot", &self.port.borrow().slot())
            .field("held", &self.held.get())
            .finish()
    }
}

/// A received sample, read in place; handed back to its publisher on drop.
pub struct Sample<'s, 'a, T: ZeroCopySend, B: StaticRamBoard> {
    subscriber: &'s Subscriber<'a, T, B>,
    received: Received,
    payload: NonNull<T>,
    /// Its drop pushes to a queue with one producer: stays in its context.
    _not_send: PhantomData<*const ()>,
}

impl<T: ZeroCopySend, B: StaticRamBoard> Sample<'_, '_, T, B> {
    /// The publisher slot it came from.
    pub fn publisher(&self) -> u32 {
        self.received.publisher
    }
}

impl<T: ZeroCopySend, B: StaticRamBoard> core::ops::Deref for Sample<'_, '_, T, B> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the publisher wrote the payload before it published the
        // index (INV-ORDER; Acquire on the queue slot) and does not reuse
        // the chunk until we hand it back (INV-REFCOUNT); the layout placed
        // an aligned `T` there. Its bytes are `T`'s contract (ZeroCopySend).
        unsafe { self.payload.as_ref() }
    }
}

impl<T: ZeroCopySend, B: StaticRamBoard> Drop for Sample<'_, '_, T, B> {
    fn drop(&mut self) {
        self.subscriber.release(self.received);
    }
}

impl<T: ZeroCopySend + core::fmt::Debug, B: StaticRamBoard> core::fmt::Debug for Sample<'_, '_, T, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sample")
            .field("publisher", &self.received.publisher)
            .field("payload", &**self)
            .finish()
    }
}
