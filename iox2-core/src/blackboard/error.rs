//! The blackboard's errors: a key that is not there or holds another type,
//! a table entry no creator writes (corruption), and a read that found no
//! complete value in its tries.

use crate::payload::TypeMismatch;
use core::fmt;

/// Why a read handed out no fresh value (the caller keeps its last good one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EntryReadError {
    /// Every try met the writer inside the buffer being read: it completed
    /// two more writes during each copy.
    Busy,
    /// The published index is not one a writer stores (a peer corrupted it).
    Corrupted {
        /// The index found.
        published: u32,
    },
}

impl fmt::Display for EntryReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Busy => write!(f, "the writer overtook every try to read the entry"),
            Self::Corrupted { published } => {
                write!(f, "the entry's published index {published} is corrupted")
            }
        }
    }
}

impl core::error::Error for EntryReadError {}

/// What is wrong with an entry of a blackboard's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EntryProblem {
    /// The value's type descriptor is not one iox2 writes.
    Descriptor,
    /// The value's type is a slice, not a fixed-size type.
    NotFixed,
    /// The stored value size differs from the descriptor's.
    Size {
        /// The size stored.
        stored: u32,
        /// The descriptor's size.
        described: u32,
    },
    /// The value's region does not lie on a cache line inside the arena.
    OutOfBounds {
        /// The region's stored offset in the arena.
        offset: u32,
        /// The region's length for the value's size.
        len: u64,
    },
    /// The value's region is not where the creator places it (after the
    /// previous entry's).
    Misplaced {
        /// The offset stored.
        stored: u32,
        /// The offset the creator uses.
        expected: u32,
    },
    /// The stored event id is not the entry's index.
    EventId {
        /// The id stored.
        stored: u32,
    },
    /// The regions do not fill the arena the settings name.
    ArenaLength {
        /// The bytes the entries' regions take.
        used: u64,
        /// The arena's length in the settings.
        stored: u32,
    },
}

/// An entry of a blackboard's table that no creator wrote: `index` is the
/// entry (the entry count, for [`EntryProblem::ArenaLength`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CorruptedEntry {
    /// The entry's index in the table.
    pub index: u32,
    /// What is wrong with it.
    pub problem: EntryProblem,
}

impl fmt::Display for CorruptedEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "blackboard entry {} is corrupted: ", self.index)?;
        match self.problem {
            EntryProblem::Descriptor => write!(f, "its value type descriptor is invalid"),
            EntryProblem::NotFixed => write!(f, "its value type is not a fixed-size type"),
            EntryProblem::Size { stored, described } => {
                write!(f, "its value size {stored} differs from its type's {described}")
            }
            EntryProblem::OutOfBounds { offset, len } => {
                write!(f, "its region of {len} bytes at {offset} is not inside the arena")
            }
            EntryProblem::Misplaced { stored, expected } => {
                write!(f, "its region is at {stored}, the creator puts it at {expected}")
            }
            EntryProblem::EventId { stored } => write!(f, "its event id {stored} is not its index"),
            EntryProblem::ArenaLength { used, stored } => {
                write!(f, "the entries take {used} bytes of an arena of {stored}")
            }
        }
    }
}

impl core::error::Error for CorruptedEntry {}

/// Why a blackboard entry could not be looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EntryError {
    /// The blackboard has no such key.
    UnknownKey,
    /// The key's value has another type: the first difference between the
    /// stored descriptor (found) and the requested type's (expected).
    WrongType(TypeMismatch),
    /// The key's table entry is corrupted.
    Corrupted(CorruptedEntry),
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownKey => write!(f, "the blackboard has no such key"),
            Self::WrongType(e) => write!(f, "the key's value has another type: {e}"),
            Self::Corrupted(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for EntryError {}
