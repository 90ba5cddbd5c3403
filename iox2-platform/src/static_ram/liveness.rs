//! `StaticLiveness<B>`: the `Liveness` of `StaticRam<B>`, over the board's
//! node table.

use super::board::StaticRamBoard;
use super::name::NAME_CAPACITY;
use super::node_token::NodeToken;
use crate::error::LivenessError;
use crate::liveness::{Liveness, NodeState};
use core::marker::PhantomData;

/// Liveness tokens in the board `B`'s node table. A node is `Dead` only
/// after a supervisor's [`super::Nodes::declare_dead`].
pub struct StaticLiveness<B>(PhantomData<fn() -> B>);

impl<B: StaticRamBoard> Liveness for StaticLiveness<B> {
    type Token = NodeToken<'static, B::Rmw>;

    const MAX_NAME_LEN: usize = NAME_CAPACITY;

    fn acquire(name: &str) -> Result<Self::Token, LivenessError> {
        B::nodes().acquire(name)
    }

    fn probe(name: &str) -> Result<NodeState, LivenessError> {
        B::nodes().probe(name)
    }

    fn remove_stale(name: &str) -> Result<(), LivenessError> {
        B::nodes().remove_stale(name)
    }
}

impl<B> core::fmt::Debug for StaticLiveness<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StaticLiveness")
    }
}
