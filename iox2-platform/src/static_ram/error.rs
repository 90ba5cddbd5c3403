//! The errors only `static_ram` has: registering buffers and a
//! supervisor's declarations.

use crate::error::NameError;
use core::fmt;

/// Why a buffer could not be registered with a region table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RegisterError {
    /// Every slot of the table holds a buffer already.
    TableFull,
    /// This buffer is registered already (two regions must never share bytes).
    DuplicateBuffer,
    /// A buffer is reserved for this name already.
    DuplicateName,
    /// The reserved name was refused.
    Name(NameError),
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TableFull => write!(f, "every slot of the region table is in use"),
            Self::DuplicateBuffer => write!(f, "the buffer is registered already"),
            Self::DuplicateName => write!(f, "a buffer is reserved for that name already"),
            Self::Name(e) => write!(f, "invalid region name: {e}"),
        }
    }
}

impl core::error::Error for RegisterError {}

impl From<NameError> for RegisterError {
    fn from(e: NameError) -> Self {
        Self::Name(e)
    }
}

/// Why a supervisor's declaration about a node was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DeclareError {
    /// No node of that name holds a token.
    NotFound,
    /// The node was declared dead already: a halted or reset core's node
    /// never comes back (its token can only be removed or taken over).
    Dead,
    /// The name was refused.
    Name(NameError),
}

impl fmt::Display for DeclareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound => write!(f, "no node of that name holds a token"),
            Self::Dead => write!(f, "the node was declared dead already"),
            Self::Name(e) => write!(f, "invalid node name: {e}"),
        }
    }
}

impl core::error::Error for DeclareError {}

impl From<NameError> for DeclareError {
    fn from(e: NameError) -> Self {
        Self::Name(e)
    }
}
