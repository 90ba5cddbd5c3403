//! A loaned request or response: a chunk of its sender's pool, written in
//! place, then sent — or given back unsent when dropped. One type for both
//! directions; what `send` does is the owner's (a [`super::Client`] sends a
//! request, an [`super::ActiveRequest`] a response).

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use iox2_core::payload::ZeroCopySend;
use std::fmt;

/// What a loan's chunk goes back to when it is dropped unsent.
pub trait LoanOwner {
    /// Gives back `chunk`, loaned and not sent.
    #[doc(hidden)]
    fn release_loan(&self, chunk: u32);
}

/// A loaned chunk of `T` with user header `H`; `INIT` says whether the
/// payload is written (only then can it be sent or read).
pub struct Loan<'o, O: LoanOwner, T, H, const INIT: bool> {
    pub(super) owner: &'o O,
    pub(super) chunk: u32,
    payload: NonNull<T>,
    header: NonNull<H>,
    /// Set once sent: the drop then gives nothing back.
    pub(super) sent: bool,
    _types: PhantomData<(T, H)>,
}

/// A loan whose payload is not written yet.
pub type LoanUninit<'o, O, T, H> = Loan<'o, O, T, H, false>;

impl<'o, O: LoanOwner, T: ZeroCopySend, H: ZeroCopySend> Loan<'o, O, T, H, false> {
    /// A loan of `chunk`, whose payload and user header are at `payload`
    /// and `header` in the owner's pool (aligned and sized for them).
    pub(super) fn new(owner: &'o O, chunk: u32, payload: NonNull<u8>, header: NonNull<u8>) -> Self {
        Self {
            owner,
            chunk,
            payload: payload.cast(),
            header: header.cast(),
            sent: false,
            _types: PhantomData,
        }
    }

    /// The payload's memory, to initialise in place.
    pub fn payload_mut(&mut self) -> &mut MaybeUninit<T> {
        // SAFETY: a loaned chunk belongs to this loan alone until it is
        // sent; its payload is aligned and sized for `T` (the pool layout).
        unsafe { &mut *self.payload.as_ptr().cast::<MaybeUninit<T>>() }
    }

    /// Writes `value` as the payload.
    pub fn write_payload(mut self, value: T) -> Loan<'o, O, T, H, true> {
        self.payload_mut().write(value);
        // SAFETY: just written.
        unsafe { self.assume_init() }
    }

    /// Declares the payload written.
    ///
    /// # Safety
    /// Every byte of the payload was written with a valid `T` (through
    /// [`Loan::payload_mut`]).
    pub unsafe fn assume_init(mut self) -> Loan<'o, O, T, H, true> {
        let init = Loan {
            owner: self.owner,
            chunk: self.chunk,
            payload: self.payload,
            header: self.header,
            sent: false,
            _types: PhantomData,
        };
        // The new value owns the chunk now.
        self.sent = true;
        init
    }
}

impl<O: LoanOwner, T, H, const INIT: bool> Loan<'_, O, T, H, INIT> {
    /// The user header, to write before sending (it starts out as the
    /// pool's previous content: write all of it).
    pub fn user_header_mut(&mut self) -> &mut MaybeUninit<H> {
        // SAFETY: as for the payload; the header is aligned and sized for `H`.
        unsafe { &mut *self.header.as_ptr().cast::<MaybeUninit<H>>() }
    }
}

impl<O: LoanOwner, T, H> Deref for Loan<'_, O, T, H, true> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: written (`INIT`), and this loan's alone until sent.
        unsafe { self.payload.as_ref() }
    }
}

impl<O: LoanOwner, T, H> DerefMut for Loan<'_, O, T, H, true> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`.
        unsafe { self.payload.as_mut() }
    }
}

impl<O: LoanOwner, T, H, const INIT: bool> Drop for Loan<'_, O, T, H, INIT> {
    fn drop(&mut self) {
        if !self.sent {
            self.owner.release_loan(self.chunk);
        }
    }
}

impl<O: LoanOwner, T, H, const INIT: bool> fmt::Debug for Loan<'_, O, T, H, INIT> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loan")
            .field("chunk", &self.chunk)
            .field("init", &INIT)
            .finish_non_exhaustive()
    }
}
