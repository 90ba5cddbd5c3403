//! `NodeToken`: a held liveness token of a static node table; dropping it
//! is an orderly leave.

use super::node_slot::{NodeSlot, NodeWord, state};
use crate::rmw::Rmw;
use core::marker::PhantomData;

/// A node's liveness token in a static table (the `Token` of
/// `StaticLiveness`). Dropping it frees the slot (probe: `Unknown`) unless
/// a supervisor declared the node dead meanwhile.
pub struct NodeToken<'a, R: Rmw> {
    slot: &'a NodeSlot,
    /// The generation this token was acquired under (INV-NODE-WORD).
    generation: u32,
    _rmw: PhantomData<fn() -> R>,
}

impl<'a, R: Rmw> NodeToken<'a, R> {
    pub(crate) fn new(slot: &'a NodeSlot, word: NodeWord) -> Self {
        Self {
            slot,
            generation: word.generation(),
            _rmw: PhantomData,
        }
    }

    /// Tells the supervisor this node still runs: bumps the slot's
    /// heartbeat counter, and lifts a suspicion (`Unknown` -> `Alive`). A
    /// node declared dead stays dead.
    pub fn heartbeat(&self) {
        self.slot.beat();
        let _ = self.slot.update::<R>(|word| {
            (word.generation() == self.generation && word.state() == state::SUSPECT)
                .then_some(word.with_state(state::HELD))
        });
    }

    /// How many heartbeats this token has sent (wrapping).
    pub fn heartbeats(&self) -> u32 {
        self.slot.heartbeats()
    }
}

impl<R: Rmw> Drop for NodeToken<'_, R> {
    fn drop(&mut self) {
        let _ = self.slot.update::<R>(|word| {
            (word.generation() == self.generation && matches!(word.state(), state::HELD | state::SUSPECT))
                .then_some(word.with_state(state::FREE))
        });
    }
}

impl<R: Rmw> core::fmt::Debug for NodeToken<'_, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NodeToken")
            .field("generation", &self.generation)
            .finish()
    }
}
