//! What a benchmark case reports: one row per implementation, the same rows
//! for the printed table and for the CSV file.

use std::io::{self, IsTerminal};

use crate::rounds::{Contender, Outcome, Run, interleave};
use crate::stats::{Summary, median};

/// One case of a suite (e.g. SPSC one-way latency) and its results.
#[derive(Debug)]
pub struct Case {
    /// The case's name in the CSV (`spsc_latency`).
    pub name: &'static str,
    /// The heading printed above the table.
    pub title: String,
    /// Bytes moved per operation.
    pub payload_bytes: usize,
    /// One row per implementation, the baseline first.
    pub rows: Vec<Row>,
}

/// The results of one implementation in one case.
#[derive(Debug)]
pub struct Row {
    /// The implementation's name.
    pub implementation: &'static str,
    /// Operations (throughput) or round trips (latency) measured, over all rounds.
    pub iterations: u64,
    /// Latency percentiles over all recorded samples of all rounds.
    pub latency: Option<Summary>,
    /// The median over rounds of operations per second.
    pub throughput_ops_s: Option<f64>,
    /// The bracketed median ratio to the baseline (see [`crate::rounds`]).
    pub ratio: f64,
}

impl From<Outcome> for Row {
    fn from(outcome: Outcome) -> Self {
        let mut samples = Vec::new();
        let mut rates = Vec::new();
        let mut iterations = 0;
        for run in outcome.runs {
            match run {
                Run::Latency(latencies) => {
                    iterations += latencies.len() as u64;
                    samples.extend(latencies);
                }
                Run::Throughput { ops, elapsed } => {
                    iterations += ops;
                    rates.push(ops as f64 / elapsed.as_secs_f64());
                }
            }
        }
        Self {
            implementation: outcome.name,
            iterations,
            latency: Summary::of(&mut samples),
            throughput_ops_s: median(&rates),
            ratio: outcome.ratio,
        }
    }
}

impl Case {
    /// Runs `rounds` interleaved rounds of `contenders` (the first is the
    /// baseline), showing progress on stderr, and collects the rows.
    pub fn measure(
        name: &'static str,
        title: String,
        payload_bytes: usize,
        rounds: usize,
        contenders: Vec<Contender<'_>>,
    ) -> Self {
        let show_progress = io::stderr().is_terminal();
        let outcomes = interleave(rounds, contenders, |round| {
            if show_progress {
                eprint!("\r{name}: round {round}/{rounds}");
            }
        });
        if show_progress {
            eprintln!();
        }
        Self {
            name,
            title,
            payload_bytes,
            rows: outcomes.into_iter().map(Row::from).collect(),
        }
    }
}
