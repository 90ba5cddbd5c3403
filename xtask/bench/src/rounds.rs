//! Interleaved rounds: the baseline runs, then each other implementation,
//! round by round, with one more baseline run at the end. Each run of an
//! implementation is compared with the mean of the baseline runs just
//! before and after it, so slow drifts of the machine (a VM's placement, a
//! neighbour's load) cancel out; the reported ratio is the median of these.

use core::time::Duration;

use crate::stats::{Summary, median};

/// What one run of one implementation measured.
#[derive(Debug)]
pub enum Run {
    /// One-way latencies in nanoseconds, one per recorded round trip.
    Latency(Vec<f64>),
    /// `ops` operations took `elapsed`.
    Throughput {
        /// Operations completed.
        ops: u64,
        /// Wall time they took.
        elapsed: Duration,
    },
}

impl Run {
    /// The figure that ratios compare, in nanoseconds: the median latency,
    /// or the time per operation.
    pub fn cost_ns(&self) -> f64 {
        match self {
            Run::Latency(samples) => Summary::of(&mut samples.clone()).map_or(f64::NAN, |s| s.p50),
            Run::Throughput { ops, elapsed } => elapsed.as_nanos() as f64 / *ops as f64,
        }
    }
}

/// An implementation under test: a name and a function doing one run.
pub struct Contender<'a> {
    /// The name the table shows.
    name: &'static str,
    /// Does one complete, independent run.
    run: Box<dyn FnMut() -> Run + 'a>,
}

impl<'a> Contender<'a> {
    /// A contender named `name` that runs `run`.
    pub fn new(name: &'static str, run: impl FnMut() -> Run + 'a) -> Self {
        Self {
            name,
            run: Box::new(run),
        }
    }
}

impl core::fmt::Debug for Contender<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Contender")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// All runs of one contender and its ratio to the baseline.
#[derive(Debug)]
pub struct Outcome {
    /// The contender's name.
    pub name: &'static str,
    /// Its runs, in order.
    pub runs: Vec<Run>,
    /// The median over rounds of its cost divided by the mean cost of the
    /// bracketing baseline runs; exactly 1 for the baseline itself.
    pub ratio: f64,
}

/// Runs `rounds` rounds of all `contenders` (the first is the baseline)
/// and one closing baseline run; `progress` is told each finished round.
pub fn interleave(rounds: usize, mut contenders: Vec<Contender<'_>>, mut progress: impl FnMut(usize)) -> Vec<Outcome> {
    let mut runs: Vec<Vec<Run>> = contenders.iter().map(|_| Vec::with_capacity(rounds + 1)).collect();
    for round in 0..rounds {
        for (contender, runs) in contenders.iter_mut().zip(&mut runs) {
            runs.push((contender.run)());
        }
        progress(round + 1);
    }
    if let (Some(baseline), Some(baseline_runs)) = (contenders.first_mut(), runs.first_mut()) {
        baseline_runs.push((baseline.run)());
    }
    let baseline_costs: Vec<f64> = runs
        .first()
        .map(|r| r.iter().map(Run::cost_ns).collect())
        .unwrap_or_default();
    contenders
        .iter()
        .zip(runs)
        .enumerate()
        .map(|(index, (contender, runs))| {
            let ratio = if index == 0 {
                1.0
            } else {
                let costs: Vec<f64> = runs.iter().map(Run::cost_ns).collect();
                bracketed_ratio(&costs, &baseline_costs)
            };
            Outcome {
                name: contender.name,
                runs,
                ratio,
            }
        })
        .collect()
}

/// The median over rounds `r` of `costs[r] / mean(baseline[r], baseline[r + 1])`.
fn bracketed_ratio(costs: &[f64], baseline: &[f64]) -> f64 {
    let ratios: Vec<f64> = costs
        .iter()
        .zip(baseline.windows(2))
        .map(|(cost, around)| cost / ((around[0] + around[1]) / 2.0))
        .collect();
    median(&ratios).unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_use_the_bracketing_baseline_runs() {
        // The baseline drifts 10 -> 30; the contender is always 2x the
        // baseline around it.
        assert_eq!(bracketed_ratio(&[30.0, 50.0], &[10.0, 20.0, 30.0]), 2.0);
    }

    #[test]
    fn rounds_are_interleaved_and_the_baseline_closes() {
        let order = core::cell::RefCell::new(Vec::new());
        let contender = |name: &'static str, ns: u64| {
            let order = &order;
            Contender::new(name, move || {
                order.borrow_mut().push(name);
                Run::Throughput {
                    ops: 1,
                    elapsed: Duration::from_nanos(ns),
                }
            })
        };
        let outcomes = interleave(2, vec![contender("base", 10), contender("other", 15)], |_| {});
        assert_eq!(*order.borrow(), ["base", "other", "base", "other", "base"]);
        assert_eq!(outcomes[0].runs.len(), 3);
        assert_eq!(outcomes[0].ratio, 1.0);
        assert_eq!(outcomes[1].ratio, 1.5);
    }
}
