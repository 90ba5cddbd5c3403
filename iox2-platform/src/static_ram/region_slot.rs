//! One slot of a region table: which buffer it owns, what name is bound to
//! it, and the packed state word that arbitrates every transition.

use super::name::SlotName;
use super::update::update;
use crate::rmw::Rmw;
use crate::sync::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};

/// Slot states (the low three bits of the slot word).
pub(crate) mod state {
    /// No buffer registered.
    pub(crate) const EMPTY: u32 = 0;
    /// Held exclusively by one context (registering, or creating a region).
    pub(crate) const WRITING: u32 = 1;
    /// Fields published; the holder is checking for a duplicate.
    pub(crate) const PENDING: u32 = 2;
    /// A registered buffer with no region in it.
    pub(crate) const IDLE: u32 = 3;
    /// A region exists here; `handles` counts its open handles.
    pub(crate) const LIVE: u32 = 4;
    /// The region was removed while handles were open; the buffer is
    /// released when the last one drops.
    pub(crate) const REMOVED: u32 = 5;
}

const STATE_MASK: u32 = 0b111;
const HANDLE_SHIFT: u32 = 3;
const HANDLE_MASK: u32 = (1 << 13) - 1;
const GENERATION_SHIFT: u32 = 16;

/// The most handles one region can have open at once.
pub(crate) const MAX_HANDLES: u32 = HANDLE_MASK;

/// A decoded slot word: `generation:16 | handles:13 | state:3`.
///
/// INV-SLOT-WORD: every write of the word goes through the board's `Rmw`
/// (the word has many writers, INV-ONEWRITER); the generation changes
/// whenever the slot's name may change (IDLE -> WRITING), so a context that
/// read the name under one word value and then succeeds a CAS from that
/// value knows the name did not change in between (ABA needs 65536 renames
/// during one preemption).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SlotWord(pub(crate) u32);

impl SlotWord {
    pub(crate) const fn state(self) -> u32 {
        self.0 & STATE_MASK
    }

    pub(crate) const fn handles(self) -> u32 {
        (self.0 >> HANDLE_SHIFT) & HANDLE_MASK
    }

    pub(crate) const fn with_state(self, state: u32) -> Self {
        Self((self.0 & !STATE_MASK) | (state & STATE_MASK))
    }

    pub(crate) const fn with_handles(self, handles: u32) -> Self {
        Self((self.0 & !(HANDLE_MASK << HANDLE_SHIFT)) | ((handles & HANDLE_MASK) << HANDLE_SHIFT))
    }

    pub(crate) const fn next_generation(self) -> Self {
        Self(self.0.wrapping_add(1 << GENERATION_SHIFT))
    }
}

/// One slot of a region table.
///
/// `base`, `capacity` and `reserved` are written once, while the slot is
/// WRITING during registration; `len` and (for pool slots) `name` while it
/// is WRITING during a create. Readers read them only after an Acquire of
/// the slot word showed a later state (INV-NAME-PUBLISH).
#[derive(Debug)]
pub(crate) struct RegionSlot {
    word: AtomicU32,
    base: AtomicPtr<u8>,
    capacity: AtomicUsize,
    len: AtomicUsize,
    /// Bound to one name at registration (not a pool buffer).
    reserved: AtomicBool,
    name: SlotName,
}

impl RegionSlot {
    #[cfg(not(iox2_loom))]
    pub(crate) const fn new() -> Self {
        Self {
            word: AtomicU32::new(state::EMPTY),
            base: AtomicPtr::new(core::ptr::null_mut()),
            capacity: AtomicUsize::new(0),
            len: AtomicUsize::new(0),
            reserved: AtomicBool::new(false),
            name: SlotName::new(),
        }
    }

    #[cfg(iox2_loom)]
    pub(crate) fn new() -> Self {
        Self {
            word: AtomicU32::new(state::EMPTY),
            base: AtomicPtr::new(core::ptr::null_mut()),
            capacity: AtomicUsize::new(0),
            len: AtomicUsize::new(0),
            reserved: AtomicBool::new(false),
            name: SlotName::new(),
        }
    }

