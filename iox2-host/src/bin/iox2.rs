//! `iox2`: the command-line client of iox2 — show and generate the
//! configuration, list the services on this machine.
//!
//! ```text
//! iox2 [-f ron|json|yaml] config show [system|current]
//! iox2 [-f ron|json|yaml] config generate [local|global] [--force]
//! iox2 [-f ron|json|yaml] service list
//! ```

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
