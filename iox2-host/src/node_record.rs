//! Node records: a small JSON file per node that any process can read —
//! the node's id, name, process id and executable — so tools can say who a
//! node id in a service registry is. Written when the node is created
//! (whole: a temporary file renamed into place), removed when it is dropped
//! or when a cleanup finds it dead.
//!
//! Records live in `nodes/` under the platform's lock directory
//! (`/dev/shm/iox2.locks/nodes/iox2n_<id>.json` on `linux`), on the same
//! tmpfs as the regions, so they do not outlive a reboot. A record is
//! informational: the liveness token alone says whether a node lives, and
//! a node whose record could not be written works all the same.

use crate::lock::HostPlatform;
use crate::node::token_name;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a node's record says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeRecord {
    /// The node's id (its liveness token is named after it).
    pub id: u64,
    /// The node's name (empty: unnamed).
    pub name: String,
    /// The id of the process that created the node.
    pub pid: u32,
    /// The executable of that process, as far as it could be found.
    pub executable: String,
    /// When the node was created: milliseconds since the Unix epoch.
    pub created_unix_ms: u64,
}

impl NodeRecord {
    /// The record of a node created now by this process.
    pub(crate) fn of_this_process(id: u64, name: &str) -> Self {
        let executable = std::env::current_exe()
            .map(|path| path.to_string_lossy().into_owned())
            .unwrap_or_default();
        let created_unix_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Self {
            id,
            name: name.to_owned(),
            pid: std::process::id(),
            executable,
            created_unix_ms,
        }
    }

    /// Writes the record of platform `P`'s node; the returned guard removes
    /// it when dropped.
    pub(crate) fn publish<P: HostPlatform>(&self) -> std::io::Result<RecordFile> {
        let dir = record_dir::<P>();
        std::fs::create_dir_all(&dir)?;
        let path = record_path::<P>(self.id);
        let temp = dir.join(format!(".{}.{}.tmp", token_name(self.id), std::process::id()));
        let text = serde_json::to_string(self).map_err(std::io::Error::other)?;
        let written = std::fs::File::create(&temp)
            .and_then(|mut file| file.write_all(text.as_bytes()))
            .and_then(|()| std::fs::rename(&temp, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written.map(|()| RecordFile { path })
    }

    /// Reads the record of node `id` of platform `P`: `None` if there is
    /// none, or if it is not a record of that node (records are written by
    /// other processes and are not trusted).
    pub fn read<P: HostPlatform>(id: u64) -> Option<Self> {
        read_record(&record_path::<P>(id)).filter(|record| record.id == id)
    }

    /// Whether node `id` of platform `P` has a record.
    pub(crate) fn exists<P: HostPlatform>(id: u64) -> bool {
        record_path::<P>(id).exists()
    }

    /// Every record of platform `P`, in no particular order.
    pub fn list<P: HostPlatform>() -> Vec<Self> {
        let Ok(entries) = std::fs::read_dir(record_dir::<P>()) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|entry| {
                let id = record_id(entry.file_name().to_str()?)?;
                read_record(&entry.path()).filter(|record| record.id == id)
            })
            .collect()
    }

    /// Removes the record of node `id` of platform `P`, if there is one.
    pub(crate) fn remove<P: HostPlatform>(id: u64) -> std::io::Result<()> {
        match std::fs::remove_file(record_path::<P>(id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// A written record; dropping it removes the file.
#[derive(Debug)]
pub(crate) struct RecordFile {
    path: PathBuf,
}

impl Drop for RecordFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The directory of platform `P`'s node records.
pub fn record_dir<P: HostPlatform>() -> PathBuf {
    P::lock_dir().join("nodes")
}

fn record_path<P: HostPlatform>(id: u64) -> PathBuf {
    record_dir::<P>().join(format!("{}.json", token_name(id)))
}

/// The node id in a record's file name, `iox2n_<16 hex digits>.json`.
fn record_id(file_name: &str) -> Option<u64> {
    token_id(file_name.strip_suffix(".json")?)
}

/// The node id in a liveness token name, `iox2n_<16 hex digits>`.
pub(crate) fn token_id(token: &str) -> Option<u64> {
    hex16(token.strip_prefix("iox2n_")?)
}

/// Exactly 16 hex digits as a number (as ids and hashes appear in names).
pub(crate) fn hex16(hex: &str) -> Option<u64> {
    (hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u64::from_str_radix(hex, 16).ok())
        .flatten()
}

fn read_record(path: &Path) -> Option<NodeRecord> {
    // A record is a few hundred bytes; refuse anything much larger.
    let text = std::fs::read_to_string(path).ok().filter(|t| t.len() <= 64 * 1024)?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_names() {
        let id = 0x0123_4567_89ab_cdef;
        assert_eq!(token_id(&token_name(id)), Some(id));
        assert_eq!(record_id(&format!("{}.json", token_name(id))), Some(id));
        assert_eq!(record_id("iox2n_0123.json"), None);
        assert_eq!(record_id("iox2n_0123456789abcdeg.json"), None);
        assert_eq!(record_id(".iox2n_0123456789abcdef.1.tmp"), None);
    }
}
