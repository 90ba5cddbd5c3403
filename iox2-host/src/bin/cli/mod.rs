//! The commands of `iox2`, their arguments, what they share (the output
//! format, the configuration, a node of their own), and how a failure is
//! reported: one line on stderr and exit status 1 (2 for bad arguments,
//! from clap), never a panic.

mod config;
mod decode;
mod discovery;
mod node;
mod output;
mod service;
mod watch;

use clap::{Parser, Subcommand};
use core::fmt;
use iox2_host::config::{Config, ConfigSource};
use iox2_host::prelude::{Linux, Node, NodeBuilder};
use output::Format;
use std::path::PathBuf;
use std::process::ExitCode;

/// The command line.
#[derive(Debug, Parser)]
#[command(name = "iox2", version, about = "The iox2 command-line client")]
struct Cli {
    /// Print results as RON, JSON or YAML instead of human-readable text.
    #[arg(short, long, global = true, value_enum)]
    format: Option<Format>,
    /// Use this configuration file instead of searching config/iox2.toml,
    /// the user's and the system's.
    #[arg(short, long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show or generate the configuration.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Inspect and clean up the nodes on this machine.
    #[command(subcommand)]
    Node(node::NodeCommand),
    /// Inspect the services on this machine, watch one, run discovery.
    #[command(subcommand)]
    Service(service::ServiceCommand),
}

/// What every command gets: how to print, and where the configuration is.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) format: Option<Format>,
    config: Option<PathBuf>,
}

impl Context {
    /// The configuration in force: the `--config` file, or the first one
    /// found, or the defaults.
    pub(crate) fn config(&self) -> Result<(Config, ConfigSource), CliError> {
        Ok(Config::load_from(self.config.as_deref())?)
    }

    /// A node of this process, named `name`, with the configuration in force.
    pub(crate) fn node(&self, name: &str) -> Result<Node<Linux>, CliError> {
        let (config, _) = self.config()?;
        Ok(NodeBuilder::new().name(name)?.config(&config).create::<Linux>()?)
    }
}

/// A failed command: a message for the user.
#[derive(Debug)]
pub(crate) struct CliError(pub(crate) String);

impl CliError {
    /// The error `e` about `what` (a service, a node...).
    pub(crate) fn about(what: impl fmt::Display, e: impl fmt::Display) -> Self {
        Self(format!("{what}: {e}"))
    }
}

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
    let context = Context {
        format: cli.format,
        config: cli.config,
    };
    let result = match cli.command {
        Command::Config(command) => config::run(command, &context),
        Command::Node(command) => node::run(command, &context),
        Command::Service(command) => service::run(command, &context),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iox2: error: {e}");
            ExitCode::FAILURE
        }
    }
}
