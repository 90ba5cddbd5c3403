//! The errors of the firmware API: small `Copy + Eq` enums with `Display`,
//! `core::error::Error` and (feature `defmt`) `defmt::Format`. None of them
//! is ever the result of waiting: every call that can fail fails at once.

use core::fmt;
use iox2_core::pool::DataOpenError;
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
    /// The publisher slot's previous holder still has samples with a
    /// subscriber that has not looked since; try again after it received.
    SlotBusy,
    /// The service's memory does not hold what this build computes (it was
    /// overwritten, or written by another build): the first difference.
    Open(ServiceOpenError),
    /// A publisher's pool could not be written.
    Data(DataOpenError),
    /// The service name is not valid.
    Name(ServiceNameError),
    /// The settings are not valid.
    Qos(QosError),
    /// The memory handed to [`crate::pubsub::PubSubRef::from_raw`] is smaller
    /// than the service's layout.
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
            Self::SlotBusy => write!(f, "a subscriber still holds samples of the slot's previous publisher"),
            Self::Open(e) => write!(f, "the service memory does not match this build: {e}"),
            Self::Data(e) => write!(f, "the publisher's pool could not be written: {e}"),
            Self::Name(e) => write!(f, "invalid service name: {e}"),
            Self::Qos(e) => write!(f, "invalid settings: {e}"),
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

/// Why a send failed: the reason, and the value, handed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SendError<T> {
    /// Why no chunk could be loaned.
    pub reason: iox2_core::pubsub::LoanError,
    /// The value that was not sent.
    pub value: T,
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not sent: {}", self.reason)
    }
}

impl<T: fmt::Debug> core::error::Error for SendError<T> {}
