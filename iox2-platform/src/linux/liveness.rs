//! `LinuxLiveness`: a node's token is a file it holds an OFD write lock on
//! (`/dev/shm/iox2.nodes/<name>.lock`); probers ask with `F_OFD_GETLK`.

use super::errno::liveness_error;
use crate::error::{LivenessError, check_name};
use crate::liveness::{Liveness, NodeState};
use crate::record_lock::{self, Lock, Owner, Probe};
use crate::rmw::{NativeRmw, Rmw};
use crate::sync::{AtomicU32, Ordering};
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{Mode, OFlags, fstat, link, mkdir, open, stat, unlink};
use rustix::io::Errno;
use std::format;
use std::string::String;

/// Where the token files live: tmpfs, like the regions, so tokens do not
/// outlive a reboot. Not a name `shm_open` could produce (regions are
/// `iox2_*`).
pub const NODE_DIR: &str = "/dev/shm/iox2.nodes";

const SUFFIX: &str = ".lock";

/// The longest token name (`NAME_MAX` minus the suffix).
pub const MAX_NAME_LEN: usize = 255 - SUFFIX.len();

/// How often an operation that lost a race with a concurrent one on the
/// same token file starts over before it reports `InUse`.
const ATTEMPTS: usize = 16;

/// Names of temporary files in this process.
static TEMP_COUNTER: AtomicU32 = AtomicU32::new(0);

/// Liveness by OFD locks.
///
/// - Alive: someone holds the lock on the token file (also when probed
///   from the holder's own process: OFD locks of different opens conflict);
/// - Dead: the file exists and nobody holds its lock — the holder died
///   (the kernel drops the lock only after tearing down its mappings);
/// - Unknown: no token file.
///
/// A new token file appears already locked (it is locked under a temporary
/// name and then hard-linked into place), so no prober sees a starting node
/// as dead. Lock descriptors are `O_CLOEXEC`; after a `fork` without `exec`
/// the child shares the description and keeps the token alive.
#[derive(Debug)]
pub struct LinuxLiveness;

/// A held token: the locked file's descriptor. Dropping it unlinks the file
/// and then closes it (probe: `Unknown`).
#[derive(Debug)]
pub struct LinuxToken {
    fd: OwnedFd,
    path: String,
}

impl Drop for LinuxToken {
    fn drop(&mut self) {
        // Unlink only our own file; the lock keeps anyone from replacing it.
        if same_file(&self.fd, &self.path) == Ok(true) {
            let _ = unlink(self.path.as_str());
        }
    }
}

fn token_path(name: &str) -> String {
    format!("{NODE_DIR}/{name}{SUFFIX}")
}

