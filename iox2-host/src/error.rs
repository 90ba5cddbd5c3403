//! The host API's errors: each says what failed and wraps the core's or
//! platform's typed cause.

use iox2_core::pubsub::{DataOpenError, LoanError};
use iox2_core::service::{QosError, ServiceNameError, ServiceOpenError};
use iox2_platform::error::{LivenessError, NameError, RegionError, WaitError};
use std::fmt;

/// Why a node could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeCreateError {
    /// The node name is empty, too long (64 bytes) or has a forbidden byte.
    Name(NameError),
    /// The liveness token could not be taken.
    Liveness(LivenessError),
}

impl fmt::Display for NodeCreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(e) => write!(f, "invalid node name: {e}"),
            Self::Liveness(e) => write!(f, "cannot take the node's liveness token: {e}"),
        }
    }
}

impl core::error::Error for NodeCreateError {}

/// Why a service could not be created, opened or used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceError {
    /// The service name is invalid.
    Name(ServiceNameError),
    /// The requested settings are invalid.
    Qos(QosError),
    /// `create`: the service exists already.
    AlreadyExists,
    /// `open`: the service does not exist.
    DoesNotExist,
    /// The existing service does not match (type, settings, version, ...).
    Incompatible(ServiceOpenError),
    /// The existing service offers less than requested: `setting` is
    /// `offered`, `requested` was asked for.
    Insufficient {
        /// The setting's name.
        setting: &'static str,
        /// What the service has.
        offered: u32,
        /// What the opener asked for.
        requested: u32,
    },
    /// The existing service has another value of a setting that must be
    /// equal (a deadline in nanoseconds or an event id; 0 and 4294967295
    /// stand for "none").
    Differs {
        /// The setting's name.
        setting: &'static str,
        /// What the service has.
        offered: u64,
        /// What the opener asked for.
        requested: u64,
    },
    /// Every node slot of the service is taken (`max_nodes`).
    ExceedsMaxNodes,
    /// The service's region could not be created, opened or removed.
    Region(RegionError),
    /// The per-service lock file could not be used (`errno`).
    Lock(i32),
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(e) => write!(f, "invalid service name: {e}"),
            Self::Qos(e) => write!(f, "invalid settings: {e}"),
            Self::AlreadyExists => write!(f, "the service exists already"),
            Self::DoesNotExist => write!(f, "the service does not exist"),
            Self::Incompatible(e) => write!(f, "the existing service is incompatible: {e}"),
            Self::Insufficient {
                setting,
                offered,
                requested,
            } => {
                write!(f, "the service offers {setting} = {offered}, {requested} was requested")
            }
            Self::Differs {
                setting,
                offered,
                requested,
            } => {
                write!(
                    f,
                    "the service has {setting} = {offered}, {requested} was requested (must be equal)"
                )
            }
            Self::ExceedsMaxNodes => write!(f, "every node slot of the service is taken (max_nodes)"),
            Self::Region(e) => write!(f, "service region: {e}"),
            Self::Lock(errno) => write!(f, "the service lock failed (OS error {errno})"),
        }
    }
}

impl core::error::Error for ServiceError {}

impl From<RegionError> for ServiceError {
    fn from(e: RegionError) -> Self {
        Self::Region(e)
    }
}

/// Why a publisher or subscriber could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortCreateError {
    /// `max_publishers` / `max_subscribers` (`max_notifiers` /
    /// `max_listeners`) ports exist.
    ExceedsMaxPorts,
    /// A notifier's default event id is above the service's maximum.
    EventIdOutOfBounds {
        /// The id.
        id: u32,
        /// The service's largest id.
        max: u32,
    },
    /// The publisher's data region could not be created.
    Region(RegionError),
    /// A publisher's data region is not what its header says.
    Data(DataOpenError),
    /// A subscriber buffer of 0, or larger than the service's.
    InvalidBufferSize {
        /// The size asked for.
        requested: u32,
        /// The service's `subscriber_buffer`.
        max: u32,
    },
}

impl fmt::Display for PortCreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExceedsMaxPorts => write!(f, "the service has as many ports of this kind as it allows"),
            Self::EventIdOutOfBounds { id, max } => {
                write!(f, "default event id {id} is above the service's maximum {max}")
            }
            Self::Region(e) => write!(f, "data region: {e}"),
            Self::Data(e) => write!(f, "data region: {e}"),
            Self::InvalidBufferSize { requested, max } => {
                write!(f, "a subscriber buffer of {requested} samples (1..={max} allowed)")
            }
        }
    }
}

impl core::error::Error for PortCreateError {}

