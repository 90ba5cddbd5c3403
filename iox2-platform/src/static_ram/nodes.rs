//! `Nodes`: a node table seen without its capacity, with the token
//! operations (acquire, probe, remove a stale token).

use super::name::NAME_CAPACITY;
use super::node_slot::{NodeSlot, NodeWord, state};
use super::node_token::NodeToken;
use crate::error::{LivenessError, check_name};
use crate::liveness::NodeState;
use crate::rmw::Rmw;
use crate::sync::spin_loop;
use core::marker::PhantomData;

/// How often an acquire that met a simultaneous acquire of the same name
/// retries before it reports [`LivenessError::InUse`].
const CONTENDED_ATTEMPTS: usize = 16;

/// A node table seen without its capacity (what a board returns from
/// [`super::StaticRamBoard::nodes`]).
///
/// A node is [`NodeState::Alive`] while it holds its token, `Unknown` when
/// a supervisor suspects it (missed heartbeats), and `Dead` only when a
/// supervisor that halted or reset its core says so
/// ([`Nodes::declare_dead`]) — DESIGN.md "Nodes, death and cleanup".
/// Every operation is lock-free.
pub struct Nodes<'a, R> {
    pub(crate) slots: &'a [NodeSlot],
    _rmw: PhantomData<fn() -> R>,
}

impl<R> Clone for Nodes<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Nodes<'_, R> {}

impl<R> core::fmt::Debug for Nodes<'_, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Nodes").field("slots", &self.slots.len()).finish()
    }
}

/// What the duplicate check of an acquire found.
enum Conflict {
    None,
    /// A live token (held or suspect) of that name.
    Live,
    /// Someone else is acquiring, or a dead token is waiting for takeover.
    Retry,
}

impl<'a, R: Rmw> Nodes<'a, R> {
    /// The longest token name, in bytes.
    pub const MAX_NAME_LEN: usize = NAME_CAPACITY;

    pub(crate) fn new(slots: &'a [NodeSlot]) -> Self {
        Self {
            slots,
            _rmw: PhantomData,
        }
    }

    /// Acquires the token `name`: [`LivenessError::InUse`] if a live token
    /// of that name exists, a dead one is taken over,
    /// [`LivenessError::NoFreeSlot`] if the table is full.
    pub fn acquire(&self, name: &str) -> Result<NodeToken<'a, R>, LivenessError> {
        check_name(name, NAME_CAPACITY)?;
        for _ in 0..CONTENDED_ATTEMPTS {
            match self.find(name) {
                Some((_, word)) if matches!(word.state(), state::HELD | state::SUSPECT) => {
                    return Err(LivenessError::InUse);
                }
                Some((slot, word)) if word.state() == state::DEAD => {
                    // Takeover of a dead token: one CAS decides.
                    let taken = word.with_state(state::HELD).next_generation();
                    if slot.transition::<R>(word, taken).is_ok() {
                        return Ok(NodeToken::new(slot, taken));
                    }
                    continue;
                }
                Some(_) => {
                    // Another acquire of this name is under way.
                    spin_loop();
                    continue;
                }
                None => {}
            }
            let (slot, claimed) = self.claim_free()?;
            slot.name().store(name);
            let pending = claimed.with_state(state::PENDING);
            // Cannot fail: nobody else moves a WRITING slot (INV-NODE-WORD).
            let _ = slot.transition::<R>(claimed, pending);
            match self.conflict(slot, name) {
                Conflict::None => {
                    let held = pending.with_state(state::HELD);
                    let _ = slot.transition::<R>(pending, held);
                    return Ok(NodeToken::new(slot, held));
                }
                Conflict::Live => {
                    let _ = slot.transition::<R>(pending, pending.with_state(state::FREE));
                    return Err(LivenessError::InUse);
                }
                Conflict::Retry => {
                    let _ = slot.transition::<R>(pending, pending.with_state(state::FREE));
                    spin_loop();
                }
            }
        }
        Err(LivenessError::InUse)
    }

    /// Probes the token `name`.
    pub fn probe(&self, name: &str) -> Result<NodeState, LivenessError> {
        check_name(name, NAME_CAPACITY)?;
        Ok(match self.find(name).map(|(_, word)| word.state()) {
            Some(state::HELD) => NodeState::Alive,
            Some(state::DEAD) => NodeState::Dead,
            _ => NodeState::Unknown,
        })
    }

    /// Removes the token of a node declared dead; refuses a live one with
    /// [`LivenessError::InUse`]; a missing one is fine.
    pub fn remove_stale(&self, name: &str) -> Result<(), LivenessError> {
        check_name(name, NAME_CAPACITY)?;
        loop {
            let Some((slot, word)) = self.find(name) else {
                return Ok(());
            };
            if word.state() != state::DEAD {
                return Err(LivenessError::InUse);
            }
            if slot.transition::<R>(word, word.with_state(state::FREE)).is_ok() {
                return Ok(());
            }
        }
    }

    /// The slot whose token is `name` (PENDING or later), with its word.
    pub(crate) fn find(&self, name: &str) -> Option<(&'a NodeSlot, NodeWord)> {
        self.slots.iter().find_map(|slot| {
            let word = slot.load();
            slot.is_named(word, name).then_some((slot, word))
        })
    }

    /// Claims a FREE slot (-> WRITING, new generation).
    fn claim_free(&self) -> Result<(&'a NodeSlot, NodeWord), LivenessError> {
        for slot in self.slots {
            let mut word = slot.load();
            while word.state() == state::FREE {
                let claimed = word.with_state(state::WRITING).next_generation();
                match slot.transition::<R>(word, claimed) {
                    Ok(()) => return Ok((slot, claimed)),
                    Err(now) => word = now,
                }
            }
        }
        Err(LivenessError::NoFreeSlot)
    }

    /// INV-CLAIM (as for regions): after publishing the name, read every
    /// other slot by RMW; whoever sees a rival backs off.
    fn conflict(&self, own: &NodeSlot, name: &str) -> Conflict {
        let mut found = Conflict::None;
        for slot in self.slots.iter().filter(|s| !core::ptr::eq(*s, own)) {
            let word = slot.load_latest::<R>();
            if !slot.is_named(word, name) {
                continue;
            }
            match word.state() {
                state::HELD | state::SUSPECT => return Conflict::Live,
                _ => found = Conflict::Retry,
            }
        }
        found
    }
}
