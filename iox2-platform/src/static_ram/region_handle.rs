//! `RegionHandle`: a counted claim on one live region of a table; the
//! buffer cannot be handed out again while a handle exists.

use super::region_slot::{RegionSlot, state};
use crate::error::RegionError;
use crate::rmw::Rmw;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// An open region of a static table: its first byte and length, counted in
/// the slot's word so that the buffer is reused only after the last handle
/// is dropped (even if the region was removed meanwhile).
pub struct RegionHandle<'a, R: Rmw> {
    slot: &'a RegionSlot,
    base: NonNull<u8>,
    len: usize,
    _rmw: PhantomData<fn() -> R>,
}

// SAFETY: the handle owns one count of its slot (INV-SLOT-WORD), so the
// buffer it points to stays reserved for this region while it lives; the
// bytes are shared memory, accessed by users only through atomics and raw
// pointers (the `crate::Region` contract), from any context.
unsafe impl<R: Rmw> Send for RegionHandle<'_, R> {}
// SAFETY: as for `Send`; `&RegionHandle` only reads the pointer and length.
unsafe impl<R: Rmw> Sync for RegionHandle<'_, R> {}

impl<'a, R: Rmw> RegionHandle<'a, R> {
    /// Wraps one count the caller has just added to `slot`'s handles. If
    /// the slot has no buffer (impossible for a LIVE slot) the count is
    /// given back.
    pub(crate) fn new(slot: &'a RegionSlot) -> Result<Self, RegionError> {
        let base = NonNull::new(slot.base());
        let handle = Self {
            slot,
            base: base.unwrap_or(NonNull::dangling()),
            len: slot.len(),
            _rmw: PhantomData,
        };
        match base {
            Some(_) => Ok(handle),
            // Dropping `handle` gives the count back.
            None => Err(RegionError::Incomplete),
        }
    }

    /// The first byte of the region.
    pub fn as_ptr(&self) -> NonNull<u8> {
        self.base
    }

    /// The region's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the region has no bytes (never: regions have at least one).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<R: Rmw> Drop for RegionHandle<'_, R> {
    fn drop(&mut self) {
        // Gives back this handle's count; the last handle of a removed
        // region returns the buffer to the table. A count of zero cannot
        // happen while a handle exists, so a decline changes nothing.
        let _ = self.slot.update::<R>(|word| {
            let handles = word.handles().checked_sub(1)?;
            let next = word.with_handles(handles);
            Some(if handles == 0 && word.state() == state::REMOVED {
                next.with_state(state::IDLE)
            } else {
                next
            })
        });
    }
}

impl<R: Rmw> core::fmt::Debug for RegionHandle<'_, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RegionHandle")
            .field("base", &self.base)
            .field("len", &self.len)
            .finish()
    }
}
