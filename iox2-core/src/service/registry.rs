//! The registry every control segment has, whatever its pattern: the
//! topology generation, the node slots, and two tables of port slots (one
//! per port kind of the pattern), each claimed and released through
//! [`super::slot`].
//!
//! Node slot: `{ state, id_lo, id_hi, pid }`; port slot: `{ state, one
//! word the pattern uses }` (a subscriber's buffer size, for one).

use super::header::{HEADER_WORDS, Header};
use super::slot::{self, SlotId, SlotState};
use crate::place::round_up;
use crate::segment::Segment;
use crate::sync::CACHE_LINE;
use crate::sync::{AtomicU32, Ordering};
use core::marker::PhantomData;
use iox2_platform::rmw::Rmw;

/// Bytes of a node slot.
pub const NODE_SLOT: usize = 16;
/// Bytes of a port slot.
pub const PORT_SLOT: usize = 8;

/// Which kind of port a slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PortKind {
    /// A publish-subscribe publisher.
    Publisher,
    /// A publish-subscribe subscriber.
    Subscriber,
    /// An event notifier.
    Notifier,
    /// An event listener.
    Listener,
    /// A request-response client.
    Client,
    /// A request-response server.
    Server,
    /// A blackboard writer.
    Writer,
    /// A blackboard reader.
    Reader,
}

impl PortKind {
    /// The port's name, as tools print it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Publisher => "publisher",
            Self::Subscriber => "subscriber",
            Self::Notifier => "notifier",
            Self::Listener => "listener",
            Self::Client => "client",
            Self::Server => "server",
            Self::Writer => "writer",
            Self::Reader => "reader",
        }
    }
}

/// A node as its slot records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NodeRecord {
    /// The slot's state.
    pub state: SlotState,
    /// The node's id (its liveness token is named after it).
    pub id: u64,
    /// The process id the node gave (informational).
    pub pid: u32,
}

/// One table of port slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortTable {
    /// The kind of port its slots hold.
    pub kind: PortKind,
    /// Offset of the first slot.
    pub offset: usize,
    /// Number of slots.
    pub count: u32,
}

/// Where a registry's slots lie in its segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryLayout {
    /// Offset of the node slots.
    pub nodes: usize,
    /// Number of node slots.
    pub max_nodes: u32,
    /// The pattern's two port tables.
    pub ports: [PortTable; 2],
}

impl RegistryLayout {
    /// The registry right after the header (rounded to a cache line):
    /// the node slots, then the two port tables, each starting on a cache
    /// line of its own. Returns it and the offset where it ends.
    pub const fn after_header(max_nodes: u32, first: (PortKind, u32), second: (PortKind, u32)) -> (Self, usize) {
        let nodes = round_up(HEADER_WORDS * 4, CACHE_LINE);
        let first_offset = nodes + round_up(max_nodes as usize * NODE_SLOT, CACHE_LINE);
        let second_offset = first_offset + round_up(first.1 as usize * PORT_SLOT, CACHE_LINE);
        let end = second_offset + round_up(second.1 as usize * PORT_SLOT, CACHE_LINE);
        let ports = [
            PortTable {
                kind: first.0,
                offset: first_offset,
                count: first.1,
            },
            PortTable {
                kind: second.0,
                offset: second_offset,
                count: second.1,
            },
        ];
        (
            Self {
                nodes,
                max_nodes,
                ports,
            },
            end,
        )
    }
}

/// The node and port slots of a control segment.
#[derive(Debug)]
pub struct Registry<'a, R> {
    segment: Segment<'a>,
    layout: RegistryLayout,
    _rmw: PhantomData<fn() -> R>,
}

// Manual impls: a derive would demand `R: Clone`, but `R` is only a marker.
impl<R> Clone for Registry<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Registry<'_, R> {}

impl<'a, R: Rmw> Registry<'a, R> {
    /// The registry of `segment`, whose length the caller checked against
    /// the layout `layout` came from.
    pub fn new(segment: Segment<'a>, layout: RegistryLayout) -> Self {
        Self {
            segment,
            layout,
            _rmw: PhantomData,
        }
    }

    /// The port kinds of the pattern.
    pub fn kinds(&self) -> [PortKind; 2] {
        [self.layout.ports[0].kind, self.layout.ports[1].kind]
    }

    /// Bumps the topology generation: ports or nodes came or went.
    pub fn topology_changed(&self) {
        // SYNC: Release publishes the slot change before it to readers
        // that see the new generation.
        R::fetch_add(Header::new(self.segment).topology(), 1, Ordering::AcqRel);
    }