    /// The current word (Acquire).
    pub(crate) fn load(&self) -> SlotWord {
        // SYNC: Acquire pairs with the Release half of every transition.
        SlotWord(self.word.load(Ordering::Acquire))
    }

    /// The current word through a read-modify-write (see `read_latest`).
    pub(crate) fn load_latest<R: Rmw>(&self) -> SlotWord {
        SlotWord(super::update::read_latest::<R>(&self.word))
    }

    /// Moves the word from `from` to `to` if it still holds `from`.
    pub(crate) fn transition<R: Rmw>(&self, from: SlotWord, to: SlotWord) -> Result<(), SlotWord> {
        // SYNC: AcqRel; a successful transition publishes the fields written
        // before it and sees those published by the transition before.
        R::compare_exchange(&self.word, from.0, to.0, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| ())
            .map_err(SlotWord)
    }

    /// Applies `step` until it declines or succeeds (see `update`).
    pub(crate) fn update<R: Rmw>(
        &self,
        mut step: impl FnMut(SlotWord) -> Option<SlotWord>,
    ) -> Result<(SlotWord, SlotWord), SlotWord> {
        update::<R>(&self.word, |w| step(SlotWord(w)).map(|s| s.0))
            .map(|(old, new)| (SlotWord(old), SlotWord(new)))
            .map_err(SlotWord)
    }

    /// The buffer's first byte (null before registration).
    pub(crate) fn base(&self) -> *mut u8 {
        // SYNC: Relaxed; published by the registration's Release.
        self.base.load(Ordering::Relaxed)
    }

    /// The buffer's size in bytes.
    pub(crate) fn capacity(&self) -> usize {
        // SYNC: as in `base`.
        self.capacity.load(Ordering::Relaxed)
    }

    /// The region's length in bytes.
    pub(crate) fn len(&self) -> usize {
        // SYNC: Relaxed; published by the create's Release.
        self.len.load(Ordering::Relaxed)
    }

    /// Whether the slot is bound to one name for good.
    pub(crate) fn is_reserved(&self) -> bool {
        // SYNC: as in `base`.
        self.reserved.load(Ordering::Relaxed)
    }

    /// The slot's name.
    pub(crate) fn name(&self) -> &SlotName {
        &self.name
    }

    /// Writes the registration fields. Only while holding the slot WRITING.
    pub(crate) fn set_buffer(&self, base: *mut u8, capacity: usize, reserved_name: Option<&str>) {
        // SYNC: Relaxed stores, published by the holder's next transition.
        self.base.store(base, Ordering::Relaxed);
        self.capacity.store(capacity, Ordering::Relaxed);
        self.len.store(capacity, Ordering::Relaxed);
        self.reserved.store(reserved_name.is_some(), Ordering::Relaxed);
        match reserved_name {
            Some(name) => self.name.store(name),
            None => self.name.clear(),
        }
    }

    /// Writes the region length. Only while holding the slot WRITING.
    pub(crate) fn set_len(&self, len: usize) {
        // SYNC: as in `set_buffer`.
        self.len.store(len, Ordering::Relaxed);
    }

    /// Whether a region named `name` lives here (state LIVE and the name
    /// matches), judged from `word`, which the caller loaded before.
    pub(crate) fn holds(&self, word: SlotWord, name: &str) -> bool {
        word.state() == state::LIVE && self.name.matches(name)
    }
}

#[cfg(all(test, not(iox2_loom)))]
mod tests {
    use super::*;

    #[test]
    fn word_fields_are_independent() {
        let w = SlotWord(0)
            .with_state(state::LIVE)
            .with_handles(MAX_HANDLES)
            .next_generation();
        assert_eq!(w.state(), state::LIVE);
        assert_eq!(w.handles(), MAX_HANDLES);
        let w = w.with_handles(1).with_state(state::REMOVED);
        assert_eq!(w.handles(), 1);
        assert_eq!(w.state(), state::REMOVED);
        assert_eq!(w.0 >> GENERATION_SHIFT, 1);
        // The generation wraps without touching the other fields.
        let w = SlotWord(u32::MAX).next_generation();
        assert_eq!(w.state(), STATE_MASK);
        assert_eq!(w.handles(), MAX_HANDLES);
        assert_eq!(w.0 >> GENERATION_SHIFT, 0);
    }
}
