//! Whole-file `fcntl` write locks, the liveness primitive of both host
//! platforms, in the two ownership models they use:
//!
//! - [`Owner::FileDescription`] (Linux open-file-description locks,
//!   `F_OFD_*`): the lock belongs to the open file description, is released
//!   when its last descriptor closes — by the kernel when the process dies,
//!   after it tore down the process's mappings — conflicts even inside one
//!   process, and carries no PID;
//! - [`Owner::Process`] (POSIX record locks, `F_SETLK`/`F_GETLK`): the lock
//!   belongs to the process, does not conflict within it, and is lost as
//!   soon as the process closes ANY descriptor of that file.

use std::os::fd::AsRawFd;

/// Who a lock belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The open file description (Linux only).
    #[cfg(feature = "linux")]
    FileDescription,
    /// The process (POSIX).
    #[cfg(feature = "posix")]
    Process,
}

impl Owner {
    /// The `(set, get)` `fcntl` commands of this ownership model.
    fn commands(self) -> (libc::c_int, libc::c_int) {
        match self {
            #[cfg(feature = "linux")]
            Self::FileDescription => (libc::F_OFD_SETLK, libc::F_OFD_GETLK),
            #[cfg(feature = "posix")]
            Self::Process => (libc::F_SETLK, libc::F_GETLK),
        }
    }
}

/// What a lock attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lock {
    /// The caller now holds the write lock.
    Acquired,
    /// Another owner holds a conflicting lock.
    HeldElsewhere,
}

/// What a probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// Another owner holds a lock on the file.
    Locked,
    /// No other owner holds a lock.
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

/// The calling thread's last OS error number.
fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Takes the write lock of the whole file without waiting. The descriptor
/// must be open for writing. Errors are `errno` values.
pub(crate) fn try_lock(fd: &impl AsRawFd, owner: Owner) -> Result<Lock, i32> {
    let record = whole_file(libc::F_WRLCK);
    // SAFETY: `fd` is an open descriptor borrowed for the call; `record` is
    // a valid `flock` that outlives it.
    if unsafe { libc::fcntl(fd.as_raw_fd(), owner.commands().0, &raw const record) } == 0 {
        return Ok(Lock::Acquired);
    }
    match errno() {
        libc::EAGAIN | libc::EACCES => Ok(Lock::HeldElsewhere),
        e => Err(e),
    }
}

/// Whether another owner holds a lock that conflicts with a write lock.
/// Any access mode will do.
pub(crate) fn probe(fd: &impl AsRawFd, owner: Owner) -> Result<Probe, i32> {
    let mut record = whole_file(libc::F_WRLCK);
    // SAFETY: as in `try_lock`; the kernel writes into `record`.
    if unsafe { libc::fcntl(fd.as_raw_fd(), owner.commands().1, &raw mut record) } != 0 {
        return Err(errno());
    }
    if libc::c_int::from(record.l_type) == libc::F_UNLCK {
        Ok(Probe::Unlocked)
    } else {
        Ok(Probe::Locked)
    }
}
