//! The configuration file (TOML): shared-memory settings, node settings,
//! and the default settings of a new service of every pattern
//! (publish-subscribe, event, request-response).
//!
//! [`Config::load`] searches, in order: `config/iox2.toml` in the current
//! directory, `$XDG_CONFIG_HOME/iox2/iox2.toml` (or
//! `$HOME/.config/iox2/iox2.toml` when `XDG_CONFIG_HOME` is unset or empty),
//! `/etc/iox2/iox2.toml`; the first file that exists is used, else the
//! built-in defaults. A file that exists but does not parse is an error, not
//! skipped. [`Config::load_from`] takes an explicit path instead (the
//! `iox2 --config <path>` option), and [`crate::NodeBuilder::config`] hands
//! a configuration to a node.
//!
//! ```
//! use iox2_host::config::Config;
//!
//! let config = Config::from_toml_str("[publish_subscribe]\nhistory = 1\n", "inline").unwrap();
//! assert_eq!(config.publish_subscribe.history, 1);
//! assert_eq!(config.publish_subscribe.max_subscribers, 8);
//! ```

use core::fmt;
use iox2_core::event::{EventQos, NO_EVENT};
use iox2_core::pubsub::PubSubQos;
use iox2_core::reqres::ReqResQos;
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
    /// The default settings of an event service.
    pub event: EventDefaults,
    /// The default settings of a request-response service.
    pub request_response: ReqResDefaults,
    /// The default settings of a blackboard.
    pub blackboard: BlackboardDefaults,
}

/// Shared-memory settings: where the tools ([`crate::inspect`], discovery,
/// `iox2`) look for services. The platform layer does not apply them yet:
/// its names are fixed (`/dev/shm/iox2_<name>`), so change them only to
/// point the tools at another mount of the same objects.
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

/// The settings of a node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NodeDefaults {
    /// The name of a node that is not given one (empty: unnamed).
    pub name: String,
    /// Whether a new node first reaps the dead nodes of every service on
    /// the machine, as `iox2 node cleanup` does (default false: services
    /// reap their dead nodes whenever they are opened or left anyway).
    pub cleanup_dead_nodes_on_creation: bool,
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
    /// Whether chunks have room for a send time that latency tools ask
    /// publishers for (default false: 8 bytes less per chunk).
    pub send_times: bool,
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
            send_times: q.send_times != 0,
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
            send_times: u32::from(d.send_times),
        }
    }
}

/// The default settings of an event service: the fields of [`EventQos`],
/// with iceoryx2's defaults; an event id or deadline left out is "none".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventDefaults {
    /// Most listeners at once (default 16).
    pub max_listeners: u32,
    /// Most notifiers at once (default 16).
    pub max_notifiers: u32,
    /// Most nodes attached at once (default 36).
    pub max_nodes: u32,
    /// The largest event id (default 255).
    pub event_id_max: u32,
    /// The longest allowed time between two notifications, in
    /// nanoseconds (default: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline_ns: Option<u64>,
    /// The id fired when a notifier is created (default: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifier_created_event: Option<u32>,
    /// The id fired when a notifier is dropped (default: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifier_dropped_event: Option<u32>,
    /// The id fired when a notifier's node is found dead (default: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifier_dead_event: Option<u32>,
}

impl Default for EventDefaults {
    fn default() -> Self {
        Self::from(EventQos::DEFAULT)
    }
}

impl From<EventQos> for EventDefaults {
    fn from(q: EventQos) -> Self {
        Self {
            max_listeners: q.max_listeners,
            max_notifiers: q.max_notifiers,
            max_nodes: q.max_nodes,
            event_id_max: q.event_id_max,
            deadline_ns: (q.deadline_ns != 0).then_some(q.deadline_ns),
            notifier_created_event: EventQos::optional(q.notifier_created_event),
            notifier_dropped_event: EventQos::optional(q.notifier_dropped_event),
            notifier_dead_event: EventQos::optional(q.notifier_dead_event),
        }
    }
}

impl From<EventDefaults> for EventQos {
    fn from(d: EventDefaults) -> Self {
        Self {
            max_listeners: d.max_listeners,
            max_notifiers: d.max_notifiers,
            max_nodes: d.max_nodes,
            event_id_max: d.event_id_max,
            deadline_ns: d.deadline_ns.unwrap_or(0),
            notifier_created_event: d.notifier_created_event.unwrap_or(NO_EVENT),
            notifier_dropped_event: d.notifier_dropped_event.unwrap_or(NO_EVENT),
            notifier_dead_event: d.notifier_dead_event.unwrap_or(NO_EVENT),
        }
    }
}

