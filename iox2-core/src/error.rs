//! The core's error types: small `Copy + Eq` enums that say what went wrong
//! and where, with `Display`, `core::error::Error` and (feature `defmt`)
//! `defmt::Format`.

use core::fmt;

/// Why a capacity was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CapacityError {
    /// A capacity of zero.
    Zero,
    /// More than the structure's index width allows.
    TooLarge {
        /// The capacity asked for.
        requested: u32,
        /// The largest capacity the structure supports.
        max: u32,
    },
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zero => write!(f, "a capacity of zero"),
            Self::TooLarge { requested, max } => write!(f, "capacity {requested} exceeds the maximum {max}"),
        }
    }
}

impl core::error::Error for CapacityError {}

/// Why a structure could not be placed into (or found in) a region of memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PlaceError {
    /// The capacity is invalid.
    Capacity(CapacityError),
    /// The memory does not start at the required alignment.
    Misaligned {
        /// The alignment the structure needs, in bytes.
        required: usize,
        /// The address given.
        address: usize,
    },
    /// The memory is smaller than the structure.
    TooSmall {
        /// Bytes the structure needs.
        required: usize,
        /// Bytes given.
        available: usize,
    },
    /// The memory holds a structure of another configuration (or garbage):
    /// a header word differs from what the capacity implies.
    HeaderMismatch {
        /// Byte offset of the word from the start of the structure.
        offset: usize,
        /// The value the caller's configuration implies.
        expected: u32,
        /// The value found.
        found: u32,
    },
}

impl fmt::Display for PlaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Capacity(e) => write!(f, "invalid capacity: {e}"),
            Self::Misaligned { required, address } => {
                write!(f, "memory at {address:#x} is not aligned to {required} bytes")
            }
            Self::TooSmall { required, available } => {
                write!(f, "the structure needs {required} bytes, the memory has {available}")
            }
            Self::HeaderMismatch {
                offset,
                expected,
                found,
            } => write!(
                f,
                "header word at byte {offset} holds {found:#x}, expected {expected:#x} (another configuration, or corrupted)"
            ),
        }
    }
}

impl core::error::Error for PlaceError {}

impl From<CapacityError> for PlaceError {
    fn from(e: CapacityError) -> Self {
        Self::Capacity(e)
    }
}

/// Which end of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Endpoint {
    /// The pushing end.
    Producer,
    /// The popping end.
    Consumer,
}

/// Why a queue endpoint could not be claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EndpointClaimError {
    /// The endpoint is held already (by this or another process).
    AlreadyClaimed(Endpoint),
}

impl fmt::Display for EndpointClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyClaimed(Endpoint::Producer) => write!(f, "the producer end is claimed already"),
            Self::AlreadyClaimed(Endpoint::Consumer) => write!(f, "the consumer end is claimed already"),
        }
    }
}

impl core::error::Error for EndpointClaimError {}

/// Why an SPSC push failed; the value is handed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SpscPushError {
    /// The queue holds `capacity` values.
    Full(u32),
    /// The value does not fit the queue's 31-bit value width.
    ValueTooLarge(u32),
}

impl fmt::Display for SpscPushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(v) => write!(f, "the queue is full (value {v} not pushed)"),
            Self::ValueTooLarge(v) => write!(f, "value {v:#x} does not fit in 31 bits"),
        }
    }
}

impl core::error::Error for SpscPushError {}

/// Why an MPMC push failed; the index is handed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MpmcPushError {
    /// The queue holds `capacity` indices: with unique indices this means an
    /// index was pushed twice.
    Full(u32),
    /// The index is not below the queue's capacity.
    IndexOutOfRange {
        /// The index given.
        index: u32,
        /// The queue's capacity.
        capacity: u32,
    },
}

impl fmt::Display for MpmcPushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(i) => write!(f, "the queue is full (index {i} not pushed; pushed twice?)"),
            Self::IndexOutOfRange { index, capacity } => {
                write!(f, "index {index} is out of range (capacity {capacity})")
            }
        }
    }
}

impl core::error::Error for MpmcPushError {}

/// A bit number beyond the end of a bitset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BitOutOfRangeError {
    /// The bit asked for.
    pub bit: u32,
    /// The number of bits in the set.
    pub len: u32,
}

impl fmt::Display for BitOutOfRangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bit {} is out of range (the set has {} bits)", self.bit, self.len)
    }
}

impl core::error::Error for BitOutOfRangeError {}
