//! iox2's benchmarks, run by `cargo xtask bench [SUITE...]` (all suites
//! when none is named).
//!
//! The harness: [`pin`] binds the two sides to CPUs 0 and 1, [`timer`]
//! reads a cycle counter, [`rounds`] interleaves the implementations with a
//! baseline round by round, [`stats`] and [`report`] reduce the samples,
//! [`table`] prints them and [`csv`] writes `target/bench/<suite>.csv`.
//! [`pingpong`] is the two-process harness of the cross-process suites.
//! Suites: [`queues`], [`pubsub`], [`event`], [`reqres`].

mod csv;
mod event;
mod pin;
mod pingpong;
mod pubsub;
mod queues;
mod report;
mod reqres;
mod rounds;
mod stats;
mod table;
mod timer;

use std::env;
use std::process::ExitCode;

use report::Case;
use timer::Timer;

/// A named list of cases.
struct Suite {
    name: &'static str,
    cases: &'static [fn(&Timer) -> Case],
}

/// Every suite, in the order they run.
const SUITES: &[Suite] = &[
    Suite {
        name: "queues",
        cases: queues::CASES,
    },
    Suite {
        name: "pubsub",
        cases: pubsub::CASES,
    },
    Suite {
        name: "event",
        cases: event::CASES,
    },
    Suite {
        name: "reqres",
        cases: reqres::CASES,
    },
];

fn main() -> ExitCode {
    let names: Vec<String> = env::args().skip(1).collect();
    // The cross-process suites start this binary again as their receivers.
    if names.first().map(String::as_str) == Some(pingpong::ROLE_ARG) {
        return pingpong::receiver_main(&names[1..], &[pubsub::receivers, event::receivers, reqres::receivers]);
    }
    let known: Vec<&str> = SUITES.iter().map(|suite| suite.name).collect();
    if let Some(unknown) = names.iter().find(|name| !known.contains(&name.as_str())) {
        eprintln!("error: unknown suite `{unknown}`; suites: {}", known.join(", "));
        eprintln!("usage: iox2-bench [SUITE...]");
        return ExitCode::FAILURE;
    }
    if let Err(message) = pin::check() {
        eprintln!("error: {message} (the benchmarks need CPUs {:?})", pin::CPUS);
        return ExitCode::FAILURE;
    }
    let timer = Timer::calibrate();
    println!("{}", timer.describe());
    for suite in SUITES
        .iter()
        .filter(|suite| names.is_empty() || names.iter().any(|name| name == suite.name))
    {
        let mut cases = Vec::new();
        for run_case in suite.cases {
            let case = run_case(&timer);
            table::print(&case);
            cases.push(case);
        }
        match csv::write(suite.name, &cases) {
            Ok(path) => println!("\nwrote {}", path.display()),
            Err(e) => {
                eprintln!("error: cannot write the CSV of suite `{}`: {e}", suite.name);
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
