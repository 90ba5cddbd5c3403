//! The platform's error types: small `Copy` enums that say what failed.
//!
//! OS error numbers are kept as plain `i32` (`errno`) so the types stay
//! `no_std` and `Copy`.

use core::fmt;

/// Why a region name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name is longer than the platform allows (`max` bytes).
    TooLong {
        /// The longest name the platform accepts, in bytes.
        max: usize,
    },
    /// The name holds a byte outside `[A-Za-z0-9._-]`, or starts with `.`.
    ForbiddenCharacter {
        /// Byte offset of the first forbidden character.
        at: usize,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "the name is empty"),
            Self::TooLong { max } => write!(f, "the name is longer than {max} bytes"),
            Self::ForbiddenCharacter { at } => write!(
                f,
                "the name has a forbidden character at byte {at} (allowed: A-Z a-z 0-9 . _ -, not leading '.')"
            ),
        }
    }
}

impl core::error::Error for NameError {}

/// Checks a name against the rules every platform shares:
/// 1..=`max` bytes of `[A-Za-z0-9._-]`, not starting with `.`.
///
/// ```
/// use iox2_platform::error::{check_name, NameError};
/// assert_eq!(check_name("camera.frames", 32), Ok(()));
/// assert_eq!(check_name("a/b", 32), Err(NameError::ForbiddenCharacter { at: 1 }));
/// ```
pub const fn check_name(name: &str, max: usize) -> Result<(), NameError> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Err(NameError::Empty);
    }
    if bytes.len() > max {
        return Err(NameError::TooLong { max });
    }
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        let allowed = b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (b == b'.' && at > 0);
        if !allowed {
            return Err(NameError::ForbiddenCharacter { at });
        }
        at += 1;
    }
    Ok(())
}

/// Why a region could not be created, opened or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RegionError {
    /// The name was refused.
    Name(NameError),
    /// `create`: a region of that name exists already.
    AlreadyExists,
    /// `open`/`remove`: no region of that name exists.
    NotFound,
    /// The caller may not access the region.
    PermissionDenied,
    /// The requested size is zero or larger than the platform can provide.
    InvalidSize {
        /// The requested length in bytes.
        requested: usize,
        /// The largest length the platform can provide.
        max: usize,
    },
    /// No memory (or no space in the backing file system) for the region.
    OutOfMemory,
    /// The region exists but is smaller than its header promises, or not
    /// fully created yet.
    Incomplete,
    /// Every static slot is taken (`static_ram`).
    NoFreeSlot,
    /// Any other OS error (`errno`).
    Os(i32),
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(e) => write!(f, "invalid region name: {e}"),
            Self::AlreadyExists => write!(f, "a region of that name exists already"),
            Self::NotFound => write!(f, "no region of that name exists"),
            Self::PermissionDenied => write!(f, "permission denied"),
            Self::InvalidSize { requested, max } => {
                write!(f, "invalid region size {requested} (must be 1..={max} bytes)")
            }
            Self::OutOfMemory => write!(f, "out of memory for the region"),
            Self::Incomplete => write!(f, "the region is not fully created"),
            Self::NoFreeSlot => write!(f, "every static region slot is in use"),
            Self::Os(errno) => write!(f, "OS error {errno}"),
        }
    }
}

impl core::error::Error for RegionError {}

impl From<NameError> for RegionError {
    fn from(e: NameError) -> Self {
        Self::Name(e)
    }
}

/// Why a wait or wake failed (as opposed to timing out or being woken).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WaitError {
    /// `wait_any` was given more words than the platform can wait on.
    TooManyWords {
        /// How many the platform can wait on at once.
        max: usize,
    },
    /// `wait_any` was given no word at all.
    NoWords,
    /// Any other OS error (`errno`).
    Os(i32),
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManyWords { max } => write!(f, "can wait on at most {max} words at once"),
            Self::NoWords => write!(f, "no word to wait on"),
            Self::Os(errno) => write!(f, "OS error {errno}"),
        }
    }
}

impl core::error::Error for WaitError {}

/// Why a liveness token could not be acquired or probed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LivenessError {
    /// The token name was refused.
    Name(NameError),
    /// `acquire`: a live token of that name exists.
    InUse,
    /// Every token slot is taken (`static_ram`).
    NoFreeSlot,
    /// Any other OS error (`errno`).
    Os(i32),
}

impl fmt::Display for LivenessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(e) => write!(f, "invalid token name: {e}"),
            Self::InUse => write!(f, "a live token of that name exists"),
            Self::NoFreeSlot => write!(f, "every liveness slot is in use"),
            Self::Os(errno) => write!(f, "OS error {errno}"),
        }
    }
}

impl core::error::Error for LivenessError {}

impl From<NameError> for LivenessError {
    fn from(e: NameError) -> Self {
        Self::Name(e)
    }
}
