//! The WaitSet's errors.

use iox2_platform::error::WaitError;
use std::fmt;

/// Why a WaitSet could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitSetCreateError {
    /// A capacity of 0, or above what the platform sleeps on at once.
    InvalidCapacity {
        /// The capacity asked for.
        requested: usize,
        /// The platform's maximum.
        max: usize,
    },
    /// The SIGINT/SIGTERM handlers could not be installed (`errno`).
    SignalHandler(i32),
}

impl fmt::Display for WaitSetCreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidCapacity { requested, max } => {
                write!(f, "a WaitSet capacity of {requested} (1..={max} allowed)")
            }
            Self::SignalHandler(errno) => write!(f, "the signal handlers could not be installed (OS error {errno})"),
        }
    }
}

impl core::error::Error for WaitSetCreateError {}

/// Why an attachment was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitSetAttachmentError {
    /// The port is attached already.
    AlreadyAttached,
    /// The WaitSet holds as many ports as its capacity.
    InsufficientCapacity {
        /// The WaitSet's capacity.
        capacity: usize,
    },
    /// A deadline or interval of zero.
    ZeroDuration,
}

impl fmt::Display for WaitSetAttachmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyAttached => write!(f, "the port is attached to this WaitSet already"),
            Self::InsufficientCapacity { capacity } => {
                write!(f, "the WaitSet holds {capacity} ports, its capacity")
            }
            Self::ZeroDuration => write!(f, "a deadline or interval must be longer than zero"),
        }
    }
}

impl core::error::Error for WaitSetAttachmentError {}

/// Why a wait failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitSetRunError {
    /// Nothing is attached: the wait would never end.
    NoAttachments,
    /// The platform's sleep failed.
    Wait(WaitError),
}

impl fmt::Display for WaitSetRunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAttachments => write!(f, "the WaitSet has no attachments"),
            Self::Wait(e) => write!(f, "the wait failed: {e}"),
        }
    }
}

impl core::error::Error for WaitSetRunError {}
