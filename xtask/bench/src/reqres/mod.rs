//! The `reqres` suite: iox2's request-response between two processes, the
//! client in the bench process on CPU 0, the server in a receiver process
//! on CPU 1 (the [`crate::pingpong`] harness), against a Unix stream
//! socket doing the same.
//!
//! Cases (CSV `case`):
//! - `request-first-response` (8 B and 4 KiB, CSV `payload_bytes`): the
//!   client sends a request, the server answers with one response and ends
//!   the stream; the time from sending the request to holding its first
//!   response is a round trip, and the table shows **one-way latency =
//!   half of it**, like the other suites. Every byte of the request and of
//!   the response is written and read (the `read` variant). Interleaved
//!   round by round: `cacheline` (the word ping-pong floor, the baseline),
//!   `iox2` (server polls `Server::receive`, client polls
//!   `PendingResponse::receive`), `iox2-blocking` (server sleeps in
//!   `Server::wait(None)`, client in `blocking_receive`), `futex` (the
//!   word ping-pong sleeping in `FUTEX_WAIT`: the floor of a blocking hop,
//!   to read `iox2-blocking` against) and `uds` (a Unix stream socket,
//!   blocking `read` on both sides). The blocking rows wake a sleeping
//!   process per hop (~20 µs here, PERFORMANCE.md).
//! - `stream` (8 B): one request, and the server streams `n` responses as
//!   fast as the client takes them; `throughput_ops_s` is responses per
//!   second over the whole exchange (request to end of stream; every
//!   response checked in order, none dropped: iox2 runs without safe
//!   overflow, a full response buffer makes its server send again).
//!   Baseline `uds` (the `uds-stream` transport: one `write` per response,
//!   buffered `read`s); `iox2` polls on both sides, `iox2-blocking`'s
//!   client sleeps in `blocking_receive` whenever the buffer is empty (its
//!   server still spins while the buffer is full: the API has no wait for
//!   room in a response buffer).
//!
//! Ratios are the median over rounds of each run's cost (latency p50, or
//! ns per response) over the mean of the baseline runs around it (see
//! [`crate::rounds`]). A watchdog ends the run if a case hangs (a dead
//! server would leave a blocking receive asleep forever).

mod iox2;
mod stream;

use core::time::Duration;
use std::time::Instant;

use self::iox2::{Iox2ReqRes, STREAM_BUFFER};
use self::stream::UdsStream;
use crate::event::futex::FutexWords;
use crate::pingpong::session::warmup;
use crate::pingpong::{Cacheline, Entry, Pinger, Serve, Spec, Transport, entry, serve};
use crate::pubsub::bytes;
use crate::pubsub::streams::Uds;
use crate::report::Case;
use crate::rounds::Run;
use crate::timer::Timer;

/// Interleaved rounds per case (odd: the median ratio is a measured one).
const ROUNDS: usize = 21;

/// Recorded round trips of a run whose hops are cache-line hand-offs.
const SPIN_ROUND_TRIPS: u32 = 20_000;

/// Recorded round trips of a run whose hops wake a sleeping process.
const WAKE_ROUND_TRIPS: u32 = 2_000;

/// Responses per timed stream of a polling client and of `uds`.
const STREAM_RESPONSES: u32 = 100_000;

/// Responses per timed stream of a client that may sleep per response.
const BLOCKING_STREAM_RESPONSES: u32 = 20_000;

/// Bytes per response of the `stream` case.
const STREAM_PAYLOAD: usize = 8;

/// The longest a case may take before the watchdog ends the run.
const CASE_LIMIT: Duration = Duration::from_secs(120);

/// The one-response iox2 transport, polling.
type Polling<const N: usize> = Iox2ReqRes<N, false, false>;

/// The one-response iox2 transport, blocking.
type Blocking<const N: usize> = Iox2ReqRes<N, true, false>;

/// The streaming iox2 transport, polling.
type StreamPolling = Iox2ReqRes<STREAM_PAYLOAD, false, true>;

/// The streaming iox2 transport, blocking client.
type StreamBlocking = Iox2ReqRes<STREAM_PAYLOAD, true, true>;

/// The cases, in the order they run.
pub const CASES: &[fn(&Timer) -> Case] = &[first_response::<8>, first_response::<4096>, stream];

