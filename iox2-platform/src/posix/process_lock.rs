//! The process lock: one file per process, write-locked (POSIX record
//! lock) and held open for the process's life. Tokens name it; a probe asks
//! whether anybody holds its lock.

use super::clock;
use super::os::{ensure_dir, errno_of};
use crate::liveness::NodeState;
use crate::record_lock::{self, Lock, Owner, Probe};
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::OpenOptionsExt;
use std::string::String;

/// Where process lock files live.
pub const PROCESS_DIR: &str = "/tmp/iox2/posix/proc";

/// A process id: `<pid, 10 digits>-<CLOCK_REALTIME ns, 20 digits>`, unique
/// even when PIDs are reused (the file is created with `O_EXCL`).
const ID_LEN: usize = 10 + 1 + 20;

/// This process's lock.
///
/// INV-PROCLOCK: this process never opens its own lock file again: a
/// second descriptor's close would drop the lock (record locks are per
/// process). Probes of own tokens are answered from the process-local
/// registry instead.
#[derive(Debug)]
pub(crate) struct ProcessLock {
    id: String,
    pid: u32,
    /// Held open, never closed while the process (this value) lives.
    _file: File,
}

/// The lock file of process `id`.
pub(crate) fn lock_path(id: &str) -> String {
    std::format!("{PROCESS_DIR}/{id}.lock")
}

/// Whether `id` has the shape of a process id (anything read from a token
/// file is checked before it becomes part of a path).
pub(crate) fn valid_id(id: &str) -> bool {
    id.len() == ID_LEN
        && id
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 10 { b == b'-' } else { b.is_ascii_digit() })
}

impl ProcessLock {
    /// Creates and locks a new process lock file, after removing the lock
    /// files of dead processes.
    ///
    /// The file is created and locked under a hidden name and only then
    /// renamed into place, so a visible lock file that is unlocked belongs
    /// to a dead process — which is what the clean-up relies on.
    pub(crate) fn create() -> Result<Self, i32> {
        ensure_dir(PROCESS_DIR)?;
        remove_dead();
        let pid = std::process::id();
        let stamp = clock::read(libc::CLOCK_REALTIME).as_nanos();
        for attempt in 0..16u64 {
            let id = std::format!("{pid:010}-{:020}", stamp.wrapping_add(attempt));
            let hidden = std::format!("{PROCESS_DIR}/.{id}.lock");
            let opened = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&hidden);
            let file = match opened {
                Ok(file) => file,
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(errno_of(&e)),
            };
            let locked = match record_lock::try_lock(&file, Owner::Process) {
                Ok(Lock::Acquired) => std::fs::rename(&hidden, lock_path(&id)).map_err(|e| errno_of(&e)),
                Ok(Lock::HeldElsewhere) => Err(libc::EAGAIN),
                Err(e) => Err(e),
            };
            if let Err(e) = locked {
                let _ = std::fs::remove_file(&hidden);
                return Err(e);
            }
            return Ok(Self { id, pid, _file: file });
        }
        Err(libc::EEXIST)
    }

    /// This process's id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Whether this lock was made by the calling process (false in a
    /// `fork`ed child, which inherits the value but not the record lock).
    pub(crate) fn is_current(&self) -> bool {
        self.pid == std::process::id()
    }
}

/// Whether the process `id` — never this process (INV-PROCLOCK) — lives:
/// `Alive` if another process holds its lock, `Dead` if not, or if its lock
/// file is gone or `id` is malformed.
pub(crate) fn state_of(id: &str) -> Result<NodeState, i32> {
    if !valid_id(id) {
        return Ok(NodeState::Dead);
    }
    let file = match File::open(lock_path(id)) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(NodeState::Dead),
        Err(e) => return Err(errno_of(&e)),
    };
    // Closing `file` afterwards is harmless: this process holds no lock on
    // another process's lock file.
    match record_lock::probe(&file, Owner::Process)? {
        Probe::Locked => Ok(NodeState::Alive),
        Probe::Unlocked => Ok(NodeState::Dead),
    }
}

/// Removes the lock files of dead processes (visible and unlocked). A
/// token that still names one reads as `Dead` either way.
fn remove_dead() {
    let Ok(entries) = std::fs::read_dir(PROCESS_DIR) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(id) = file_name.to_str().and_then(|n| n.strip_suffix(".lock")) else {
            continue;
        };
        // This process has no lock yet (INV-PROCLOCK holds trivially).
        if valid_id(id) && state_of(id) == Ok(NodeState::Dead) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_before_use() {
        assert!(valid_id("0000012345-00000000000000000042"));
        assert!(!valid_id("0000012345-0000000000000000004"));
        assert!(!valid_id("../../etc/passwd-00000000000000"));
        assert!(!valid_id("00000123450000000000000000000042"));
        assert_eq!(state_of("../x"), Ok(NodeState::Dead));
        assert_eq!(state_of("0000000000-00000000000000000000"), Ok(NodeState::Dead));
    }
}
