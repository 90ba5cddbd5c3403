//! Printing results: RON, JSON, YAML, or human-readable text — a whole
//! result at once ([`emit`]), or a stream of items ([`emit_item`]: one
//! line of JSON or RON per item, one YAML document per item).

use super::CliError;
use serde::Serialize;
use std::io::Write;

/// A machine-readable output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Rusty Object Notation.
    Ron,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// Prints `value` in `format`, or `human()` when no format was asked for.
pub(crate) fn emit<T: Serialize>(
    format: Option<Format>,
    value: &T,
    human: impl FnOnce() -> Result<String, CliError>,
) -> Result<(), CliError> {
    let text = match format {
        None => human()?,
        Some(Format::Json) => serde_json::to_string_pretty(value)?,
        Some(Format::Yaml) => serde_norway::to_string(value)?,
        Some(Format::Ron) => ron::ser::to_string_pretty(value, ron::ser::PrettyConfig::default())?,
    };
    write_out(text).map(drop)
}

/// Prints one item of a stream in `format`, or `human()`. Returns false
/// once stdout is closed (`iox2 service echo x | head`): the stream should end.
pub(crate) fn emit_item<T: Serialize>(
    format: Option<Format>,
    value: &T,
    human: impl FnOnce() -> String,
) -> Result<bool, CliError> {
    let text = match format {
        None => human(),
        Some(Format::Json) => serde_json::to_string(value)?,
        Some(Format::Yaml) => format!("---\n{}", serde_norway::to_string(value)?),
        Some(Format::Ron) => ron::ser::to_string(value)?,
    };
    write_out(text)
}

/// Writes `text` and a final newline to stdout; false if it is closed.
fn write_out(mut text: String) -> Result<bool, CliError> {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(true),
        // A closed pipe is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e.into()),
    }
}