/// The default settings of a request-response service: the fields of
/// [`ReqResQos`], with iceoryx2's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReqResDefaults {
    /// Most clients at once (default 8).
    pub max_clients: u32,
    /// Most servers at once (default 2).
    pub max_servers: u32,
    /// Most nodes attached at once (default 20).
    pub max_nodes: u32,
    /// Requests one client may have open at once (default 4).
    pub max_active_requests: u32,
    /// Responses a server may queue per request (default 2).
    pub response_buffer: u32,
    /// Requests a client may have loaned at once (default 2).
    pub max_loaned_requests: u32,
    /// Responses a client may hold at once (default 2).
    pub max_borrowed_responses: u32,
    /// Responses a server may have loaned at once (default 2).
    pub max_loaned_responses: u32,
    /// Whether a full response buffer drops its oldest response (default
    /// true) or the server's send fails.
    pub safe_overflow: bool,
    /// Whether a request is handed to the server even when its client
    /// stopped waiting first (default true).
    pub fire_and_forget: bool,
}

impl Default for ReqResDefaults {
    fn default() -> Self {
        Self::from(ReqResQos::DEFAULT)
    }
}

impl From<ReqResQos> for ReqResDefaults {
    fn from(q: ReqResQos) -> Self {
        Self {
            max_clients: q.max_clients,
            max_servers: q.max_servers,
            max_nodes: q.max_nodes,
            max_active_requests: q.max_active_requests,
            response_buffer: q.response_buffer,
            max_loaned_requests: q.max_loaned_requests,
            max_borrowed_responses: q.max_borrowed_responses,
            max_loaned_responses: q.max_loaned_responses,
            safe_overflow: q.safe_overflow,
            fire_and_forget: q.fire_and_forget,
        }
    }
}

impl From<ReqResDefaults> for ReqResQos {
    fn from(d: ReqResDefaults) -> Self {
        Self {
            max_clients: d.max_clients,
            max_servers: d.max_servers,
            max_nodes: d.max_nodes,
            max_active_requests: d.max_active_requests,
            response_buffer: d.response_buffer,
            max_loaned_requests: d.max_loaned_requests,
            max_borrowed_responses: d.max_borrowed_responses,
            max_loaned_responses: d.max_loaned_responses,
            safe_overflow: d.safe_overflow,
            fire_and_forget: d.fire_and_forget,
        }
    }
}

/// The default settings of a blackboard (its keys are always the
/// creator's), with iceoryx2's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BlackboardDefaults {
    /// Most readers at once (default 8).
    pub max_readers: u32,
    /// Most nodes attached at once (default 20).
    pub max_nodes: u32,
}

impl Default for BlackboardDefaults {
    fn default() -> Self {
        Self {
            max_readers: iox2_core::blackboard::BlackboardQos::DEFAULT_MAX_READERS,
            max_nodes: iox2_core::blackboard::BlackboardQos::DEFAULT_MAX_NODES,
        }
    }
}

