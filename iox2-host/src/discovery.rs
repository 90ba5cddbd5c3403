//! Service discovery: a component any process can embed ([`Discovery`]),
//! and which `iox2 service discovery` runs as a process of its own. It
//! watches the services on this machine (their control segments under the
//! configuration's `[shared_memory]`) and
//!
//! - publishes every change — a service added or removed — as a
//!   [`DiscoveryChange`] on the publish-subscribe service
//!   [`CHANGES_SERVICE`] (`iox2/discovery/changes`);
//! - answers a [`SnapshotRequest`] on the request-response service
//!   [`SNAPSHOT_SERVICE`] (`iox2/discovery/snapshot`) with the whole set:
//!   one [`SnapshotResponse`] per service, then one that ends the snapshot
//!   (`index == total`).
//!
//! Every change and every snapshot carries a generation, which counts the
//! changes since the discovery started: a subscriber that takes a snapshot
//! applies the changes of later generations, and a gap in the generations
//! (a change dropped by its full buffer) tells it to take a new snapshot.
//! [`DiscoveryClient`] does the client side.
//!
//! One discovery runs at a time: the services allow one publisher and one
//! server; a second gets [`DiscoveryError::AlreadyRunning`]. A discovery
//! that died is replaced by the next one, which reaps it.
//!
//! ```no_run
//! use core::time::Duration;
//! use iox2_host::discovery::{Discovery, DiscoveryClient};
//! use iox2_host::prelude::*;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let node = NodeBuilder::new().name("discovery")?.create::<Linux>()?;
//! let mut discovery = Discovery::create(&node)?;
//! discovery.update()?; // rescan, publish the changes
//! discovery.serve()?; // answer snapshot requests
//!
//! let client = DiscoveryClient::create(&node)?;
//! # std::thread::spawn(move || discovery.run(Duration::from_millis(100), |_| {}));
//! for service in client.snapshot(Duration::from_secs(1))?.services {
//!     println!("{}", service.name());
//! }
//! # Ok(())
//! # }
//! ```

use crate::error::{ClientSendError, DiscoveryError, PortCreateError, ServerSendError, ServiceError};
use crate::inspect::{ServiceView, list_services};
use crate::lock::HostPlatform;
use crate::node::Node;
use crate::reqres::{ActiveRequest, Client, Server};
use crate::service::{PubSubService, ReqResService};
use crate::{Publisher, Subscriber};
use core::time::Duration;
use iox2_core::payload::{AnyBitPattern, TypeDescriptor, ZeroCopySend};
use iox2_core::reqres::{RequestSendError, ResponseSendError};
use iox2_core::service::{Pattern, SegmentState};
use iox2_platform::wait::WaitOutcome;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Instant;

/// The publish-subscribe service the changes are published on.
pub const CHANGES_SERVICE: &str = "iox2/discovery/changes";
/// The request-response service that answers snapshot requests.
pub const SNAPSHOT_SERVICE: &str = "iox2/discovery/snapshot";

/// Changes a slow subscriber's buffer holds before the oldest is dropped.
const CHANGES_BUFFER: u32 = 32;
/// Snapshot responses queued for a client before the server waits for it.
const RESPONSE_BUFFER: u32 = 16;
/// How long the server waits for a client that does not take its responses.
const CLIENT_PATIENCE: Duration = Duration::from_secs(1);

/// A service as discovery reports it: its name, pattern and types.
#[derive(Clone, Copy, PartialEq, Eq, ZeroCopySend, AnyBitPattern)]
#[repr(C)]
#[type_name("iox2::discovery::ServiceEntry")]
pub struct ServiceEntry {
    /// The 64-bit hash of the name.
    pub hash: u64,
    /// The pattern as the header stores it (see [`ServiceEntry::pattern`]).
    pub pattern: u32,
    /// Bytes of `name` in use.
    pub name_len: u32,
    /// The name, UTF-8, zero-padded.
    pub name: [u8; 256],
    /// The payload type (the request type of request-response, the key
    /// type of a blackboard).
    pub payload: TypeDescriptor,
    /// The user header type (the response type of request-response).
    pub user_header: TypeDescriptor,
}

impl ServiceEntry {
    /// The entry of a READY service with a readable header.
    pub fn from_view(view: &ServiceView) -> Option<Self> {
        if view.state != Some(SegmentState::Ready) || !view.errors.is_empty() {
            return None;
        }
        let mut name = [0u8; 256];
        let bytes = view.name.as_bytes();
        name.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(Self {
            hash: view.hash,
            pattern: view.pattern?.to_raw(),
            name_len: bytes.len() as u32,
            name,
            payload: view.payload?,
            user_header: view.user_header?,
        })
    }

