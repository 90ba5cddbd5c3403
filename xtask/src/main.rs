//! iox2's task runner, run as `cargo xtask <COMMAND>` (an alias in
//! `.cargo/config.toml`).
//!
//! - `cargo xtask test [STAGE...]`: the test ladder, cheapest stage first,
//!   stopping at the first failure (`--list` names the stages);
//! - `cargo xtask bench [SUITE...]`: the benchmarks of `xtask/bench`;
//! - `cargo xtask qemu`: the board firmware under `boards/` in QEMU (the
//!   ladder's `qemu` stage on its own);
//! - `cargo xtask size`: flash and RAM of every board's firmware, checked
//!   against `boards/<board>/size.txt` (the ladder's `size` stage);
//! - `cargo xtask demo`: a publisher and a subscriber process talking.
//!
//! Only std and clap, so that it builds in seconds on a fresh clone.

mod bench;
mod cmd;
mod demo;
mod ladder;
mod lint;
mod qemu;
mod setup;
mod size;
mod stages;

use core::fmt;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What `cargo xtask` can do.
#[derive(Debug, Parser)]
#[command(name = "xtask", bin_name = "cargo xtask", about = "iox2's task runner")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the test ladder (all stages, or the named ones, in ladder order).
    Test {
        /// List the stages and exit.
        #[arg(long, conflicts_with = "stages")]
        list: bool,
        /// Stages to run; all of them when none is named.
        #[arg(value_name = "STAGE", value_parser = ladder::stage_names())]
        stages: Vec<String>,
    },
    /// Run the demo: a publisher process and a subscriber process talking
    /// over shared memory.
    Demo,
    /// Run every board's firmware under `boards/` in QEMU and compare its
    /// output with the board's `expected.txt` (the ladder's `qemu` stage).
    Qemu,
    /// Build every board's firmware (release), measure flash and RAM with
    /// llvm-size, and fail if one grew more than 10% over the board's
    /// `size.txt` (the ladder's `size` stage).
    Size {
        /// Store the measured figures in every `boards/<board>/size.txt`
        /// instead of checking them.
        #[arg(long)]
        update: bool,
    },
    /// Run benchmark suites in release mode (`cargo run --release -p iox2-bench`).
    Bench {
        /// Suites to run (e.g. `queues`); all of them when none is named.
        #[arg(value_name = "SUITE")]
        suites: Vec<String>,
    },
}

/// Why a task failed: a message naming what went wrong (for a subprocess,
/// the command line and how it ended).
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    /// A failure with the given explanation.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The result of a task.
pub type Result<T = ()> = core::result::Result<T, Failure>;

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Test { list: true, .. } => {
            ladder::print_list();
            Ok(())
        }
        Command::Test { stages, .. } => ladder::run(&stages),
        Command::Bench { suites } => bench::run(&suites),
        Command::Demo => demo::run(),
        Command::Qemu => qemu::run(),
        Command::Size { update } => size::run(update),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::FAILURE
        }
    }
}
