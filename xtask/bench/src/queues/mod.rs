//! The `queues` suite: iox2's SPSC and MPMC index queues against
//! `heapless::spsc`, `rtrb` and `crossbeam_queue::ArrayQueue`, in four
//! cases: SPSC and MPMC, throughput and one-way latency. iox2 is the
//! baseline of every ratio. The latency cases also run the floor, a raw
//! cache-line ping-pong; it is a lock-step hand-off, not a queue, so the
//! throughput cases leave it out.

mod drivers;
mod ends;

use crossbeam_queue::ArrayQueue;
use iox2_core::mpmc::MpmcQueue;
use iox2_core::spsc::SpscQueue;
use iox2_platform::rmw::NativeRmw;

use self::drivers::{ping_pong, recycle, stream};
use self::ends::{Line, SharedQueue};
use crate::report::Case;
use crate::rounds::Contender;
use crate::timer::Timer;

/// Slots of every queue (heapless' `Queue<_, N>` holds one fewer).
const SLOTS: usize = 1024;
/// Tokens stay below `SLOTS`, so they are valid MPMC indices.
const TOKEN_MASK: u32 = SLOTS as u32 - 1;
/// Bytes per value.
const PAYLOAD_BYTES: usize = 4;

/// Operations per throughput run.
const THROUGHPUT_OPS: u32 = 10_000_000;
/// Throughput rounds (odd, so the median is a measured round).
const THROUGHPUT_ROUNDS: usize = 11;
/// Recorded round trips per latency run.
const ROUND_TRIPS: u32 = 100_000;
/// Latency rounds.
const LATENCY_ROUNDS: usize = 41;

/// The cases, in the order they run.
pub const CASES: &[fn(&Timer) -> Case] = &[spsc_throughput, spsc_latency, mpmc_throughput, mpmc_latency];

fn throughput_title(case: &str, how: &str) -> String {
    format!(
        "queues/{case}: {how}, CPUs 0 and 1; {THROUGHPUT_ROUNDS} rounds x {THROUGHPUT_OPS} ops; \
         ratio = time per op / iox2's (median over rounds, each against the iox2 runs before and after)"
    )
}

fn latency_title(case: &str, how: &str) -> String {
    format!(
        "queues/{case}: one-way latency = half a ping-pong round trip over {how}, CPUs 0 and 1; \
         {LATENCY_ROUNDS} rounds x {ROUND_TRIPS} round trips; ratio = p50 / iox2's (bracketed median)"
    )
}

fn spsc_throughput(_: &Timer) -> Case {
    let contenders = vec![
        Contender::new("iox2 spsc", || {
            let mut queue = SpscQueue::<NativeRmw, SLOTS>::new();
            let (tx, rx) = queue.split();
            stream(tx, rx, THROUGHPUT_OPS)
        }),
        Contender::new("heapless spsc", || {
            let mut queue = heapless::spsc::Queue::<u32, SLOTS>::new();
            let (tx, rx) = queue.split();
            stream(tx, rx, THROUGHPUT_OPS)
        }),
        Contender::new("rtrb", || {
            let (tx, rx) = rtrb::RingBuffer::new(SLOTS);
            stream(tx, rx, THROUGHPUT_OPS)
        }),
        Contender::new("crossbeam ArrayQueue", || {
            let queue = ArrayQueue::new(SLOTS);
            stream(&queue, &queue, THROUGHPUT_OPS)
        }),
    ];
    let title = throughput_title("spsc_throughput", "values streamed one way");
    Case::measure("spsc_throughput", title, PAYLOAD_BYTES, THROUGHPUT_ROUNDS, contenders)
}

fn spsc_latency(timer: &Timer) -> Case {
    let contenders = vec![
        Contender::new("iox2 spsc", || {
            let (mut ping, mut pong) = (
                SpscQueue::<NativeRmw, SLOTS>::new(),
                SpscQueue::<NativeRmw, SLOTS>::new(),
            );
            ping_pong(timer, ping.split(), pong.split(), ROUND_TRIPS, TOKEN_MASK)
        }),
        Contender::new("heapless spsc", || {
            let mut ping = heapless::spsc::Queue::<u32, SLOTS>::new();
            let mut pong = heapless::spsc::Queue::<u32, SLOTS>::new();
            ping_pong(timer, ping.split(), pong.split(), ROUND_TRIPS, TOKEN_MASK)
        }),
        Contender::new("rtrb", || {
            let (ping, pong) = (rtrb::RingBuffer::new(SLOTS), rtrb::RingBuffer::new(SLOTS));
            ping_pong(timer, ping, pong, ROUND_TRIPS, TOKEN_MASK)
        }),
        Contender::new("crossbeam ArrayQueue", || {
            let (ping, pong) = (ArrayQueue::new(SLOTS), ArrayQueue::new(SLOTS));
            ping_pong(timer, (&ping, &ping), (&pong, &pong), ROUND_TRIPS, TOKEN_MASK)
        }),
        floor(timer),
    ];
    let title = latency_title("spsc_latency", "two queues");
    Case::measure("spsc_latency", title, PAYLOAD_BYTES, LATENCY_ROUNDS, contenders)
}

fn mpmc_throughput(_: &Timer) -> Case {
    let contenders = vec![
        Contender::new("iox2 mpmc", || {
            let (free, full) = (
                MpmcQueue::<NativeRmw, SLOTS>::new(),
                MpmcQueue::<NativeRmw, SLOTS>::new(),
            );
            fill(&free);
            recycle(&free, &full, SLOTS as u32, THROUGHPUT_OPS)
        }),
        Contender::new("crossbeam ArrayQueue", || {
            let (free, full) = (ArrayQueue::new(SLOTS), ArrayQueue::new(SLOTS));
            fill(&free);
            recycle(&free, &full, SLOTS as u32, THROUGHPUT_OPS)
        }),
    ];
    let title = throughput_title("mpmc_throughput", "indices cycled through a free and a full queue");
    Case::measure("mpmc_throughput", title, PAYLOAD_BYTES, THROUGHPUT_ROUNDS, contenders)
}

fn mpmc_latency(timer: &Timer) -> Case {
    let contenders = vec![
        Contender::new("iox2 mpmc", || {
            let (ping, pong) = (
                MpmcQueue::<NativeRmw, SLOTS>::new(),
                MpmcQueue::<NativeRmw, SLOTS>::new(),
            );
            ping_pong(timer, (&ping, &ping), (&pong, &pong), ROUND_TRIPS, TOKEN_MASK)
        }),
        Contender::new("crossbeam ArrayQueue", || {
            let (ping, pong) = (ArrayQueue::new(SLOTS), ArrayQueue::new(SLOTS));
            ping_pong(timer, (&ping, &ping), (&pong, &pong), ROUND_TRIPS, TOKEN_MASK)
        }),
        floor(timer),
    ];
    let title = latency_title("mpmc_latency", "two queues");
    Case::measure("mpmc_latency", title, PAYLOAD_BYTES, LATENCY_ROUNDS, contenders)
}

/// The floor contender: ping-pong over two padded atomic words.
fn floor(timer: &Timer) -> Contender<'_> {
    Contender::new("floor (2 lines)", move || {
        let (ping, pong) = (Line::default(), Line::default());
        ping_pong(timer, ping.ends(), pong.ends(), ROUND_TRIPS, TOKEN_MASK)
    })
}

/// Puts every index `0..SLOTS` into `queue`.
fn fill(queue: &impl SharedQueue) {
    for index in 0..SLOTS as u32 {
        assert!(queue.push(index), "a fresh queue of {SLOTS} slots is full");
    }
}
