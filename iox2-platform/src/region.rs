//! Named regions of memory: the only way bytes get shared.
//!
//! A region holds only fixed-width integers and atomics laid out by the core
//! (DESIGN.md "Segments"); it may sit at a different address in every
//! process, so nothing stored in it is a pointer.

use crate::error::RegionError;
use core::ptr::NonNull;

/// How a region is mapped into this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Access {
    /// Readable and writable.
    ReadWrite,
    /// Readable only (e.g. a subscriber's view of a publisher's chunk pool).
    /// Atomic loads from it are sound; a store faults.
    ReadOnly,
}

/// A named region of memory, mapped for as long as the value lives.
///
/// Dropping the value unmaps the region; it does not remove it. The memory
/// is zero-filled when created, aligned to at least 64 bytes (a page on
/// hosts), and accessed by the core only through atomics and raw pointers —
/// never through `&`/`&mut` references to plain bytes — since other
/// processes write it concurrently.
pub trait Region: Sized + Send + Sync {
    /// The longest name this platform accepts, in bytes.
    const MAX_NAME_LEN: usize;

    /// Creates a new zero-filled region of exactly `len` bytes, failing with
    /// [`RegionError::AlreadyExists`] if one of that name exists.
    ///
    /// The backing memory is reserved at creation, so running out of space
    /// fails here rather than faulting at first touch.
    fn create(name: &str, len: usize) -> Result<Self, RegionError>;

    /// Opens an existing region with the given access.
    fn open(name: &str, access: Access) -> Result<Self, RegionError>;

    /// Removes the region's name; mappings that exist stay valid until
    /// dropped. [`RegionError::NotFound`] if there is no such region.
    fn remove(name: &str) -> Result<(), RegionError>;

    /// Whether a region of that name exists.
    fn exists(name: &str) -> Result<bool, RegionError>;

    /// The first byte of the mapping.
    fn as_ptr(&self) -> NonNull<u8>;

    /// The length of the mapping in bytes.
    fn len(&self) -> usize;

    /// Whether the mapping is empty (never, for a created region).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How this process mapped the region.
    fn access(&self) -> Access;
}