/// Why a sample could not be loaned or sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// No chunk could be loaned.
    Loan(LoanError),
    /// A slice longer than the service's `max_slice_len`.
    SliceTooLong {
        /// The length asked for.
        len: usize,
        /// The service's maximum.
        max: u32,
    },
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Loan(e) => write!(f, "cannot loan a sample: {e}"),
            Self::SliceTooLong { len, max } => {
                write!(f, "a slice of {len} elements exceeds the service's max_slice_len {max}")
            }
        }
    }
}

impl core::error::Error for SendError {}

impl From<LoanError> for SendError {
    fn from(e: LoanError) -> Self {
        Self::Loan(e)
    }
}

/// Why a notification failed or was late.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyError {
    /// The id is above the service's `event_id_max`; nothing was sent.
    EventIdOutOfBounds {
        /// The id.
        id: u32,
        /// The service's largest id.
        max: u32,
    },
    /// The notification was delivered, but later than the service's
    /// deadline after the previous one (or after the service's creation).
    MissedDeadline {
        /// Listeners the notification reached.
        reached: usize,
        /// Time since the previous notification.
        elapsed: core::time::Duration,
        /// The service's deadline.
        deadline: core::time::Duration,
    },
}

impl fmt::Display for NotifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EventIdOutOfBounds { id, max } => write!(f, "event id {id} is above the service's maximum {max}"),
            Self::MissedDeadline {
                reached,
                elapsed,
                deadline,
            } => write!(
                f,
                "delivered to {reached} listener(s), but {elapsed:?} after the previous notification \
                 (deadline {deadline:?})"
            ),
        }
    }
}

impl core::error::Error for NotifyError {}

/// Why a listener's wait ended without events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerWaitError {
    /// A signal (SIGINT, SIGTERM, ...) interrupted the sleep.
    InterruptSignal,
    /// The platform's wait failed.
    Wait(WaitError),
}

impl fmt::Display for ListenerWaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InterruptSignal => write!(f, "a signal interrupted the wait"),
            Self::Wait(e) => write!(f, "the wait failed: {e}"),
        }
    }
}

impl core::error::Error for ListenerWaitError {}

/// Why a request could not be loaned or sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientSendError {
    /// No chunk could be loaned.
    Loan(LoanError),
    /// The request could not be sent (too many open, or no server).
    Send(iox2_core::reqres::RequestSendError),
}

impl From<LoanError> for ClientSendError {
    fn from(e: LoanError) -> Self {
        Self::Loan(e)
    }
}

impl From<iox2_core::reqres::RequestSendError> for ClientSendError {
    fn from(e: iox2_core::reqres::RequestSendError) -> Self {
        Self::Send(e)
    }
}

impl fmt::Display for ClientSendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Loan(e) => write!(f, "no request could be loaned: {e}"),
            Self::Send(e) => write!(f, "the request was not sent: {e}"),
        }
    }
}

impl core::error::Error for ClientSendError {}

/// Why a response could not be loaned or sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerSendError {
    /// No chunk could be loaned.
    Loan(LoanError),
    /// The response could not be sent (the client stopped waiting, or its
    /// buffer is full without safe overflow).
    Send(iox2_core::reqres::ResponseSendError),
}

impl From<LoanError> for ServerSendError {
    fn from(e: LoanError) -> Self {
        Self::Loan(e)
    }
}

impl From<iox2_core::reqres::ResponseSendError> for ServerSendError {
    fn from(e: iox2_core::reqres::ResponseSendError) -> Self {
        Self::Send(e)
    }
}

impl fmt::Display for ServerSendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Loan(e) => write!(f, "no response could be loaned: {e}"),
            Self::Send(e) => write!(f, "the response was not sent: {e}"),
        }
    }
}

impl core::error::Error for ServerSendError {}

/// Why a blackboard could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlackboardCreateError {
    /// No key was added: a blackboard has at least one.
    NoEntries,
    /// A key was added twice; `index` is the position of the second `add`.
    DuplicateKey {
        /// The position (from 0) of the `add` that repeated a key.
        index: usize,
    },
    /// The service could not be created (it exists, a setting is invalid,
    /// the region failed, ...).
    Service(ServiceError),
}

impl fmt::Display for BlackboardCreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoEntries => write!(f, "a blackboard needs at least one key"),
            Self::DuplicateKey { index } => write!(f, "key number {index} was added before"),
            Self::Service(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for BlackboardCreateError {}

/// Why a blackboard could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlackboardOpenError {
    /// The service could not be opened (missing, another key type or
    /// pattern, fewer readers than asked for, ...).
    Service(ServiceError),
    /// The service's table of entries is corrupted.
    Entries(iox2_core::blackboard::CorruptedEntry),
}

