//! `cargo xtask bench`: runs the benchmark binary (`xtask/bench`, package
//! `iox2-bench`) with the `bench` profile (release + thin LTO) and the named suites.

use crate::Result;
use crate::cmd::Cmd;

/// `cargo run --profile bench -p iox2-bench -- SUITE...`.
pub fn run(suites: &[String]) -> Result {
    Cmd::new("cargo")
        .args(["run", "--profile", "bench", "-p", "iox2-bench", "--"])
        .args(suites.iter().cloned())
        .run()
}
