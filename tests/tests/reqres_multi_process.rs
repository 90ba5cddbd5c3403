//! Request-response between processes, and its faults (SIGKILL, no
//! cleanup of their own): a client killed mid-stream leaves its server's
//! requests disconnected and its response pool whole once reaped, also
//! when a new client took its slot first; a server killed mid-stream ends
//! its client's stream as `ServerGone` after every response it had queued;
//! requests to a server that left or died get `NoServer`, and a new server
//! takes over; `max_active_requests` is enforced and a dropped pending
//! response reaches the server; and thousands of sleeping round trips lose
//! no wake-up. Each test runs over the `linux` (futex) and the `posix`
//! (FIFO) platform.
//!
//! What the server and the client see of a peer that was killed, before
//! and after `reap_dead_nodes`:
//! - a dead client's requests stay `is_connected()` and its server's sends
//!   go on (a full buffer rotates) until its node is reaped; then
//!   `is_connected()` is false and sends fail with `NotConnected`;
//! - a dead server's streams stay open (`stream_end() == None`), its queued
//!   responses can be taken, and new requests are sent into its queue,
//!   until its node is reaped; then the streams end as `ServerGone` once
//!   every queued response was taken, and a request gets `NoServer`.
//!
//! A new client that takes the slot of one that left or was reaped reaches
//! a server asleep in `wait` (its sends get `ServerNotReady` until the
//! woken server lets go of the old one).
//!
//! The last group shows a wake-up iox2 misses (it fails until fixed): a
//! client asleep waiting for a response does not wake when its server
//! leaves with the request untaken, or dies and is reaped by another node;
//! `blocking_receive` would sleep forever.

use core::time::Duration;
use iox2_core::reqres::{RequestSendError, ResponseSendError, StreamEnd};
use iox2_host::prelude::*;
use iox2_host::{
    ActiveRequest, Client, ClientSendError, HostPlatform, PendingResponse, ReqResService, Response, Server,
    ServerSendError,
};
use iox2_tests::{
    Checked, Children, FLAGS_VAR, Flags, SERVICE_VAR, child_service, child_watchdog, role, serial, unique_service,
    wait_until,
};
use std::time::Instant;

/// How long a child may live, and how long a parent waits for anything.
const TIMEOUT: Duration = Duration::from_secs(30);
/// `max_active_requests`.
const ACTIVE: u32 = 3;
/// `response_buffer`.
const BUFFER: u32 = 4;
/// `max_borrowed_responses`.
const BORROWED: u32 = 3;
/// `max_loaned_responses`.
const LOANED: u32 = 2;
/// A server's response pool: one client's share, and the server's loans.
const POOL: u32 = ACTIVE * BUFFER + BORROWED + LOANED;

type Service<P> = ReqResService<P, Checked, Checked>;

fn node<P: HostPlatform>(name: &str) -> Node<P> {
    NodeBuilder::new().name(name).unwrap().create::<P>().unwrap()
}

/// The service of every test here: one client, one server (so a newcomer
/// takes the slot of the one that went).
fn open_service<P: HostPlatform>(node: &Node<P>, name: &str, safe_overflow: bool) -> Service<P> {
    node.service_builder(name)
        .unwrap()
        .request_response::<Checked, Checked>()
        .max_clients(1)
        .max_servers(1)
        .max_active_requests(ACTIVE)
        .response_buffer(BUFFER)
        .max_borrowed_responses(BORROWED)
        .max_loaned_responses(LOANED)
        .safe_overflow(safe_overflow)
        .open_or_create()
        .unwrap()
}

/// Response `index` to request `request`.
fn response(request: u64, index: u64) -> Checked {
    Checked::new((request << 32) | index)
}

/// Sends `request`, retrying while no server exists or none has taken the
/// client on yet.
fn send_when_served<P: HostPlatform>(
    client: &Client<P, Checked, Checked>,
    request: Checked,
) -> PendingResponse<'_, P, Checked, Checked> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match client.send_copy(request) {
            Ok(pending) => return pending,
            Err(ClientSendError::Send(RequestSendError::NoServer | RequestSendError::ServerNotReady)) => {
                assert!(Instant::now() < deadline, "no server within {TIMEOUT:?}");
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("sending {request:?}: {e}"),
        }
    }
}

/// The next response of `pending`, which must come within [`TIMEOUT`].
fn next_response<'p, P: HostPlatform>(
    pending: &'p PendingResponse<'_, P, Checked, Checked>,
) -> Response<'p, P, Checked> {
    let response = pending.timed_receive(TIMEOUT).unwrap();
    let response = response.unwrap_or_else(|| panic!("no response; the stream: {:?}", pending.stream_end()));
    assert!(response.is_intact(), "{:?}", *response);
    response
}

