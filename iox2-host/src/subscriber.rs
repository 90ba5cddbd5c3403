//! Subscribers: a subscriber port, the read-only mappings of the
//! publishers' pools it attached to, and receiving samples.

use crate::error::PortCreateError;
use crate::lock::HostPlatform;
use crate::payload::Payload;
use crate::pool_region::Mapping;
use crate::sample::Sample;
use crate::service::{PubSubInner, data_region_name};
use core::cell::RefCell;
use core::marker::PhantomData;
use iox2_core::payload::ZeroCopySend;
use iox2_core::pubsub::{ReceiveError, Received, SubscriberPort};
use iox2_core::service::PortKind;
use iox2_platform::Clock;
use iox2_platform::error::WaitError;
use iox2_platform::wait::WaitOutcome;
use std::fmt;
use std::sync::Arc;

/// Builds a [`Subscriber`].
pub struct SubscriberBuilder<P: HostPlatform, T: ?Sized, H = ()> {
    service: Arc<PubSubInner<P>>,
    buffer: Option<u32>,
    _payload: PhantomData<fn(&T, &H)>,
}

impl<P: HostPlatform, T: ?Sized, H> fmt::Debug for SubscriberBuilder<P, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriberBuilder").finish_non_exhaustive()
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> SubscriberBuilder<P, T, H> {
    pub(crate) fn new(service: Arc<PubSubInner<P>>) -> Self {
        Self {
            service,
            buffer: None,
            _payload: PhantomData,
        }
    }

    /// This subscriber's buffer: 1 up to the service's `subscriber_buffer`
    /// (the default).
    pub fn buffer_size(mut self, samples: u32) -> Self {
        self.buffer = Some(samples);
        self
    }

    /// Creates the subscriber: claims a slot.
    pub fn create(self) -> Result<Subscriber<P, T, H>, PortCreateError> {
        let max = self.service.pattern.qos.subscriber_buffer;
        let buffer = self.buffer.unwrap_or(max);
        if buffer == 0 || buffer > max {
            return Err(PortCreateError::InvalidBufferSize { requested: buffer, max });
        }
        let control = self.service.pattern.control;
        let slot = control
            .registry()
            .claim_port(PortKind::Subscriber, self.service.node_slot.index)
            .ok_or(PortCreateError::ExceedsMaxPorts)?;
        let port = SubscriberPort::new(control, slot, self.service.pattern.data_layout.chunks, buffer);
        let mappings = (0..self.service.pattern.qos.max_publishers).map(|_| None).collect();
        Ok(Subscriber {
            port: RefCell::new(port),
            mappings: RefCell::new(mappings),
            service: self.service,
            _payload: PhantomData,
        })
    }
}

/// Receives samples of `T` from the service's publishers.
pub struct Subscriber<P: HostPlatform, T: ?Sized, H = ()> {
    port: RefCell<SubscriberPort<'static, P::Rmw>>,
    mappings: RefCell<Vec<Option<Mapping<P>>>>,
    service: Arc<PubSubInner<P>>,
    _payload: PhantomData<fn(&T, &H)>,
}

