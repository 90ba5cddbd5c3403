//! Runs the health monitor example as a user would and checks that it saw
//! what it shows: a missed deadline and a dead node, then a clean exit.
//! (`cargo test` builds the examples beside the test binaries.)

use std::path::PathBuf;
use std::process::Command;

/// The example's binary: `target/<profile>/examples/health_monitor`.
fn example() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary sits in <profile>/deps");
    profile_dir.join("examples").join("health_monitor")
}

#[test]
fn health_monitor_reports_a_missed_deadline_and_a_dead_node() {
    let output = Command::new(example())
        .output()
        .expect("run the health_monitor example (built by `cargo test`)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}\n{stdout}\n{stderr}", output.status);
    assert!(stdout.contains("sensor-b: missed deadline"), "{stdout}");
    assert!(stdout.contains("sensor-a: notifier dead (node reaped)"), "{stdout}");
    assert!(stdout.contains("late heartbeat"), "{stdout}");
}
