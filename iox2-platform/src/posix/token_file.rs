//! Token files: `<name>.node` holds the id of the process whose lock stands
//! for the node's life. Written whole (temporary file, then link or
//! rename), so a reader never sees a partial id.

use super::os::{ensure_dir, errno_of};
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::string::String;

/// Where token files live.
pub const NODES_DIR: &str = "/tmp/iox2/posix/nodes";

const SUFFIX: &str = ".node";

/// The longest token name (`NAME_MAX` minus the suffix).
pub const MAX_NAME_LEN: usize = 255 - SUFFIX.len();

/// The token file of node `name` (checked by the caller).
pub(crate) fn path(name: &str) -> String {
    std::format!("{NODES_DIR}/{name}{SUFFIX}")
}

/// The owner id in the token file at `path`; `None` if there is none.
pub(crate) fn read_owner(path: &str) -> Result<Option<String>, i32> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(String::from(text.trim_end()))),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(errno_of(&e)),
    }
}

/// The owner id in an open token file.
pub(crate) fn read_owner_of(mut file: &File) -> Result<String, i32> {
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| errno_of(&e))?;
    Ok(String::from(text.trim_end()))
}

/// Writes a temporary token file naming `owner` (unique by `serial`).
/// Temporary names start with `.`, which no token name can.
fn write_temp(owner: &str, serial: u64) -> Result<String, i32> {
    ensure_dir(NODES_DIR)?;
    let temp = std::format!("{NODES_DIR}/.tmp.{owner}.{serial}");
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .map_err(|e| errno_of(&e))?;
    if let Err(e) = file.write_all(std::format!("{owner}\n").as_bytes()) {
        let _ = std::fs::remove_file(&temp);
        return Err(errno_of(&e));
    }
    Ok(temp)
}

/// Creates the token file at `path` naming `owner`, only if none exists:
/// `Ok(false)` if one appeared first.
pub(crate) fn create(path: &str, owner: &str, serial: u64) -> Result<bool, i32> {
    let temp = write_temp(owner, serial)?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(errno_of(&e)),
    }
}

/// Replaces the token file at `path` by one naming `owner` (atomically).
pub(crate) fn replace(path: &str, owner: &str, serial: u64) -> Result<(), i32> {
    let temp = write_temp(owner, serial)?;
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        errno_of(&e)
    })
}

/// Opens the token file at `path` for locking; `None` if it is gone.
pub(crate) fn open(path: &str) -> Result<Option<File>, i32> {
    match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(errno_of(&e)),
    }
}

/// Whether `path` still names the file `file` is open on.
pub(crate) fn is_at(file: &File, path: &str) -> Result<bool, i32> {
    let open_file = file.metadata().map_err(|e| errno_of(&e))?;
    match std::fs::metadata(path) {
        Ok(named) => Ok(named.dev() == open_file.dev() && named.ino() == open_file.ino()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(errno_of(&e)),
    }
}
