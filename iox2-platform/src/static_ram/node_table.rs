//! `NodeTable<R, N>`: the `static` a board declares for up to `N` node
//! liveness tokens.

use super::node_slot::NodeSlot;
use super::nodes::Nodes;
use crate::rmw::Rmw;
use core::marker::PhantomData;

/// Up to `N` node tokens; `R` is the board's RMW backend.
///
/// ```
/// use iox2_platform::rmw::NativeRmw;
/// use iox2_platform::static_ram::NodeTable;
/// use iox2_platform::NodeState;
///
/// static NODES: NodeTable<NativeRmw, 8> = NodeTable::new();
/// let nodes = NODES.view();
/// let token = nodes.acquire("core1.sensor").unwrap();
/// assert_eq!(nodes.probe("core1.sensor"), Ok(NodeState::Alive));
/// // The supervisor resets core 1, then:
/// nodes.declare_dead("core1.sensor").unwrap();
/// assert_eq!(nodes.probe("core1.sensor"), Ok(NodeState::Dead));
/// # drop(token);
/// ```
pub struct NodeTable<R, const N: usize> {
    slots: [NodeSlot; N],
    _rmw: PhantomData<fn() -> R>,
}

impl<R: Rmw, const N: usize> NodeTable<R, N> {
    /// An empty table.
    #[cfg(not(iox2_loom))]
    pub const fn new() -> Self {
        Self {
            slots: [const { NodeSlot::new() }; N],
            _rmw: PhantomData,
        }
    }

    /// An empty table (loom build: not `const`).
    #[cfg(iox2_loom)]
    pub fn new() -> Self {
        Self {
            slots: core::array::from_fn(|_| NodeSlot::new()),
            _rmw: PhantomData,
        }
    }

    /// The table without its capacity, as a board returns it.
    pub fn view(&self) -> Nodes<'_, R> {
        Nodes::new(&self.slots)
    }

    /// How many tokens the table can hold.
    pub const fn capacity(&self) -> usize {
        N
    }
}

impl<R: Rmw, const N: usize> Default for NodeTable<R, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R, const N: usize> core::fmt::Debug for NodeTable<R, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NodeTable").field("slots", &self.slots).finish()
    }
}
