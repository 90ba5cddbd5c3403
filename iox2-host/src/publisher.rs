//! Publishers: a publisher port with its own data region, loaning samples
//! and sending them.

use crate::error::{PortCreateError, SendError};
use crate::lock::HostPlatform;
use crate::payload::Payload;
use crate::pool_region::{OwnedPool, claim_with_pool};
use crate::sample::SampleMutUninit;
use crate::service::{PubSubInner, data_region_name};
use core::cell::RefCell;
use core::marker::PhantomData;
use iox2_core::payload::ZeroCopySend;
use iox2_core::pubsub::{Backpressure, Delivery, LoanError, PublisherPort};
use iox2_core::service::PortKind;
use iox2_platform::Clock;
use iox2_platform::Region;
use std::fmt;
use std::sync::Arc;

/// Builds a [`Publisher`].
pub struct PublisherBuilder<P: HostPlatform, T: ?Sized, H = ()> {
    service: Arc<PubSubInner<P>>,
    backpressure: Backpressure,
    _payload: PhantomData<fn(&T, &H)>,
}

impl<P: HostPlatform, T: ?Sized, H> fmt::Debug for PublisherBuilder<P, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublisherBuilder")
            .field("backpressure", &self.backpressure)
            .finish()
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> PublisherBuilder<P, T, H> {
    pub(crate) fn new(service: Arc<PubSubInner<P>>) -> Self {
        Self {
            service,
            backpressure: Backpressure::Discard,
            _payload: PhantomData,
        }
    }

    /// What to do with a full subscriber buffer when safe overflow is off
    /// (default: discard the sample for that subscriber).
    pub fn backpressure(mut self, backpressure: Backpressure) -> Self {
        self.backpressure = backpressure;
        self
    }

    /// Creates the publisher: claims a slot and creates its data region.
    pub fn create(self) -> Result<Publisher<P, T, H>, PortCreateError> {
        let control = self.service.pattern.control;
        let service = &self.service;
        let pool = claim_with_pool::<P>(
            control.registry(),
            PortKind::Publisher,
            service.node_slot.index,
            service.pattern.data_layout,
            |slot| data_region_name(&service.name, slot.index, slot.generation),
        )?;
        let OwnedPool {
            slot,
            name,
            region,
            data,
        } = pool;
        let port = PublisherPort::new(control, data, slot, self.backpressure);
        // Subscribers look again: the data region exists now.
        control.registry().topology_changed();
        Ok(Publisher {
            port: RefCell::new(port),
            region_name: name,
            _region: region,
            service: self.service,
            _payload: PhantomData,
        })
    }
}

/// Sends samples of `T` to the service's subscribers.
///
/// Not `Sync`: one thread at a time uses a publisher (its port's words are
/// single-writer, INV-ONECONTEXT); it may move between threads.
pub struct Publisher<P: HostPlatform, T: ?Sized, H = ()> {
    port: RefCell<PublisherPort<'static, P::Rmw>>,
    region_name: String,
    /// Dropped after the port, which points into it.
    _region: P::Region,
    service: Arc<PubSubInner<P>>,
    _payload: PhantomData<fn(&T, &H)>,
}

impl<P: HostPlatform, T: ?Sized, H> fmt::Debug for Publisher<P, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publisher").field("region", &self.region_name).finish()
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> Publisher<P, T, H> {
    /// Loans a chunk for `len` elements. If the pool is exhausted, dead
    /// subscribers are reaped first (their chunks come back) and the loan is
    /// tried once more.
    fn loan_chunk(&self, len: usize) -> Result<SampleMutUninit<'_, P, T, H>, SendError> {
        let loaned = self.port.borrow_mut().loan();
        let chunk = match loaned {
            Err(LoanError::OutOfChunks) => {
                self.service.reap_dead_nodes();
                self.port.borrow_mut().loan()?
            }
            other => other?,
        };
        let port = self.port.borrow();
        let (Some(payload), Some(header)) = (port.data().payload(chunk), port.data().user_header(chunk)) else {
            // Only the publisher writes its free list; an index beyond the
            // pool cannot come out of it. Reported, never dereferenced.
            return Err(SendError::Loan(LoanError::OutOfChunks));
        };
        Ok(SampleMutUninit::new(self, chunk, len, payload, header.cast::<H>()))
    }

    /// Connects new subscribers and disconnects departed ones now (loans
    /// and sends do it too).
    pub fn update_connections(&self) {
        self.port.borrow_mut().update_connections();
    }

    /// Indices that subscribers handed back but never held (a misbehaving
    /// peer); they were ignored.
    pub fn protocol_violations(&self) -> u32 {
        self.port.borrow().protocol_violations()
    }

    /// Chunks of the pool that are free, after taking back what
    /// subscribers returned.
    pub fn free_chunks(&self) -> u32 {
        self.port.borrow_mut().free_chunks()
    }

    pub(crate) fn send_chunk(&self, chunk: u32, payload_bytes: usize) -> Delivery {
        let mut port = self.port.borrow_mut();
        // A clock read only while a tool measures latency (`iox2 service hz`).
        let sent_at = if port.wants_stamps() {
            P::Clock::now().as_nanos()
        } else {
            0
        };
        // At most `max_slice_len` elements of a `u32`-sized layout.
        port.send_stamped::<P::Waiter>(chunk, payload_bytes as u32, sent_at)
    }

    pub(crate) fn release_chunk(&self, chunk: u32) {
        self.port.borrow_mut().release_loan(chunk);
    }
}

impl<P: HostPlatform, T: ZeroCopySend, H: ZeroCopySend> Publisher<P, T, H> {
    /// Loans an uninitialised sample from the publisher's pool.
    pub fn loan_uninit(&self) -> Result<SampleMutUninit<'_, P, T, H>, SendError> {
        self.loan_chunk(1)
    }

    /// Sends a copy of `value`.
    pub fn send_copy(&self, value: T) -> Result<Delivery, SendError> {
        Ok(self.loan_uninit()?.write_payload(value).send())
    }
}

impl<P: HostPlatform, E: ZeroCopySend, H: ZeroCopySend> Publisher<P, [E], H> {
    /// Loans an uninitialised slice of `len` elements; at most the
    /// service's `max_slice_len`.
    pub fn loan_slice_uninit(&self, len: usize) -> Result<SampleMutUninit<'_, P, [E], H>, SendError> {
        let max = self.service.pattern.qos.max_slice_len;
        if len > max as usize {
            return Err(SendError::SliceTooLong { len, max });
        }
        self.loan_chunk(len)
    }

    /// Sends a copy of `values`.
    pub fn send_slice_copy(&self, values: &[E]) -> Result<Delivery, SendError>
    where
        E: Copy,
    {
        Ok(self.loan_slice_uninit(values.len())?.write_from_slice(values).send())
    }
}

impl<P: HostPlatform, T: ?Sized, H> Drop for Publisher<P, T, H> {
    fn drop(&mut self) {
        self.port.get_mut().leave();
        let _ = P::Region::remove(&self.region_name);
    }
}
