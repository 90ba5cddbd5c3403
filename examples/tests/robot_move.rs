//! Runs the robot move example as a user would and checks that it showed
//! both commands: one followed to arrival (the stream completed), one
//! cancelled midway (the robot stopped short), then a clean exit.
//! (`cargo test` builds the examples beside the test binaries.)

mod common;

use common::run_example;

#[test]
fn robot_move_completes_one_command_and_stops_on_a_cancel() {
    let stdout = run_example("robot_move");
    // Command 1: progress, arrival, and the end of the stream.
    assert!(stdout.contains("[operator] command 1 step  1: at"), "{stdout}");
    assert!(
        stdout.contains("[robot   ] command 1: arrived at (0.40, 0.30)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[operator] command 1: arrived (stream completed)"),
        "{stdout}"
    );
    // Command 2: five updates, the cancel, and the robot stopping short.
    assert!(stdout.contains("[operator] command 2 step  5: at"), "{stdout}");
    assert!(stdout.contains("[operator] command 2: cancelled"), "{stdout}");
    let stopped = stdout
        .lines()
        .find(|line| line.starts_with("[robot   ] command 2: operator cancelled, stopped at"))
        .unwrap_or_else(|| panic!("the robot did not stop on the cancel:\n{stdout}"));
    assert!(!stopped.contains(" 0.00 m short"), "{stopped}");
    assert!(!stdout.contains("command 2: arrived"), "{stdout}");
    assert!(stdout.contains("operator ended (exit status: 0)"), "{stdout}");
}
