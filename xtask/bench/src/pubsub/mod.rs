//! The `pubsub` suite: one-way latency of publish-subscribe between two
//! processes, iox2 against the kernel's Unix stream sockets (`uds`) and
//! pipes (`pipe`), all as ratios to the physical floor (`cacheline`).
//!
//! Method ([`crate::pingpong`]). The bench process pins itself to CPU 0 and
//! pings; each receiver is the bench binary started again, pinned to CPU 1.
//! Receiver 0 answers every ping with a pong of the same size; one-way
//! latency is half the round trip, timed with the fenced TSC. Messages of
//! 8 B, 4 KiB, 64 KiB and 1 MiB carry a 4-byte token, in two variants:
//! `untouched` writes and reads only the token, `read` writes every byte
//! and reads every byte into a checksum (both ways). With 4 subscribers
//! (8 B only) the ping goes to all four, receiver 0 last; receivers 1-3
//! are passive: they share CPU 1, drain once per millisecond and never
//! answer, so the round trip is a 4-way fan-out plus a 1-way answer.
//! Shared-memory receivers busy-poll; `uds` and `pipe` block in `read`, as
//! such programs do, so each of their hops includes waking a halted vCPU
//! (~19 µs here, PERFORMANCE.md).
//!
//! Every implementation of a case keeps its processes for the whole case.
//! Runs are interleaved round by round (`cacheline`, `iox2`, `uds`, `pipe`,
//! `cacheline`, ...; see [`crate::rounds`]); each run's p50 is divided by
//! the mean p50 of the floor runs just before and after it, and the table
//! shows the median of these ratios. Idle receivers block on their control
//! socket, so only the implementation being measured uses the CPUs.
//!
//! CSV: `impl` is `cacheline`, `iox2`, `uds` or `pipe`, `case` is
//! `<variant>-subs<N>` (`untouched-subs1`, `read-subs4`, ...), and
//! `payload_bytes` tells the sizes apart.

pub mod iox2;
pub mod streams;

use self::iox2::Iox2;
use self::streams::{Pipe, Uds};
use crate::pin::{CPUS, pin_or_panic};
use crate::pingpong::session::warmup;
use crate::pingpong::{Cacheline, Serve, Session, Spec, Transport, serve};
use crate::report::Case;
use crate::rounds::Contender;
use crate::timer::Timer;

/// Interleaved rounds per case (odd: the median ratio is a measured one).
const ROUNDS: usize = 21;

/// Recorded round trips of every floor run.
const FLOOR_ROUND_TRIPS: u32 = 20_000;

/// The cases, in the order they run: `case::<payload, subscribers, read>`.
pub const CASES: &[fn(&Timer) -> Case] = &[
    case::<8, 1, false>,
    case::<8, 1, true>,
    case::<8, 4, false>,
    case::<8, 4, true>,
    case::<4096, 1, false>,
    case::<4096, 1, true>,
    case::<65536, 1, false>,
    case::<65536, 1, true>,
    case::<1_048_576, 1, false>,
    case::<1_048_576, 1, true>,
];

/// The suite's receivers (see [`crate::pingpong::child::Lookup`]).
pub fn receivers(name: &str, spec: &Spec) -> Option<Serve> {
    Some(match (name, spec.payload) {
        (Uds::NAME, _) => serve::<Uds>,
        (Pipe::NAME, _) => serve::<Pipe>,
        (iox2::NAME, 8) => serve::<Iox2<8>>,
        (iox2::NAME, 4096) => serve::<Iox2<4096>>,
        (iox2::NAME, 65536) => serve::<Iox2<65536>>,
        (iox2::NAME, 1_048_576) => serve::<Iox2<1_048_576>>,
        _ => return None,
    })
}

/// Recorded round trips per run: (shared memory, kernel). Fewer for large
/// payloads, and fewer for `uds` and `pipe`, whose hops take ~20 µs.
fn round_trips(payload: usize) -> (u32, u32) {
    match payload {
        0..=4096 => (20_000, 2_000),
        4097..=65536 => (5_000, 1_000),
        _ => (1_000, 200),
    }
}

/// The CSV's case name.
const fn case_name(subscribers: usize, read: bool) -> &'static str {
    match (read, subscribers) {
        (false, 1) => "untouched-subs1",
        (true, 1) => "read-subs1",
        (false, 4) => "untouched-subs4",
        (true, 4) => "read-subs4",
        _ => panic!("no case name for this subscriber count"),
    }
}

/// A human-readable byte count.
pub fn bytes(n: usize) -> String {
    match n {
        n if n >= 1 << 20 && n.is_multiple_of(1 << 20) => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n.is_multiple_of(1 << 10) => format!("{} KiB", n >> 10),
        n => format!("{n} B"),
    }
}

/// One case: `N`-byte messages to `SUBS` subscribers, variant `READ`.
fn case<const N: usize, const SUBS: usize, const READ: bool>(timer: &Timer) -> Case {
    let name = case_name(SUBS, READ);
    pin_or_panic(CPUS[0]);
    let spec = Spec {
        payload: N,
        read: READ,
        subscribers: SUBS,
        tag: format!("{}/{name}-{N}", std::process::id()),
    };
    let (shared, kernel) = round_trips(N);
    let mut floor = Session::<Cacheline>::start_or_panic(&spec);
    let mut iox2 = Session::<Iox2<N>>::start_or_panic(&spec);
    let mut uds = Session::<Uds>::start_or_panic(&spec);
    let mut pipe = Session::<Pipe>::start_or_panic(&spec);
    let contenders = vec![
        Contender::new(Cacheline::NAME, || {
            floor.run(timer, warmup(FLOOR_ROUND_TRIPS), FLOOR_ROUND_TRIPS)
        }),
        Contender::new(Iox2::<N>::NAME, || iox2.run(timer, warmup(shared), shared)),
        Contender::new(Uds::NAME, || uds.run(timer, warmup(kernel), kernel)),
        Contender::new(Pipe::NAME, || pipe.run(timer, warmup(kernel), kernel)),
    ];
    let title = format!(
        "pubsub/{name}, {}: one-way latency = half a ping-pong round trip between two processes on CPUs 0 and 1{}; \
         {ROUNDS} rounds x {FLOOR_ROUND_TRIPS} (cacheline), {shared} (iox2), {kernel} (uds, pipe) round trips; \
         ratio = p50 / cacheline's (bracketed median)",
        bytes(N),
        if SUBS > 1 {
            format!(", fan-out to {SUBS} ({} passive receivers on CPU 1)", SUBS - 1)
        } else {
            String::new()
        }
    );
    Case::measure(name, title, N, ROUNDS, contenders)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_read_naturally() {
        assert_eq!(bytes(8), "8 B");
        assert_eq!(bytes(4096), "4 KiB");
        assert_eq!(bytes(1 << 20), "1 MiB");
    }
}
