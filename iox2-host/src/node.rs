//! Nodes: a named participant holding a liveness token, from which
//! services are built.

use crate::error::{NodeCreateError, ServiceError};
use crate::lock::HostPlatform;
use crate::service::ServiceBuilder;
use iox2_core::service::ServiceName;
use iox2_platform::Liveness;
use std::fmt;
use std::sync::Arc;

/// Builds a [`Node`].
#[derive(Debug, Default, Clone)]
pub struct NodeBuilder {
    name: Option<String>,
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

    /// Creates the node on platform `P`: takes its liveness token, which
    /// the kernel releases however the process ends.
    pub fn create<P: HostPlatform>(self) -> Result<Node<P>, NodeCreateError> {
        let id = new_node_id();
        let token = P::Liveness::acquire(&token_name(id)).map_err(NodeCreateError::Liveness)?;
        Ok(Node {
            inner: Arc::new(NodeInner {
                name: self.name.unwrap_or_default(),
                id,
                _token: token,
            }),
        })
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

    /// Starts building the service `name`.
    pub fn service_builder(&self, name: &str) -> Result<ServiceBuilder<P>, ServiceError> {
        ServiceName::new(name).map_err(ServiceError::Name)?;
        Ok(ServiceBuilder::new(self.inner.clone(), name.to_owned()))
    }
}
