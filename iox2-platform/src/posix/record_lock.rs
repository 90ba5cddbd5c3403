//! POSIX record locks (`fcntl` `F_SETLK`/`F_GETLK`) on whole files.
//!
//! They belong to the *process*: they do not conflict within it, and the
//! process loses every lock on a file as soon as it closes ANY descriptor
//! of that file. The liveness code is built around both facts.

use super::os::errno;
use std::os::fd::AsRawFd;

/// What a lock attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lock {
    Acquired,
    /// Another process holds a conflicting lock.
    HeldElsewhere,
}

/// What a probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// Another process holds a lock on the file.
    Locked,
    /// No other process holds a lock.
    Unlocked,
}

fn whole_file(kind: libc::c_int) -> libc::flock {
    // SAFETY: `flock` is a plain C struct of integers: all-zero is valid.
    let mut record: libc::flock = unsafe { core::mem::zeroed() };
    // Tiny constants: they fit `c_short`.
    record.l_type = kind as libc::c_short;
    record.l_whence = libc::SEEK_SET as libc::c_short;
    record
}

/// Takes a write lock on the whole file without waiting. The descriptor
/// must be open for writing.
pub(crate) fn try_lock(fd: &impl AsRawFd) -> Result<Lock, i32> {
    let record = whole_file(libc::F_WRLCK);
    // SAFETY: `fd` is open for the call; `record` is a valid `flock`.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETLK, &raw const record) } == 0 {
        return Ok(Lock::Acquired);
    }
    match errno() {
        libc::EAGAIN | libc::EACCES => Ok(Lock::HeldElsewhere),
        e => Err(e),
    }
}

/// Whether another process holds a lock that conflicts with a write lock.
pub(crate) fn probe(fd: &impl AsRawFd) -> Result<Probe, i32> {
    let mut record = whole_file(libc::F_WRLCK);
    // SAFETY: as in `try_lock`; the system writes into `record`.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETLK, &raw mut record) } != 0 {
        return Err(errno());
    }
    if libc::c_int::from(record.l_type) == libc::F_UNLCK {
        Ok(Probe::Unlocked)
    } else {
        Ok(Probe::Locked)
    }
}