    /// The topology generation.
    pub fn topology(&self) -> u32 {
        Header::new(self.segment).topology().load(Ordering::Acquire)
    }

    /// The number of node slots.
    pub fn max_nodes(&self) -> u32 {
        self.layout.max_nodes
    }

    fn node_word(&self, index: u32, word: usize) -> &'a AtomicU32 {
        self.segment
            .word(self.layout.nodes + index as usize * NODE_SLOT + 4 * word)
    }

    /// The state words of the node slots.
    fn node_states(&self) -> impl Iterator<Item = &'a AtomicU32> + 'a
    where
        R: 'a,
    {
        let this = *self;
        (0..self.layout.max_nodes).map(move |i| this.node_word(i, 0))
    }

    /// Registers a node; `None` when every node slot is taken.
    ///
    /// The slot is claimed first and the id written after; a node that dies
    /// in between leaves a slot with id 0, which reapers free as dead.
    pub fn claim_node(&self, id: u64, pid: u32) -> Option<SlotId> {
        let slot = slot::claim::<R>(self.node_states(), 0)?;
        self.node_word(slot.index, 1).store(id as u32, Ordering::Relaxed);
        self.node_word(slot.index, 2)
            .store((id >> 32) as u32, Ordering::Relaxed);
        // SYNC: Release publishes the id with the pid to readers' Acquire.
        self.node_word(slot.index, 3).store(pid, Ordering::Release);
        self.topology_changed();
        Some(slot)
    }

    /// Frees a node slot (its owner leaving, or a reaper).
    pub fn release_node(&self, node: SlotId) -> bool {
        let released = slot::release::<R>(self.node_word(node.index, 0), node.generation);
        if released {
            self.topology_changed();
        }
        released
    }

    /// What slot `index` records about its node.
    pub fn node(&self, index: u32) -> NodeRecord {
        let state = slot::state(self.node_word(index, 0));
        let pid = self.node_word(index, 3).load(Ordering::Acquire);
        let id = u64::from(self.node_word(index, 1).load(Ordering::Relaxed))
            | (u64::from(self.node_word(index, 2).load(Ordering::Relaxed)) << 32);
        NodeRecord { state, id, pid }
    }

    /// How many node slots are taken.
    pub fn active_nodes(&self) -> u32 {
        self.node_states()
            .filter(|w| matches!(slot::state(w), SlotState::Active { .. }))
            .count() as u32
    }

    /// The table of `kind`'s slots; an empty one for a kind the pattern
    /// does not have.
    fn table(&self, kind: PortKind) -> PortTable {
        let [a, b] = self.layout.ports;
        match kind {
            k if k == a.kind => a,
            k if k == b.kind => b,
            _ => PortTable {
                kind,
                offset: 0,
                count: 0,
            },
        }
    }

    /// Word `word` (0: the state) of slot `index` of `kind`; `index` must be
    /// below [`Registry::ports`].
    pub fn port_word(&self, kind: PortKind, index: u32, word: usize) -> &'a AtomicU32 {
        let table = self.table(kind);
        debug_assert!(index < table.count && word < PORT_SLOT / 4);
        self.segment.word(table.offset + index as usize * PORT_SLOT + 4 * word)
    }

    /// The number of slots of a kind.
    pub fn ports(&self, kind: PortKind) -> u32 {
        self.table(kind).count
    }

    /// Claims a port slot for the node in slot `node`; `None` when all are taken.
    pub fn claim_port(&self, kind: PortKind, node: u32) -> Option<SlotId> {
        let this = *self;
        let slot = slot::claim::<R>((0..self.ports(kind)).map(move |i| this.port_word(kind, i, 0)), node)?;
        self.topology_changed();
        Some(slot)
    }

    /// Frees a port slot.
    pub fn release_port(&self, kind: PortKind, port: SlotId) -> bool {
        let released = slot::release::<R>(self.port_word(kind, port.index, 0), port.generation);
        if released {
            self.topology_changed();
        }
        released
    }

    /// The state of a port slot.
    pub fn port(&self, kind: PortKind, index: u32) -> SlotState {
        slot::state(self.port_word(kind, index, 0))
    }

    /// The active ports of `kind` that belong to node slot `node`.
    pub fn ports_of(&self, kind: PortKind, node: u32) -> impl Iterator<Item = SlotId> + 'a
    where
        R: 'a,
    {
        let this = *self;
        (0..self.ports(kind)).filter_map(move |index| match this.port(kind, index) {
            SlotState::Active {
                generation,
                node: owner,
            } if owner == node => Some(SlotId { index, generation }),
            _ => None,
        })
    }
}
