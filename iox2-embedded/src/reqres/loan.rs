//! A loaned request or response: a chunk of its sender's own pool,
//! written in place, then sent — or given back unsent when dropped. One
//! type for both directions; what `send` does is the owner's (a
//! [`super::Client`] sends a request, an [`super::ActiveRequest`] a
//! response).

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use iox2_core::payload::ZeroCopySend;

/// What a loan's chunk goes back to when it is dropped unsent.
pub trait LoanOwner {
    /// Gives back `chunk`, loaned and not sent.
    #[doc(hidden)]
    fn release_loan(&self, chunk: u32);
}

/// A loaned chunk of `T`; `INIT` says whether the payload is written (only
/// then can it be read or sent). Stays in its owner's context (it borrows
/// the owner, which is not `Sync`).
pub struct Loan<'o, O: LoanOwner, T, const INIT: bool> {
    pub(super) owner: &'o O,
    pub(super) chunk: u32,
    pub(super) payload: NonNull<T>,
    /// Set once sent (or handed to another `Loan`): the drop then gives
    /// nothing back.
    pub(super) sent: bool,
    _payload: PhantomData<T>,
}

impl<'o, O: LoanOwner, T: ZeroCopySend> Loan<'o, O, T, false> {
    /// A loan of `chunk`, whose payload is at `payload` in the owner's
    /// pool (aligned and sized for `T` by the pool's layout).
    pub(super) fn new(owner: &'o O, chunk: u32, payload: NonNull<u8>) -> Self {
        Self {
            owner,
            chunk,
            payload: payload.cast(),
            sent: false,
            _payload: PhantomData,
        }
    }

    /// The payload's memory, to initialise in place (a large message never
    /// has to sit on the stack).
    pub fn payload_mut(&mut self) -> &mut MaybeUninit<T> {
        // SAFETY: a loaned chunk belongs to this loan alone until it is
        // sent (nobody reads it before); its payload is aligned and sized
        // for `T` (the pool layout).
        unsafe { self.payload.cast::<MaybeUninit<T>>().as_mut() }
    }

    /// Writes `value` as the payload.
    pub fn write_payload(mut self, value: T) -> Loan<'o, O, T, true> {
        self.payload_mut().write(value);
        // SAFETY: just written.
        unsafe { self.assume_init() }
    }

    /// Declares the payload written.
    ///
    /// # Safety
    /// The payload was fully initialised with a valid `T` through
    /// [`Loan::payload_mut`].
    pub unsafe fn assume_init(mut self) -> Loan<'o, O, T, true> {
        // The new value owns the chunk from now on.
        self.sent = true;
        Loan {
            owner: self.owner,
            chunk: self.chunk,
            payload: self.payload,
            sent: false,
            _payload: PhantomData,
        }
    }
}

impl<O: LoanOwner, T> Deref for Loan<'_, O, T, true> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: written (`INIT`), and this loan's alone until sent.
        unsafe { self.payload.as_ref() }
    }
}

impl<O: LoanOwner, T> DerefMut for Loan<'_, O, T, true> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` is exclusive.
        unsafe { self.payload.as_mut() }
    }
}

impl<O: LoanOwner, T, const INIT: bool> Drop for Loan<'_, O, T, INIT> {
    fn drop(&mut self) {
        if !self.sent {
            self.owner.release_loan(self.chunk);
        }
    }
}

impl<O: LoanOwner, T, const INIT: bool> core::fmt::Debug for Loan<'_, O, T, INIT> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Loan")
            .field("chunk", &self.chunk)
            .field("init", &INIT)
            .finish_non_exhaustive()
    }
}
