//! The configuration file (TOML): shared-memory settings, the defaults of a
//! node, and the default settings of a publish-subscribe service.
//!
//! [`Config::load`] searches, in order: `config/iox2.toml` in the current
//! directory, `$XDG_CONFIG_HOME/iox2/iox2.toml` (or
//! `$HOME/.config/iox2/iox2.toml` when `XDG_CONFIG_HOME` is unset or empty),
//! `/etc/iox2/iox2.toml`; the first file that exists is used, else the
//! built-in defaults. A file that exists but does not parse is an error, not
//! skipped.
//!
//! ```
//! use iox2_host::config::Config;
//!
//! let config = Config::from_toml_str("[publish_subscribe]\nhistory = 1\n", "inline").unwrap();
//! assert_eq!(config.publish_subscribe.history, 1);
//! assert_eq!(config.publish_subscribe.max_subscribers, 8);
//! ```

use core::fmt;
use iox2_core::pubsub::PubSubQos;
use iox2_core::service::QosError;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The path of the local configuration file, relative to the current directory.
pub const LOCAL_PATH: &str = "config/iox2.toml";
/// The path of the system-wide configuration file.
pub const SYSTEM_PATH: &str = "/etc/iox2/iox2.toml";

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where and under which names shared memory lives.
    pub shared_memory: SharedMemory,
    /// The defaults of a node.
    pub node: NodeDefaults,
    /// The default settings of a publish-subscribe service.
    pub publish_subscribe: PubSubDefaults,
}

/// Shared-memory settings (recorded; not yet applied by the platform layer,
/// whose names are fixed: `/dev/shm/iox2_<name>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SharedMemory {
    /// The directory the shared-memory objects appear in.
    pub root: PathBuf,
    /// The prefix of every shared-memory object's name.
    pub prefix: String,
}

impl Default for SharedMemory {
    fn default() -> Self {
        Self {
            root: PathBuf::from("/dev/shm"),
            prefix: String::from("iox2_"),
        }
    }
}

/// The defaults of a node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NodeDefaults {
    /// The name of a node that is not given one (empty: unnamed).
    pub name: String,
}

/// The default settings of a publish-subscribe service: the fields of
/// [`PubSubQos`], with iceoryx2's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PubSubDefaults {
    /// Most publishers at once (default 2).
    pub max_publishers: u32,
    /// Most subscribers at once (default 8).
    pub max_subscribers: u32,
    /// Most nodes attached at once (default 20).
    pub max_nodes: u32,
    /// Samples a subscriber's buffer holds (default 2).
    pub subscriber_buffer: u32,
    /// Samples kept for late joiners (default 0); at most the buffer.
    pub history: u32,
    /// Samples one publisher may have loaned at once (default 2).
    pub max_loaned: u32,
    /// Samples one subscriber may hold at once (default 2).
    pub max_borrowed: u32,
    /// Whether a full buffer drops its oldest sample (default true) or the
    /// publisher meets backpressure.
    pub safe_overflow: bool,
    /// For slice payloads, the most elements per sample (default 1).
    pub max_slice_len: u32,
}

impl Default for PubSubDefaults {
    fn default() -> Self {
        Self::from(PubSubQos::DEFAULT)
    }
}

impl From<PubSubQos> for PubSubDefaults {
    fn from(q: PubSubQos) -> Self {
        Self {
            max_publishers: q.max_publishers,
            max_subscribers: q.max_subscribers,
            max_nodes: q.max_nodes,
            subscriber_buffer: q.subscriber_buffer,
            history: q.history,
            max_loaned: q.max_loaned,
            max_borrowed: q.max_borrowed,
            safe_overflow: q.safe_overflow != 0,
            max_slice_len: q.max_slice_len,
        }
    }
}

impl From<PubSubDefaults> for PubSubQos {
    fn from(d: PubSubDefaults) -> Self {
        Self {
            max_publishers: d.max_publishers,
            max_subscribers: d.max_subscribers,
            max_nodes: d.max_nodes,
            subscriber_buffer: d.subscriber_buffer,
            history: d.history,
            max_loaned: d.max_loaned,
            max_borrowed: d.max_borrowed,
            safe_overflow: u32::from(d.safe_overflow),
            max_slice_len: d.max_slice_len,
        }
    }
}