/// Waits (sleeping in `wait`) until the server holds `count` requests.
fn take_requests<P: HostPlatform>(
    server: &Server<P, Checked, Checked>,
    count: u32,
) -> Vec<ActiveRequest<'_, P, Checked, Checked>> {
    let deadline = Instant::now() + TIMEOUT;
    let mut active = Vec::new();
    while active.len() < count as usize {
        assert!(Instant::now() < deadline, "{} of {count} requests came", active.len());
        server.wait(Some(Duration::from_millis(10))).unwrap();
        while let Some(request) = server.receive().unwrap() {
            assert!(request.is_intact(), "{:?}", *request);
            active.push(request);
        }
    }
    active
}

/// Ends the whole test process if it is not dropped within `limit`: a
/// wait that never returns becomes a failure, not a hang (the children's
/// watchdogs see their parent die and exit too).
struct HangGuard {
    done: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HangGuard {
    fn new(what: &str, limit: Duration) -> Self {
        let (done, until_done) = std::sync::mpsc::channel::<()>();
        let what = what.to_owned();
        let thread = std::thread::spawn(move || {
            if until_done.recv_timeout(limit) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                eprintln!("{what}: still waiting after {limit:?}: it hangs; ending the test process");
                std::process::exit(101);
            }
        });
        Self {
            done: Some(done),
            thread: Some(thread),
        }
    }
}

impl Drop for HangGuard {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ---------------------------------------------------------------------------
// A client killed mid-stream.

/// Responses of the first request the doomed client holds.
const HELD: u32 = 2;

/// The child: opens every request slot, holds `HELD` responses of the
/// first, and takes the others' responses as they come until it is killed.
fn doomed_client<P: HostPlatform>() {
    let flags = Flags::from_env();
    let node = node::<P>("doomed-client");
    let service = open_service::<P>(&node, &child_service(), true);
    let client = service.client_builder().create().unwrap();
    let mut pending = vec![send_when_served(&client, Checked::new(0))];
    for k in 1..u64::from(ACTIVE) {
        pending.push(client.send_copy(Checked::new(k)).unwrap());
    }
    let mut held = Vec::new();
    for _ in 0..HELD {
        let response = next_response(&pending[0]);
        assert_eq!(response.seq >> 32, 0, "a response to another request");
        held.push(response);
    }
    flags.set("holding");
    let mut last = vec![None; ACTIVE as usize];
    loop {
        for (k, pending) in pending.iter().enumerate().skip(1) {
            if let Some(response) = pending.timed_receive(Duration::from_millis(2)).unwrap() {
                assert!(response.is_intact(), "{:?}", *response);
                assert_eq!(response.seq >> 32, k as u64, "a response to another request");
                assert!(Some(response.seq) > last[k], "out of order");
                last[k] = Some(response.seq);
            }
        }
    }
}

/// Sends the next response to each of `active`.
fn stream_once<P: HostPlatform>(active: &[ActiveRequest<'_, P, Checked, Checked>], next: &mut [u64]) {
    for ((k, request), next) in active.iter().enumerate().zip(next) {
        request.send_copy(response(k as u64, *next)).unwrap();
        *next += 1;
    }
}

/// The whole response pool is the server's again: a client can open every
/// request slot, have every response buffer full and `BORROWED` responses
/// held while the server has its `LOANED` loans out — every chunk in use,
/// so a single one lost shows as `OutOfChunks` — and then make round trips
/// through the pool many times over.
fn assert_pool_whole<P: HostPlatform>(server: &Server<P, Checked, Checked>, client: &Client<P, Checked, Checked>) {
    const BASE: u64 = 1_000;
    let mut pending = vec![send_when_served(client, Checked::new(BASE))];
    for k in 1..u64::from(ACTIVE) {
        pending.push(client.send_copy(Checked::new(BASE + k)).unwrap());
    }
    let active: Vec<_> = (0..ACTIVE)
        .map(|_| server.receive().unwrap().expect("a request just sent"))
        .collect();
    for (k, request) in active.iter().enumerate() {
        assert_eq!(request.seq, BASE + k as u64);
        for index in 0..u64::from(BUFFER) {
            request.send_copy(response(k as u64, index)).unwrap();
        }
    }
    let held: Vec<_> = (0..BORROWED)
        .map(|_| pending[0].receive().unwrap().expect("a queued response"))
        .collect();
    for index in BUFFER..BUFFER + BORROWED {
        active[0].send_copy(response(0, u64::from(index))).unwrap();
    }
    let loans: Vec<_> = (0..LOANED)
        .map(|n| {
            active[1]
                .loan_uninit()
                .unwrap_or_else(|e| panic!("loan {n} of {LOANED} with every other chunk in use: {e}"))
        })
        .collect();
    drop(loans);
    for (index, response) in held.iter().enumerate() {
        assert_eq!(**response, self::response(0, index as u64));
    }
    drop(held);
    drop(active);
    for (k, pending) in pending.iter().enumerate() {
        let first = if k == 0 { BORROWED } else { 0 };
        let last = if k == 0 { BUFFER + BORROWED } else { BUFFER };
        for index in first..last {
            assert_eq!(*next_response(pending), response(k as u64, u64::from(index)));
        }
        assert!(pending.receive().unwrap().is_none());
        assert_eq!(pending.stream_end(), Some(StreamEnd::Completed));
    }
    drop(pending);
    for round in 0..3 * u64::from(POOL) {
        let pending = client.send_copy(Checked::new(round)).unwrap();
        let request = server.receive().unwrap().expect("the request just sent");
        assert_eq!(request.seq, round);
        request.send_copy(response(round, 0)).unwrap();
        drop(request);
        assert_eq!(*next_response(&pending), response(round, 0));
        assert_eq!(pending.stream_end(), Some(StreamEnd::Completed));
    }
    assert_eq!(server.protocol_violations(), 0);
}

fn client_killed_mid_stream<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return doomed_client::<P>();
    }
    let _serial = serial();
    let name = unique_service("client-killed");
    let node = node::<P>("surviving-server");
    let service = open_service::<P>(&node, &name, true);
    let server = service.server_builder().create().unwrap();
    let mut children = Children::new();
    // Round 0: the server looks before a new client comes; round 1: a new
    // client takes the dead one's slot first.
    for round in 0..2 {
        let flags = Flags::create();
        let child = children.spawn(test, "client", &[(SERVICE_VAR, &name), (FLAGS_VAR, flags.dir())]);
        let active = take_requests(&server, ACTIVE);
        for (k, request) in active.iter().enumerate() {
            assert_eq!(request.seq, k as u64, "round {round}");
        }
        let mut next = vec![0; ACTIVE as usize];
        let deadline = Instant::now() + TIMEOUT;
        while !flags.is_set("holding") {
            assert!(
                Instant::now() < deadline,
                "round {round}: the client never held its responses"
            );
            stream_once(&active, &mut next);
            std::thread::sleep(Duration::from_micros(200));
        }
        // Mid-stream: the client is taking responses.
        let until = Instant::now() + Duration::from_millis(5);
        while Instant::now() < until {
            stream_once(&active, &mut next);
            std::thread::sleep(Duration::from_micros(50));
        }
        children.kill(child);
        // Until the dead node is reaped, nothing tells the server that the
        // client died rather than is slow: its requests look connected and
        // sends go on (its full buffers rotate; the server never stalls).
        for _ in 0..2 * BUFFER {
            stream_once(&active, &mut next);
        }
        for request in &active {
            assert!(request.is_connected(), "round {round}: before the reap");
        }
        assert_eq!(service.reap_dead_nodes(), 1, "round {round}");
        let early_client = (round == 1).then(|| service.client_builder().create().unwrap());
        for (k, request) in active.iter().enumerate() {
            assert!(!request.is_connected(), "round {round}: request {k} after the reap");
            assert_eq!(
                request.send_copy(response(k as u64, next[k])),
                Err(ServerSendError::Send(ResponseSendError::NotConnected)),
                "round {round}: request {k}"
            );
        }
        drop(active);
        assert_eq!(server.protocol_violations(), 0, "round {round}");
        let client = early_client.unwrap_or_else(|| service.client_builder().create().unwrap());
        assert_pool_whole(&server, &client);
    }
}

