//! Printing results: RON, JSON, YAML, or human-readable text.

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
    let mut text = match format {
        None => human()?,
        Some(Format::Json) => serde_json::to_string_pretty(value)?,
        Some(Format::Yaml) => serde_norway::to_string(value)?,
        Some(Format::Ron) => ron::ser::to_string_pretty(value, ron::ser::PrettyConfig::default())?,
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        // A closed pipe (`iox2 ... | head`) is not an error of ours.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
