//! Slots: the fixed places of nodes and ports in a control segment, each
//! claimed and released by compare-and-swap on one state word.
//!
//! A state word packs `generation << 16 | node << 4 | status`. The
//! generation (1..=65535, never 0) grows with every claim of the slot, so a
//! port is identified by (slot, generation) and a reused slot is never
//! mistaken for its previous owner (until 65,535 claims of that one slot
//! later). The node index (12 bits; at most 4,096 nodes) says which node
//! owns a port, so a dead node's ports can be found and reaped.

use crate::sync::{AtomicU32, Ordering};
use iox2_platform::rmw::Rmw;

const STATUS_MASK: u32 = 0xF;
const STATUS_FREE: u32 = 0;
const STATUS_ACTIVE: u32 = 1;
const NODE_SHIFT: u32 = 4;
const NODE_MASK: u32 = 0xFFF;

/// A claimed slot: its index and the generation of this claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SlotId {
    /// The slot's index.
    pub index: u32,
    /// The claim's generation (1..=65535).
    pub generation: u32,
}

/// What a slot's state word says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SlotState {
    /// Nobody holds it; `generation` is the last claim's.
    Free {
        /// The generation of the last claim.
        generation: u32,
    },
    /// Held by a port (or node) of `node`.
    Active {
        /// The claim's generation.
        generation: u32,
        /// The owning node's slot index.
        node: u32,
    },
    /// A value iox2 never writes (corruption): treated as taken.
    Invalid(u32),
}

impl SlotState {
    /// Decodes a state word.
    #[inline]
    pub const fn from_raw(raw: u32) -> Self {
        let generation = raw >> 16;
        match raw & STATUS_MASK {
            STATUS_FREE => Self::Free { generation },
            STATUS_ACTIVE if generation != 0 => Self::Active {
                generation,
                node: (raw >> NODE_SHIFT) & NODE_MASK,
            },
            _ => Self::Invalid(raw),
        }
    }
}

/// The generation after `generation`, skipping 0.
const fn next_generation(generation: u32) -> u32 {
    match (generation + 1) & 0xFFFF {
        0 => 1,
        next => next,
    }
}

/// Reads a slot's state.
#[inline]
pub fn state(word: &AtomicU32) -> SlotState {
    // SYNC: Acquire pairs with the Release of the claim or release CAS.
    SlotState::from_raw(word.load(Ordering::Acquire))
}

/// Claims the first free slot among `words` for `node`.
pub fn claim<'w, R: Rmw>(words: impl Iterator<Item = &'w AtomicU32>, node: u32) -> Option<SlotId> {
    debug_assert!(node <= NODE_MASK);
    for (index, word) in (0u32..).zip(words) {
        let raw = word.load(Ordering::Acquire);
        if let SlotState::Free { generation } = SlotState::from_raw(raw) {
            let generation = next_generation(generation);
            let claimed = (generation << 16) | ((node & NODE_MASK) << NODE_SHIFT) | STATUS_ACTIVE;
            // SYNC: AcqRel — Release publishes what the claimer wrote for the
            // slot before; Acquire orders the previous owner's last writes
            // (its release) before our use.
            if R::compare_exchange(word, raw, claimed, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
                return Some(SlotId { index, generation });
            }
        }
    }
    None
}

/// Releases the claim `generation` of a slot; false if it is not held by
/// that claim any more (released already, e.g. by a reaper).
pub fn release<R: Rmw>(word: &AtomicU32, generation: u32) -> bool {
    let raw = word.load(Ordering::Relaxed);
    match SlotState::from_raw(raw) {
        SlotState::Active { generation: held, .. } if held == generation => {
            // SYNC: Release orders everything the owner did with the slot
            // before the next claimant's Acquire.
            R::compare_exchange(word, raw, generation << 16, Ordering::AcqRel, Ordering::Relaxed).is_ok()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::sync::atomic_u32;
    use iox2_platform::rmw::NativeRmw;

    #[test]
    fn claim_release_and_generations() {
        let words = [atomic_u32(0), atomic_u32(0)];
        let a = claim::<NativeRmw>(words.iter(), 5).unwrap();
        assert_eq!(
            a,
            SlotId {
                index: 0,
                generation: 1
            }
        );
        assert_eq!(state(&words[0]), SlotState::Active { generation: 1, node: 5 });
        let b = claim::<NativeRmw>(words.iter(), 6).unwrap();
        assert_eq!(b.index, 1);
        assert_eq!(claim::<NativeRmw>(words.iter(), 7), None);
        assert!(release::<NativeRmw>(&words[0], 1));
        assert!(!release::<NativeRmw>(&words[0], 1), "released twice");
        assert_eq!(state(&words[0]), SlotState::Free { generation: 1 });
        assert_eq!(
            claim::<NativeRmw>(words.iter(), 7),
            Some(SlotId {
                index: 0,
                generation: 2
            })
        );
    }

    #[test]
    fn generations_skip_zero_and_garbage_is_taken() {
        let word = atomic_u32(0xFFFF << 16);
        assert_eq!(claim::<NativeRmw>(core::iter::once(&word), 0).unwrap().generation, 1);
        let garbage = atomic_u32(0x7);
        assert_eq!(state(&garbage), SlotState::Invalid(0x7));
        assert_eq!(claim::<NativeRmw>(core::iter::once(&garbage), 0), None);
    }
}