    /// The name (an entry from another process is not trusted: a bad
    /// length is clamped, invalid UTF-8 cut at its first bad byte).
    pub fn name(&self) -> &str {
        let bytes = &self.name[..(self.name_len as usize).min(self.name.len())];
        match core::str::from_utf8(bytes) {
            Ok(name) => name,
            Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
        }
    }

    /// The pattern, if the word names one.
    pub fn pattern(&self) -> Option<Pattern> {
        Pattern::from_raw(self.pattern)
    }
}

impl fmt::Debug for ServiceEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceEntry")
            .field("name", &self.name())
            .field("hash", &format_args!("{:016x}", self.hash))
            .field("pattern", &self.pattern())
            .field("payload", &self.payload.name().as_str())
            .field("user_header", &self.user_header.name().as_str())
            .finish()
    }
}

/// What happened to a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// It appeared (or changed: then it was removed first).
    Added,
    /// It disappeared.
    Removed,
}

impl ChangeKind {
    const ADDED: u32 = 1;
    const REMOVED: u32 = 2;

    fn to_raw(self) -> u32 {
        match self {
            Self::Added => Self::ADDED,
            Self::Removed => Self::REMOVED,
        }
    }
}

/// A change of the set of services, as [`CHANGES_SERVICE`] carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ZeroCopySend, AnyBitPattern)]
#[repr(C)]
#[type_name("iox2::discovery::Change")]
pub struct DiscoveryChange {
    /// The number of changes since the discovery started, this one included.
    pub generation: u64,
    /// What happened (see [`DiscoveryChange::kind`]).
    pub kind: u32,
    /// Zero.
    pub reserved: u32,
    /// The service.
    pub entry: ServiceEntry,
}

impl DiscoveryChange {
    /// What happened, if the word names it.
    pub fn kind(&self) -> Option<ChangeKind> {
        match self.kind {
            ChangeKind::ADDED => Some(ChangeKind::Added),
            ChangeKind::REMOVED => Some(ChangeKind::Removed),
            _ => None,
        }
    }
}

/// A request for the whole set of services.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ZeroCopySend, AnyBitPattern)]
#[repr(C)]
#[type_name("iox2::discovery::SnapshotRequest")]
pub struct SnapshotRequest {
    /// Zero.
    pub reserved: u64,
}

/// One response of a snapshot: entry `index` of `total`, or, with
/// `index == total`, the end of the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ZeroCopySend, AnyBitPattern)]
#[repr(C)]
#[type_name("iox2::discovery::SnapshotResponse")]
pub struct SnapshotResponse {
    /// The generation of the set: changes after it are newer.
    pub generation: u64,
    /// The entry's position, from 0; `total` for the end.
    pub index: u32,
    /// How many services the snapshot has.
    pub total: u32,
    /// The service (all zero at the end).
    pub entry: ServiceEntry,
}

/// The set of services at one generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The generation of the set.
    pub generation: u64,
    /// The services, sorted by name hash.
    pub services: Vec<ServiceEntry>,
}

/// The discovery service: watches the services and publishes the changes,
/// answers snapshot requests.
pub struct Discovery<P: HostPlatform> {
    publisher: Publisher<P, DiscoveryChange>,
    server: Server<P, SnapshotRequest, SnapshotResponse>,
    known: BTreeMap<u64, ServiceEntry>,
    generation: u64,
    shm: crate::config::SharedMemory,
    _changes: PubSubService<P, DiscoveryChange>,
    _snapshot: ReqResService<P, SnapshotRequest, SnapshotResponse>,
}

impl<P: HostPlatform> fmt::Debug for Discovery<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Discovery")
            .field("services", &self.known.len())
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// A port that cannot be created because its one slot is taken: another
/// discovery runs.
fn single_port(e: PortCreateError) -> DiscoveryError {
    match e {
        PortCreateError::ExceedsMaxPorts => DiscoveryError::AlreadyRunning,
        e => DiscoveryError::Port(e),
    }
}

