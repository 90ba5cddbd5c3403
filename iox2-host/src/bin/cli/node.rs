//! `iox2 node list|details|cleanup`: the nodes on this machine — from
//! their records, liveness tokens and the service registries
//! (`iox2_host::inspect`) — and the reaping of dead ones
//! (`Node::cleanup_nodes`).

use super::output::emit;
use super::service::state_name;
use super::{CliError, Context};
use clap::Subcommand;
use core::fmt::Write as _;
use iox2_host::CleanupReport;
use iox2_host::inspect::{NodeView, list_nodes};
use iox2_host::prelude::Linux;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub(crate) enum NodeCommand {
    /// List the nodes: id, name, process, state (alive or dead), executable.
    List,
    /// Show one node (or every node of that name): its record, state, and
    /// its ports in every service.
    Details {
        /// The node's id (16 hex digits) or name.
        node: String,
    },
    /// Reap dead nodes in every service (or only the nodes given), remove
    /// services no live node is left in, and dead nodes' tokens and
    /// records; say what was reclaimed.
    Cleanup {
        /// Only these nodes (ids or names); default: every dead node.
        nodes: Vec<String>,
    },
}

/// A node, as `node list` prints it.
#[derive(Debug, Serialize)]
struct NodeInfo {
    id: String,
    name: String,
    pid: Option<u32>,
    state: &'static str,
    executable: Option<String>,
    /// Services it is registered in.
    services: usize,
}

impl From<&NodeView> for NodeInfo {
    fn from(v: &NodeView) -> Self {
        Self {
            id: format!("{:016x}", v.id),
            name: v.name().to_owned(),
            pid: v.pid(),
            state: state_name(v.state),
            executable: v.record.as_ref().map(|r| r.executable.clone()),
            services: v.services.len(),
        }
    }
}

/// A port of a node.
#[derive(Debug, Serialize)]
struct PortInfo {
    kind: &'static str,
    slot: u32,
}

/// A service a node is registered in.
#[derive(Debug, Serialize)]
struct NodeServiceInfo {
    service: String,
    pattern: Option<&'static str>,
    ports: Vec<PortInfo>,
}

/// What `node details` prints for a node.
#[derive(Debug, Serialize)]
struct NodeDetails {
    id: String,
    name: String,
    pid: Option<u32>,
    state: &'static str,
    executable: Option<String>,
    created_unix_ms: Option<u64>,
    services: Vec<NodeServiceInfo>,
}

/// A reaped node of a service.
#[derive(Debug, Serialize)]
struct ReapedInfo {
    id: String,
    name: Option<String>,
    ports: Vec<PortInfo>,
}

/// What cleanup did to a service.
#[derive(Debug, Serialize)]
struct ServiceCleanupInfo {
    service: String,
    pattern: &'static str,
    reaped: Vec<ReapedInfo>,
    removed: bool,
    error: Option<String>,
}

/// What `node cleanup` prints.
#[derive(Debug, Serialize)]
struct CleanupInfo {
    services: Vec<ServiceCleanupInfo>,
    /// Dead nodes whose token and record were removed.
    nodes: Vec<String>,
}

pub(crate) fn run(command: NodeCommand, context: &Context) -> Result<(), CliError> {
    let (config, _) = context.config()?;
    let nodes = list_nodes::<Linux>(&config.shared_memory)?;
    match command {
        NodeCommand::List => {
            let list: Vec<NodeInfo> = nodes.iter().map(NodeInfo::from).collect();
            emit(context.format, &list, || Ok(human_list(&list)))
        }
        NodeCommand::Details { node } => {
            let found: Vec<NodeDetails> = select(&nodes, &node)?.into_iter().map(details).collect();
            emit(context.format, &found, || Ok(found.iter().map(human_details).collect()))
        }
        NodeCommand::Cleanup { nodes: wanted } => {
            let mut ids = Vec::new();
            for which in &wanted {
                ids.extend(select(&nodes, which)?.iter().map(|n| n.id));
            }
            let node = context.node("iox2-cleanup")?;
            let report = if wanted.is_empty() {
                node.cleanup_dead_nodes()?
            } else {
                node.cleanup_nodes(&ids)?
            };
            let info = cleanup_info(&report, &nodes);
            emit(context.format, &info, || Ok(human_cleanup(&info)))
        }
    }
}