/// Creates the token directory (mode 0700) if needed.
fn ensure_dir() -> Result<(), Errno> {
    match mkdir(NODE_DIR, Mode::RWXU) {
        Ok(()) | Err(Errno::EXIST) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Whether `path` names the file `fd` is open on.
fn same_file(fd: impl AsFd, path: &str) -> Result<bool, Errno> {
    let open_file = fstat(fd)?;
    match stat(path) {
        Ok(named) => Ok(named.st_dev == open_file.st_dev && named.st_ino == open_file.st_ino),
        Err(Errno::NOENT) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Creates the token file already locked: a temporary file is locked, then
/// linked to `path` (which fails if a token file appeared meanwhile: `None`).
fn create_locked(path: &str) -> Result<Option<LinuxToken>, Errno> {
    let serial = NativeRmw::fetch_add(&TEMP_COUNTER, 1, Ordering::Relaxed);
    let temp = format!("{NODE_DIR}/.tmp.{}.{serial}", std::process::id());
    let flags = OFlags::CREATE | OFlags::EXCL | OFlags::RDWR | OFlags::CLOEXEC | OFlags::NOFOLLOW;
    let fd = match open(temp.as_str(), flags, Mode::RUSR | Mode::WUSR) {
        Ok(fd) => fd,
        Err(Errno::EXIST) => return Ok(None),
        Err(e) => return Err(e),
    };
    let linked = match record_lock::try_lock(&fd, Owner::FileDescription).map_err(Errno::from_raw_os_error) {
        Ok(Lock::Acquired) => link(temp.as_str(), path),
        Ok(Lock::HeldElsewhere) => Err(Errno::AGAIN),
        Err(e) => Err(e),
    };
    let _ = unlink(temp.as_str());
    match linked {
        Ok(()) => Ok(Some(LinuxToken {
            fd,
            path: String::from(path),
        })),
        Err(Errno::EXIST) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Opens an existing token file for locking.
fn open_existing(path: &str, flags: OFlags) -> Result<Option<OwnedFd>, Errno> {
    match open(path, flags | OFlags::CLOEXEC | OFlags::NOFOLLOW, Mode::empty()) {
        Ok(fd) => Ok(Some(fd)),
        Err(Errno::NOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Liveness for LinuxLiveness {
    type Token = LinuxToken;

    const MAX_NAME_LEN: usize = MAX_NAME_LEN;

    fn acquire(name: &str) -> Result<LinuxToken, LivenessError> {
        check_name(name, MAX_NAME_LEN)?;
        ensure_dir().map_err(liveness_error)?;
        let path = token_path(name);
        for _ in 0..ATTEMPTS {
            let Some(fd) = open_existing(&path, OFlags::RDWR).map_err(liveness_error)? else {
                match create_locked(&path).map_err(liveness_error)? {
                    Some(token) => return Ok(token),
                    None => continue,
                }
            };
            match record_lock::try_lock(&fd, Owner::FileDescription)
                .map_err(Errno::from_raw_os_error)
                .map_err(liveness_error)?
            {
                Lock::HeldElsewhere => return Err(LivenessError::InUse),
                // A dead node's token, taken over — if it is still the one
                // at `path` (not unlinked by a `remove_stale` meanwhile).
                Lock::Acquired => {
                    if same_file(&fd, &path).map_err(liveness_error)? {
                        return Ok(LinuxToken { fd, path });
                    }
                }
            }
        }
        Err(LivenessError::InUse)
    }

    fn probe(name: &str) -> Result<NodeState, LivenessError> {
        check_name(name, MAX_NAME_LEN)?;
        let path = token_path(name);
        let Some(fd) = open_existing(&path, OFlags::RDONLY).map_err(liveness_error)? else {
            return Ok(NodeState::Unknown);
        };
        match record_lock::probe(&fd, Owner::FileDescription)
            .map_err(Errno::from_raw_os_error)
            .map_err(liveness_error)?
        {
            Probe::Locked => Ok(NodeState::Alive),
            // Unlocked and still in place: dead. Unlocked because its holder
            // just left (it unlinks before it closes): unknown.
            Probe::Unlocked if same_file(&fd, &path).map_err(liveness_error)? => Ok(NodeState::Dead),
            Probe::Unlocked => Ok(NodeState::Unknown),
        }
    }

    fn remove_stale(name: &str) -> Result<(), LivenessError> {
        check_name(name, MAX_NAME_LEN)?;
        let path = token_path(name);
        for _ in 0..ATTEMPTS {
            let Some(fd) = open_existing(&path, OFlags::RDWR).map_err(liveness_error)? else {
                return Ok(());
            };
            match record_lock::try_lock(&fd, Owner::FileDescription)
                .map_err(Errno::from_raw_os_error)
                .map_err(liveness_error)?
            {
                Lock::HeldElsewhere => return Err(LivenessError::InUse),
                // Holding the lock, nobody can take the file over while we
                // unlink it.
                Lock::Acquired => {
                    if same_file(&fd, &path).map_err(liveness_error)? {
                        return match unlink(path.as_str()) {
                            Ok(()) | Err(Errno::NOENT) => Ok(()),
                            Err(e) => Err(liveness_error(e)),
                        };
                    }
                }
            }
        }
        Err(LivenessError::InUse)
    }
}
