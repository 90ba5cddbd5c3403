//! The `event` suite: one-way latency of a wake-up between two processes,
//! iox2's events and its blocking publish-subscribe against a raw shared
//! futex, the floor of any blocking wake (PERFORMANCE.md, "Blocking
//! wake-ups": waking an idle vCPU costs ~19 µs here, so every hop of a
//! sleeping receiver is dominated by the kernel and the hypervisor).
//!
//! Method ([`crate::pingpong`]): the bench process on CPU 0 pings, a
//! receiver process on CPU 1 answers, one-way = half the round trip (fenced
//! TSC); the implementations of a case are interleaved round by round with
//! the case's baseline first, and the ratio is the median over rounds of
//! each run's p50 over the mean p50 of the baseline runs around it.
//!
//! Cases (CSV `case`):
//! - `notify-wake`: an iox2 notifier wakes a listener that sleeps in
//!   `blocking_wait_one`, which answers with an event the other way.
//!   Baseline `futex` (one `FUTEX_WAKE` and one `FUTEX_WAIT` per hop,
//!   nothing else); also `udp-unix`, a Unix datagram socket with blocking
//!   `recv`. **Aim: iox2 within 1.1x of `futex`**, i.e. exactly one futex
//!   call per side per hop and little else.
//! - `notify-spin`: the same with listeners that spin for 200 µs before
//!   sleeping; the answer comes within the window, so a hop should cost a
//!   cache-line hand-off, not a wake. Baseline `cacheline` (both sides spin
//!   on a word); also `futex`, to show what the spin saves.
//! - `pubsub-blocking`: iox2 publish-subscribe of 8-byte messages whose
//!   receivers sleep in `Subscriber::wait(None)` instead of polling.
//!   Baseline `futex`.
//!
//! CSV `impl`: `futex`, `cacheline`, `udp-unix`, `iox2`; `payload_bytes`
//! is 0 for bare events. A watchdog ends the run if a case hangs (a dead
//! receiver would leave a blocking wait asleep forever).

mod datagram;
pub mod futex;
mod notify;

use core::time::Duration;

use self::datagram::UdpUnix;
use self::futex::FutexWords;
use self::notify::Iox2Event;
use crate::pingpong::{Cacheline, Entry, Serve, Spec, Transport, entry, serve};
use crate::pubsub::iox2::Iox2;
use crate::report::Case;
use crate::timer::Timer;

/// Interleaved rounds per case (odd: the median ratio is a measured one).
const ROUNDS: usize = 21;

/// Recorded round trips of a run whose hops wake a sleeping process (~20 µs each).
const WAKE_ROUND_TRIPS: u32 = 2_000;

/// Recorded round trips of a run whose hops are cache-line hand-offs.
const SPIN_ROUND_TRIPS: u32 = 20_000;

/// How long the `notify-spin` listeners spin before sleeping, in µs.
const SPIN_US: u64 = 200;

/// The longest a case may take before the watchdog ends the run.
const CASE_LIMIT: Duration = Duration::from_secs(120);

/// The name `iox2` rows have in the table and the CSV.
const IOX2: &str = "iox2";

/// Blocking iox2 events.
type Iox2Wake = Iox2Event<0>;

/// iox2 events with spinning listeners.
type Iox2Spin = Iox2Event<SPIN_US>;

/// Blocking iox2 publish-subscribe of 8-byte messages.
type Iox2Blocking = Iox2<8, true>;

/// The cases, in the order they run.
pub const CASES: &[fn(&Timer) -> Case] = &[notify_wake, notify_spin, pubsub_blocking];

/// The suite's receivers (see [`crate::pingpong::child::Lookup`]).
pub fn receivers(name: &str, _: &Spec) -> Option<Serve> {
    let table: [(&str, Serve); 5] = [
        (FutexWords::NAME, serve::<FutexWords>),
        (UdpUnix::NAME, serve::<UdpUnix>),
        (Iox2Wake::NAME, serve::<Iox2Wake>),
        (Iox2Spin::NAME, serve::<Iox2Spin>),
        (Iox2Blocking::NAME, serve::<Iox2Blocking>),
    ];
    table
        .into_iter()
        .find(|(known, _)| *known == name)
        .map(|(_, serve)| serve)
}

/// Runs case `name` with `payload`-byte messages (0: bare events): starts
/// its `entries` (the baseline first) under a watchdog and measures them;
/// `what` tells what the iox2 side does.
fn measure<'a>(name: &'static str, payload: usize, what: &str, entries: impl FnOnce(&Spec) -> Vec<Entry<'a>>) -> Case {
    let spec = Spec {
        payload,
        read: false,
        subscribers: 1,
        tag: format!("{}/event-{name}", std::process::id()),
    };
    let title = |runs: &str, baseline: &str| {
        format!(
            "event/{name}: one-way latency = half a ping-pong round trip between two processes on CPUs 0 and 1; \
             {what}; {ROUNDS} rounds x {runs} round trips; ratio = p50 / {baseline}'s (bracketed median)"
        )
    };
    entry::measure("event", name, &spec, ROUNDS, CASE_LIMIT, title, entries)
}

/// `notify-wake`: blocking listeners against the raw futex and a datagram socket.
fn notify_wake(timer: &Timer) -> Case {
    let what = "iox2 listeners sleep in blocking_wait_one; futex = one FUTEX_WAKE + one FUTEX_WAIT per hop";
    measure("notify-wake", 0, what, |spec| {
        vec![
            Entry::latency::<FutexWords>(FutexWords::NAME, spec, timer, WAKE_ROUND_TRIPS),
            Entry::latency::<Iox2Wake>(IOX2, spec, timer, WAKE_ROUND_TRIPS),
            Entry::latency::<UdpUnix>(UdpUnix::NAME, spec, timer, WAKE_ROUND_TRIPS),
        ]
    })
}

/// `notify-spin`: listeners spinning [`SPIN_US`] before sleeping, against the
/// cache-line floor and the raw futex.
fn notify_spin(timer: &Timer) -> Case {
    let what = format!("iox2 listeners spin {SPIN_US} µs before sleeping");
    measure("notify-spin", 0, &what, |spec| {
        vec![
            Entry::latency::<Cacheline>(Cacheline::NAME, spec, timer, SPIN_ROUND_TRIPS),
            Entry::latency::<Iox2Spin>(IOX2, spec, timer, SPIN_ROUND_TRIPS),
            Entry::latency::<FutexWords>(FutexWords::NAME, spec, timer, WAKE_ROUND_TRIPS),
        ]
    })
}

/// `pubsub-blocking`: 8-byte samples to a subscriber sleeping in `wait(None)`,
/// against the raw futex.
fn pubsub_blocking(timer: &Timer) -> Case {
    let what = "8-byte iox2 samples; subscribers sleep in Subscriber::wait(None) when receive finds nothing";
    measure("pubsub-blocking", 8, what, |spec| {
        vec![
            Entry::latency::<FutexWords>(FutexWords::NAME, spec, timer, WAKE_ROUND_TRIPS),
            Entry::latency::<Iox2Blocking>(IOX2, spec, timer, WAKE_ROUND_TRIPS),
        ]
    })
}