impl fmt::Display for BlackboardOpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service(e) => write!(f, "{e}"),
            Self::Entries(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for BlackboardOpenError {}

/// Why the tools' read-only view of a service or node could not be made
/// (`inspect.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectError {
    /// The shared-memory directory could not be listed (`errno`).
    List {
        /// The OS error.
        errno: i32,
    },
    /// The service name is invalid.
    Name(ServiceNameError),
    /// No service of that name exists.
    NoSuchService,
    /// The control segment could not be opened (missing, no permission, ...).
    Region(RegionError),
    /// The control segment is shorter than a header.
    NoHeader {
        /// Its length in bytes.
        len: usize,
    },
    /// The header names no pattern iox2 writes.
    UnknownPattern,
    /// The header is not ready, not iox2's, of another version, or its
    /// settings, types or length are corrupted.
    Header(ServiceOpenError),
}

impl fmt::Display for InspectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::List { errno } => write!(
                f,
                "cannot list the shared-memory directory: {}",
                std::io::Error::from_raw_os_error(*errno)
            ),
            Self::Name(e) => write!(f, "invalid service name: {e}"),
            Self::NoSuchService => write!(f, "no such service"),
            Self::Region(RegionError::PermissionDenied) => {
                write!(f, "no permission to read the service's control segment")
            }
            Self::Region(e) => write!(f, "cannot open the service's control segment: {e}"),
            Self::NoHeader { len } => write!(f, "the control segment has {len} bytes: no complete header"),
            Self::UnknownPattern => write!(f, "the header names no known pattern"),
            Self::Header(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for InspectError {}

/// Why a [`crate::RawSubscriber`] could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawSubscriberCreateError {
    /// The service could not be opened (missing, another pattern, no
    /// permission, corrupted, every node slot taken, ...).
    Service(ServiceError),
    /// The subscriber could not be created (every subscriber slot taken).
    Port(PortCreateError),
}

impl fmt::Display for RawSubscriberCreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service(e) => write!(f, "{e}"),
            Self::Port(e) => write!(f, "cannot create a subscriber: {e}"),
        }
    }
}

impl core::error::Error for RawSubscriberCreateError {}

/// Why the discovery service or its client failed (`discovery.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscoveryError {
    /// No discovery service runs (its services or its server are missing).
    NotRunning,
    /// Another discovery service runs (it holds the one publisher or server).
    AlreadyRunning,
    /// A discovery service could not be created or opened.
    Service(ServiceError),
    /// A port of a discovery service could not be created.
    Port(PortCreateError),
    /// The services could not be listed.
    Inspect(InspectError),
    /// A change could not be published.
    Publish(SendError),
    /// The snapshot request could not be sent.
    Request(ClientSendError),
    /// Receiving the snapshot failed (or a signal interrupted it).
    Response(crate::reqres::ClientReceiveError),
    /// Receiving a snapshot request failed.
    RequestReceive(iox2_core::reqres::RequestReceiveError),
    /// Receiving a change failed.
    Receive(iox2_core::pubsub::ReceiveError),
    /// The snapshot did not come in time.
    Timeout,
    /// The snapshot ended before its last response, or out of order.
    Incomplete,
    /// The platform's wait failed.
    Wait(WaitError),
    /// SIGINT/SIGTERM could not be caught (`errno`).
    Signal(i32),
}

impl fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotRunning => write!(f, "no discovery service runs (start one with `iox2 service discovery`)"),
            Self::AlreadyRunning => write!(f, "another discovery service runs"),
            Self::Service(e) => write!(f, "discovery service: {e}"),
            Self::Port(e) => write!(f, "discovery port: {e}"),
            Self::Inspect(e) => write!(f, "cannot list the services: {e}"),
            Self::Publish(e) => write!(f, "cannot publish a change: {e}"),
            Self::Request(e) => write!(f, "cannot request a snapshot: {e}"),
            Self::Response(e) => write!(f, "cannot receive the snapshot: {e}"),
            Self::RequestReceive(e) => write!(f, "cannot receive a snapshot request: {e}"),
            Self::Receive(e) => write!(f, "cannot receive a change: {e}"),
            Self::Timeout => write!(f, "the snapshot did not come in time"),
            Self::Incomplete => write!(f, "the snapshot ended before its last service"),
            Self::Wait(e) => write!(f, "the wait failed: {e}"),
            Self::Signal(errno) => write!(f, "cannot catch SIGINT/SIGTERM (OS error {errno})"),
        }
    }
}

impl core::error::Error for DiscoveryError {}