#[test]
fn client_killed_mid_stream_leaves_the_pool_whole_linux() {
    client_killed_mid_stream::<Linux>("client_killed_mid_stream_leaves_the_pool_whole_linux");
}

#[test]
fn client_killed_mid_stream_leaves_the_pool_whole_posix() {
    client_killed_mid_stream::<Posix>("client_killed_mid_stream_leaves_the_pool_whole_posix");
}

// ---------------------------------------------------------------------------
// A server killed mid-stream.

/// Responses the doomed server sends (the client takes `BEFORE` of them
/// while it streams; the last `BUFFER` wait in the queue at the kill).
const TOTAL: u64 = 10;
const BEFORE: u64 = TOTAL - BUFFER as u64;

/// The child: answers the request with `TOTAL` numbered responses, waiting
/// for room (no safe overflow: none is lost), and waits to be killed.
fn doomed_server<P: HostPlatform>() {
    let flags = Flags::from_env();
    let node = node::<P>("doomed-server");
    let service = open_service::<P>(&node, &child_service(), false);
    let server = service.server_builder().create().unwrap();
    let active = take_requests(&server, 1);
    let request = &active[0];
    assert_eq!(request.seq, 7);
    for index in 0..TOTAL {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match request.send_copy(response(7, index)) {
                Ok(()) => break,
                Err(ServerSendError::Send(ResponseSendError::BufferFull)) => {
                    assert!(Instant::now() < deadline, "the client took no response");
                    std::thread::sleep(Duration::from_micros(200));
                }
                Err(e) => panic!("response {index}: {e}"),
            }
        }
    }
    flags.set("sent");
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn server_killed_mid_stream<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return doomed_server::<P>();
    }
    let _serial = serial();
    let name = unique_service("server-killed");
    let flags = Flags::create();
    let node = node::<P>("surviving-client");
    let service = open_service::<P>(&node, &name, false);
    let client = service.client_builder().create().unwrap();
    let mut children = Children::new();
    let child = children.spawn(test, "server", &[(SERVICE_VAR, &name), (FLAGS_VAR, flags.dir())]);
    let pending = send_when_served(&client, Checked::new(7));
    // Take `BEFORE` while the server streams; hold the first.
    let first = next_response(&pending);
    assert_eq!(*first, response(7, 0));
    for index in 1..BEFORE {
        assert_eq!(*next_response(&pending), response(7, index));
    }
    flags.wait("sent", TIMEOUT);
    children.kill(child);

    // Until the dead node is reaped, the stream looks open, and what the
    // server queued can be taken.
    assert_eq!(pending.stream_end(), None);
    assert_eq!(*next_response(&pending), response(7, BEFORE));
    assert_eq!(service.reap_dead_nodes(), 1);
    // Reaped: the stream ends only once every queued response was taken.
    assert_eq!(pending.stream_end(), None, "responses are still queued");
    for index in BEFORE + 1..TOTAL {
        let response = pending.receive().unwrap().expect("a response queued before the kill");
        assert_eq!(*response, self::response(7, index));
        assert!(response.is_intact(), "{:?}", *response);
    }
    assert!(pending.receive().unwrap().is_none());
    assert_eq!(pending.stream_end(), Some(StreamEnd::ServerGone));
    assert!(!pending.is_connected());
    {
        let _guard = HangGuard::new("blocking_receive of a dead server's stream", TIMEOUT);
        assert!(pending.blocking_receive().unwrap().is_none(), "the stream ended");
    }
    // What the client held stays mapped and intact, though the reaped
    // server's pool is unlinked.
    assert_eq!(*first, response(7, 0));
    assert!(first.is_intact(), "{:?}", *first);
    drop(first);
    drop(pending);
    assert!(matches!(
        client.send_copy(Checked::new(8)),
        Err(ClientSendError::Send(RequestSendError::NoServer))
    ));
}