/// The suite's receivers (see [`crate::pingpong::child::Lookup`]).
pub fn receivers(name: &str, spec: &Spec) -> Option<Serve> {
    fn row<T: Transport>(payload: usize) -> (&'static str, usize, Serve) {
        (T::NAME, payload, serve::<T>)
    }
    let table = [
        row::<Polling<8>>(8),
        row::<Blocking<8>>(8),
        row::<Polling<4096>>(4096),
        row::<Blocking<4096>>(4096),
        row::<StreamPolling>(STREAM_PAYLOAD),
        row::<StreamBlocking>(STREAM_PAYLOAD),
        row::<UdsStream>(STREAM_PAYLOAD),
    ];
    table
        .into_iter()
        .find(|&(known, payload, _)| known == name && payload == spec.payload)
        .map(|(_, _, serve)| serve)
}

/// Runs case `name` with `payload`-byte messages, every byte written and
/// read (see [`entry::measure`]).
fn measure<'a>(
    name: &'static str,
    payload: usize,
    title: impl FnOnce(&str, &str) -> String,
    entries: impl FnOnce(&Spec) -> Vec<Entry<'a>>,
) -> Case {
    let spec = Spec {
        payload,
        read: true,
        subscribers: 1,
        tag: format!("{}/reqres-{name}-{payload}", std::process::id()),
    };
    entry::measure("reqres", name, &spec, ROUNDS, CASE_LIMIT, title, entries)
}

/// `request-first-response` with `N`-byte requests and responses.
fn first_response<const N: usize>(timer: &Timer) -> Case {
    let title = |runs: &str, baseline: &str| {
        format!(
            "reqres/request-first-response, {}: one-way latency = half the round trip from sending a request to \
             holding its first response (server in another process; it answers once and ends the stream); every \
             byte written and read; {ROUNDS} rounds x {runs} round trips; ratio = p50 / {baseline}'s (bracketed median)",
            bytes(N)
        )
    };
    measure("request-first-response", N, title, |spec| {
        vec![
            Entry::latency::<Cacheline>(Cacheline::NAME, spec, timer, SPIN_ROUND_TRIPS),
            Entry::latency::<Polling<N>>("iox2", spec, timer, SPIN_ROUND_TRIPS),
            Entry::latency::<Blocking<N>>("iox2-blocking", spec, timer, WAKE_ROUND_TRIPS),
            Entry::latency::<FutexWords>(FutexWords::NAME, spec, timer, WAKE_ROUND_TRIPS),
            Entry::latency::<Uds>(Uds::NAME, spec, timer, WAKE_ROUND_TRIPS),
        ]
    })
}

/// `stream`: one request answered by a stream of responses, timed whole.
fn stream(_: &Timer) -> Case {
    let title = |runs: &str, baseline: &str| {
        format!(
            "reqres/stream, {}: responses per second of one request answered by a stream (server in another \
             process; iox2: response_buffer {STREAM_BUFFER}, no safe overflow, every response checked in order); \
             {ROUNDS} rounds x {runs} responses; ratio = ns per response / {baseline}'s (bracketed median)",
            bytes(STREAM_PAYLOAD)
        )
    };
    measure("stream", STREAM_PAYLOAD, title, |spec| {
        vec![
            stream_entry::<UdsStream>(Uds::NAME, spec, STREAM_RESPONSES),
            stream_entry::<StreamPolling>("iox2", spec, STREAM_RESPONSES),
            stream_entry::<StreamBlocking>("iox2-blocking", spec, BLOCKING_STREAM_RESPONSES),
        ]
    })
}

/// Starts `T`'s server for `spec`; each run is an untimed warm-up stream,
/// then a timed stream of `responses`.
fn stream_entry<'a, T: Transport + 'a>(name: &'static str, spec: &Spec, responses: u32) -> Entry<'a> {
    Entry::new::<T>(name, spec, responses, move |session| {
        session.exchange(2, |client| {
            take_stream(client, warmup(responses));
            let started = Instant::now();
            take_stream(client, responses);
            Run::Throughput {
                ops: responses.into(),
                elapsed: started.elapsed(),
            }
        })
    })
}

/// Asks for a stream of `responses` and takes all of it.
fn take_stream(client: &mut impl Pinger, responses: u32) {
    client.ping(responses);
    assert_eq!(client.wait_pong(), responses, "a stream of another length came back");
}
