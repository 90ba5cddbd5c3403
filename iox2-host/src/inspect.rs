//! Read-only views of what runs on this machine, for tools (`iox2`) and the
//! discovery service: every service whose control segment is in shared
//! memory (pattern, settings, types, nodes, ports), and every node (its
//! record, whether it lives, and its ports, found by scanning every
//! service's registry for its id).
//!
//! Nothing is written: control segments are mapped read-only and read
//! through atomic loads. Everything in them was written by other processes
//! (INV-DISTRUST): the header is checked (state, magic, version, pattern,
//! settings) and the segment's length against the layout the settings
//! imply before a single registry word is read; what fails is reported per
//! service, never as a panic.

use crate::config::SharedMemory;
use crate::error::InspectError;
use crate::lock::HostPlatform;
use crate::node::token_name;
use crate::node_record::{NodeRecord, hex16, token_id};
use iox2_core::blackboard::{BlackboardQos, blackboard_layout};
use iox2_core::event::{EventQos, event_layout};
use iox2_core::payload::TypeDescriptor;
use iox2_core::pubsub::{PubSubQos, control_layout};
use iox2_core::reqres::{ReqResQos, reqres_layout};
use iox2_core::segment::Segment;
use iox2_core::service::{
    HEADER_LEN, Header, Pattern, PortKind, QosError, RegionNameBuffer, Registry, RegistryLayout, SERVICE_NAME_ROOM,
    SegmentState, ServiceName, ServiceOpenError, SlotState,
};
use iox2_platform::error::RegionError;
use iox2_platform::{Access, Liveness, NodeState, Platform, Region};
use std::collections::BTreeMap;

/// The settings a service's header stores, whatever its pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceSettings {
    /// A publish-subscribe service's.
    PublishSubscribe(PubSubQos),
    /// An event service's.
    Event(EventQos),
    /// A request-response service's.
    RequestResponse(ReqResQos),
    /// A blackboard's.
    Blackboard(BlackboardQos),
}

impl ServiceSettings {
    /// The settings stored in a READY header of pattern `pattern` (checked).
    fn read(header: &Header<'_>, pattern: Pattern) -> Result<Self, ServiceOpenError> {
        Ok(match pattern {
            Pattern::PublishSubscribe => Self::PublishSubscribe(header.settings()?),
            Pattern::Event => Self::Event(header.settings()?),
            Pattern::RequestResponse => Self::RequestResponse(header.settings()?),
            Pattern::Blackboard => Self::Blackboard(header.settings()?),
        })
    }

    /// Where the registry lies, and the segment's length, for platform `P`
    /// (a blackboard's layout also depends on its key type, `payload`).
    fn layout<P: Platform>(&self, payload: &TypeDescriptor) -> Result<(RegistryLayout, usize), QosError> {
        Ok(match self {
            Self::PublishSubscribe(qos) => {
                let l = control_layout::<P::Rmw>(qos)?;
                (l.registry, l.len)
            }
            Self::Event(qos) => {
                let l = event_layout(qos)?;
                (l.registry, l.len)
            }
            Self::RequestResponse(qos) => {
                let l = reqres_layout::<P::Rmw>(qos)?;
                (l.registry, l.len)
            }
            Self::Blackboard(qos) => {
                let l = blackboard_layout(qos, payload.size())?;
                (l.registry, l.len)
            }
        })
    }
}

/// A node registered in a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceNode {
    /// The node slot.
    pub slot: u32,
    /// The node's id.
    pub id: u64,
    /// The process id the node gave when it registered.
    pub pid: u32,
    /// Whether the node lives (its liveness token; see [`NodeView::state`]).
    pub state: NodeState,
}

/// A port of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServicePort {
    /// The kind of port.
    pub kind: PortKind,
    /// The port slot.
    pub slot: u32,
    /// The slot of the node that owns it.
    pub node_slot: u32,
    /// That node's id, if its slot is taken.
    pub node_id: Option<u64>,
}