/// Where a loaded configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// This file.
    File(PathBuf),
    /// No file was found: the built-in defaults.
    Defaults,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Defaults => f.write_str("built-in defaults"),
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug)]
pub enum ConfigError {
    /// The file exists but could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key, or a value of the
    /// wrong type.
    Parse {
        /// The file.
        path: PathBuf,
        /// The line (1-based), if known.
        line: Option<usize>,
        /// The column (1-based), if known.
        column: Option<usize>,
        /// The dotted key concerned (`publish_subscribe.history`), if known.
        key: Option<String>,
        /// The parser's message.
        message: String,
    },
    /// The file parses, but its publish-subscribe defaults are refused.
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: QosError,
    },
}

impl ConfigError {
    /// The file concerned.
    pub fn path(&self) -> &Path {
        match self {
            Self::Io { path, .. } | Self::Parse { path, .. } | Self::Invalid { path, .. } => path,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: cannot read: {source}", path.display()),
            Self::Parse {
                path,
                line,
                column,
                key,
                message,
            } => {
                write!(f, "{}", path.display())?;
                if let Some(line) = line {
                    write!(f, ":{line}")?;
                    if let Some(column) = column {
                        write!(f, ":{column}")?;
                    }
                }
                if let Some(key) = key {
                    write!(f, ": key `{key}`")?;
                }
                write!(f, ": {message}")
            }
            Self::Invalid { path, reason } => {
                write!(f, "{}: invalid [publish_subscribe] settings: {reason}", path.display())
            }
        }
    }
}

impl core::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Invalid { reason, .. } => Some(reason),
            Self::Parse { .. } => None,
        }
    }
}

impl Config {
    /// The built-in defaults.
    pub fn system() -> Self {
        Self::default()
    }

    /// The default settings of a publish-subscribe service as core QoS.
    pub fn pubsub_qos(&self) -> PubSubQos {
        self.publish_subscribe.into()
    }

    /// Searches the standard places (see the module docs) and loads the
    /// first file found, or returns the defaults.
    pub fn load() -> Result<(Self, ConfigSource), ConfigError> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let candidates = search_paths(
            &cwd,
            std::env::var_os("XDG_CONFIG_HOME"),
            std::env::var_os("HOME"),
            Path::new(SYSTEM_PATH),
        );
        Self::load_first(&candidates)
    }

    /// Loads the first of `candidates` that exists, or returns the defaults.
    pub fn load_first(candidates: &[PathBuf]) -> Result<(Self, ConfigSource), ConfigError> {
        for path in candidates {
            match std::fs::read_to_string(path) {
                Ok(text) => return Ok((Self::from_toml_str(&text, path)?, ConfigSource::File(path.clone()))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(ConfigError::Io {
                        path: path.clone(),
                        source,
                    });
                }
            }
        }
        Ok((Self::default(), ConfigSource::Defaults))
    }

    /// Loads the file at `path`.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text, path)
    }

    /// Parses `text`; `path` names it in errors.
    pub fn from_toml_str(text: &str, path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let config: Self = toml::from_str(text).map_err(|e| parse_error(text, path, &e))?;
        config.pubsub_qos().check().map_err(|reason| ConfigError::Invalid {
            path: path.to_path_buf(),
            reason,
        })?;
        Ok(config)
    }

    /// The configuration as a commented TOML file, as `iox2 config generate`
    /// writes it; parsing it gives `self` back.
    pub fn to_commented_toml(&self) -> String {
        let q = &self.publish_subscribe;
        let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
        format!(
            "\
# iox2 configuration.
#
# Searched, first found wins: config/iox2.toml (current directory),
# $XDG_CONFIG_HOME/iox2/iox2.toml (or $HOME/.config/iox2/iox2.toml),
# /etc/iox2/iox2.toml; else the built-in defaults. Every key is optional;
# an unknown key is an error.

[shared_memory]
# The directory shared-memory objects appear in.
root = {root}
# The prefix of every shared-memory object's name.
prefix = {prefix}

[node]
# The name of a node that is not given one (empty: unnamed).
name = {name}

[publish_subscribe]
# Default settings of a new publish-subscribe service (iceoryx2's defaults).
# Most publishers at once.
max_publishers = {max_publishers}
# Most subscribers at once.
max_subscribers = {max_subscribers}
# Most nodes attached to the service at once.
max_nodes = {max_nodes}
# Samples a subscriber's buffer holds before overflow or backpressure.
subscriber_buffer = {subscriber_buffer}
# Samples kept for late joiners; at most subscriber_buffer.
history = {history}
# Samples one publisher may have loaned and not yet sent.
max_loaned = {max_loaned}
# Samples one subscriber may hold at once.
max_borrowed = {max_borrowed}
# true: a full subscriber buffer drops its oldest sample; false: backpressure.
safe_overflow = {safe_overflow}
# For slice payloads, the most elements per sample.
max_slice_len = {max_slice_len}
",
            root = quote(&self.shared_memory.root.to_string_lossy()),
            prefix = quote(&self.shared_memory.prefix),
            name = quote(&self.node.name),
            max_publishers = q.max_publishers,
            max_subscribers = q.max_subscribers,
            max_nodes = q.max_nodes,
            subscriber_buffer = q.subscriber_buffer,
            history = q.history,
            max_loaned = q.max_loaned,
            max_borrowed = q.max_borrowed,
            safe_overflow = q.safe_overflow,
            max_slice_len = q.max_slice_len,
        )
    }
}

