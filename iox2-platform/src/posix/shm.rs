//! POSIX shared-memory objects through libc: open, reserve, size, unlink.

use super::os::{c_string, errno};
use crate::error::RegionError;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The object name of region `name` (checked by the caller).
pub(crate) fn object_name(name: &str) -> Result<std::ffi::CString, RegionError> {
    c_string(&std::format!("/iox2_{name}")).map_err(RegionError::Os)
}

/// A region error of an error number.
pub(crate) fn region_error(errno: i32) -> RegionError {
    match errno {
        libc::EEXIST => RegionError::AlreadyExists,
        libc::ENOENT => RegionError::NotFound,
        libc::EACCES | libc::EPERM => RegionError::PermissionDenied,
        libc::ENOSPC | libc::ENOMEM => RegionError::OutOfMemory,
        other => RegionError::Os(other),
    }
}

/// `shm_open(name, flags, 0600)`; the descriptor is `FD_CLOEXEC` (POSIX).
pub(crate) fn open(name: &core::ffi::CStr, flags: libc::c_int) -> Result<OwnedFd, i32> {
    // SAFETY: `name` is a valid C string for the call.
    let fd = unsafe { libc::shm_open(name.as_ptr(), flags, 0o600 as libc::mode_t) };
    if fd < 0 {
        return Err(errno());
    }
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `shm_unlink(name)`.
pub(crate) fn unlink(name: &core::ffi::CStr) -> Result<(), i32> {
    // SAFETY: `name` is a valid C string for the call.
    if unsafe { libc::shm_unlink(name.as_ptr()) } == 0 {
        Ok(())
    } else {
        Err(errno())
    }
}

/// Sizes a new object to `len` bytes with its storage reserved
/// (`posix_fallocate`), or — where the system cannot reserve storage for
/// shared memory — sized sparsely with `ftruncate`.
pub(crate) fn reserve(fd: &OwnedFd, len: usize, max: usize) -> Result<(), RegionError> {
    let size = libc::off_t::try_from(len).map_err(|_| RegionError::InvalidSize { requested: len, max })?;
    // SAFETY: plain call on an open descriptor; returns an error number.
    match unsafe { libc::posix_fallocate(fd.as_raw_fd(), 0, size) } {
        0 => Ok(()),
        libc::EINVAL | libc::EOPNOTSUPP | libc::ENODEV => {
            // SAFETY: plain call on an open descriptor.
            if unsafe { libc::ftruncate(fd.as_raw_fd(), size) } == 0 {
                Ok(())
            } else {
                Err(region_error(errno()))
            }
        }
        libc::EFBIG => Err(RegionError::InvalidSize { requested: len, max }),
        other => Err(region_error(other)),
    }
}

/// The object's size in bytes.
pub(crate) fn size(fd: &OwnedFd) -> Result<u64, RegionError> {
    // SAFETY: all-zero is a valid `stat` (a C struct of integers).
    let mut stat: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: `stat` is valid and writable for the call.
    if unsafe { libc::fstat(fd.as_raw_fd(), &raw mut stat) } != 0 {
        return Err(region_error(errno()));
    }
    u64::try_from(stat.st_size).map_err(|_| RegionError::Incomplete)
}