#[test]
fn server_killed_mid_stream_delivers_what_it_queued_linux() {
    server_killed_mid_stream::<Linux>("server_killed_mid_stream_delivers_what_it_queued_linux");
}

#[test]
fn server_killed_mid_stream_delivers_what_it_queued_posix() {
    server_killed_mid_stream::<Posix>("server_killed_mid_stream_delivers_what_it_queued_posix");
}

// ---------------------------------------------------------------------------
// Requests to a server that is gone.

/// The request that ends a serving child.
const STOP: u64 = u64::MAX;

/// The child: answers each request with one response until it gets
/// [`STOP`], then leaves (drops its server and node) and exits.
fn serving_server<P: HostPlatform>() {
    let node = node::<P>("serving-server");
    let service = open_service::<P>(&node, &child_service(), false);
    let server = service.server_builder().create().unwrap();
    loop {
        server.wait(Some(Duration::from_millis(50))).unwrap();
        while let Some(request) = server.receive().unwrap() {
            assert!(request.is_intact(), "{:?}", *request);
            if request.seq == STOP {
                // No client handed back a chunk that was not its.
                assert_eq!(server.protocol_violations(), 0);
                return;
            }
            request.send_copy(response(request.seq, 0)).unwrap();
        }
    }
}

/// A round trip through the serving child; the first waits for it.
fn round_trip<P: HostPlatform>(client: &Client<P, Checked, Checked>, seq: u64, first: bool) {
    let pending = if first {
        send_when_served(client, Checked::new(seq))
    } else {
        client.send_copy(Checked::new(seq)).unwrap()
    };
    assert_eq!(*next_response(&pending), response(seq, 0));
    let _guard = HangGuard::new("the end of a served stream", TIMEOUT);
    assert!(pending.blocking_receive().unwrap().is_none());
    assert_eq!(pending.stream_end(), Some(StreamEnd::Completed));
}

fn no_server<P: HostPlatform>(client: &Client<P, Checked, Checked>, seq: u64) -> bool {
    matches!(
        client.send_copy(Checked::new(seq)),
        Err(ClientSendError::Send(RequestSendError::NoServer))
    )
}

