//! Turning the kernel's error numbers into the platform's typed errors.

use crate::error::{LivenessError, RegionError, WaitError};
use rustix::io::Errno;

/// A region operation's error.
pub(crate) fn region_error(errno: Errno) -> RegionError {
    match errno {
        Errno::EXIST => RegionError::AlreadyExists,
        Errno::NOENT => RegionError::NotFound,
        Errno::ACCESS | Errno::PERM => RegionError::PermissionDenied,
        Errno::NOSPC | Errno::NOMEM => RegionError::OutOfMemory,
        other => RegionError::Os(other.raw_os_error()),
    }
}

/// A wait's error (the outcomes EAGAIN, EINTR and ETIMEDOUT are handled
/// by the callers).
pub(crate) fn wait_error(errno: Errno) -> WaitError {
    WaitError::Os(errno.raw_os_error())
}

/// A liveness operation's error.
pub(crate) fn liveness_error(errno: Errno) -> LivenessError {
    LivenessError::Os(errno.raw_os_error())
}