impl<P: HostPlatform, T: ?Sized, H> fmt::Debug for Subscriber<P, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscriber")
            .field("slot", &self.port.borrow().slot())
            .finish()
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> Subscriber<P, T, H> {
    /// Takes the next sample, if any publisher sent one.
    pub fn receive(&self) -> Result<Option<Sample<'_, P, T, H>>, ReceiveError> {
        self.update_publishers();
        let Some(received) = self.port.borrow_mut().receive()? else {
            return Ok(None);
        };
        let mappings = self.mappings.borrow();
        let mapping = mappings.get(received.publisher as usize).and_then(Option::as_ref);
        // A single value's chunk header is not read here: its size was
        // checked when the service was opened, and reading the line the
        // publisher just wrote would put a second cache miss on every
        // receive. A slice's length comes from the header, checked against
        // the service's maximum (INV-DISTRUST).
        let max_slice_len = self.service.pattern.qos.max_slice_len as usize;
        let sample = mapping.and_then(|mapping| {
            let len = if T::IS_SLICE {
                let bytes = mapping.data.header(received.chunk)?.payload_len as usize;
                let len = bytes / T::ELEMENT_SIZE.max(1);
                (len <= max_slice_len && len * T::ELEMENT_SIZE == bytes).then_some(len)?
            } else {
                1
            };
            Some(Sample {
                subscriber: self,
                received,
                data: mapping.data,
                payload: T::at(mapping.data.payload(received.chunk)?, len),
                user_header: mapping.data.user_header(received.chunk)?.cast::<H>(),
                _mapping: mapping.region.clone(),
            })
        });
        match sample {
            Some(sample) => Ok(Some(sample)),
            None => {
                // A chunk with an impossible header: hand it back, report it.
                drop(mappings);
                self.release(received);
                Err(ReceiveError::CorruptedIndex {
                    publisher: received.publisher,
                    index: received.chunk,
                })
            }
        }
    }

    /// Sleeps until a publisher sends to this subscriber, `timeout` passes
    /// (`None`: no limit) or a signal arrives — no polling: the publisher
    /// wakes it through the platform's wait word (a futex on Linux). May
    /// return early; receive, and wait again if there was nothing.
    pub fn wait(&self, timeout: Option<core::time::Duration>) -> Result<WaitOutcome, WaitError> {
        self.update_publishers();
        let deadline = timeout.map(P::Clock::deadline_after);
        self.port.borrow_mut().wait::<P::Waiter>(deadline)
    }

    /// Whether a publisher is connected to this subscriber.
    pub fn has_publishers(&self) -> bool {
        self.update_publishers();
        self.mappings.borrow().iter().any(Option::is_some)
    }

    /// Announces a WaitSet's sleep (see `SubscriberPort::prepare_sleep`),
    /// after attaching to new publishers.
    pub(crate) fn prepare_sleep(&self) -> Option<iox2_platform::WaitTarget<'static>> {
        self.update_publishers();
        self.port.borrow().prepare_sleep()
    }

    /// The service's count of receivers asking publishers for send times.
    pub(crate) fn stamp_requests(&self) -> &'static iox2_core::sync::AtomicU32 {
        self.service.pattern.control.header().stamp_requests()
    }

    /// Ends a WaitSet's sleep.
    pub(crate) fn end_sleep(&self) {
        self.port.borrow().end_sleep();
    }

    /// Maps new publishers' pools and lets go of departed ones.
    fn update_publishers(&self) {
        let mut changes = Vec::new();
        self.port
            .borrow_mut()
            .publishers_to_update(|p, wanted, attached| changes.push((p, wanted, attached)));
        for (publisher, wanted, attached) in changes {
            if attached.is_some() {
                if self.port.borrow().has_queued(publisher) {
                    // The publisher left (or was replaced) with samples queued
                    // for us: receive them first, detach afterwards (a
                    // successor in the slot waits for that).
                    self.port.borrow_mut().refresh();
                    continue;
                }
                self.port.borrow_mut().detach(publisher);
                self.mappings.borrow_mut()[publisher as usize] = None;
            }
            if let Some(generation) = wanted {
                match self.map(publisher, generation) {
                    Some(mapping) => {
                        self.mappings.borrow_mut()[publisher as usize] = Some(mapping);
                        self.port.borrow_mut().attach(publisher, generation);
                    }
                    // Not created yet (or being removed): look again next time.
                    None => self.port.borrow_mut().refresh(),
                }
            }
        }
    }

    fn map(&self, publisher: u32, generation: u32) -> Option<Mapping<P>> {
        let name = data_region_name(&self.service.name, publisher, generation);
        Mapping::open(&name, self.service.pattern.data_layout, generation)
    }

    pub(crate) fn release(&self, received: Received) {
        self.port.borrow_mut().release(received);
    }
}

impl<P: HostPlatform, T: ?Sized, H> Drop for Subscriber<P, T, H> {
    fn drop(&mut self) {
        self.port.get_mut().leave();
    }
}