fn requests_to_a_gone_server<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return serving_server::<P>();
    }
    let _serial = serial();
    let name = unique_service("server-gone");
    let node = node::<P>("lonely-client");
    let service = open_service::<P>(&node, &name, false);
    let client = service.client_builder().create().unwrap();
    let mut children = Children::new();
    assert!(no_server(&client, 0), "before any server");

    // A server that leaves.
    let first = children.spawn(test, "server", &[(SERVICE_VAR, &name)]);
    round_trip(&client, 1, true);
    round_trip(&client, 2, false);
    let stop = client.send_copy(Checked::new(STOP)).unwrap();
    children.wait(first, TIMEOUT);
    assert!(stop.blocking_receive().unwrap().is_none());
    assert_eq!(stop.stream_end(), Some(StreamEnd::Completed));
    drop(stop);
    assert!(no_server(&client, 3), "after the server left");

    // A server that is killed.
    let second = children.spawn(test, "server", &[(SERVICE_VAR, &name)]);
    round_trip(&client, 4, true);
    round_trip(&client, 5, false);
    // A response held across the server's death, its reaping and its
    // successor: it stays intact, and goes back to no pool but its own.
    let kept_pending = client.send_copy(Checked::new(50)).unwrap();
    let kept = next_response(&kept_pending);
    wait_until("the server ends the kept stream", TIMEOUT, || {
        kept_pending.stream_end() == Some(StreamEnd::Completed)
    });
    children.kill(second);
    // Until it is reaped, the dead server looks connected: a request goes
    // into its queue, and its stream stays open.
    let orphan = client.send_copy(Checked::new(6)).unwrap();
    assert_eq!(orphan.stream_end(), None);
    assert_eq!(service.reap_dead_nodes(), 1);
    assert_eq!(orphan.stream_end(), Some(StreamEnd::ServerGone));
    {
        let _guard = HangGuard::new("blocking_receive of a request to a reaped server", TIMEOUT);
        assert!(orphan.blocking_receive().unwrap().is_none());
    }
    assert!(no_server(&client, 7), "after the dead server was reaped");
    drop(orphan);
    assert!(no_server(&client, 8), "after the orphaned request was dropped");

    // A new server takes the (only) server slot.
    let third = children.spawn(test, "server", &[(SERVICE_VAR, &name)]);
    round_trip(&client, 9, true);
    assert_eq!(*kept, response(50, 0));
    assert!(kept.is_intact(), "{:?}", *kept);
    drop(kept);
    // Ended before the server died.
    assert_eq!(kept_pending.stream_end(), Some(StreamEnd::Completed));
    drop(kept_pending);
    // Through the new server's pool several times: it takes back what the
    // client returns, and would count a chunk that was never its.
    for seq in 10..10 + 4 * u64::from(POOL) {
        round_trip(&client, seq, false);
    }
    drop(client.send_copy(Checked::new(STOP)).unwrap());
    children.wait(third, TIMEOUT);
}

#[test]
fn requests_to_a_gone_server_get_no_server_linux() {
    requests_to_a_gone_server::<Linux>("requests_to_a_gone_server_get_no_server_linux");
}

#[test]
fn requests_to_a_gone_server_get_no_server_posix() {
    requests_to_a_gone_server::<Posix>("requests_to_a_gone_server_get_no_server_posix");
}

// ---------------------------------------------------------------------------
// Too many active requests; responses after a cancel.

/// The request the parent cancels.
const CANCELLED: usize = 1;

/// The child: holds every request the client may open, answers each once,
/// checks that the cancelled one is disconnected, and ends it on cue.
fn holding_server<P: HostPlatform>() {
    let flags = Flags::from_env();
    let node = node::<P>("holding-server");
    let service = open_service::<P>(&node, &child_service(), false);
    let server = service.server_builder().create().unwrap();
    let mut active = take_requests(&server, ACTIVE);
    for (k, request) in active.iter().enumerate() {
        assert_eq!(request.seq, k as u64);
        request.send_copy(response(k as u64, 0)).unwrap();
    }
    flags.set("holding");
    flags.wait("cancelled", TIMEOUT);
    for (k, request) in active.iter().enumerate() {
        if k == CANCELLED {
            assert!(!request.is_connected(), "the cancel reaches the server");
            assert_eq!(
                request.send_copy(response(k as u64, 1)),
                Err(ServerSendError::Send(ResponseSendError::NotConnected))
            );
        } else {
            assert!(request.is_connected(), "request {k} is still waited for");
            request.send_copy(response(k as u64, 1)).unwrap();
        }
    }
    flags.set("saw-cancel");
    flags.wait("still-full", TIMEOUT);
    drop(active.remove(CANCELLED));
    flags.set("released");
    let new = take_requests(&server, 1);
    assert_eq!(new[0].seq, u64::from(ACTIVE));
    new[0].send_copy(response(u64::from(ACTIVE), 0)).unwrap();
    flags.wait("finish", TIMEOUT);
}

fn too_many_active_requests<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return holding_server::<P>();
    }
    let _serial = serial();
    let name = unique_service("too-many");
    let flags = Flags::create();
    let node = node::<P>("eager-client");
    let service = open_service::<P>(&node, &name, false);
    let client = service.client_builder().create().unwrap();
    let mut children = Children::new();
    let child = children.spawn(test, "server", &[(SERVICE_VAR, &name), (FLAGS_VAR, flags.dir())]);
    let mut pending = vec![send_when_served(&client, Checked::new(0))];
    for k in 1..u64::from(ACTIVE) {
        pending.push(client.send_copy(Checked::new(k)).unwrap());
    }
    let too_many = Err(ClientSendError::Send(RequestSendError::ExceedsMaxActiveRequests {
        max: ACTIVE,
    }));
    assert_eq!(client.send_copy(Checked::new(99)).map(drop), too_many);
    flags.wait("holding", TIMEOUT);
    for (k, pending) in pending.iter().enumerate() {
        assert_eq!(*next_response(pending), response(k as u64, 0));
    }

    drop(pending.remove(CANCELLED));
    flags.set("cancelled");
    flags.wait("saw-cancel", TIMEOUT);
    // The server still holds the cancelled request: its slot is not free.
    assert_eq!(client.send_copy(Checked::new(99)).map(drop), too_many);
    flags.set("still-full");
    flags.wait("released", TIMEOUT);
    // The server ended it: the slot is free again.
    let new = client.send_copy(Checked::new(u64::from(ACTIVE))).unwrap();
    assert_eq!(*next_response(&new), response(u64::from(ACTIVE), 0));
    assert_eq!(client.send_copy(Checked::new(99)).map(drop), too_many);
    for (k, pending) in [0, 2].into_iter().zip(&pending) {
        assert_eq!(*next_response(pending), response(k, 1));
    }
    flags.set("finish");
    let _guard = HangGuard::new("the ends of the held streams", TIMEOUT);
    for pending in pending.iter().chain([&new]) {
        assert!(pending.blocking_receive().unwrap().is_none());
        assert_eq!(pending.stream_end(), Some(StreamEnd::Completed));
    }
    children.wait(child, TIMEOUT);
}