/// A service as its control segment describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceView {
    /// The service's name, as the header stores it (empty if unreadable).
    pub name: String,
    /// The 64-bit hash of the name (from the region's name).
    pub hash: u64,
    /// The control region's name.
    pub region: String,
    /// The segment's state (`None`: the segment could not be read).
    pub state: Option<SegmentState>,
    /// The messaging pattern, if the header names a known one.
    pub pattern: Option<Pattern>,
    /// The settings, if they could be read.
    pub settings: Option<ServiceSettings>,
    /// The payload type (request type for request-response, key type for
    /// a blackboard).
    pub payload: Option<TypeDescriptor>,
    /// The user header type (response type for request-response).
    pub user_header: Option<TypeDescriptor>,
    /// The registered nodes.
    pub nodes: Vec<ServiceNode>,
    /// The taken port slots.
    pub ports: Vec<ServicePort>,
    /// What could not be read.
    pub errors: Vec<InspectError>,
}

impl ServiceView {
    /// The ports of the node in node slot `node_slot`: kind and slot.
    pub fn ports_of(&self, node_slot: u32) -> Vec<(PortKind, u32)> {
        self.ports
            .iter()
            .filter(|port| port.node_slot == node_slot)
            .map(|port| (port.kind, port.slot))
            .collect()
    }

    fn new(region: &str, hash: u64) -> Self {
        Self {
            name: String::new(),
            hash,
            region: region.to_owned(),
            state: None,
            pattern: None,
            settings: None,
            payload: None,
            user_header: None,
            nodes: Vec::new(),
            ports: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Reads the control region `region` of platform `P`.
    fn read<P: HostPlatform>(region_name: &str, hash: u64) -> Self {
        let mut view = Self::new(region_name, hash);
        match P::Region::open(region_name, Access::ReadOnly) {
            Ok(region) => view.read_region::<P>(&region),
            Err(e) => view.errors.push(InspectError::Region(e)),
        }
        view
    }

    fn read_region<P: HostPlatform>(&mut self, region: &P::Region) {
        if region.len() < HEADER_LEN {
            self.errors.push(InspectError::NoHeader { len: region.len() });
            return;
        }
        // SAFETY: the mapping is readable for `len` bytes and outlives this
        // function, beyond every use of the segment; it is only read, and
        // only through atomic loads.
        let segment = unsafe { Segment::new(region.as_ptr(), region.len()) };
        let header = Header::new(segment);
        self.state = Some(header.state());
        let mut room = [0u8; SERVICE_NAME_ROOM];
        header.service_name(&mut room).clone_into(&mut self.name);
        self.pattern = header.pattern();
        let mut record = |result: Result<TypeDescriptor, ServiceOpenError>| {
            result.map_err(|e| self.errors.push(InspectError::Header(e))).ok()
        };
        self.payload = record(header.payload());
        self.user_header = record(header.user_header());
        let Some(pattern) = self.pattern else {
            self.errors.push(InspectError::UnknownPattern);
            return;
        };
        match ServiceSettings::read(&header, pattern) {
            Ok(settings) => self.settings = Some(settings),
            Err(e) => return self.errors.push(InspectError::Header(e)),
        }
        if let Some(registry) = self.registry::<P>(segment) {
            self.read_registry::<P>(&registry);
        }
    }

    /// The registry, once the segment proved long enough for its layout.
    fn registry<'a, P: HostPlatform>(&mut self, segment: Segment<'a>) -> Option<Registry<'a, P::Rmw>> {
        let settings = self.settings?;
        let unit = TypeDescriptor::of::<()>();
        let (layout, len) = match settings.layout::<P>(self.payload.as_ref().unwrap_or(&unit)) {
            Ok(layout) => layout,
            Err(e) => {
                self.errors
                    .push(InspectError::Header(ServiceOpenError::CorruptedQos(e)));
                return None;
            }
        };
        if segment.len() < len {
            self.errors.push(InspectError::Header(ServiceOpenError::TooShort {
                required: len,
                available: segment.len(),
            }));
            return None;
        }
        Some(Registry::new(segment, layout))
    }

