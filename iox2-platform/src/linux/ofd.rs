//! Open-file-description (OFD) record locks, through libc (rustix has only
//! process-associated `fcntl` locks).
//!
//! An OFD lock belongs to the open file description: it is released when
//! the last descriptor of it is closed — by the kernel when the process
//! dies, after it tore down the process's mappings — and two descriptions
//! conflict even inside one process. It carries no PID.

use rustix::fd::{AsFd, AsRawFd};
use rustix::io::Errno;

/// What a lock attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lock {
    /// This description now holds the write lock.
    Acquired,
    /// Another description holds a lock on the file.
    HeldElsewhere,
}

/// What a probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// Some other description holds a lock on the file.
    Locked,
    /// Nobody (but perhaps this description) holds a lock.
    Unlocked,
}

/// A whole-file record of `kind` (`F_WRLCK`, `F_UNLCK`, ...).
fn whole_file(kind: libc::c_int) -> libc::flock {
    // SAFETY: `flock` is a plain C struct of integers: all-zero is a valid
    // value (and `l_pid` must be 0 for OFD requests).
    let mut record: libc::flock = unsafe { core::mem::zeroed() };
    // Both constants are tiny: they fit `c_short`.
    record.l_type = kind as libc::c_short;
    record.l_whence = libc::SEEK_SET as libc::c_short;
    record
}

/// The calling thread's last OS error.
fn last_errno() -> Errno {
    Errno::from_raw_os_error(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

/// Takes the write lock of the whole file without waiting (`F_OFD_SETLK`).
/// The descriptor must be open for writing.
pub(crate) fn try_lock(fd: impl AsFd) -> Result<Lock, Errno> {
    let record = whole_file(libc::F_WRLCK);
    // SAFETY: `fd` is an open descriptor borrowed for the call; `record`
    // is a valid `flock` that outlives it.
    let result = unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_OFD_SETLK, &raw const record) };
    if result == 0 {
        return Ok(Lock::Acquired);
    }
    match last_errno() {
        Errno::AGAIN | Errno::ACCESS => Ok(Lock::HeldElsewhere),
        e => Err(e),
    }
}

/// Asks whether another description holds a lock that would conflict with
/// a write lock (`F_OFD_GETLK`). Any access mode will do.
pub(crate) fn probe(fd: impl AsFd) -> Result<Probe, Errno> {
    let mut record = whole_file(libc::F_WRLCK);
    // SAFETY: as in `try_lock`; the kernel writes into `record`.
    let result = unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_OFD_GETLK, &raw mut record) };
    if result != 0 {
        return Err(last_errno());
    }
    if libc::c_int::from(record.l_type) == libc::F_UNLCK {
        Ok(Probe::Unlocked)
    } else {
        Ok(Probe::Locked)
    }
}
