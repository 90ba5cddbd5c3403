//! Runs the filtered subscribe example as a user would and checks that
//! each subscriber got only the readings its filter asked for, five each,
//! that the server saw both cancels, and that everything exited cleanly.
//! (`cargo test` builds the examples beside the test binaries.)

mod common;

use common::run_example;

/// The readings subscriber `name` printed: `(sensor, temperature in °C)`.
fn readings_of(stdout: &str, name: &str) -> Vec<(u32, f64)> {
    let prefix = format!("[{name:<8}] #");
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .map(|rest| {
            // "<seq> sensor <id>: <t> °C"
            let (_, reading) = rest.split_once(" sensor ").expect("a reading line");
            let (id, temperature) = reading.split_once(": ").expect("a reading line");
            let temperature = temperature.trim_end_matches(" °C");
            (id.parse().unwrap(), temperature.parse().unwrap())
        })
        .collect()
}

/// How many readings the server sent the subscription with `filter`
/// before it saw the cancel.
fn sent_before_cancel(stdout: &str, filter: &str) -> u32 {
    let marker = format!("cancelled {filter}: sent ");
    let line = stdout
        .lines()
        .find(|line| line.starts_with("[sensors ] client") && line.contains(&marker))
        .unwrap_or_else(|| panic!("the server did not see the cancel of {filter}:\n{stdout}"));
    let (_, sent) = line.split_once(&marker).expect("found above");
    sent.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn filtered_subscribe_sends_each_subscriber_only_its_matches() {
    let stdout = run_example("filtered_subscribe");

    let hot = readings_of(&stdout, "hot");
    assert_eq!(hot.len(), 5, "{stdout}");
    assert!(hot.iter().all(|&(_, t)| t >= 24.0), "{hot:?}");
    let sensor_2 = readings_of(&stdout, "sensor-2");
    assert_eq!(sensor_2.len(), 5, "{stdout}");
    assert!(sensor_2.iter().all(|&(id, _)| id == 2), "{sensor_2:?}");

    assert!(stdout.contains("[hot     ] got 5 readings, cancelled"), "{stdout}");
    assert!(stdout.contains("[sensor-2] got 5 readings, cancelled"), "{stdout}");
    // The server may send a match or two more before it sees a cancel.
    assert!(
        sent_before_cancel(&stdout, "(any sensor, at least 24.0 °C)") >= 5,
        "{stdout}"
    );
    assert!(sent_before_cancel(&stdout, "(sensor 2)") >= 5, "{stdout}");
    assert!(stdout.contains("subscriber hot ended: exit status: 0"), "{stdout}");
    assert!(stdout.contains("subscriber sensor-2 ended: exit status: 0"), "{stdout}");
}