impl<P: HostPlatform> Discovery<P> {
    /// Opens (or creates) the discovery services on `node` and takes their
    /// one publisher and one server; looks under the node's configured
    /// `[shared_memory]`. The first [`Discovery::update`] publishes every
    /// service present as added.
    pub fn create(node: &Node<P>) -> Result<Self, DiscoveryError> {
        let changes = node
            .service_builder(CHANGES_SERVICE)
            .and_then(|b| {
                b.publish_subscribe::<DiscoveryChange>()
                    .max_publishers(1)
                    .subscriber_buffer(CHANGES_BUFFER)
                    .open_or_create()
            })
            .map_err(DiscoveryError::Service)?;
        let snapshot = node
            .service_builder(SNAPSHOT_SERVICE)
            .and_then(|b| {
                b.request_response::<SnapshotRequest, SnapshotResponse>()
                    .max_servers(1)
                    .response_buffer(RESPONSE_BUFFER)
                    .safe_overflow(false)
                    .open_or_create()
            })
            .map_err(DiscoveryError::Service)?;
        Ok(Self {
            publisher: changes.publisher_builder().create().map_err(single_port)?,
            server: snapshot.server_builder().create().map_err(single_port)?,
            known: BTreeMap::new(),
            generation: 0,
            shm: node.config().shared_memory.clone(),
            _changes: changes,
            _snapshot: snapshot,
        })
    }

    /// The generation: how many changes were published.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The services as of the last update, sorted by name hash.
    pub fn services(&self) -> impl Iterator<Item = &ServiceEntry> {
        self.known.values()
    }

    /// Looks at the services again and publishes what changed: first the
    /// removed, then the added (a service that changed is both). Returns
    /// the changes.
    pub fn update(&mut self) -> Result<Vec<DiscoveryChange>, DiscoveryError> {
        let current: BTreeMap<u64, ServiceEntry> = list_services::<P>(&self.shm)
            .map_err(DiscoveryError::Inspect)?
            .iter()
            .filter_map(ServiceEntry::from_view)
            .map(|entry| (entry.hash, entry))
            .collect();
        let removed = self
            .known
            .iter()
            .filter(|(hash, entry)| current.get(hash) != Some(entry))
            .map(|(_, entry)| (ChangeKind::Removed, *entry));
        let added = current
            .iter()
            .filter(|(hash, entry)| self.known.get(hash) != Some(entry))
            .map(|(_, entry)| (ChangeKind::Added, *entry));
        let changes: Vec<DiscoveryChange> = removed
            .chain(added)
            .enumerate()
            .map(|(i, (kind, entry))| DiscoveryChange {
                generation: self.generation + i as u64 + 1,
                kind: kind.to_raw(),
                reserved: 0,
                entry,
            })
            .collect();
        self.known = current;
        for change in &changes {
            self.generation = change.generation;
            self.publisher.send_copy(*change).map_err(DiscoveryError::Publish)?;
        }
        Ok(changes)
    }

    /// Answers every snapshot request waiting; returns how many. A client
    /// that takes none of its responses for a second is given up on (its
    /// snapshot ends without its last response).
    pub fn serve(&self) -> Result<usize, DiscoveryError> {
        let mut served = 0;
        while let Some(request) = self.server.receive().map_err(DiscoveryError::RequestReceive)? {
            self.answer(&request);
            served += 1;
        }
        Ok(served)
    }

    fn answer(&self, request: &ActiveRequest<'_, P, SnapshotRequest, SnapshotResponse>) {
        let total = self.known.len() as u32;
        let response = |index: usize, entry: ServiceEntry| SnapshotResponse {
            generation: self.generation,
            index: index as u32,
            total,
            entry,
        };
        let end = response(total as usize, empty_entry());
        let responses = self
            .known
            .values()
            .enumerate()
            .map(|(i, entry)| response(i, *entry))
            .chain(core::iter::once(end));
        let patience = Instant::now() + CLIENT_PATIENCE;
        for response in responses {
            loop {
                match request.send_copy(response) {
                    Ok(()) => break,
                    // The client stopped waiting: nothing more to do.
                    Err(ServerSendError::Send(ResponseSendError::NotConnected)) => return,
                    // Its buffer is full, or every chunk is queued for it:
                    // wait for it to take some.
                    Err(_) if Instant::now() < patience => std::thread::sleep(Duration::from_micros(200)),
                    Err(_) => return,
                }
            }
        }
    }

