//! `Regions`: a view of a region table without its capacity, with the
//! lookups every region operation shares (open, remove, exists).

use super::name::NAME_CAPACITY;
use super::region_handle::RegionHandle;
use super::region_slot::{MAX_HANDLES, RegionSlot, state};
use crate::error::{RegionError, check_name};
use crate::rmw::Rmw;
use crate::sync::AtomicU32;
use core::marker::PhantomData;

/// A region table seen without its capacity `N` (what a board returns from
/// [`super::StaticRamBoard::regions`]); `R` is the board's RMW backend.
///
/// Every operation is lock-free: it never waits for another context, so an
/// interrupt handler may call it while `main` is in the middle of one.
pub struct Regions<'a, R> {
    pub(crate) slots: &'a [RegionSlot],
    pub(crate) wake_epoch: &'a AtomicU32,
    _rmw: PhantomData<fn() -> R>,
}

impl<R> Clone for Regions<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Regions<'_, R> {}

impl<R> core::fmt::Debug for Regions<'_, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Regions").field("slots", &self.slots.len()).finish()
    }
}

impl<'a, R: Rmw> Regions<'a, R> {
    /// The longest region name, in bytes.
    pub const MAX_NAME_LEN: usize = NAME_CAPACITY;

    pub(crate) fn new(slots: &'a [RegionSlot], wake_epoch: &'a AtomicU32) -> Self {
        Self {
            slots,
            wake_epoch,
            _rmw: PhantomData,
        }
    }

    /// Opens the region `name`.
    ///
    /// [`RegionError::NotFound`] if no region of that name exists;
    /// [`RegionError::NoFreeSlot`] if it has the most handles a slot can
    /// count open already.
    pub fn open(&self, name: &str) -> Result<RegionHandle<'a, R>, RegionError> {
        check_name(name, NAME_CAPACITY)?;
        for slot in self.slots {
            let mut word = slot.load();
            while slot.holds(word, name) {
                if word.handles() >= MAX_HANDLES {
                    return Err(RegionError::NoFreeSlot);
                }
                // INV-SLOT-WORD: the CAS from the word under which the name
                // matched proves the name is still this one.
                match slot.transition::<R>(word, word.with_handles(word.handles() + 1)) {
                    Ok(()) => return RegionHandle::new(slot),
                    Err(now) => word = now,
                }
            }
        }
        Err(RegionError::NotFound)
    }

    /// Removes the name `name`; open handles stay valid, and the buffer
    /// returns to the table when the last one drops.
    pub fn remove(&self, name: &str) -> Result<(), RegionError> {
        check_name(name, NAME_CAPACITY)?;
        for slot in self.slots {
            let mut word = slot.load();
            while slot.holds(word, name) {
                let next = if word.handles() == 0 {
                    word.with_state(state::IDLE)
                } else {
                    word.with_state(state::REMOVED)
                };
                match slot.transition::<R>(word, next) {
                    Ok(()) => return Ok(()),
                    Err(now) => word = now,
                }
            }
        }
        Err(RegionError::NotFound)
    }

    /// Whether a region named `name` exists.
    pub fn exists(&self, name: &str) -> Result<bool, RegionError> {
        check_name(name, NAME_CAPACITY)?;
        Ok(self.slots.iter().any(|slot| slot.holds(slot.load(), name)))
    }

    /// The largest buffer registered (the largest region this table can
    /// ever hold).
    pub fn largest_capacity(&self) -> usize {
        self.slots
            .iter()
            .filter(|slot| slot.load().state() != state::EMPTY && !slot.base().is_null())
            .map(RegionSlot::capacity)
            .max()
            .unwrap_or(0)
    }

    /// The slots, for the create and register protocols.
    pub(crate) fn slots(&self) -> &'a [RegionSlot] {
        self.slots
    }
}
