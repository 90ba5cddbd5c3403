//! Whether a node is alive: a token the node holds while it lives, which
//! anybody can probe by name.
//!
//! On a host the token is held by the kernel on the process's behalf and
//! released when the process dies, however it dies. On bare metal a node is
//! declared dead only by a supervisor that halted or reset its core; a
//! missed heartbeat makes it [`NodeState::Unknown`], never `Dead`
//! (DESIGN.md "Nodes, death and cleanup").

use crate::error::LivenessError;

/// What a probe learned about a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum NodeState {
    /// The token is held: the node lives.
    Alive,
    /// The token exists but nobody holds it: the node died and can never
    /// write again; its resources may be reclaimed.
    Dead,
    /// No token of that name, or the platform cannot tell.
    Unknown,
}

/// Node liveness tokens.
pub trait Liveness {
    /// Held by the living node; dropping it (orderly leave) removes the token.
    type Token: Send;

    /// The longest token name, in bytes.
    const MAX_NAME_LEN: usize;

    /// Creates and holds the token `name`; [`LivenessError::InUse`] if a live
    /// holder exists. A dead holder's stale token is taken over.
    fn acquire(name: &str) -> Result<Self::Token, LivenessError>;

    /// Probes the token `name`.
    fn probe(name: &str) -> Result<NodeState, LivenessError>;

    /// Removes the stale token of a node found [`NodeState::Dead`], after its
    /// resources are reclaimed. Removing a live token is refused with
    /// [`LivenessError::InUse`]; a missing one is not an error.
    fn remove_stale(name: &str) -> Result<(), LivenessError>;
}
