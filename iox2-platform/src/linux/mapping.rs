//! `Mapping`: a shared mapping of a shared-memory object, unmapped on drop.

use super::errno::region_error;
use crate::error::RegionError;
use crate::region::Access;
use core::ptr::NonNull;
use rustix::fd::AsFd;
use rustix::mm::{Advice, MapFlags, ProtFlags, madvise, mmap, munmap};

/// `len` bytes of a shared-memory object mapped `MAP_SHARED` (read-only for
/// [`Access::ReadOnly`]) and excluded from `fork` (`MADV_DONTFORK`: a child
/// must not use its parent's handles, DESIGN.md "Nodes").
///
/// INV-MAPPING: `ptr..ptr+len` is a mapping this value created and unmaps
/// exactly once, in `drop`.
#[derive(Debug)]
pub(crate) struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a shared mapping is valid in every thread of the process; its
// bytes are accessed only through atomics and raw pointers (the `Region`
// contract), never through references to plain bytes.
unsafe impl Send for Mapping {}
// SAFETY: as for `Send`.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `len` (>= 1) bytes of `fd` from offset 0.
    pub(crate) fn new(fd: impl AsFd, len: usize, access: Access) -> Result<Self, RegionError> {
        let prot = match access {
            Access::ReadWrite => ProtFlags::READ | ProtFlags::WRITE,
            Access::ReadOnly => ProtFlags::READ,
        };
        // SAFETY: a fresh mapping at an address the kernel picks overlaps
        // nothing Rust owns; the object is at least `len` bytes (the callers
        // sized it, or read its size).
        let raw = unsafe { mmap(core::ptr::null_mut(), len, prot, MapFlags::SHARED, fd, 0) }.map_err(region_error)?;
        let ptr = NonNull::new(raw.cast::<u8>()).ok_or(RegionError::OutOfMemory)?;
        let mapping = Self { ptr, len };
        // SAFETY: the range is exactly the mapping just created
        // (INV-MAPPING); the advice changes no contents.
        unsafe { madvise(raw, len, Advice::LinuxDontFork) }.map_err(region_error)?;
        Ok(mapping)
    }

    pub(crate) fn as_ptr(&self) -> NonNull<u8> {
        self.ptr
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: INV-MAPPING: our own mapping, unmapped only here; every
        // region handle that pointed into it is this value, now gone.
        let _ = unsafe { munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
