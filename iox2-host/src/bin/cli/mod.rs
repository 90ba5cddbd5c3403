//! The commands of `iox2`, their arguments, and how results are printed.

mod config;
mod output;
mod service;

use clap::{Parser, Subcommand};
use core::fmt;
use output::Format;
use std::process::ExitCode;

/// The command line.
#[derive(Debug, Parser)]
#[command(name = "iox2", version, about = "The iox2 command-line client")]
struct Cli {
    /// Print results as RON, JSON or YAML instead of human-readable text.
    #[arg(short, long, global = true, value_enum)]
    format: Option<Format>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show or generate the configuration.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Inspect the services on this machine.
    #[command(subcommand)]
    Service(service::ServiceCommand),
}

/// A failed command: a message for the user.
#[derive(Debug)]
pub(crate) struct CliError(pub(crate) String);

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: core::error::Error> From<E> for CliError {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

/// Parses the command line, runs the command, and reports a failure on
/// stderr with a non-zero exit status.
pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Config(command) => config::run(command, cli.format),
        Command::Service(command) => service::run(command, cli.format),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iox2: error: {e}");
            ExitCode::FAILURE
        }
    }
}
