//! Running an example as a user would, for the tests beside this module:
//! `cargo test` builds the examples into `target/<profile>/examples/`,
//! next to the test binaries' `deps/`.

use std::process::Command;

/// Runs example `name` to its end and returns its stdout; panics (with
/// both streams) unless it exits successfully.
pub fn run_example(name: &str) -> String {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary sits in <profile>/deps");
    let output = Command::new(profile_dir.join("examples").join(name))
        .output()
        .unwrap_or_else(|e| panic!("run the {name} example (built by `cargo test`): {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}\n{stdout}\n{stderr}", output.status);
    stdout
}
