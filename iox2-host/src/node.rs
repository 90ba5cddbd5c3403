//! Nodes: a named participant holding a liveness token, from which
//! services are built. A node publishes a record of itself (name, process,
//! executable; `node_record.rs`) for tools, and keeps the configuration it
//! was built with.

use crate::cleanup::{self, CleanupReport};
use crate::config::Config;
use crate::error::{InspectError, NodeCreateError, ServiceError};
use crate::lock::HostPlatform;
use crate::node_record::{NodeRecord, RecordFile};
use crate::service::ServiceBuilder;
use iox2_core::service::ServiceName;
use iox2_platform::Liveness;
use std::fmt;
use std::sync::Arc;

/// Builds a [`Node`].
#[derive(Debug, Default, Clone)]
pub struct NodeBuilder {
    name: Option<String>,
    config: Option<Config>,
}

impl NodeBuilder {
    /// A builder for an unnamed node.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the node (1..=64 bytes of `[A-Za-z0-9._-]`).
    pub fn name(mut self, name: &str) -> Result<Self, NodeCreateError> {
        iox2_platform::error::check_name(name, 64).map_err(NodeCreateError::Name)?;
        self.name = Some(name.to_owned());
        Ok(self)
    }

    /// Gives the node a configuration (default: the built-in one, no file
    /// is read): its `[node]` settings apply to the node, and
    /// [`Node::config`] hands it on. To use the configuration file, pass
    /// `&Config::load()?.0` (or [`Config::load_from`] an explicit path).
    pub fn config(mut self, config: &Config) -> Self {
        self.config = Some(config.clone());
        self
    }

    /// Creates the node on platform `P`: takes its liveness token, which
    /// the kernel releases however the process ends, and writes its record.
    /// An unnamed node takes the configuration's `[node] name`, if any;
    /// with `[node] cleanup_dead_nodes_on_creation` it then reaps the dead
    /// nodes of every service (see [`Node::cleanup_dead_nodes`]).
    pub fn create<P: HostPlatform>(self) -> Result<Node<P>, NodeCreateError> {
        let config = self.config.unwrap_or_default();
        let name = match self.name {
            Some(name) => name,
            None if config.node.name.is_empty() => String::new(),
            None => Self::new().name(&config.node.name)?.name.unwrap_or_default(),
        };
        let id = new_node_id();
        let token = P::Liveness::acquire(&token_name(id)).map_err(NodeCreateError::Liveness)?;
        // Informational: a node works without its record (see node_record.rs).
        let record = NodeRecord::of_this_process(id, &name).publish::<P>().ok();
        let cleanup = config.node.cleanup_dead_nodes_on_creation;
        let node = Node {
            inner: Arc::new(NodeInner {
                name,
                id,
                config,
                _record: record,
                _token: token,
            }),
        };
        if cleanup {
            // Best effort, like the reaping every service open does.
            let _ = node.cleanup_dead_nodes();
        }
        Ok(node)
    }
}

/// The liveness token name of node `id`.
pub(crate) fn token_name(id: u64) -> String {
    format!("iox2n_{id:016x}")
}

/// A node id unique on this machine: the process id, the time and a counter.
fn new_node_id() -> u64 {
    use core::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mixed = u64::from(std::process::id()) << 32 ^ nanos ^ u64::from(COUNTER.fetch_add(1, Ordering::Relaxed)) << 20;
    iox2_core::payload::fnv1a64(&mixed.to_le_bytes()) | 1
}

pub(crate) struct NodeInner<P: HostPlatform> {
    pub(crate) name: String,
    pub(crate) id: u64,
    pub(crate) config: Config,
    /// Removed before the token is released (fields drop in order), so a
    /// record never outlives a node that left cleanly.
    _record: Option<RecordFile>,
    _token: <P::Liveness as Liveness>::Token,
}

/// A participant: builds services, and owns the liveness token by which
/// others learn whether it lives.
pub struct Node<P: HostPlatform> {
    pub(crate) inner: Arc<NodeInner<P>>,
}

impl<P: HostPlatform> fmt::Debug for Node<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("name", &self.inner.name)
            .field("id", &self.inner.id)
            .finish()
    }
}

impl<P: HostPlatform> Node<P> {
    /// The node's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The node's id.
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// The configuration the node was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Reaps the dead nodes of every service on this machine (under the
    /// configuration's `[shared_memory]`), with each pattern's clean-up,
    /// removes services no live node is left in, and removes the liveness
    /// tokens and records of dead nodes; says what it reclaimed. This node
    /// attaches to each service concerned for the time it takes.
    pub fn cleanup_dead_nodes(&self) -> Result<CleanupReport, InspectError> {
        cleanup::cleanup_dead_nodes(&self.inner, &self.inner.config.shared_memory, None)
    }

    /// Like [`Node::cleanup_dead_nodes`], for the nodes `ids` only (in the
    /// services they are registered in, every dead node is reaped, as any
    /// opener of the service would).
    pub fn cleanup_nodes(&self, ids: &[u64]) -> Result<CleanupReport, InspectError> {
        cleanup::cleanup_dead_nodes(&self.inner, &self.inner.config.shared_memory, Some(ids))
    }

    /// Starts building the service `name`.
    pub fn service_builder(&self, name: &str) -> Result<ServiceBuilder<P>, ServiceError> {
        ServiceName::new(name).map_err(ServiceError::Name)?;
        Ok(ServiceBuilder::new(self.inner.clone(), name.to_owned()))
    }
}
