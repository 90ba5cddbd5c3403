//! Source checks that no compiler lint can make: every atomic of the
//! lock-free crates comes from their loom-switchable `sync` module.
//!
//! (Clippy's `disallowed-types` cannot do this: it matches the resolved
//! type, so it would also flag the `sync` module's own re-exports.)

use std::fs;
use std::path::{Path, PathBuf};

use crate::cmd::workspace_root;
use crate::{Failure, Result};

/// The crates whose atomics loom must see.
const CRATES: &[&str] = &["iox2-core/src", "iox2-platform/src"];

/// Paths that bypass the `sync` module.
const FORBIDDEN: &[&str] = &["core::sync::atomic", "std::sync::atomic"];

/// Fails if a file of [`CRATES`] other than a `sync.rs` names an atomic
/// path from [`FORBIDDEN`].
pub fn atomics_through_sync() -> Result {
    let root = workspace_root();
    let mut offences = Vec::new();
    for dir in CRATES {
        for file in rust_files(&root.join(dir))? {
            if file.file_name().is_some_and(|name| name == "sync.rs") {
                continue;
            }
            let text = fs::read_to_string(&file).map_err(|e| Failure::new(format!("read {}: {e}", file.display())))?;
            for (number, line) in text.lines().enumerate() {
                if FORBIDDEN.iter().any(|path| line.contains(path)) && !line.trim_start().starts_with("//") {
                    offences.push(format!("{}:{}: {}", file.display(), number + 1, line.trim()));
                }
            }
        }
    }
    if offences.is_empty() {
        println!("atomics: every use goes through a `sync` module");
        Ok(())
    } else {
        Err(Failure::new(format!(
            "atomics must come from the crate's `sync` module (loom-switchable):\n{}",
            offences.join("\n")
        )))
    }
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| Failure::new(format!("read {}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry
            .map_err(|e| Failure::new(format!("read {}: {e}", dir.display())))?
            .path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    Ok(files)
}
