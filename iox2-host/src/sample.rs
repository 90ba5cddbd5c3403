//! Samples: a publisher's loan, uninitialised (`SampleMutUninit`) then
//! written (`SampleMut`) then sent; and a subscriber's received `Sample`,
//! which derefs in place into the publisher's pool.

use crate::lock::HostPlatform;
use crate::payload::Payload;
use crate::publisher::Publisher;
use crate::subscriber::Subscriber;
use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use iox2_core::payload::ZeroCopySend;
use iox2_core::pubsub::{ChunkHeader, Data, Delivery, Received};
use std::fmt;

/// A loaned sample whose payload is not written yet. Dropping it gives the
/// chunk back unsent.
pub struct SampleMutUninit<'p, P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend = ()> {
    sample: SampleMut<'p, P, T, H>,
}

impl<'p, P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> SampleMutUninit<'p, P, T, H> {
    pub(crate) fn new(
        publisher: &'p Publisher<P, T, H>,
        chunk: u32,
        len: usize,
        payload: NonNull<u8>,
        header: NonNull<H>,
    ) -> Self {
        Self {
            sample: SampleMut {
                publisher,
                chunk,
                len,
                payload,
                header,
                sent: false,
            },
        }
    }

    /// The user header, to write before sending (it starts out as the
    /// pool's previous content: write all of it).
    pub fn user_header_mut(&mut self) -> &mut MaybeUninit<H> {
        self.sample.user_header_mut()
    }

    /// Declares the payload initialised.
    ///
    /// # Safety
    /// Every byte of the payload was written with a valid value (through
    /// `payload_mut`).
    pub unsafe fn assume_init(self) -> SampleMut<'p, P, T, H> {
        self.sample
    }
}

impl<'p, P: HostPlatform, T: ZeroCopySend, H: ZeroCopySend> SampleMutUninit<'p, P, T, H> {
    /// The payload's memory, to initialise in place (a large payload never
    /// has to sit on the stack).
    pub fn payload_mut(&mut self) -> &mut MaybeUninit<T> {
        // SAFETY: a loaned chunk belongs to this sample alone until it is
        // sent; its payload is aligned and sized for `T` (the layout).
        unsafe { &mut *self.sample.payload_ptr().as_ptr().cast::<MaybeUninit<T>>() }
    }

    /// Writes `value` as the payload.
    pub fn write_payload(mut self, value: T) -> SampleMut<'p, P, T, H> {
        self.payload_mut().write(value);
        self.sample
    }
}

impl<'p, P: HostPlatform, E: ZeroCopySend, H: ZeroCopySend> SampleMutUninit<'p, P, [E], H> {
    /// The slice's memory, to initialise in place.
    pub fn payload_mut(&mut self) -> &mut [MaybeUninit<E>] {
        let ptr = self.sample.payload_ptr().as_ptr();
        // SAFETY: as for the single value: `len` elements fit the chunk
        // (checked against `max_slice_len` when loaned) and are aligned.
        unsafe { core::slice::from_raw_parts_mut(ptr.cast::<MaybeUninit<E>>(), self.sample.len) }
    }

    /// Writes element `i` as `f(i)`, for every element.
    pub fn write_from_fn(mut self, mut f: impl FnMut(usize) -> E) -> SampleMut<'p, P, [E], H> {
        for (i, element) in self.payload_mut().iter_mut().enumerate() {
            element.write(f(i));
        }
        self.sample
    }

    /// Copies `values` into the slice; its length must be the loaned length.
    pub fn write_from_slice(self, values: &[E]) -> SampleMut<'p, P, [E], H>
    where
        E: Copy,
    {
        assert_eq!(
            values.len(),
            self.sample.len,
            "write_from_slice: the slice's length must be the loaned length"
        );
        self.write_from_fn(|i| values[i])
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> fmt::Debug for SampleMutUninit<'_, P, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SampleMutUninit")
            .field("chunk", &self.sample.chunk)
            .field("len", &self.sample.len)
            .finish()
    }
}

