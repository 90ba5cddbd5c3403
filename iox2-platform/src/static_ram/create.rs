//! Creating a region in a static table: a buffer reserved for the name, or
//! the best-fitting free pool buffer, bound to the name by a claim that
//! never waits for another context.

use super::name::NAME_CAPACITY;
use super::region_handle::RegionHandle;
use super::region_slot::{RegionSlot, SlotWord, state};
use super::regions::Regions;
use crate::error::{RegionError, check_name};
use crate::rmw::Rmw;
use crate::sync::spin_loop;

/// How often a create that met a simultaneous create of the same name
/// retries before it reports [`RegionError::AlreadyExists`].
const CONTENDED_ATTEMPTS: usize = 16;

/// What the duplicate check of a pool create found.
enum Conflict {
    None,
    /// A region of that name exists.
    Live,
    /// Another context is creating that name right now.
    Pending,
}

impl<'a, R: Rmw> Regions<'a, R> {
    /// Creates the zero-filled region `name` of `len` bytes.
    ///
    /// A buffer registered for this name (`register_named`) is used if
    /// there is one; otherwise the smallest free pool buffer of at least
    /// `len` bytes is bound to the name.
    ///
    /// The name is claimed by publishing it in the chosen slot and then
    /// checking every other slot (INV-CLAIM below); two contexts creating the
    /// same name at the same moment cannot both succeed, but both may back
    /// off — after a few retries the create reports
    /// [`RegionError::AlreadyExists`].
    ///
    /// Errors: `Name`, `InvalidSize` (zero, or larger than any buffer that
    /// could take it), `AlreadyExists`, `NoFreeSlot` (every fitting buffer is
    /// in use, or the reserved buffer still has handles of a removed region).
    pub fn create(&self, name: &str, len: usize) -> Result<RegionHandle<'a, R>, RegionError> {
        check_name(name, NAME_CAPACITY)?;
        if len == 0 {
            return Err(RegionError::InvalidSize {
                requested: 0,
                max: self.largest_capacity(),
            });
        }
        if let Some(slot) = self.reserved_slot(name) {
            return create_reserved::<R>(slot, len);
        }
        for _ in 0..CONTENDED_ATTEMPTS {
            if self.exists(name)? {
                return Err(RegionError::AlreadyExists);
            }
            let (slot, word) = self.free_pool_slot(len)?;
            // Claim the slot; a new generation marks the coming rename.
            let claimed = word.with_state(state::WRITING).next_generation();
            if slot.transition::<R>(word, claimed).is_err() {
                continue;
            }
            slot.set_len(len);
            slot.name().store(name);
            let pending = claimed.with_state(state::PENDING);
            // Cannot fail: nobody else moves a WRITING slot (INV-SLOT-WORD).
            let _ = slot.transition::<R>(claimed, pending);
            match self.conflict(slot, name) {
                Conflict::None => {
                    // SAFETY: the slot is PENDING and ours alone: no handle
                    // exists (IDLE had none) and nobody opens a PENDING slot,
                    // so nobody else touches the buffer, which is valid for
                    // `capacity >= len` bytes (chosen so above) for 'static.
                    unsafe { core::ptr::write_bytes(slot.base(), 0, len) };
                    let live = pending.with_state(state::LIVE).with_handles(1);
                    let _ = slot.transition::<R>(pending, live);
                    return RegionHandle::new(slot);
                }
                Conflict::Live => {
                    let _ = slot.transition::<R>(pending, pending.with_state(state::IDLE));
                    return Err(RegionError::AlreadyExists);
                }
                Conflict::Pending => {
                    let _ = slot.transition::<R>(pending, pending.with_state(state::IDLE));
                    spin_loop();
                }
            }
        }
        Err(RegionError::AlreadyExists)
    }

    /// The slot registered for `name` only, if any.
    fn reserved_slot(&self, name: &str) -> Option<&'a RegionSlot> {
        self.slots().iter().find(|slot| {
            let word = slot.load();
            word.state() >= state::IDLE && slot.is_reserved() && slot.name().matches(name)
        })
    }

    /// The smallest IDLE pool slot of at least `len` bytes, and the word it
    /// was seen with.
    fn free_pool_slot(&self, len: usize) -> Result<(&'a RegionSlot, SlotWord), RegionError> {
        let mut best: Option<(&'a RegionSlot, SlotWord)> = None;
        let mut fits_somewhere = false;
        for slot in self.slots() {
            let word = slot.load();
            if word.state() == state::EMPTY || slot.base().is_null() || slot.is_reserved() {
                continue;
            }
            let capacity = slot.capacity();
            if capacity < len {
                continue;
            }
            fits_somewhere = true;
            if word.state() == state::IDLE && best.is_none_or(|(b, _)| capacity < b.capacity()) {
                best = Some((slot, word));
            }
        }
        match best {
            Some(found) => Ok(found),
            None if fits_somewhere => Err(RegionError::NoFreeSlot),
            None => Err(RegionError::InvalidSize {
                requested: len,
                max: self.largest_pool_capacity(),
            }),
        }
    }

    /// The largest pool buffer registered.
    fn largest_pool_capacity(&self) -> usize {
        self.slots()
            .iter()
            .filter(|s| s.load().state() != state::EMPTY && !s.base().is_null() && !s.is_reserved())
            .map(RegionSlot::capacity)
            .max()
            .unwrap_or(0)
    }

    /// INV-CLAIM: after publishing `name` in `own` (PENDING, by RMW), reads
    /// every other slot by RMW (`read_latest`): of two contexts claiming the
    /// same name, at least one sees the other, and whoever sees a rival
    /// backs off. A LIVE rival means the name exists.
    fn conflict(&self, own: &RegionSlot, name: &str) -> Conflict {
        let mut found = Conflict::None;
        for slot in self.slots().iter().filter(|s| !core::ptr::eq(*s, own)) {
            let word = slot.load_latest::<R>();
            let named = match word.state() {
                state::LIVE | state::PENDING => slot.name().matches(name),
                _ => false,
            };
            if named && word.state() == state::LIVE {
                return Conflict::Live;
            }
            if named {
                found = Conflict::Pending;
            }
        }
        found
    }
}

/// Creates the region in the slot reserved for its name.
fn create_reserved<R: Rmw>(slot: &RegionSlot, len: usize) -> Result<RegionHandle<'_, R>, RegionError> {
    let mut word = slot.load();
    let claimed = loop {
        match word.state() {
            state::IDLE => {}
            state::REMOVED => return Err(RegionError::NoFreeSlot),
            _ => return Err(RegionError::AlreadyExists),
        }
        if len > slot.capacity() {
            return Err(RegionError::InvalidSize {
                requested: len,
                max: slot.capacity(),
            });
        }
        let claimed = word.with_state(state::WRITING).next_generation();
        match slot.transition::<R>(word, claimed) {
            Ok(()) => break claimed,
            Err(now) => word = now,
        }
    };
    slot.set_len(len);
    // SAFETY: the slot is WRITING and ours alone (no handles: it was IDLE),
    // and its 'static buffer is valid for `capacity >= len` bytes.
    unsafe { core::ptr::write_bytes(slot.base(), 0, len) };
    let _ = slot.transition::<R>(claimed, claimed.with_state(state::LIVE).with_handles(1));
    RegionHandle::new(slot)
}
