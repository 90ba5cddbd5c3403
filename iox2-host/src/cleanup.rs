//! Cleaning up after dead nodes, machine-wide (`iox2 node cleanup`,
//! [`crate::Node::cleanup_dead_nodes`]): every service in which a
//! registered node is not alive is opened by its header (`untyped.rs`),
//! which reaps its dead nodes with the pattern's own clean-up — exactly
//! what any opener of the service does — and is left again, which removes
//! the service if no live node remains. Then the liveness tokens and
//! records of dead nodes are removed.
//!
//! What was reclaimed is read back from the registries, before and after,
//! so the report says what actually happened, also when another process
//! reaped the same nodes meanwhile.

use crate::config::SharedMemory;
use crate::error::{InspectError, ServiceError};
use crate::inspect::{find_service, list_services, node_state, nodes_of};
use crate::lock::HostPlatform;
use crate::node::{NodeInner, token_name};
use crate::node_record::NodeRecord;
use crate::untyped;
use iox2_core::service::{Pattern, PortKind, SegmentState};
use iox2_platform::{Liveness, NodeState};
use std::sync::Arc;

/// A dead node taken out of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReapedNode {
    /// The node's id.
    pub id: u64,
    /// The ports it held there, now free: kind and slot.
    pub ports: Vec<(PortKind, u32)>,
}

/// What a cleanup did to one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCleanup {
    /// The service's name.
    pub service: String,
    /// Its pattern.
    pub pattern: Pattern,
    /// The dead nodes no longer registered in it, with their ports.
    pub reaped: Vec<ReapedNode>,
    /// Whether the service is gone: none of its nodes lived.
    pub removed: bool,
    /// Why it could not be opened, if it could not (nothing was reaped).
    pub error: Option<ServiceError>,
}

/// What a cleanup did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupReport {
    /// The services that had nodes which were not alive.
    pub services: Vec<ServiceCleanup>,
    /// The dead nodes whose liveness token and record were removed.
    pub nodes: Vec<u64>,
}

impl CleanupReport {
    /// Whether nothing needed cleaning up.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty() && self.nodes.is_empty()
    }
}

/// Cleans up after the dead nodes among `only` (every dead node: `None`)
/// in the services under `shm`, attaching with `node`.
pub(crate) fn cleanup_dead_nodes<P: HostPlatform>(
    node: &Arc<NodeInner<P>>,
    shm: &SharedMemory,
    only: Option<&[u64]>,
) -> Result<CleanupReport, InspectError> {
    let wanted = |id: u64| id != node.id && only.is_none_or(|ids| ids.contains(&id));
    let mut report = CleanupReport::default();
    for before in list_services::<P>(shm)? {
        let Some(pattern) = before.pattern.filter(|_| before.state == Some(SegmentState::Ready)) else {
            continue;
        };
        let dead: Vec<_> = before
            .nodes
            .iter()
            .filter(|n| n.state != NodeState::Alive && wanted(n.id))
            .collect();
        if dead.is_empty() {
            continue;
        }
        let error = untyped::reap(node, &before.name, pattern).err();
        let after = find_service::<P>(&before.name).ok();
        let still_there = |slot: u32, id: u64| {
            after
                .as_ref()
                .is_some_and(|a| a.nodes.iter().any(|n| n.slot == slot && n.id == id))
        };
        let reaped = dead
            .iter()
            .filter(|n| !still_there(n.slot, n.id))
            .map(|n| ReapedNode {
                id: n.id,
                ports: before.ports_of(n.slot),
            })
            .collect();
        report.services.push(ServiceCleanup {
            service: before.name.clone(),
            pattern,
            reaped,
            removed: after.is_none(),
            error,
        });
    }
    // Tokens and records: of the dead nodes no service names any more.
    let services = list_services::<P>(shm)?;
    for view in nodes_of::<P>(&services) {
        // (A record without a token is a dead node's, see `node_state`.)
        if view.state != NodeState::Dead || !view.services.is_empty() || !wanted(view.id) {
            continue;
        }
        let token = P::Liveness::remove_stale(&token_name(view.id));
        let record = NodeRecord::remove::<P>(view.id);
        if token.is_ok() && record.is_ok() && node_state::<P>(view.id) != NodeState::Alive {
            report.nodes.push(view.id);
        }
    }
    // Reaping a service removes the token and record of the nodes it reaped.
    let reaped: Vec<u64> = report
        .services
        .iter()
        .flat_map(|service| service.reaped.iter().map(|node| node.id))
        .collect();
    for id in reaped {
        if !report.nodes.contains(&id) && node_state::<P>(id) != NodeState::Alive {
            report.nodes.push(id);
        }
    }
    Ok(report)
}