#[test]
fn too_many_active_requests_and_responses_after_cancel_linux() {
    too_many_active_requests::<Linux>("too_many_active_requests_and_responses_after_cancel_linux");
}

#[test]
fn too_many_active_requests_and_responses_after_cancel_posix() {
    too_many_active_requests::<Posix>("too_many_active_requests_and_responses_after_cancel_posix");
}

// ---------------------------------------------------------------------------
// Stress: sleeping round trips lose no wake-up.

/// Requests of the stress over `linux` and over `posix` (whose FIFO wake-ups
/// take about a millisecond); the first half one at a time, the second two
/// in flight.
const ROUNDS_LINUX: u64 = 5_000;
const ROUNDS_POSIX: u64 = 2_000;
/// Longest the client waits for one response or end. A lost wake-up makes
/// the wait run into it (the final look then finds the response anyway,
/// so the time taken is what shows it).
const HOP_TIMEOUT: Duration = Duration::from_secs(5);

/// How many responses request `seq` gets: 1..=BUFFER (no overflow).
fn responses_for(seq: u64) -> u64 {
    1 + seq % u64::from(BUFFER)
}

/// How often this thread gave up its CPU to wait (slept) so far.
fn voluntary_switches() -> u64 {
    // SAFETY: a zeroed `rusage` is valid; `getrusage` fills the one passed.
    let usage = unsafe {
        let mut usage: libc::rusage = core::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_THREAD, &raw mut usage), 0);
        usage
    };
    u64::try_from(usage.ru_nvcsw).expect("a count")
}

/// The child: sleeps in `wait` (as long as it takes) for each request and
/// answers it with its numbered stream, in order, until [`STOP`], which it
/// answers with the number of requests it served.
fn stress_server<P: HostPlatform>() {
    let node = node::<P>("stress-server");
    let service = open_service::<P>(&node, &child_service(), false);
    let server = service.server_builder().create().unwrap();
    let slept_before = voluntary_switches();
    let mut expected = 0;
    loop {
        server.wait(None).unwrap();
        while let Some(request) = server.receive().unwrap() {
            assert!(request.is_intact(), "{:?}", *request);
            if request.seq == STOP {
                // Mostly it finds nothing and sleeps; were it so in less
                // than a tenth of the requests, this would test a spin.
                let slept = voluntary_switches() - slept_before;
                assert!(slept >= expected / 10, "the server slept only {slept} times");
                assert_eq!(server.protocol_violations(), 0);
                request.send_copy(Checked::new(expected)).unwrap();
                return;
            }
            assert_eq!(request.seq, expected, "requests in order");
            expected += 1;
            for index in 0..responses_for(request.seq) {
                request.send_copy(response(request.seq, index)).unwrap();
            }
        }
    }
}

/// Takes the whole stream of request `seq`, blocking or timed.
fn take_stream<P: HostPlatform>(
    seq: u64,
    pending: &PendingResponse<'_, P, Checked, Checked>,
    blocking: bool,
    slowest: &mut Duration,
) {
    let mut next = || {
        let started = Instant::now();
        let got = if blocking {
            pending.blocking_receive()
        } else {
            pending.timed_receive(HOP_TIMEOUT)
        };
        let hop = started.elapsed();
        assert!(
            hop < HOP_TIMEOUT,
            "request {seq}: nothing woke the client within {HOP_TIMEOUT:?}: a lost wake-up"
        );
        *slowest = (*slowest).max(hop);
        got.unwrap().map(|response| *response)
    };
    for index in 0..responses_for(seq) {
        assert_eq!(next(), Some(response(seq, index)), "request {seq}");
    }
    assert_eq!(next(), None, "request {seq}: the end");
    assert_eq!(pending.stream_end(), Some(StreamEnd::Completed));
}

