//! What every static service shares: its memory (`N` bytes aligned to
//! [`SEGMENT_ALIGN`], all zero, so in `.bss`), the state word that says
//! whether the service was created, and the one read-modify-write that
//! picks its creator.
//!
//! The state word lives outside the segments: `EMPTY` (0, all zero),
//! `CREATING` while one context writes the segments, `READY` once they are
//! complete. A context that finds another one creating gets
//! [`PortClaimError::ServiceBeingCreated`] instead of waiting for it
//! (INV-PREEMPT: the creator may be the context it preempted).

use crate::error::PortClaimError;
use core::cell::UnsafeCell;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering};
use iox2_core::pool::ChunkContent;
use iox2_core::segment::Segment;
use iox2_platform::rmw::Rmw;

/// Every segment of a static service starts on this boundary (the core's
/// `Segment` contract: 64 bytes, or the cache line where that is larger),
/// as does the static itself.
pub const SEGMENT_ALIGN: usize = if iox2_core::sync::CACHE_LINE > 64 {
    iox2_core::sync::CACHE_LINE
} else {
    64
};

/// The node slot every port of a static service belongs to: the one the
/// service's creator takes.
pub(crate) const NODE: u32 = 0;

/// Service state: nothing written yet.
pub(crate) const EMPTY: u32 = 0;
/// Service state: a context is writing the segments.
const CREATING: u32 = 1;
/// Service state: the segments are complete.
const READY: u32 = 2;

/// `N` bytes aligned to [`SEGMENT_ALIGN`], all zero at start.
#[cfg_attr(
    any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64"),
    repr(C, align(128))
)]
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64")),
    repr(C, align(64))
)]
pub(crate) struct Memory<const N: usize>(UnsafeCell<[u8; N]>);

const _: () = assert!(align_of::<Memory<1>>() == SEGMENT_ALIGN);

impl<const N: usize> Memory<N> {
    /// All zero.
    pub(crate) const fn new() -> Self {
        Self(UnsafeCell::new([0; N]))
    }

    /// The first byte.
    pub(crate) fn base(&self) -> NonNull<u8> {
        // The static's own bytes: never null.
        NonNull::new(self.0.get().cast::<u8>()).unwrap_or(NonNull::dangling())
    }

    /// Zeroes every byte.
    ///
    /// # Safety
    /// Nothing else reads or writes the memory until this returns.
    pub(crate) unsafe fn zero(&self) {
        // SAFETY: nobody else accesses the memory (the caller's contract);
        // it is valid for N bytes.
        unsafe { core::ptr::write_bytes(self.0.get().cast::<u8>(), 0, N) };
    }
}

/// The chunk content of payload `T` without a user header.
pub(crate) const fn content_of<T>() -> ChunkContent {
    ChunkContent {
        payload_size: size_of::<T>(),
        payload_align: align_of::<T>(),
        header_size: 0,
        header_align: 1,
    }
}

/// `len` rounded up to [`SEGMENT_ALIGN`].
pub(crate) const fn align_up(len: usize) -> usize {
    len.div_ceil(SEGMENT_ALIGN) * SEGMENT_ALIGN
}

/// Zeroes a segment word by word (a port slot's pool before it is written
/// afresh: nobody reads it meanwhile, but others may hold the segment).
pub(crate) fn zero_segment(segment: Segment<'_>) {
    for offset in (0..segment.len()).step_by(4) {
        segment.word(offset).store(0, Ordering::Relaxed);
    }
}

/// Creates the service if nobody has: one RMW on `state` decides who
/// runs `create`. Every later call returns at once.
pub(crate) fn ensure_created<R: Rmw>(
    state: &AtomicU32,
    create: impl FnOnce() -> Result<(), PortClaimError>,
) -> Result<(), PortClaimError> {
    // SYNC: Acquire pairs with the creator's Release of READY.
    match state.load(Ordering::Acquire) {
        READY => return Ok(()),
        EMPTY => {}
        _ => return Err(PortClaimError::ServiceBeingCreated),
    }
    // SYNC: Acquire as above, for the READY a failed claim may find.
    match R::compare_exchange(state, EMPTY, CREATING, Ordering::Acquire, Ordering::Acquire) {
        Ok(_) => {}
        Err(READY) => return Ok(()),
        Err(_) => return Err(PortClaimError::ServiceBeingCreated),
    }
    let created = create();
    // SYNC: Release publishes the written segments to the Acquire of every
    // later claim. Only the creator writes here (INV-ONEWRITER for this
    // transition).
    state.store(if created.is_ok() { READY } else { EMPTY }, Ordering::Release);
    created
}

/// Zeroes a static service's memory and state, so that the next claim
/// creates it afresh.
///
/// # Safety
/// No handle of the service exists (or ever will be used again: a halted
/// core's) and no other context uses it until this returns.
pub(crate) unsafe fn reset<const N: usize>(state: &AtomicU32, memory: &Memory<N>) {
    // SAFETY: the caller's contract.
    unsafe { memory.zero() };
    // SYNC: Release: the next claim's Acquire sees the zeroed memory.
    state.store(EMPTY, Ordering::Release);
}
