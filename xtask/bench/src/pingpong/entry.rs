//! A case's contenders backed by [`Session`]s: each [`Entry`] keeps one
//! implementation's receivers for the whole case, and [`measure`] runs the
//! entries in interleaved rounds (see [`crate::rounds`]), the first one
//! being the baseline, under a [`Watchdog`].

use core::time::Duration;

use super::session::{Session, warmup};
use super::transport::{Spec, Transport};
use super::watchdog::Watchdog;
use crate::pin::{CPUS, pin_or_panic};
use crate::report::Case;
use crate::rounds::{Contender, Run};
use crate::timer::Timer;

/// One implementation of a case, its receivers started.
pub struct Entry<'a> {
    /// Does one run on the implementation's session.
    contender: Contender<'a>,
    /// The name the table shows.
    name: &'static str,
    /// What one run records (round trips, or answers of a stream).
    recorded: u32,
}

impl<'a> Entry<'a> {
    /// Starts `T`'s receivers for `spec`; shown as `name`, each run is
    /// `run` on the session and records `recorded` operations.
    pub fn new<T: Transport + 'a>(
        name: &'static str,
        spec: &Spec,
        recorded: u32,
        mut run: impl FnMut(&mut Session<T>) -> Run + 'a,
    ) -> Self {
        let mut session = Session::<T>::start_or_panic(spec);
        Self {
            contender: Contender::new(name, move || run(&mut session)),
            name,
            recorded,
        }
    }

    /// [`Entry::new`] for the timed ping-pong: runs of `recorded` round
    /// trips (after a warm-up), one-way latency = half of each.
    pub fn latency<T: Transport + 'a>(name: &'static str, spec: &Spec, timer: &'a Timer, recorded: u32) -> Self {
        Self::new::<T>(name, spec, recorded, move |session| {
            session.run(timer, warmup(recorded), recorded)
        })
    }
}

/// Runs case `name` of `suite` on `spec`: pins the bench process to CPU 0,
/// arms a [`Watchdog`] that ends the run if the case takes longer than
/// `limit`, starts the `entries` (the baseline first) and runs `rounds`
/// interleaved rounds of them. `title` is given what one run of each entry
/// records (`"2000 (futex), 2000 (iox2)"`) and the baseline's name, and
/// returns the heading.
pub fn measure<'a>(
    suite: &str,
    name: &'static str,
    spec: &Spec,
    rounds: usize,
    limit: Duration,
    title: impl FnOnce(&str, &str) -> String,
    entries: impl FnOnce(&Spec) -> Vec<Entry<'a>>,
) -> Case {
    pin_or_panic(CPUS[0]);
    let _watchdog = Watchdog::arm(format!("{suite}/{name} ({} bytes)", spec.payload), limit);
    let entries = entries(spec);
    let runs: Vec<String> = entries
        .iter()
        .map(|entry| format!("{} ({})", entry.recorded, entry.name))
        .collect();
    let baseline = entries.first().map_or("?", |entry| entry.name);
    let title = title(&runs.join(", "), baseline);
    let contenders = entries.into_iter().map(|entry| entry.contender).collect();
    Case::measure(name, title, spec.payload, rounds, contenders)
}
