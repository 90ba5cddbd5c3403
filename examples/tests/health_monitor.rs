//! Runs the health monitor example as a user would and checks that it saw
//! what it shows: a missed deadline and a dead node, then a clean exit.
//! (`cargo test` builds the examples beside the test binaries.)

mod common;

use common::run_example;

#[test]
fn health_monitor_reports_a_missed_deadline_and_a_dead_node() {
    let stdout = run_example("health_monitor");
    assert!(stdout.contains("sensor-b: missed deadline"), "{stdout}");
    assert!(stdout.contains("sensor-a: notifier dead (node reaped)"), "{stdout}");
    assert!(stdout.contains("late heartbeat"), "{stdout}");
}
