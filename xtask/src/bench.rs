//! `cargo xtask bench`: runs the benchmark binary (`xtask/bench`, package
//! `iox2-bench`) in release mode with the named suites.

use crate::Result;
use crate::cmd::Cmd;

/// `cargo run --release -p iox2-bench -- SUITE...`.
pub fn run(suites: &[String]) -> Result {
    Cmd::new("cargo")
        .args(["run", "--release", "-p", "iox2-bench", "--"])
        .args(suites.iter().cloned())
        .run()
}
