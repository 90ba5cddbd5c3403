//! `iox2 service list|details`: the services whose control segments are in
//! shared memory, with their pattern, settings, types, nodes and ports
//! (read-only, through `iox2_host::inspect`); and the dispatch of
//! `service discovery|hz|echo`.

use super::output::emit;
use super::{CliError, Context, discovery, watch};
use clap::Subcommand;
use core::fmt::Write as _;
use iox2_host::config::{EventDefaults, PubSubDefaults, ReqResDefaults};
use iox2_host::core::payload::{TypeDescriptor, TypeKind};
use iox2_host::inspect::{ServiceSettings, ServiceView, find_service, list_services};
use iox2_host::node_record::NodeRecord;
use iox2_host::platform::NodeState;
use iox2_host::prelude::Linux;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub(crate) enum ServiceCommand {
    /// List the services: name, hash, state, pattern, types and settings.
    List,
    /// Show one service: pattern, settings, types, nodes and ports.
    Details {
        /// The service's name.
        name: String,
    },
    /// Run the discovery service until SIGINT/SIGTERM: publish every
    /// service added or removed, answer snapshot requests.
    Discovery(discovery::DiscoveryArgs),
    /// Measure the rate of a publish-subscribe service (one extra
    /// subscriber, nothing else).
    Hz(watch::HzArgs),
    /// Print the samples of a publish-subscribe service: as values where
    /// the type is known (or described with --fields), else as hex.
    Echo(watch::EchoArgs),
}

/// A type stored in a service header.
#[derive(Debug, Serialize)]
pub(crate) struct TypeInfo {
    pub(crate) name: String,
    pub(crate) size: u32,
    pub(crate) align: u32,
    /// For a slice: the element's size (the payload's size is per sample).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) element_size: Option<u32>,
}

impl From<TypeDescriptor> for TypeInfo {
    fn from(d: TypeDescriptor) -> Self {
        Self {
            name: d.name().as_str().to_owned(),
            size: d.size(),
            align: d.align(),
            element_size: (d.kind() == Some(TypeKind::Slice)).then_some(d.element_size()),
        }
    }
}

impl TypeInfo {
    fn human(&self) -> String {
        match self.element_size {
            Some(element) => format!("[{}] (element size {element}, align {})", self.name, self.align),
            None => format!("{} (size {}, align {})", self.name, self.size, self.align),
        }
    }
}

/// A blackboard's settings.
#[derive(Debug, Serialize)]
struct BlackboardInfo {
    max_readers: u32,
    max_nodes: u32,
    entries: u32,
    arena_len: u32,
}

/// One service, as `service list` prints it.
#[derive(Debug, Serialize)]
struct ServiceInfo {
    /// The service's name, as its header records it.
    name: Option<String>,
    /// The 64-bit hash of the service name, 16 hex digits.
    hash: String,
    /// The control region's name.
    region: String,
    /// The segment state (`Ready`, `Init`, `Dead`, ...).
    state: String,
    /// `publish-subscribe`, `event`, `request-response` or `blackboard`.
    pattern: Option<&'static str>,
    payload: Option<TypeInfo>,
    user_header: Option<TypeInfo>,
    qos: Option<PubSubDefaults>,
    event: Option<EventDefaults>,
    request_response: Option<ReqResDefaults>,
    blackboard: Option<BlackboardInfo>,
    /// Nodes registered.
    nodes: usize,
    /// Ports in use.
    ports: usize,
    /// Why the header could not be read, if it could not.
    error: Option<String>,
}

