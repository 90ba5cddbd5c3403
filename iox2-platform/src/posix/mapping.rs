//! `Mapping`: a `MAP_SHARED` mapping of a shared-memory object, recorded in
//! the registry for the wake channels, unmapped on drop.

use super::os::errno;
use super::registry;
use super::shm::region_error;
use crate::error::RegionError;
use crate::region::Access;
use core::ptr::NonNull;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;

/// `len` bytes of a shared-memory object, mapped shared.
///
/// INV-MAPPING: `ptr..ptr+len` is a mapping this value created, recorded
/// in the registry while it lives, unmapped exactly once, in `drop`.
#[derive(Debug)]
pub(crate) struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a shared mapping is valid in every thread of the process; its
// bytes are accessed only through atomics and raw pointers (the `Region`
// contract).
unsafe impl Send for Mapping {}
// SAFETY: as for `Send`.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `len` (>= 1) bytes of `fd` of the region `name`.
    pub(crate) fn new(fd: &OwnedFd, len: usize, access: Access, name: &str) -> Result<Self, RegionError> {
        let prot = match access {
            Access::ReadWrite => libc::PROT_READ | libc::PROT_WRITE,
            Access::ReadOnly => libc::PROT_READ,
        };
        // SAFETY: a fresh mapping at an address the system picks overlaps
        // nothing Rust owns; the object holds at least `len` bytes.
        let raw = unsafe { libc::mmap(core::ptr::null_mut(), len, prot, libc::MAP_SHARED, fd.as_raw_fd(), 0) };
        if raw == libc::MAP_FAILED {
            return Err(region_error(errno()));
        }
        let ptr = NonNull::new(raw.cast::<u8>()).ok_or(RegionError::OutOfMemory)?;
        registry::insert(ptr.as_ptr() as usize, len, Arc::from(name));
        Ok(Self { ptr, len })
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
        registry::remove(self.ptr.as_ptr() as usize);
        // SAFETY: INV-MAPPING: our own mapping, unmapped only here.
        let _ = unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