    /// Updates every `interval` and answers snapshot requests as they come,
    /// calling `on_change` for each change, until SIGINT or SIGTERM (which
    /// it catches for the whole process, see `iox2_platform::signal`).
    pub fn run(
        &mut self,
        interval: Duration,
        mut on_change: impl FnMut(&DiscoveryChange),
    ) -> Result<(), DiscoveryError> {
        iox2_platform::signal::catch_termination().map_err(DiscoveryError::Signal)?;
        let mut next_update = Instant::now();
        while iox2_platform::signal::termination_requested().is_none() {
            if Instant::now() >= next_update {
                self.update()?.iter().for_each(&mut on_change);
                next_update = Instant::now() + interval;
            }
            self.serve()?;
            let timeout = next_update.saturating_duration_since(Instant::now());
            if self.server.wait(Some(timeout)).map_err(DiscoveryError::Wait)? == WaitOutcome::Interrupted {
                break;
            }
        }
        Ok(())
    }
}

/// An empty entry (no name, no pattern), for the response that ends a
/// snapshot.
fn empty_entry() -> ServiceEntry {
    let unit = TypeDescriptor::of::<()>();
    ServiceEntry {
        hash: 0,
        pattern: 0,
        name_len: 0,
        name: [0; 256],
        payload: unit,
        user_header: unit,
    }
}

/// The client side of discovery: snapshots and the stream of changes.
pub struct DiscoveryClient<P: HostPlatform> {
    subscriber: Subscriber<P, DiscoveryChange>,
    client: Client<P, SnapshotRequest, SnapshotResponse>,
    _changes: PubSubService<P, DiscoveryChange>,
    _snapshot: ReqResService<P, SnapshotRequest, SnapshotResponse>,
}

impl<P: HostPlatform> fmt::Debug for DiscoveryClient<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscoveryClient").finish_non_exhaustive()
    }
}

impl<P: HostPlatform> DiscoveryClient<P> {
    /// Opens the discovery services on `node` (a subscriber to the changes
    /// and a client for snapshots); [`DiscoveryError::NotRunning`] if no
    /// discovery ever created them.
    pub fn create(node: &Node<P>) -> Result<Self, DiscoveryError> {
        let open_error = |e: ServiceError| match e {
            ServiceError::DoesNotExist => DiscoveryError::NotRunning,
            e => DiscoveryError::Service(e),
        };
        let changes = node
            .service_builder(CHANGES_SERVICE)
            .and_then(|b| b.publish_subscribe::<DiscoveryChange>().open())
            .map_err(open_error)?;
        let snapshot = node
            .service_builder(SNAPSHOT_SERVICE)
            .and_then(|b| b.request_response::<SnapshotRequest, SnapshotResponse>().open())
            .map_err(open_error)?;
        Ok(Self {
            subscriber: changes.subscriber_builder().create().map_err(DiscoveryError::Port)?,
            client: snapshot.client_builder().create().map_err(DiscoveryError::Port)?,
            _changes: changes,
            _snapshot: snapshot,
        })
    }

    /// Asks for the whole set of services and waits up to `timeout` for it.
    pub fn snapshot(&self, timeout: Duration) -> Result<Snapshot, DiscoveryError> {
        let deadline = Instant::now() + timeout;
        let pending = self.client.send_copy(SnapshotRequest::default()).map_err(|e| match e {
            ClientSendError::Send(RequestSendError::NoServer) => DiscoveryError::NotRunning,
            e => DiscoveryError::Request(e),
        })?;
        let mut services = Vec::new();
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let response = pending.timed_receive(remaining).map_err(DiscoveryError::Response)?;
            let Some(response) = response.map(|r| *r) else {
                if pending.stream_end().is_some() {
                    return Err(DiscoveryError::Incomplete);
                }
                if remaining.is_zero() {
                    return Err(DiscoveryError::Timeout);
                }
                continue;
            };
            if response.index as usize != services.len() || response.index > response.total {
                return Err(DiscoveryError::Incomplete);
            }
            if response.index == response.total {
                return Ok(Snapshot {
                    generation: response.generation,
                    services,
                });
            }
            services.push(response.entry);
        }
    }

    /// The next change published, if there is one.
    pub fn next_change(&self) -> Result<Option<DiscoveryChange>, DiscoveryError> {
        let sample = self.subscriber.receive().map_err(DiscoveryError::Receive)?;
        Ok(sample.map(|sample| *sample))
    }

    /// Sleeps until a change is published, `timeout` passes (`None`: no
    /// limit) or a signal arrives.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<WaitOutcome, DiscoveryError> {
        self.subscriber.wait(timeout).map_err(DiscoveryError::Wait)
    }
}