    fn read_registry<P: HostPlatform>(&mut self, registry: &Registry<'_, P::Rmw>) {
        let mut ids = BTreeMap::new();
        for slot in 0..registry.max_nodes() {
            let record = registry.node(slot);
            if matches!(record.state, SlotState::Active { .. }) {
                ids.insert(slot, record.id);
                self.nodes.push(ServiceNode {
                    slot,
                    id: record.id,
                    pid: record.pid,
                    state: node_state::<P>(record.id),
                });
            }
        }
        for kind in registry.kinds() {
            for slot in 0..registry.ports(kind) {
                if let SlotState::Active { node, .. } = registry.port(kind, slot) {
                    self.ports.push(ServicePort {
                        kind,
                        slot,
                        node_slot: node,
                        node_id: ids.get(&node).copied(),
                    });
                }
            }
        }
    }
}

/// Whether node `id` lives: what its liveness token says (`Unknown` if it
/// cannot be asked) — except that a node with a record but no token is
/// `Dead`: a node that leaves removes its record before its token, and
/// takes its token before it writes its record, so only a reaper (which
/// removes a dead node's token) leaves a record without a token.
pub(crate) fn node_state<P: HostPlatform>(id: u64) -> NodeState {
    match P::Liveness::probe(&token_name(id)).unwrap_or(NodeState::Unknown) {
        NodeState::Unknown if NodeRecord::exists::<P>(id) => NodeState::Dead,
        state => state,
    }
}

/// The name hash of region `name` if it is a control region
/// (`iox2_<16 hex digits>_ctl`, see `ServiceName::region_name`).
fn control_hash(name: &str) -> Option<u64> {
    hex16(name.strip_prefix("iox2_")?.strip_suffix("_ctl")?)
}

/// Every service of platform `P` whose control segment is in
/// `shm.root` (objects named `shm.prefix` + region name), sorted by name.
pub fn list_services<P: HostPlatform>(shm: &SharedMemory) -> Result<Vec<ServiceView>, InspectError> {
    let entries = std::fs::read_dir(&shm.root).map_err(|e| InspectError::List {
        errno: e.raw_os_error().unwrap_or(0),
    })?;
    let mut services: Vec<ServiceView> = entries
        .flatten()
        .filter_map(|entry| {
            let file = entry.file_name();
            let region = file.to_str()?.strip_prefix(shm.prefix.as_str())?;
            let hash = control_hash(region)?;
            Some(ServiceView::read::<P>(region, hash))
        })
        .collect();
    services.sort_by(|a, b| (&a.name, a.hash).cmp(&(&b.name, b.hash)));
    Ok(services)
}

/// The service `name` of platform `P`; an error if there is none or its
/// control segment cannot be opened (a view whose header is damaged lists
/// what could not be read in its `errors`).
pub fn find_service<P: HostPlatform>(name: &str) -> Result<ServiceView, InspectError> {
    let service = ServiceName::new(name).map_err(InspectError::Name)?;
    let mut buffer = RegionNameBuffer::new();
    let region = service.region_name("ctl", &mut buffer);
    let view = ServiceView::read::<P>(region, service.hash());
    match view.errors.first() {
        Some(InspectError::Region(RegionError::NotFound)) => Err(InspectError::NoSuchService),
        // Nothing to show (no permission, ...): the reason is the answer.
        Some(e @ InspectError::Region(_)) => Err(*e),
        // Another service whose name hashes alike.
        _ if view.pattern.is_some() && view.name != name => Err(InspectError::NoSuchService),
        _ => Ok(view),
    }
}

