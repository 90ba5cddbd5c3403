//! The publisher of a static service: loan a chunk, write the payload in
//! place, send it — or `send_copy` in one call, from an interrupt handler
//! as well as from the main loop.
//!
//! Progress: every call is wait-free apart from the queues' overflow
//! compare-and-swap (lock-free: it retries only after the subscriber
//! popped); nothing waits for a subscriber, preempted, halted or not
//! (INV-PREEMPT). With safe overflow a full subscriber buffer drops its
//! oldest sample; without it a subscriber whose buffer is full is skipped,
//! as on the host: the sample goes to every other connected subscriber,
//! [`Delivery::discarded`] counts the full buffers, and a sample that
//! reached nobody goes back to the pool (the caller may send again).

use crate::error::SendError;
use core::cell::Cell;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr::NonNull;
use iox2_core::payload::ZeroCopySend;
use iox2_core::pubsub::{Delivery, LoanError, PublisherPort};
use iox2_platform::static_ram::{StaticRamBoard, StaticWaiter};

/// A publisher of payload `T` on board `B`: `Send`, not `Sync`; dropping it
/// frees its port (samples already sent stay readable).
pub struct Publisher<'a, T, B: StaticRamBoard> {
    port: PublisherPort<'a, B::Rmw>,
    _payload: PhantomData<fn() -> T>,
    _not_sync: PhantomData<Cell<()>>,
}

impl<'a, T: ZeroCopySend, B: StaticRamBoard> Publisher<'a, T, B> {
    pub(crate) fn new(port: PublisherPort<'a, B::Rmw>) -> Self {
        Self {
            port,
            _payload: PhantomData,
            _not_sync: PhantomData,
        }
    }

    /// Sends a copy of `value` to every connected subscriber; on failure
    /// the value comes back with the reason.
    pub fn send_copy(&mut self, value: T) -> Result<Delivery, SendError<T>> {
        match self.loan_uninit() {
            Ok(sample) => Ok(sample.write_payload(value).send()),
            Err(reason) => Err(SendError { reason, value }),
        }
    }

    /// Loans a chunk for a sample, to be written in place.
    pub fn loan_uninit(&mut self) -> Result<SampleMutUninit<'_, 'a, T, B>, LoanError> {
        let chunk = self.port.loan()?;
        match self.port.data().payload(chunk) {
            Some(payload) => Ok(SampleMutUninit {
                loan: Loan {
                    publisher: self,
                    chunk,
                    payload: payload.cast(),
                    sent: false,
                },
            }),
            None => {
                // The free list handed out an index beyond the pool: only
                // our own bookkeeping writes it, so this cannot happen.
                self.port.release_loan(chunk);
                Err(LoanError::OutOfChunks)
            }
        }
    }

    /// Connects new subscribers and lets go of departed ones now (every
    /// loan and send does it too).
    pub fn update_connections(&mut self) {
        self.port.update_connections();
    }

    /// Chunks of the pool that are free, after taking back what subscribers
    /// returned.
    pub fn free_chunks(&mut self) -> u32 {
        self.port.free_chunks()
    }

    /// How many indices subscribers handed back that were never theirs
    /// (INV-DISTRUST: ignored, counted).
    pub fn protocol_violations(&self) -> u32 {
        self.port.protocol_violations()
    }
}

impl<T, B: StaticRamBoard> Drop for Publisher<'_, T, B> {
    fn drop(&mut self) {
        self.port.leave();
    }
}

impl<T, B: StaticRamBoard> core::fmt::Debug for Publisher<'_, T, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Publisher").field("slot", &self.port.slot()).finish()
    }
}

/// A loaned chunk: given back on drop unless sent.
struct Loan<'p, 'a, T, B: StaticRamBoard> {
    publisher: &'p mut Publisher<'a, T, B>,
    chunk: u32,
    payload: NonNull<T>,
    sent: bool,
}

impl<T, B: StaticRamBoard> Drop for Loan<'_, '_, T, B> {
    fn drop(&mut self) {
        if !self.sent {
            self.publisher.port.release_loan(self.chunk);
        }
    }
}

/// A loaned chunk whose payload is not written yet.
pub struct SampleMutUninit<'p, 'a, T, B: StaticRamBoard> {
    loan: Loan<'p, 'a, T, B>,
}

impl<'p, 'a, T: ZeroCopySend, B: StaticRamBoard> SampleMutUninit<'p, 'a, T, B> {
    /// Writes the payload.
    pub fn write_payload(mut self, value: T) -> SampleMut<'p, 'a, T, B> {
        self.payload_mut().write(value);
        SampleMut { loan: self.loan }
    }

    /// The payload's memory, to be written in place.
    pub fn payload_mut(&mut self) -> &mut MaybeUninit<T> {
        // SAFETY: the chunk is loaned to us alone (nobody reads it until it
        // is sent); the layout placed a `T` there, aligned for it.
        unsafe { self.loan.payload.cast::<MaybeUninit<T>>().as_mut() }
    }

    /// The sample, once its payload is written through [`Self::payload_mut`].
    ///
    /// # Safety
    /// The payload is fully initialised.
    pub unsafe fn assume_init(self) -> SampleMut<'p, 'a, T, B> {
        SampleMut { loan: self.loan }
    }
}

/// A loaned chunk with its payload written: change it in place, then send.
pub struct SampleMut<'p, 'a, T, B: StaticRamBoard> {
    loan: Loan<'p, 'a, T, B>,
}

impl<T: ZeroCopySend, B: StaticRamBoard> SampleMut<'_, '_, T, B> {
    /// Sends the sample to every connected subscriber and wakes those that
    /// idle (the board's wake hook).
    ///
    /// Without safe overflow, a subscriber whose buffer is full is skipped
    /// and counted in `discarded`; a sample that reached nobody goes back
    /// to the pool.
    pub fn send(mut self) -> Delivery {
        // The send consumes the loan: its Drop must not give the chunk back.
        self.loan.sent = true;
        let chunk = self.loan.chunk;
        self.loan
            .publisher
            .port
            .send::<StaticWaiter<B>>(chunk, size_of::<T>() as u32)
    }
}

impl<T, B: StaticRamBoard> core::ops::Deref for SampleMut<'_, '_, T, B> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: loaned to us alone and initialised (the typestate).
        unsafe { self.loan.payload.as_ref() }
    }
}

impl<T, B: StaticRamBoard> core::ops::DerefMut for SampleMut<'_, '_, T, B> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` is exclusive.
        unsafe { self.loan.payload.as_mut() }
    }
}

impl<T, B: StaticRamBoard> core::fmt::Debug for SampleMutUninit<'_, '_, T, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SampleMutUninit")
            .field("chunk", &self.loan.chunk)
            .finish()
    }
}

impl<T, B: StaticRamBoard> core::fmt::Debug for SampleMut<'_, '_, T, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SampleMut").field("chunk", &self.loan.chunk).finish()
    }
}
