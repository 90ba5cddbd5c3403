//! The measurement loops, the same for every contender: two threads pinned
//! to CPUs 0 and 1 stream values one way (SPSC throughput), recycle indices
//! through a free and a full queue (MPMC throughput), or ping-pong one
//! token over two queues (latency).

use core::hint::spin_loop;
use std::sync::Barrier;
use std::thread;
use std::time::Instant;

use super::ends::{Receiver, Sender, SharedQueue};
use crate::pin::{CPUS, pin_or_panic};
use crate::rounds::Run;
use crate::timer::{Timer, ticks};

/// Round trips run before recording, to warm caches and branch predictors.
const WARMUP_ROUND_TRIPS: u32 = 10_000;

/// Sends `value`, spinning while the queue is full.
#[inline]
fn send(tx: &mut impl Sender, value: u32) {
    while !tx.try_send(value) {
        spin_loop();
    }
}

/// Receives a value, spinning while the queue is empty.
#[inline]
fn receive(rx: &mut impl Receiver) -> u32 {
    loop {
        if let Some(value) = rx.try_recv() {
            return value;
        }
        spin_loop();
    }
}

/// Streams `0..ops` from `tx` (CPU 0) to `rx` (CPU 1), which checks order;
/// timed on the receiving side from the start signal to the last value.
pub fn stream(tx: impl Sender, rx: impl Receiver, ops: u32) -> Run {
    let (mut tx, mut rx) = (tx, rx);
    let start = Barrier::new(2);
    let elapsed = thread::scope(|scope| {
        scope.spawn(|| {
            pin_or_panic(CPUS[0]);
            start.wait();
            for value in 0..ops {
                send(&mut tx, value);
            }
        });
        let receiver = scope.spawn(|| {
            pin_or_panic(CPUS[1]);
            start.wait();
            let started = Instant::now();
            for expected in 0..ops {
                assert_eq!(receive(&mut rx), expected, "values lost or reordered");
            }
            started.elapsed()
        });
        receiver.join().expect("the receiving thread panicked")
    });
    Run::Throughput {
        ops: u64::from(ops),
        elapsed,
    }
}

/// Moves `ops` indices around a cycle of two shared queues: CPU 0 pops
/// `free` and pushes `full`, CPU 1 pops `full` and pushes `free`. `free`
/// must hold unique indices below `slots` (and `full` be empty) at the
/// start. Timed on CPU 1 from the start signal to its last push.
pub fn recycle<Q: SharedQueue>(free: &Q, full: &Q, slots: u32, ops: u32) -> Run {
    let start = Barrier::new(2);
    let elapsed = thread::scope(|scope| {
        scope.spawn(|| {
            pin_or_panic(CPUS[0]);
            let (mut free, mut full) = (free, full);
            start.wait();
            for _ in 0..ops {
                let index = receive(&mut free);
                send(&mut full, index);
            }
        });
        let consumer = scope.spawn(|| {
            pin_or_panic(CPUS[1]);
            let (mut free, mut full) = (free, full);
            start.wait();
            let started = Instant::now();
            for _ in 0..ops {
                let index = receive(&mut full);
                assert!(index < slots, "index {index} out of range");
                send(&mut free, index);
            }
            started.elapsed()
        });
        consumer.join().expect("the consuming thread panicked")
    });
    Run::Throughput {
        ops: u64::from(ops),
        elapsed,
    }
}

/// Ping-pong: CPU 0 sends a token on `ping`, CPU 1 echoes it on `pong`,
/// `round_trips` times after a warm-up. Each recorded sample is half a
/// round trip, in nanoseconds. Tokens are `1..` masked by `token_mask`
/// (so they are unique in any queue of `token_mask + 1` slots, and
/// consecutive tokens differ, as the floor needs).
pub fn ping_pong<P, Q, R, S>(timer: &Timer, ping: (P, Q), pong: (R, S), round_trips: u32, token_mask: u32) -> Run
where
    P: Sender,
    Q: Receiver,
    R: Sender,
    S: Receiver,
{
    let ((mut ping_tx, mut ping_rx), (mut pong_tx, mut pong_rx)) = (ping, pong);
    let total = WARMUP_ROUND_TRIPS + round_trips;
    let start = Barrier::new(2);
    let round_trip_ticks = thread::scope(|scope| {
        scope.spawn(|| {
            pin_or_panic(CPUS[1]);
            start.wait();
            for _ in 0..total {
                let token = receive(&mut ping_rx);
                send(&mut pong_tx, token);
            }
        });
        let pinger = scope.spawn(|| {
            pin_or_panic(CPUS[0]);
            let mut samples = Vec::with_capacity(round_trips as usize);
            start.wait();
            for trip in 1..=total {
                let token = trip & token_mask;
                let sent = ticks();
                send(&mut ping_tx, token);
                let echoed = receive(&mut pong_rx);
                let took = ticks() - sent;
                assert_eq!(echoed, token, "the echo is not the token sent");
                if trip > WARMUP_ROUND_TRIPS {
                    samples.push(took);
                }
            }
            samples
        });
        pinger.join().expect("the pinging thread panicked")
    });
    Run::Latency(
        round_trip_ticks
            .into_iter()
            .map(|ticks| timer.ns(ticks) / 2.0)
            .collect(),
    )
}