/// A service a node is registered in, with the node's ports there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeService {
    /// The service's name.
    pub service: String,
    /// Its pattern.
    pub pattern: Option<Pattern>,
    /// The process id the node gave when it registered.
    pub pid: u32,
    /// The node's ports there: kind and slot.
    pub ports: Vec<(PortKind, u32)>,
}

/// A node, from its record, its liveness token and the registries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeView {
    /// The node's id.
    pub id: u64,
    /// Whether it lives: `Alive`, `Dead` (the process died without
    /// leaving), or `Unknown` (no token and no record).
    pub state: NodeState,
    /// Its record (name, process, executable), if there is one.
    pub record: Option<NodeRecord>,
    /// The services it is registered in.
    pub services: Vec<NodeService>,
}

impl NodeView {
    /// The node's name (empty if unnamed or without a record).
    pub fn name(&self) -> &str {
        self.record.as_ref().map_or("", |r| r.name.as_str())
    }

    /// The node's process id: from its record, else from a registry.
    pub fn pid(&self) -> Option<u32> {
        self.record
            .as_ref()
            .map(|r| r.pid)
            .or_else(|| self.services.first().map(|s| s.pid))
    }
}

/// The token directory and file suffix of the host platforms' liveness
/// tokens (the `Liveness` trait has no listing), to find nodes that are in
/// no service and have no record.
fn token_files<P: Platform>() -> Option<(&'static str, &'static str)> {
    match P::NAME {
        "linux" => Some((iox2_platform::linux::NODE_DIR, ".lock")),
        "posix" => Some((iox2_platform::posix::NODES_DIR, ".node")),
        _ => None,
    }
}

/// The ids of the nodes of platform `P` that have a token file.
pub(crate) fn token_ids<P: Platform>() -> Vec<u64> {
    let Some((dir, suffix)) = token_files::<P>() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| token_id(entry.file_name().to_str()?.strip_suffix(suffix)?))
        .collect()
}

/// Every node of platform `P` on this machine — with a record, a token
/// file, or a slot in a service under `shm` — sorted by name, then id;
/// each with the services and ports that name it.
pub fn list_nodes<P: HostPlatform>(shm: &SharedMemory) -> Result<Vec<NodeView>, InspectError> {
    Ok(nodes_of::<P>(&list_services::<P>(shm)?))
}

/// The nodes of [`list_nodes`], given the services already read.
pub(crate) fn nodes_of<P: HostPlatform>(services: &[ServiceView]) -> Vec<NodeView> {
    let mut nodes: BTreeMap<u64, NodeView> = BTreeMap::new();
    fn entry<P: HostPlatform>(nodes: &mut BTreeMap<u64, NodeView>, id: u64) -> &mut NodeView {
        nodes.entry(id).or_insert_with(|| NodeView {
            id,
            state: node_state::<P>(id),
            record: None,
            services: Vec::new(),
        })
    }
    for record in NodeRecord::list::<P>() {
        let id = record.id;
        entry::<P>(&mut nodes, id).record = Some(record);
    }
    for id in token_ids::<P>() {
        entry::<P>(&mut nodes, id);
    }
    for service in services {
        for node in &service.nodes {
            entry::<P>(&mut nodes, node.id).services.push(NodeService {
                service: service.name.clone(),
                pattern: service.pattern,
                pid: node.pid,
                ports: service.ports_of(node.slot),
            });
        }
    }
    let mut nodes: Vec<NodeView> = nodes.into_values().collect();
    nodes.sort_by(|a, b| (a.name(), a.id).cmp(&(b.name(), b.id)));
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_regions_are_told_apart_from_data_regions() {
        assert_eq!(control_hash("iox2_00000000000000ff_ctl"), Some(255));
        assert_eq!(control_hash("iox2_00000000000000ff_p0.1"), None);
        assert_eq!(control_hash("iox2_ff_ctl"), None);
        assert_eq!(control_hash("iox2_00000000000000fg_ctl"), None);
    }
}