fn stress<P: HostPlatform>(test: &str, rounds: u64) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return stress_server::<P>();
    }
    let _serial = serial();
    let name = unique_service("stress");
    let node = node::<P>("stress-client");
    let service = open_service::<P>(&node, &name, false);
    let client = service.client_builder().create().unwrap();
    let mut children = Children::new();
    let child = children.spawn(test, "server", &[(SERVICE_VAR, &name)]);
    let _guard = HangGuard::new("the request-response stress", TIMEOUT);
    let start = Instant::now();
    let slept_before = voluntary_switches();
    let mut slowest = Duration::ZERO;
    let mut in_flight = std::collections::VecDeque::new();
    in_flight.push_back((0, send_when_served(&client, Checked::new(0))));
    for seq in 1..=rounds {
        // The last pass takes what is left.
        let depth = if seq < rounds / 2 || seq == rounds { 1 } else { 2 };
        while in_flight.len() >= depth {
            let (done, pending) = in_flight.pop_front().expect("a request in flight");
            take_stream(done, &pending, done % 2 == 1, &mut slowest);
            assert!(!children.try_finished(child), "the server exited early");
        }
        if seq < rounds {
            in_flight.push_back((seq, client.send_copy(Checked::new(seq)).unwrap()));
        }
    }
    assert!(in_flight.is_empty());
    let elapsed = start.elapsed();
    let slept = voluntary_switches() - slept_before;
    let stop = client.send_copy(Checked::new(STOP)).unwrap();
    assert_eq!(*next_response(&stop), Checked::new(rounds), "requests served");
    children.wait(child, TIMEOUT);
    eprintln!("{rounds} request streams in {elapsed:?} (slowest hop {slowest:?}); the client slept {slept} times");
}

#[test]
fn request_streams_between_processes_lose_no_wake_up_linux() {
    stress::<Linux>("request_streams_between_processes_lose_no_wake_up_linux", ROUNDS_LINUX);
}

#[test]
fn request_streams_between_processes_lose_no_wake_up_posix() {
    stress::<Posix>("request_streams_between_processes_lose_no_wake_up_posix", ROUNDS_POSIX);
}

// ---------------------------------------------------------------------------
// A new client in the slot of one that went, and a sleeping server.

/// How long the next tests give a wake-up that should come at once.
const WAKE_LIMIT: Duration = Duration::from_secs(1);
/// How long a process is given to fall asleep.
const SETTLE: Duration = Duration::from_millis(50);

/// The child: a server that sleeps in `wait` with no limit, as a server
/// loop does, and answers each request once.
fn sleeping_server<P: HostPlatform>() {
    let node = node::<P>("sleeping-server");
    let service = open_service::<P>(&node, &child_service(), false);
    let server = service.server_builder().create().unwrap();
    loop {
        server.wait(None).unwrap();
        while let Some(request) = server.receive().unwrap() {
            request.send_copy(response(request.seq, 0)).unwrap();
        }
    }
}

