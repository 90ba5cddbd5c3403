//! `iox2`: the command-line client of iox2 — inspect and clean up the
//! nodes and services on this machine, watch a service, run service
//! discovery, show and generate the configuration.
//!
//! ```text
//! iox2 [-f ron|json|yaml] [-c <config.toml>] <command>
//!   node list | details <id|name> | cleanup [<id|name>...]
//!   service list | details <name> | discovery [--snapshot] | hz <name> | echo <name> [--fields SPEC]
//!   config show [system|current] | generate [local|global] [--force]
//! ```

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
