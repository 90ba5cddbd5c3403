//! What a supervisor may say about a node: suspect it, clear it, or — after
//! it halted or reset the node's core — declare it dead.

use super::error::DeclareError;
use super::name::NAME_CAPACITY;
use super::node_slot::{NodeWord, state};
use super::nodes::Nodes;
use crate::error::check_name;
use crate::rmw::Rmw;

impl<R: Rmw> Nodes<'_, R> {
    /// Declares the node `name` dead. Only for a supervisor that has halted
    /// or reset the node's core, so that it can never write again: probes
    /// answer `Dead` from now on and its resources may be reclaimed.
    /// Declaring a dead node dead again is fine.
    pub fn declare_dead(&self, name: &str) -> Result<(), DeclareError> {
        self.declare(name, |word| match word.state() {
            state::HELD | state::SUSPECT => Ok(Some(word.with_state(state::DEAD))),
            state::DEAD => Ok(None),
            _ => Err(DeclareError::NotFound),
        })
    }

    /// Marks the node `name` as suspect (e.g. its heartbeats stopped):
    /// probes answer `Unknown` — never `Dead` — until it beats again or
    /// [`Nodes::declare_alive`] clears it.
    pub fn declare_unknown(&self, name: &str) -> Result<(), DeclareError> {
        self.declare(name, |word| match word.state() {
            state::HELD => Ok(Some(word.with_state(state::SUSPECT))),
            state::SUSPECT => Ok(None),
            state::DEAD => Err(DeclareError::Dead),
            _ => Err(DeclareError::NotFound),
        })
    }

    /// Clears a suspicion: probes answer `Alive` again. A dead node stays
    /// dead ([`DeclareError::Dead`]).
    pub fn declare_alive(&self, name: &str) -> Result<(), DeclareError> {
        self.declare(name, |word| match word.state() {
            state::SUSPECT => Ok(Some(word.with_state(state::HELD))),
            state::HELD => Ok(None),
            state::DEAD => Err(DeclareError::Dead),
            _ => Err(DeclareError::NotFound),
        })
    }

    /// The heartbeat counter of the token `name` (see
    /// `NodeToken::heartbeat`), for a supervisor that watches for silence;
    /// `None` if no such token.
    pub fn heartbeats(&self, name: &str) -> Option<u32> {
        check_name(name, NAME_CAPACITY).ok()?;
        self.find(name).map(|(slot, _)| slot.heartbeats())
    }

    /// Applies a declaration: `step` says, for the current word, the next
    /// one (`Ok(Some)`), nothing to do (`Ok(None)`), or why not (`Err`).
    fn declare(
        &self,
        name: &str,
        step: impl Fn(NodeWord) -> Result<Option<NodeWord>, DeclareError>,
    ) -> Result<(), DeclareError> {
        check_name(name, NAME_CAPACITY)?;
        loop {
            let (slot, word) = self.find(name).ok_or(DeclareError::NotFound)?;
            let Some(next) = step(word)? else {
                return Ok(());
            };
            if slot.transition::<R>(word, next).is_ok() {
                return Ok(());
            }
        }
    }
}