/// The nodes `which` names: its id (16 hex digits, `0x` allowed) or name.
fn select<'a>(nodes: &'a [NodeView], which: &str) -> Result<Vec<&'a NodeView>, CliError> {
    let hex = which.strip_prefix("0x").unwrap_or(which);
    let id = (hex.len() == 16).then(|| u64::from_str_radix(hex, 16).ok()).flatten();
    let found: Vec<&NodeView> = nodes
        .iter()
        .filter(|n| Some(n.id) == id || (!which.is_empty() && n.name() == which))
        .collect();
    if found.is_empty() {
        return Err(CliError(format!("no node with id or name {which:?}")));
    }
    Ok(found)
}

fn ports(ports: &[(iox2_host::core::service::PortKind, u32)]) -> Vec<PortInfo> {
    ports
        .iter()
        .map(|(kind, slot)| PortInfo {
            kind: kind.name(),
            slot: *slot,
        })
        .collect()
}

fn details(v: &NodeView) -> NodeDetails {
    let NodeInfo {
        id,
        name,
        pid,
        state,
        executable,
        ..
    } = NodeInfo::from(v);
    NodeDetails {
        id,
        name,
        pid,
        state,
        executable,
        created_unix_ms: v.record.as_ref().map(|r| r.created_unix_ms),
        services: v
            .services
            .iter()
            .map(|s| NodeServiceInfo {
                service: s.service.clone(),
                pattern: s.pattern.map(|p| p.name()),
                ports: ports(&s.ports),
            })
            .collect(),
    }
}

fn cleanup_info(report: &CleanupReport, before: &[NodeView]) -> CleanupInfo {
    let name_of = |id: u64| {
        before
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.name().to_owned())
            .filter(|n| !n.is_empty())
    };
    CleanupInfo {
        services: report
            .services
            .iter()
            .map(|s| ServiceCleanupInfo {
                service: s.service.clone(),
                pattern: s.pattern.name(),
                reaped: s
                    .reaped
                    .iter()
                    .map(|r| ReapedInfo {
                        id: format!("{:016x}", r.id),
                        name: name_of(r.id),
                        ports: ports(&r.ports),
                    })
                    .collect(),
                removed: s.removed,
                error: s.error.map(|e| e.to_string()),
            })
            .collect(),
        nodes: report.nodes.iter().map(|id| format!("{id:016x}")).collect(),
    }
}

fn human_list(nodes: &[NodeInfo]) -> String {
    if nodes.is_empty() {
        return String::from("no nodes");
    }
    let mut out = format!(
        "{:<16}  {:<20}  {:>7}  {:<7}  {:>8}  EXECUTABLE\n",
        "ID", "NAME", "PID", "STATE", "SERVICES"
    );
    for n in nodes {
        let _ = writeln!(
            out,
            "{}  {:<20}  {:>7}  {:<7}  {:>8}  {}",
            n.id,
            n.name,
            n.pid.map_or_else(|| String::from("?"), |p| p.to_string()),
            n.state,
            n.services,
            n.executable.as_deref().unwrap_or("?")
        );
    }
    out
}

fn human_ports(ports: &[PortInfo]) -> String {
    if ports.is_empty() {
        return String::from("no ports");
    }
    let ports: Vec<String> = ports.iter().map(|p| format!("{} {}", p.kind, p.slot)).collect();
    ports.join(", ")
}

fn human_details(n: &NodeDetails) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "node        {}", n.id);
    let _ = writeln!(out, "name        {}", n.name);
    let _ = writeln!(out, "state       {}", n.state);
    let pid = n.pid.map_or_else(|| String::from("?"), |p| p.to_string());
    let _ = writeln!(out, "pid         {pid}");
    let _ = writeln!(out, "executable  {}", n.executable.as_deref().unwrap_or("?"));
    let _ = writeln!(out, "services    {}", n.services.len());
    for s in &n.services {
        let _ = writeln!(
            out,
            "  {}  ({})  {}",
            s.service,
            s.pattern.unwrap_or("?"),
            human_ports(&s.ports)
        );
    }
    out
}

fn human_cleanup(info: &CleanupInfo) -> String {
    if info.services.is_empty() && info.nodes.is_empty() {
        return String::from("nothing to clean up");
    }
    let mut out = String::new();
    for s in &info.services {
        let _ = write!(out, "{} ({})", s.service, s.pattern);
        if let Some(e) = &s.error {
            let _ = write!(out, ": cannot open: {e}");
        }
        for r in &s.reaped {
            let _ = write!(
                out,
                ": reaped node {} ({}), freed {}",
                r.id,
                r.name.as_deref().unwrap_or("?"),
                human_ports(&r.ports)
            );
        }
        if s.removed {
            out.push_str("; service removed");
        }
        out.push('\n');
    }
    for id in &info.nodes {
        let _ = writeln!(out, "removed the liveness token and record of dead node {id}");
    }
    out
}
