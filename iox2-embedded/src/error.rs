//! The errors of the firmware API: small `Copy + Eq` enums with `Display`,
//! `core::error::Error` and (feature `defmt`) `defmt::Format`. None of them
//! is ever the result of waiting: every call that can fail fails at once.

use core::fmt;
use iox2_core::blackboard::CorruptedEntry;
use iox2_core::pool::DataOpenError;
use iox2_core::pubsub::LoanError;
use iox2_core::reqres::{RequestSendError, ResponseSendError};
use iox2_core::service::{PortKind, QosError, ServiceNameError, ServiceOpenError};

/// Why a port (publisher, subscriber, listener) could not be claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PortClaimError {
    /// Every port of this kind is claimed already: a port that exists once
    /// (`max` = 1) was claimed a second time. Drop a handle first.
    ExceedsMaxPorts {
        /// The kind of port.
        kind: PortKind,
        /// How many the service has.
        max: u32,
    },
    /// Another context (an interrupt, the other core) is writing the
    /// service's first bytes right now; try again when it is done. Never
    /// waited for: the creator may be the context this one preempted.
    ServiceBeingCreated,
    /// The slot's previous holder still has chunks that a peer may read
    /// (a publisher's samples, a client's requests, a server's responses)
    /// and that peer has not looked since; try again after it did.
    SlotBusy,
    /// The service's memory does not hold what this build computes (it was
    /// overwritten, or written by another build): the first difference.
    Open(ServiceOpenError),
    /// A port's pool could not be written.
    Data(DataOpenError),
    /// The service name is not valid.
    Name(ServiceNameError),
    /// The settings are not valid (for a blackboard: or its entries do
    /// not match them).
    Qos(QosError),
    /// A blackboard's table of entries is not what its creator writes
    /// (the memory was overwritten).
    Entries(CorruptedEntry),
    /// The memory handed to a `from_raw` constructor (e.g.
    /// [`crate::pubsub::PubSubRef::from_raw`]) is smaller than the
    /// service's layout, or not aligned to [`crate::pubsub::SEGMENT_ALIGN`].
    RegionTooSmall {
        /// Bytes the service needs.
        required: usize,
        /// Bytes there are.
        available: usize,
    },
}

impl fmt::Display for PortClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExceedsMaxPorts { kind, max } => {
                write!(f, "all {max} {} port(s) of the service are claimed", kind.name())
            }
            Self::ServiceBeingCreated => write!(f, "another context is creating the service right now"),
            Self::SlotBusy => write!(f, "a peer may still read chunks of the slot's previous holder"),
            Self::Open(e) => write!(f, "the service memory does not match this build: {e}"),
            Self::Data(e) => write!(f, "the port's pool could not be written: {e}"),
            Self::Name(e) => write!(f, "invalid service name: {e}"),
            Self::Qos(e) => write!(f, "invalid settings: {e}"),
            Self::Entries(e) => write!(f, "{e}"),
            Self::RegionTooSmall { required, available } => {
                write!(f, "the service needs {required} bytes, the region has {available}")
            }
        }
    }
}

impl core::error::Error for PortClaimError {}

/// Why [`crate::event::Event::notify`] refused an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum NotifyError {
    /// The id is not below the event's number of ids.
    EventIdOutOfRange {
        /// The id asked for.
        id: u32,
        /// The number of ids (ids are `0..ids`).
        ids: u32,
    },
}

impl fmt::Display for NotifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EventIdOutOfRange { id, ids } => {
                write!(f, "event id {id} is out of range (ids are 0..{ids})")
            }
        }
    }
}

impl core::error::Error for NotifyError {}

/// Why a send failed: the reason, and the value, handed back. `E` is
/// [`LoanError`] for a sample, [`ClientSendError`] for a request and
/// [`ServerSendError`] for a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SendError<T, E = LoanError> {
    /// Why the value was not sent.
    pub reason: E,
    /// The value that was not sent.
    pub value: T,
}

impl<T, E: fmt::Display> fmt::Display for SendError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not sent: {}", self.reason)
    }
}

impl<T: fmt::Debug, E: fmt::Debug + fmt::Display> core::error::Error for SendError<T, E> {}

/// Why a request was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ClientSendError {
    /// No chunk of the client's pool could be loaned.
    Loan(LoanError),
    /// The request reached no server, or too many are open.
    Request(RequestSendError),
}

impl fmt::Display for ClientSendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Loan(e) => write!(f, "{e}"),
            Self::Request(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for ClientSendError {}

impl From<LoanError> for ClientSendError {
    fn from(e: LoanError) -> Self {
        Self::Loan(e)
    }
}

impl From<RequestSendError> for ClientSendError {
    fn from(e: RequestSendError) -> Self {
        Self::Request(e)
    }
}

/// Why a response was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ServerSendError {
    /// No chunk of the server's pool could be loaned.
    Loan(LoanError),
    /// The client stopped waiting, or the response buffer is full.
    Response(ResponseSendError),
}

impl fmt::Display for ServerSendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Loan(e) => write!(f, "{e}"),
            Self::Response(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for ServerSendError {}

impl From<LoanError> for ServerSendError {
    fn from(e: LoanError) -> Self {
        Self::Loan(e)
    }
}

impl From<ResponseSendError> for ServerSendError {
    fn from(e: ResponseSendError) -> Self {
        Self::Response(e)
    }
}
