//! One slot of a node table: a token's name, its packed state word and its
//! heartbeat counter.

use super::name::SlotName;
use super::update::{read_latest, update};
use crate::rmw::Rmw;
use crate::sync::{AtomicU32, Ordering};

/// Node slot states (the low three bits of the node word).
pub(crate) mod state {
    /// No token.
    pub(crate) const FREE: u32 = 0;
    /// Held exclusively by one acquirer, writing the name.
    pub(crate) const WRITING: u32 = 1;
    /// Name published; the acquirer is checking for a duplicate.
    pub(crate) const PENDING: u32 = 2;
    /// The token is held: the node lives.
    pub(crate) const HELD: u32 = 3;
    /// A supervisor cannot tell (e.g. missed heartbeats): Unknown.
    pub(crate) const SUSPECT: u32 = 4;
    /// A supervisor halted or reset the node's core: Dead.
    pub(crate) const DEAD: u32 = 5;
}

const STATE_MASK: u32 = 0b111;
const GENERATION_ONE: u32 = 1 << 3;

/// A decoded node word: `generation:29 | state:3`.
///
/// INV-NODE-WORD: every write goes through the board's `Rmw`; the
/// generation changes whenever the slot is claimed for a new token (FREE ->
/// WRITING, or a takeover DEAD -> HELD), so a token acts on its slot only
/// while the generation is its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeWord(pub(crate) u32);

impl NodeWord {
    pub(crate) const fn state(self) -> u32 {
        self.0 & STATE_MASK
    }

    pub(crate) const fn generation(self) -> u32 {
        self.0 & !STATE_MASK
    }

    pub(crate) const fn with_state(self, state: u32) -> Self {
        Self((self.0 & !STATE_MASK) | (state & STATE_MASK))
    }

    pub(crate) const fn next_generation(self) -> Self {
        Self(self.0.wrapping_add(GENERATION_ONE))
    }
}

/// One token slot.
#[derive(Debug)]
pub(crate) struct NodeSlot {
    word: AtomicU32,
    /// Single-writer: only the token's holder bumps it (INV-ONEWRITER).
    heartbeat: AtomicU32,
    name: SlotName,
}

impl NodeSlot {
    #[cfg(not(iox2_loom))]
    pub(crate) const fn new() -> Self {
        Self {
            word: AtomicU32::new(state::FREE),
            heartbeat: AtomicU32::new(0),
            name: SlotName::new(),
        }
    }

    #[cfg(iox2_loom)]
    pub(crate) fn new() -> Self {
        Self {
            word: AtomicU32::new(state::FREE),
            heartbeat: AtomicU32::new(0),
            name: SlotName::new(),
        }
    }

    pub(crate) fn load(&self) -> NodeWord {
        // SYNC: Acquire pairs with the Release half of every transition.
        NodeWord(self.word.load(Ordering::Acquire))
    }

    pub(crate) fn load_latest<R: Rmw>(&self) -> NodeWord {
        NodeWord(read_latest::<R>(&self.word))
    }

    pub(crate) fn transition<R: Rmw>(&self, from: NodeWord, to: NodeWord) -> Result<(), NodeWord> {
        // SYNC: AcqRel, as for region slots.
        R::compare_exchange(&self.word, from.0, to.0, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| ())
            .map_err(NodeWord)
    }

    pub(crate) fn update<R: Rmw>(&self, mut step: impl FnMut(NodeWord) -> Option<NodeWord>) -> Result<(), NodeWord> {
        update::<R>(&self.word, |w| step(NodeWord(w)).map(|s| s.0))
            .map(|_| ())
            .map_err(NodeWord)
    }

    pub(crate) fn name(&self) -> &SlotName {
        &self.name
    }

    /// Whether the slot's token is named `name`, judged under `word`.
    pub(crate) fn is_named(&self, word: NodeWord, name: &str) -> bool {
        word.state() >= state::PENDING && self.name.matches(name)
    }

    pub(crate) fn heartbeats(&self) -> u32 {
        // SYNC: Acquire pairs with the holder's Release in `beat`.
        self.heartbeat.load(Ordering::Acquire)
    }

    /// Bumps the heartbeat. Only the token's holder calls this.
    pub(crate) fn beat(&self) {
        // Single writer: load and store suffice (no RMW needed on thumbv6m).
        let next = self.heartbeat.load(Ordering::Relaxed).wrapping_add(1);
        // SYNC: Release pairs with the supervisor's Acquire in `heartbeats`.
        self.heartbeat.store(next, Ordering::Release);
    }
}

#[cfg(all(test, not(iox2_loom)))]
mod tests {
    use super::*;

    #[test]
    fn word_fields() {
        let w = NodeWord(0).with_state(state::HELD).next_generation();
        assert_eq!(w.state(), state::HELD);
        assert_eq!(w.generation(), GENERATION_ONE);
        assert_eq!(w.with_state(state::DEAD).generation(), w.generation());
        assert_eq!(NodeWord(u32::MAX).next_generation().state(), STATE_MASK);
    }
}