/// The child: a client that makes one round trip and waits to be killed.
fn one_trip_client<P: HostPlatform>() {
    let flags = Flags::from_env();
    let node = node::<P>("one-trip-client");
    let service = open_service::<P>(&node, &child_service(), false);
    let client = service.client_builder().create().unwrap();
    let pending = send_when_served(&client, Checked::new(1));
    assert_eq!(*next_response(&pending), response(1, 0));
    flags.set("served");
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// A new client that takes the slot of a client that left (or died and was
/// reaped) reaches a server asleep in `wait(None)`: the server, still
/// attached to the earlier client, must be woken to let go of it (until
/// then a send gets `ServerNotReady`).
fn new_client_reaches_a_sleeping_server<P: HostPlatform>(test: &str, killed: bool) {
    match role().as_deref() {
        Some("server") => {
            child_watchdog(TIMEOUT);
            return sleeping_server::<P>();
        }
        Some(_) => {
            child_watchdog(TIMEOUT);
            return one_trip_client::<P>();
        }
        None => {}
    }
    let _serial = serial();
    let name = unique_service("slot-reuse");
    let flags = Flags::create();
    let node = node::<P>("newcomer");
    let service = open_service::<P>(&node, &name, false);
    let mut children = Children::new();
    let env = [(SERVICE_VAR, name.as_str()), (FLAGS_VAR, flags.dir())];
    let _server = children.spawn(test, "server", &env);
    if killed {
        let first = children.spawn(test, "client", &env);
        flags.wait("served", TIMEOUT);
        std::thread::sleep(SETTLE);
        children.kill(first);
        assert_eq!(service.reap_dead_nodes(), 1);
    } else {
        let first = service.client_builder().create().unwrap();
        let pending = send_when_served(&first, Checked::new(1));
        assert_eq!(*next_response(&pending), response(1, 0));
        drop(pending);
        std::thread::sleep(SETTLE);
        drop(first);
    }
    // The (only) client slot, taken again.
    let client = service.client_builder().create().unwrap();
    let started = Instant::now();
    let mut refused = 0;
    wait_until(
        &format!(
            "the new client reaches the sleeping server (still attached to the {} client: nothing woke it \
             to let go)",
            if killed { "reaped" } else { "departed" }
        ),
        WAKE_LIMIT,
        || match client.send_copy(Checked::new(2)) {
            Ok(pending) => {
                assert_eq!(*next_response(&pending), response(2, 0));
                true
            }
            Err(ClientSendError::Send(RequestSendError::ServerNotReady)) => {
                refused += 1;
                false
            }
            Err(e) => panic!("{e}"),
        },
    );
    eprintln!("served after {:?} ({refused} sends refused)", started.elapsed());
}

#[test]
fn new_client_in_a_departed_clients_slot_reaches_a_sleeping_server_linux() {
    new_client_reaches_a_sleeping_server::<Linux>(
        "new_client_in_a_departed_clients_slot_reaches_a_sleeping_server_linux",
        false,
    );
}

#[test]
fn new_client_in_a_departed_clients_slot_reaches_a_sleeping_server_posix() {
    new_client_reaches_a_sleeping_server::<Posix>(
        "new_client_in_a_departed_clients_slot_reaches_a_sleeping_server_posix",
        false,
    );
}

#[test]
fn new_client_in_a_reaped_clients_slot_reaches_a_sleeping_server_linux() {
    new_client_reaches_a_sleeping_server::<Linux>(
        "new_client_in_a_reaped_clients_slot_reaches_a_sleeping_server_linux",
        true,
    );
}

#[test]
fn new_client_in_a_reaped_clients_slot_reaches_a_sleeping_server_posix() {
    new_client_reaches_a_sleeping_server::<Posix>(
        "new_client_in_a_reaped_clients_slot_reaches_a_sleeping_server_posix",
        true,
    );
}

// ---------------------------------------------------------------------------
// A client asleep when its server goes (an iox2 bug: fails until fixed).

/// Set (to anything) when the doomed peer is killed rather than leaving.
const KILLED_VAR: &str = "IOX2_TEST_KILLED";

/// The child: a server that takes no request; when the client sent its
/// request (and sleeps), it leaves — or, with [`KILLED_VAR`], waits to be
/// killed.
fn departing_server<P: HostPlatform>() {
    let flags = Flags::from_env();
    let node = node::<P>("departing-server");
    let service = open_service::<P>(&node, &child_service(), false);
    let server = service.server_builder().create().unwrap();
    flags.set("up");
    flags.wait("sent", TIMEOUT);
    if std::env::var_os(KILLED_VAR).is_none() {
        std::thread::sleep(SETTLE);
        drop(server);
    }
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// A client asleep waiting for a response must wake when its server goes:
/// leaves with the request untaken, or dies and is reaped by another node.
/// `blocking_receive` would sleep forever.
fn waiting_client_wakes_when_its_server_goes<P: HostPlatform>(test: &str, killed: bool) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return departing_server::<P>();
    }
    let _serial = serial();
    let name = unique_service("server-goes");
    let flags = Flags::create();
    let node = node::<P>("waiting-client");
    let service = open_service::<P>(&node, &name, false);
    let client = service.client_builder().create().unwrap();
    let mut children = Children::new();
    let mut env = vec![(SERVICE_VAR, name.as_str()), (FLAGS_VAR, flags.dir())];
    if killed {
        env.push((KILLED_VAR, "1"));
    }
    let child = children.spawn(test, "server", &env);
    flags.wait("up", TIMEOUT);
    let pending = send_when_served(&client, Checked::new(1));
    flags.set("sent");
    std::thread::scope(|scope| {
        let children = &mut children;
        let name = &name;
        if killed {
            scope.spawn(move || {
                std::thread::sleep(SETTLE);
                children.kill(child);
                // Another node opening the service reaps the dead one.
                let reaper = self::node::<P>("reaper");
                let service = open_service::<P>(&reaper, name, false);
                assert_eq!(
                    service.nodes().len(),
                    2,
                    "the dead node is reaped: {:?}",
                    service.nodes()
                );
            });
        }
        let started = Instant::now();
        let got = pending.timed_receive(WAKE_LIMIT).unwrap().map(|response| *response);
        let waited = started.elapsed();
        assert!(
            waited < WAKE_LIMIT,
            "the client slept through its server's {} ({waited:?}): nothing wakes it, and \
             blocking_receive would never return",
            if killed { "death and reaping" } else { "departure" }
        );
        assert_eq!(got, None);
        assert_eq!(pending.stream_end(), Some(StreamEnd::ServerGone));
    });
}

#[test]
fn waiting_client_wakes_when_its_server_leaves_linux() {
    waiting_client_wakes_when_its_server_goes::<Linux>("waiting_client_wakes_when_its_server_leaves_linux", false);
}

#[test]
fn waiting_client_wakes_when_its_server_leaves_posix() {
    waiting_client_wakes_when_its_server_goes::<Posix>("waiting_client_wakes_when_its_server_leaves_posix", false);
}

#[test]
fn waiting_client_wakes_when_its_dead_server_is_reaped_linux() {
    waiting_client_wakes_when_its_server_goes::<Linux>(
        "waiting_client_wakes_when_its_dead_server_is_reaped_linux",
        true,
    );
}

#[test]
fn waiting_client_wakes_when_its_dead_server_is_reaped_posix() {
    waiting_client_wakes_when_its_server_goes::<Posix>(
        "waiting_client_wakes_when_its_dead_server_is_reaped_posix",
        true,
    );
}