/// A loaned sample with its payload written, ready to send. Dropping it
/// gives the chunk back unsent.
pub struct SampleMut<'p, P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend = ()> {
    publisher: &'p Publisher<P, T, H>,
    chunk: u32,
    /// Elements (1 for a single value).
    len: usize,
    /// The chunk's payload and user header.
    payload: NonNull<u8>,
    header: NonNull<H>,
    sent: bool,
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> SampleMut<'_, P, T, H> {
    fn payload_ptr(&self) -> NonNull<T> {
        T::at(self.payload, self.len)
    }

    /// The user header, to fill in before sending.
    pub fn user_header_mut(&mut self) -> &mut MaybeUninit<H> {
        // SAFETY: owned by this sample until sent; aligned and sized for `H`.
        unsafe { self.header.cast::<MaybeUninit<H>>().as_mut() }
    }

    /// Sends the sample to every connected subscriber (and the history);
    /// says how many got it.
    pub fn send(mut self) -> Delivery {
        self.sent = true;
        self.publisher.send_chunk(self.chunk, self.len * T::ELEMENT_SIZE)
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> Deref for SampleMut<'_, P, T, H> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: written (typestate) and owned by this sample until sent.
        unsafe { self.payload_ptr().as_ref() }
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> DerefMut for SampleMut<'_, P, T, H> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`; `&mut self` makes the access exclusive.
        unsafe { self.payload_ptr().as_mut() }
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> Drop for SampleMut<'_, P, T, H> {
    fn drop(&mut self) {
        if !self.sent {
            self.publisher.release_chunk(self.chunk);
        }
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> fmt::Debug for SampleMut<'_, P, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SampleMut")
            .field("chunk", &self.chunk)
            .field("len", &self.len)
            .finish()
    }
}

/// A received sample: reads the payload in place in the publisher's pool.
/// Dropping it hands the chunk back. Not `Send`: the drop writes the
/// subscriber's completion queue, which has one producer.
pub struct Sample<'s, P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend = ()> {
    pub(crate) subscriber: &'s Subscriber<P, T, H>,
    pub(crate) received: Received,
    pub(crate) data: Data<'static, P::Rmw>,
    pub(crate) payload: NonNull<T>,
    pub(crate) user_header: NonNull<H>,
    /// Keeps the publisher's pool mapped while the sample lives, even if
    /// the publisher leaves or dies.
    pub(crate) _mapping: std::sync::Arc<P::Region>,
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> Sample<'_, P, T, H> {
    /// The chunk header the publisher wrote (sequence number, length).
    pub fn chunk_header(&self) -> ChunkHeader {
        // The chunk is in the pool: `received.chunk` was checked on receive.
        self.data.header(self.received.chunk).unwrap_or(ChunkHeader {
            payload_len: 0,
            sequence: 0,
            publisher_generation: 0,
            sent_at_ns: 0,
        })
    }

    /// The publisher's sequence number of this sample.
    pub fn sequence(&self) -> u64 {
        self.chunk_header().sequence
    }

    /// The user header the publisher wrote.
    ///
    /// For `H` that is not valid for every bit pattern, a publisher that did
    /// not write the header hands over whatever the chunk held before; use
    /// `AnyBitPattern` header types when publishers may skip it.
    pub fn user_header(&self) -> &H {
        // SAFETY: as for `deref`; the header is aligned and sized for `H`.
        unsafe { self.user_header.as_ref() }
    }

    /// The slot and generation of the publisher that sent it.
    pub fn origin(&self) -> (u32, u32) {
        (self.received.publisher, self.received.generation)
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> Deref for Sample<'_, P, T, H> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the chunk is not written by its publisher until this
        // sample hands it back (INV-REFCOUNT), the mapping is held, and the
        // payload is aligned and sized for `T` (layout; a slice's length was
        // checked against the service's maximum on receive).
        unsafe { self.payload.as_ref() }
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> Drop for Sample<'_, P, T, H> {
    fn drop(&mut self) {
        self.subscriber.release(self.received);
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> fmt::Debug for Sample<'_, P, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sample")
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}