/// The user's configuration file: `$XDG_CONFIG_HOME/iox2/iox2.toml`, or
/// `$HOME/.config/iox2/iox2.toml`; `None` if neither variable is set.
pub fn user_path(xdg_config_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    match xdg_config_home.filter(|x| !x.is_empty()) {
        Some(xdg) => Some(PathBuf::from(xdg).join("iox2").join("iox2.toml")),
        None => home
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".config").join("iox2").join("iox2.toml")),
    }
}

/// The user's configuration file from the environment (see [`user_path`]).
pub fn user_path_from_env() -> Option<PathBuf> {
    user_path(std::env::var_os("XDG_CONFIG_HOME"), std::env::var_os("HOME"))
}

/// The files [`Config::load`] tries, in order, given the current directory,
/// the values of `XDG_CONFIG_HOME` and `HOME`, and the system file.
pub fn search_paths(
    cwd: &Path,
    xdg_config_home: Option<OsString>,
    home: Option<OsString>,
    system: &Path,
) -> Vec<PathBuf> {
    let mut paths = vec![cwd.join(LOCAL_PATH)];
    paths.extend(user_path(xdg_config_home, home));
    paths.push(system.to_path_buf());
    paths
}

/// Turns toml's error into one naming the file, the line and the key.
fn parse_error(text: &str, path: &Path, error: &toml::de::Error) -> ConfigError {
    let message = error.message().trim().to_owned();
    let (line, column, key) = match error.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            let key = key_at(text, span.start, &message);
            (Some(line), Some(column), key)
        }
        None => (None, None, unknown_field(&message)),
    };
    ConfigError::Parse {
        path: path.to_path_buf(),
        line,
        column,
        key,
        message,
    }
}

/// The 1-based line and column (in characters) of byte `offset`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The name in "unknown field `name`, expected ...".
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest[..rest.find('`')?].to_owned())
}

/// The dotted key of the `key = value` line at `offset`, under the nearest
/// `[table]` header above it; for an unknown field, the field named in the
/// message under that table.
fn key_at(text: &str, offset: usize, message: &str) -> Option<String> {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text[line_start..line_end].trim();
    let table = text[..line_start].lines().rev().find_map(|l| {
        let l = l.trim();
        (l.starts_with('[') && !l.starts_with("[[")).then(|| l.trim_start_matches('[').split(']').next().unwrap_or(""))
    });
    let (table, leaf) = if line.starts_with('[') {
        // The error is in a table header itself (e.g. an unknown table).
        (
            None,
            line.trim_start_matches('[')
                .split(']')
                .next()
                .map(str::trim)
                .map(str::to_owned),
        )
    } else if let Some(field) = unknown_field(message) {
        (table, Some(field))
    } else {
        (table, line.split_once('=').map(|(k, _)| k.trim().to_owned()))
    };
    let leaf = leaf.filter(|l| !l.is_empty())?;
    Some(match table.map(str::trim).filter(|t| !t.is_empty()) {
        Some(table) if !line.starts_with('[') => format!("{table}.{leaf}"),
        _ => leaf,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_iceoryx2s() {
        let q = Config::default().publish_subscribe;
        assert_eq!(
            (
                q.max_publishers,
                q.max_subscribers,
                q.max_nodes,
                q.subscriber_buffer,
                q.history
            ),
            (2, 8, 20, 2, 0)
        );
        assert_eq!(
            (q.max_loaned, q.max_borrowed, q.safe_overflow, q.max_slice_len),
            (2, 2, true, 1)
        );
        assert_eq!(Config::default().pubsub_qos(), PubSubQos::DEFAULT);
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_column("ab\ncd\n", 0), (1, 1));
        assert_eq!(line_column("ab\ncd\n", 4), (2, 2));
    }

    #[test]
    fn key_of_a_line() {
        let text = "[node]\nname = 1\n";
        assert_eq!(key_at(text, 14, "invalid type"), Some("node.name".into()));
        assert_eq!(key_at("[bogus]\n", 1, "unknown field `bogus`"), Some("bogus".into()));
    }
}