impl From<&ServiceView> for ServiceInfo {
    fn from(view: &ServiceView) -> Self {
        let mut info = Self {
            name: (!view.name.is_empty()).then(|| view.name.clone()),
            hash: format!("{:016x}", view.hash),
            region: view.region.clone(),
            state: view.state.map_or_else(|| String::from("Unknown"), |s| format!("{s:?}")),
            pattern: view.pattern.map(|p| p.name()),
            payload: view.payload.map(TypeInfo::from),
            user_header: view.user_header.map(TypeInfo::from),
            qos: None,
            event: None,
            request_response: None,
            blackboard: None,
            nodes: view.nodes.len(),
            ports: view.ports.len(),
            error: (!view.errors.is_empty()).then(|| {
                let errors: Vec<String> = view.errors.iter().map(ToString::to_string).collect();
                errors.join("; ")
            }),
        };
        match view.settings {
            Some(ServiceSettings::PublishSubscribe(q)) => info.qos = Some(q.into()),
            Some(ServiceSettings::Event(q)) => info.event = Some(q.into()),
            Some(ServiceSettings::RequestResponse(q)) => info.request_response = Some(q.into()),
            Some(ServiceSettings::Blackboard(q)) => {
                info.blackboard = Some(BlackboardInfo {
                    max_readers: q.max_readers,
                    max_nodes: q.max_nodes,
                    entries: q.entries,
                    arena_len: q.arena_len,
                });
            }
            None => {}
        }
        info
    }
}

/// A node's liveness, as the tools print it.
pub(crate) fn state_name(state: NodeState) -> &'static str {
    match state {
        NodeState::Alive => "alive",
        NodeState::Dead => "dead",
        NodeState::Unknown => "unknown",
    }
}

/// A node registered in the service.
#[derive(Debug, Serialize)]
struct NodeEntry {
    id: String,
    name: Option<String>,
    pid: u32,
    state: &'static str,
    executable: Option<PathBuf>,
}

/// A port of the service.
#[derive(Debug, Serialize)]
struct PortEntry {
    kind: &'static str,
    slot: u32,
    node: Option<String>,
    node_name: Option<String>,
}

/// What `service details` prints.
#[derive(Debug, Serialize)]
struct ServiceDetails {
    #[serde(flatten)]
    service: ServiceInfo,
    nodes: Vec<NodeEntry>,
    ports: Vec<PortEntry>,
}

pub(crate) fn run(command: ServiceCommand, context: &Context) -> Result<(), CliError> {
    match command {
        ServiceCommand::List => {
            let (config, _) = context.config()?;
            let views = list_services::<Linux>(&config.shared_memory)?;
            let services: Vec<ServiceInfo> = views.iter().map(ServiceInfo::from).collect();
            emit(context.format, &services, || Ok(human_list(&services)))
        }
        ServiceCommand::Details { name } => {
            let view = find_service::<Linux>(&name).map_err(|e| CliError::about(format!("service {name:?}"), e))?;
            let details = details(&view);
            emit(context.format, &details, || Ok(human_details(&details)))
        }
        ServiceCommand::Discovery(args) => discovery::run(&args, context),
        ServiceCommand::Hz(args) => watch::hz(&args, context),
        ServiceCommand::Echo(args) => watch::echo(&args, context),
    }
}

fn details(view: &ServiceView) -> ServiceDetails {
    let records: Vec<(u64, Option<NodeRecord>)> = view
        .nodes
        .iter()
        .map(|n| (n.id, NodeRecord::read::<Linux>(n.id)))
        .collect();
    let name_of = |id: u64| {
        records
            .iter()
            .find(|(i, _)| *i == id)
            .and_then(|(_, r)| r.as_ref())
            .map(|r| r.name.clone())
    };
    let nodes = view
        .nodes
        .iter()
        .zip(&records)
        .map(|(n, (_, record))| NodeEntry {
            id: format!("{:016x}", n.id),
            name: record.as_ref().map(|r| r.name.clone()),
            pid: n.pid,
            state: state_name(n.state),
            executable: record.as_ref().map(|r| PathBuf::from(&r.executable)),
        })
        .collect();
    let ports = view
        .ports
        .iter()
        .map(|p| PortEntry {
            kind: p.kind.name(),
            slot: p.slot,
            node: p.node_id.map(|id| format!("{id:016x}")),
            node_name: p.node_id.and_then(name_of),
        })
        .collect();
    ServiceDetails {
        service: ServiceInfo::from(view),
        nodes,
        ports,
    }
}