impl BlackboardDefaults {
    /// Checks the counts (the rest of a blackboard's settings come with its keys).
    fn check(&self) -> Result<(), QosError> {
        for (value, what) in [(self.max_readers, "max_readers"), (self.max_nodes, "max_nodes")] {
            if value == 0 {
                return Err(QosError::Zero(what));
            }
            if value > iox2_core::service::MAX_COUNT {
                return Err(QosError::TooLarge(what));
            }
        }
        Ok(())
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
    /// The file parses, but the defaults of one pattern are refused.
    Invalid {
        /// The file.
        path: PathBuf,
        /// The table concerned (`publish_subscribe`, `event`, ...).
        table: &'static str,
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
            Self::Invalid { path, table, reason } => {
                write!(f, "{}: invalid [{table}] settings: {reason}", path.display())
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

    /// The default settings of an event service as core QoS.
    pub fn event_qos(&self) -> EventQos {
        self.event.into()
    }

    /// The default settings of a request-response service as core QoS.
    pub fn reqres_qos(&self) -> ReqResQos {
        self.request_response.into()
    }

    /// Checks the defaults of every pattern, naming the first table refused.
    fn check(&self) -> Result<(), (&'static str, QosError)> {
        self.pubsub_qos().check().map_err(|e| ("publish_subscribe", e))?;
        self.event_qos().check().map_err(|e| ("event", e))?;
        self.reqres_qos().check().map_err(|e| ("request_response", e))?;
        self.blackboard.check().map_err(|e| ("blackboard", e))
    }

    /// Loads the file at `explicit` if one is given (it must exist), else
    /// searches the standard places like [`Config::load`].
    pub fn load_from(explicit: Option<&Path>) -> Result<(Self, ConfigSource), ConfigError> {
        match explicit {
            Some(path) => Ok((Self::from_path(path)?, ConfigSource::File(path.to_path_buf()))),
            None => Self::load(),
        }
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
        config.check().map_err(|(table, reason)| ConfigError::Invalid {
            path: path.to_path_buf(),
            table,
            reason,
        })?;
        Ok(config)
    }

    /// The configuration as a commented TOML file, as `iox2 config generate`
    /// writes it; parsing it gives `self` back.
    pub fn to_commented_toml(&self) -> String {
        let q = &self.publish_subscribe;
        let e = &self.event;
        let r = &self.request_response;
        let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
        // A setting that is "none" is written commented out, with an example.
        let optional = |key: &str, value: Option<u64>, example: u64| match value {
            Some(value) => format!("{key} = {value}"),
            None => format!("# {key} = {example}"),
        };
        format!(
            "\
# iox2 configuration.
#
# Searched, first found wins: config/iox2.toml (current directory),
# $XDG_CONFIG_HOME/iox2/iox2.toml (or $HOME/.config/iox2/iox2.toml),
# /etc/iox2/iox2.toml; else the built-in defaults. `iox2 --config <path>`
# and `NodeBuilder::config` take an explicit file instead. Every key is
# optional; an unknown key is an error.

[shared_memory]
# The directory shared-memory objects appear in (where the tools look).
root = {root}
# The prefix of every shared-memory object's name.
prefix = {prefix}

[node]
# The name of a node that is not given one (empty: unnamed).
name = {name}
# Whether a new node first reaps the dead nodes of every service, as
# `iox2 node cleanup` does.
cleanup_dead_nodes_on_creation = {cleanup}

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
# true: chunks have room for a send time (`iox2 service hz` shows latency).
send_times = {send_times}

[event]
# Default settings of a new event service (iceoryx2's defaults).
# Most listeners at once.
max_listeners = {max_listeners}
# Most notifiers at once.
max_notifiers = {max_notifiers}
# Most nodes attached to the service at once.
max_nodes = {event_max_nodes}
# The largest event id.
event_id_max = {event_id_max}
# The longest allowed time between two notifications, in nanoseconds
# (left out: no deadline).
{deadline}
# Event ids fired when a notifier is created, dropped, or found dead
# (left out: none).
{created}
{dropped}
{dead}

[request_response]
# Default settings of a new request-response service (iceoryx2's defaults).
# Most clients at once.
max_clients = {max_clients}
# Most servers at once.
max_servers = {max_servers}
# Most nodes attached to the service at once.
max_nodes = {reqres_max_nodes}
# Requests one client may have open at once.
max_active_requests = {max_active_requests}
# Responses a server may queue per request.
response_buffer = {response_buffer}
# Requests a client may have loaned and not yet sent.
max_loaned_requests = {max_loaned_requests}
# Responses a client may hold at once.
max_borrowed_responses = {max_borrowed_responses}
# Responses a server may have loaned and not yet sent.
max_loaned_responses = {max_loaned_responses}
# true: a full response buffer drops its oldest response; false: the send fails.
safe_overflow = {reqres_safe_overflow}
# true: a request is handed to the server even when its client stopped waiting.
fire_and_forget = {fire_and_forget}

[blackboard]
# Default settings of a new blackboard (its keys and values are the creator's).
# Most readers at once.
max_readers = {max_readers}
# Most nodes attached to the blackboard at once.
max_nodes = {blackboard_max_nodes}
",
            root = quote(&self.shared_memory.root.to_string_lossy()),
            prefix = quote(&self.shared_memory.prefix),
            name = quote(&self.node.name),
            cleanup = self.node.cleanup_dead_nodes_on_creation,
            max_publishers = q.max_publishers,
            max_subscribers = q.max_subscribers,
            max_nodes = q.max_nodes,
            subscriber_buffer = q.subscriber_buffer,
            history = q.history,
            max_loaned = q.max_loaned,
            max_borrowed = q.max_borrowed,
            safe_overflow = q.safe_overflow,
            max_slice_len = q.max_slice_len,
            send_times = q.send_times,
            max_listeners = e.max_listeners,
            max_notifiers = e.max_notifiers,
            event_max_nodes = e.max_nodes,
            event_id_max = e.event_id_max,
            deadline = optional("deadline_ns", e.deadline_ns, 500_000_000),
            created = optional("notifier_created_event", e.notifier_created_event.map(u64::from), 1),
            dropped = optional("notifier_dropped_event", e.notifier_dropped_event.map(u64::from), 2),
            dead = optional("notifier_dead_event", e.notifier_dead_event.map(u64::from), 3),
            max_clients = r.max_clients,
            max_servers = r.max_servers,
            reqres_max_nodes = r.max_nodes,
            max_active_requests = r.max_active_requests,
            response_buffer = r.response_buffer,
            max_loaned_requests = r.max_loaned_requests,
            max_borrowed_responses = r.max_borrowed_responses,
            max_loaned_responses = r.max_loaned_responses,
            reqres_safe_overflow = r.safe_overflow,
            fire_and_forget = r.fire_and_forget,
            max_readers = self.blackboard.max_readers,
            blackboard_max_nodes = self.blackboard.max_nodes,
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
