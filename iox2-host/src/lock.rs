//! The per-service lock that serializes creating and removing a service
//! (DESIGN.md "Segments"), so a remover never unlinks a newer segment and
//! two live copies of one service cannot exist.
//!
//! It is a lock on a small file named after the service's hash, taken with
//! `File::lock` (an `flock` on Unix: held per open file description and
//! dropped by the kernel when the holder dies, so a killed process never
//! blocks the others). It is held only around create/open/remove, never
//! while ports run.

use crate::error::ServiceError;
use iox2_platform::Platform;
use std::fs::{File, OpenOptions};
use std::path::PathBuf;

/// A host platform: a [`Platform`] with the directory of its lock files.
pub trait HostPlatform: Platform {
    /// Where this platform keeps its per-service lock files.
    fn lock_dir() -> PathBuf;
}

impl HostPlatform for iox2_platform::linux::Linux {
    fn lock_dir() -> PathBuf {
        PathBuf::from("/dev/shm/iox2.locks")
    }
}

impl HostPlatform for iox2_platform::posix::Posix {
    fn lock_dir() -> PathBuf {
        PathBuf::from("/tmp/iox2/locks")
    }
}

/// The held lock of one service; dropping it unlocks.
#[derive(Debug)]
pub(crate) struct ServiceLock {
    _file: File,
}

impl ServiceLock {
    /// Takes the lock of the service whose name hashes to `hash`, waiting
    /// for another process's create or remove to finish.
    pub(crate) fn take<P: HostPlatform>(hash: u64) -> Result<Self, ServiceError> {
        let errno = |e: std::io::Error| ServiceError::Lock(e.raw_os_error().unwrap_or(0));
        let dir = P::lock_dir();
        std::fs::create_dir_all(&dir).map_err(errno)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(dir.join(format!("{hash:016x}.lock")))
            .map_err(errno)?;
        file.lock().map_err(errno)?;
        Ok(Self { _file: file })
    }
}