/// The settings of a service in one line.
fn human_settings(s: &ServiceInfo) -> Option<String> {
    if let Some(q) = &s.qos {
        return Some(format!(
            "publishers {} subscribers {} nodes {} buffer {} history {} safe overflow {}",
            q.max_publishers, q.max_subscribers, q.max_nodes, q.subscriber_buffer, q.history, q.safe_overflow
        ));
    }
    if let Some(e) = &s.event {
        let mut line = format!(
            "listeners {} notifiers {} nodes {} ids 0..={}",
            e.max_listeners, e.max_notifiers, e.max_nodes, e.event_id_max
        );
        if let Some(ns) = e.deadline_ns {
            let _ = write!(line, " deadline {:?}", core::time::Duration::from_nanos(ns));
        }
        return Some(line);
    }
    if let Some(r) = &s.request_response {
        return Some(format!(
            "clients {} servers {} nodes {} active requests {} response buffer {}",
            r.max_clients, r.max_servers, r.max_nodes, r.max_active_requests, r.response_buffer
        ));
    }
    s.blackboard.as_ref().map(|b| {
        format!(
            "readers {} nodes {} entries {} arena {} bytes",
            b.max_readers, b.max_nodes, b.entries, b.arena_len
        )
    })
}

/// The types of a service, named for its pattern.
fn human_types(s: &ServiceInfo) -> Vec<(&'static str, &TypeInfo)> {
    let mut types = Vec::new();
    let (first, second) = match s.pattern {
        Some("request-response") => (Some("request"), Some("response")),
        Some("blackboard") => (Some("key"), None),
        Some("event") => (None, None),
        _ => (Some("payload"), Some("user header")),
    };
    if let (Some(what), Some(t)) = (first, &s.payload) {
        types.push((what, t));
    }
    // A user header of `()` is none.
    if let (Some(what), Some(t)) = (second, s.user_header.as_ref().filter(|t| t.size != 0)) {
        types.push((what, t));
    }
    types
}

fn human_list(services: &[ServiceInfo]) -> String {
    if services.is_empty() {
        return String::from("no services");
    }
    let mut out = String::new();
    for s in services {
        let _ = write!(
            out,
            "{}  {}  {:<6}  {}",
            s.name.as_deref().unwrap_or("?"),
            s.hash,
            s.state,
            s.pattern.unwrap_or("?")
        );
        for (what, t) in human_types(s) {
            let _ = write!(out, "  {what} {}", t.human());
        }
        if let Some(settings) = human_settings(s) {
            let _ = write!(out, "  {settings}");
        }
        let _ = write!(out, "  ({} nodes, {} ports)", s.nodes, s.ports);
        if let Some(e) = &s.error {
            let _ = write!(out, "  ({e})");
        }
        out.push('\n');
    }
    out
}

fn human_details(d: &ServiceDetails) -> String {
    let s = &d.service;
    let mut out = String::new();
    let _ = writeln!(out, "service   {}", s.name.as_deref().unwrap_or("?"));
    let _ = writeln!(out, "hash      {}", s.hash);
    let _ = writeln!(out, "state     {}", s.state);
    let _ = writeln!(out, "pattern   {}", s.pattern.unwrap_or("?"));
    for (what, t) in human_types(s) {
        let _ = writeln!(out, "{what:<9} {}", t.human());
    }
    if let Some(settings) = human_settings(s) {
        let _ = writeln!(out, "settings  {settings}");
    }
    if let Some(e) = &s.error {
        let _ = writeln!(out, "error     {e}");
    }
    let _ = writeln!(out, "nodes     {}", d.nodes.len());
    for n in &d.nodes {
        let _ = writeln!(
            out,
            "  {}  {:<20}  pid {:<7}  {}",
            n.id,
            n.name.as_deref().unwrap_or("?"),
            n.pid,
            n.state
        );
    }
    let _ = writeln!(out, "ports     {}", d.ports.len());
    for p in &d.ports {
        let _ = writeln!(
            out,
            "  {:<10} {:<3}  node {} ({})",
            p.kind,
            p.slot,
            p.node.as_deref().unwrap_or("?"),
            p.node_name.as_deref().unwrap_or("?")
        );
    }
    out
}
