//! `iox2`: the host request-response API over the `Linux` platform. One
//! service per transport and case, `iox2-bench/<tag>/<transport name>`,
//! with `N`-byte requests and responses (`[u8; N]`), one client (the
//! pinger, in the bench process) and one server (receiver 0). Both ports
//! are the only ones (`max_clients(1)`, `max_servers(1)`), so every scan
//! over client and server slots visits one slot.
//!
//! What a request is answered with ([`Answer`]):
//! - [`Answer::First`]: one response carrying the request's token, then
//!   the server drops the active request (the stream ends). The client
//!   takes that first response and drops the pending response without
//!   waiting for the end (it usually has ended by then). A pending
//!   response borrows its client, so the pinger's `ping` only notes the
//!   token and `wait_pong` sends the request and takes the response: the
//!   timed span covers both, as for the other transports.
//!   `max_active_requests(2)` suffices: the server ends request `k` before
//!   it takes `k + 1`, so when the client sends `k + 2`, `k`'s slot is free.
//! - [`Answer::Stream`]: the request's token is a count `n`; the server
//!   sends responses `0..n` (each carrying its sequence number) and then
//!   ends the stream. `response_buffer(16)` without safe overflow: when the
//!   buffer is full the send fails (`BufferFull`) and the server loans,
//!   writes and sends that response again, spinning, so no response is
//!   ever dropped; the client checks that it gets `0..n` in order and then
//!   the end of the stream (`StreamEnd::Completed`).
//!
//! `BLOCK = false`: the server polls `Server::receive`, the client
//! `PendingResponse::receive` (and `stream_end` for the end of a stream).
//! `BLOCK = true`: the server sleeps in `Server::wait(None)` whenever
//! `receive` finds nothing, the client takes responses with
//! `blocking_receive` (which sleeps while the stream is open and empty).
//! A streaming server spins on a full buffer either way: the API has no
//! call that waits for room.
//!
//! Messages are written in place in the loaned chunk and read in place in
//! the received one, in the `read` variant every byte (see
//! `pingpong::transport`).

use core::mem::MaybeUninit;
use std::os::fd::OwnedFd;

use iox2_core::reqres::{ResponseSendError, StreamEnd};
use iox2_host::prelude::*;
use iox2_host::{ActiveRequest, Client, PendingResponse, ReqResService, Response, Server, ServerSendError};

use crate::pingpong::transport::{
    NoPassive, Pinger, Ponger, Result, Spec, Transport, read_message, spin_until, wait_until, write_message,
};
use crate::pubsub::iox2::{node, service};

/// Responses a stream may queue before the server has to wait.
pub const STREAM_BUFFER: u32 = 16;

/// A request's or a response's payload.
type Message<const N: usize> = [u8; N];

/// The case's request-response service.
type Service<const N: usize> = ReqResService<Linux, Message<N>, Message<N>>;

/// The client's pending response to one request.
type Pending<'c, const N: usize> = PendingResponse<'c, Linux, Message<N>, Message<N>>;

/// A request the server is answering.
type Active<'s, const N: usize> = ActiveRequest<'s, Linux, Message<N>, Message<N>>;

/// How the server answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// One response with the request's token, then the end of the stream.
    First,
    /// As many responses as the request's token says, numbered from 0,
    /// then the end of the stream.
    Stream,
}

/// iox2 request-response with `N`-byte messages; both sides sleep if
/// `BLOCK`, else poll; requests are answered as `STREAM` says
/// ([`Answer::Stream`] if true, else [`Answer::First`]).
#[derive(Debug)]
pub struct Iox2ReqRes<const N: usize, const BLOCK: bool, const STREAM: bool>;

impl<const N: usize, const BLOCK: bool, const STREAM: bool> Iox2ReqRes<N, BLOCK, STREAM> {
    const ANSWER: Answer = if STREAM { Answer::Stream } else { Answer::First };

    /// Opens (the client side: creates) the case's service.
    fn open(node: &Node<Linux>, spec: &Spec, create: bool) -> Result<Service<N>> {
        let name = <Self as Transport>::NAME;
        service(node, spec, name, create, |builder| {
            let builder = builder
                .request_response::<Message<N>, Message<N>>()
                .max_clients(1)
                .max_servers(1);
            let builder = match Self::ANSWER {
                Answer::First => builder.max_active_requests(2),
                Answer::Stream => builder
                    .max_active_requests(1)
                    .response_buffer(STREAM_BUFFER)
                    .safe_overflow(false),
            };
            if create { builder.create() } else { builder.open() }
        })
    }
}

/// Writes the message carrying `token` into a loaned payload, in place.
#[inline(always)]
fn fill<const N: usize>(payload: &mut MaybeUninit<Message<N>>, token: u32, read: bool) {
    // SAFETY: a loaned payload is `N` (>= 8) writable bytes, the loan's alone.
    unsafe { write_message(payload.as_mut_ptr().cast::<u8>(), N, token, read) };
}

/// The client's end.
pub struct Iox2Client<const N: usize, const BLOCK: bool, const STREAM: bool> {
    client: Client<Linux, Message<N>, Message<N>>,
    _service: Service<N>,
    _node: Node<Linux>,
    read: bool,
    /// The token of the next request.
    token: u32,
}

impl<const N: usize, const BLOCK: bool, const STREAM: bool> core::fmt::Debug for Iox2Client<N, BLOCK, STREAM> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Iox2Client").field("client", &self.client).finish()
    }
}

impl<const N: usize, const BLOCK: bool, const STREAM: bool> Iox2Client<N, BLOCK, STREAM> {
    /// Sends the request carrying `token`, written in place.
    #[inline(always)]
    fn request(&self, token: u32) -> Pending<'_, N> {
        let mut request = self.client.loan_uninit().expect("iox2 cannot loan a request");
        fill(request.payload_mut(), token, self.read);
        // SAFETY: a `[u8; N]` is valid for any bytes. The bytes an
        // `untouched` message leaves unwritten are initialised: the pool is
        // a shared mapping the kernel zero-filled, since written only by
        // this client (as in `pubsub::iox2::send`).
        let request = unsafe { request.assume_init() };
        request.send().expect("iox2 cannot send a request")
    }

    /// The next response of `pending`: polling `receive`, or if `BLOCK`
    /// sleeping in `blocking_receive`; `None` once the stream ended (only a
    /// blocking receive tells; a poll for a response that never comes ends
    /// in a patience panic).
    #[inline(always)]
    fn next<'p>(pending: &'p Pending<'_, N>) -> Option<Response<'p, Linux, Message<N>>> {
        if BLOCK {
            return pending
                .blocking_receive()
                .unwrap_or_else(|e| panic!("iox2 cannot wait for a response: {e}"));
        }
        Some(spin_until("iox2's response", || {
            pending
                .receive()
                .unwrap_or_else(|e| panic!("iox2 cannot receive a response: {e}"))
        }))
    }

    /// Takes responses `0..count` of `pending` in order, then its end.
    fn take_stream(&self, pending: &Pending<'_, N>, count: u32) {
        for sequence in 0..count {
            let response =
                Self::next(pending).unwrap_or_else(|| panic!("iox2's stream ended after {sequence} of {count}"));
            let got = read_message(&response[..], self.read);
            assert_eq!(got, sequence, "iox2's stream lost or reordered a response");
        }
        let end = if BLOCK {
            assert!(
                Self::next(pending).is_none(),
                "iox2's stream went on after {count} responses"
            );
            pending.stream_end()
        } else {
            Some(spin_until("the end of iox2's stream", || pending.stream_end()))
        };
        assert_eq!(end, Some(StreamEnd::Completed), "iox2's stream did not complete");
    }
}

impl<const N: usize, const BLOCK: bool, const STREAM: bool> Pinger for Iox2Client<N, BLOCK, STREAM> {
    #[inline]
    fn ping(&mut self, token: u32) {
        self.token = token;
    }

    #[inline]
    fn wait_pong(&mut self) -> u32 {
        let pending = self.request(self.token);
        match Iox2ReqRes::<N, BLOCK, STREAM>::ANSWER {
            Answer::First => {
                let response = Self::next(&pending).expect("iox2's stream ended without a response");
                read_message(&response[..], self.read)
            }
            Answer::Stream => {
                self.take_stream(&pending, self.token);
                self.token
            }
        }
    }
}

/// The server's end (receiver 0).
pub struct Iox2Server<const N: usize, const BLOCK: bool, const STREAM: bool> {
    server: Server<Linux, Message<N>, Message<N>>,
    _service: Service<N>,
    _node: Node<Linux>,
    read: bool,
}

impl<const N: usize, const BLOCK: bool, const STREAM: bool> Iox2Server<N, BLOCK, STREAM> {
    /// Sends the response carrying `token` to `request`; false if the
    /// buffer is full (the response is gone: send it again).
    #[inline(always)]
    fn respond(&self, request: &Active<'_, N>, token: u32) -> bool {
        let mut response = request.loan_uninit().expect("iox2 cannot loan a response");
        fill(response.payload_mut(), token, self.read);
        // SAFETY: as for the request in `Iox2Client::request`.
        let response = unsafe { response.assume_init() };
        match response.send() {
            Ok(()) => true,
            Err(ServerSendError::Send(ResponseSendError::BufferFull)) => false,
            Err(e) => panic!("iox2 cannot send response {token}: {e}"),
        }
    }
}

impl<const N: usize, const BLOCK: bool, const STREAM: bool> Ponger for Iox2Server<N, BLOCK, STREAM> {
    #[inline]
    fn echo(&mut self) -> u32 {
        let receive = || {
            self.server
                .receive()
                .unwrap_or_else(|e| panic!("iox2 cannot receive a request: {e}"))
        };
        let request = if BLOCK {
            loop {
                if let Some(request) = receive() {
                    break request;
                }
                self.server
                    .wait(None)
                    .unwrap_or_else(|e| panic!("iox2 cannot wait for a request: {e}"));
            }
        } else {
            spin_until("iox2's request", receive)
        };
        let token = read_message(&request[..], self.read);
        match Iox2ReqRes::<N, BLOCK, STREAM>::ANSWER {
            Answer::First => assert!(self.respond(&request, token), "a single response found the buffer full"),
            Answer::Stream => {
                for sequence in 0..token {
                    spin_until("room in iox2's response buffer", || {
                        self.respond(&request, sequence).then_some(())
                    });
                }
            }
        }
        // Dropping the active request ends the stream.
        token
    }
}

impl<const N: usize, const BLOCK: bool, const STREAM: bool> Transport for Iox2ReqRes<N, BLOCK, STREAM> {
    const NAME: &'static str = match (STREAM, BLOCK) {
        (false, false) => "iox2-reqres",
        (false, true) => "iox2-reqres-blocking",
        (true, false) => "iox2-stream",
        (true, true) => "iox2-stream-blocking",
    };
    type Pinger = Iox2Client<N, BLOCK, STREAM>;
    type Ponger = Iox2Server<N, BLOCK, STREAM>;
    type Passive = NoPassive;

    fn receivers(_: &Spec) -> usize {
        1
    }

    fn setup(spec: &Spec) -> Result<(Iox2Client<N, BLOCK, STREAM>, Vec<Vec<OwnedFd>>)> {
        assert_eq!(spec.payload, N, "iox2's message type does not match the case");
        let node = node("iox2-bench-client")?;
        let service = Self::open(&node, spec, true)?;
        let client = service
            .client_builder()
            .create()
            .map_err(|e| format!("cannot create a client on {}: {e}", service.name()))?;
        let pinger = Iox2Client {
            client,
            _service: service,
            _node: node,
            read: spec.read,
            token: 0,
        };
        Ok((pinger, vec![Vec::new()]))
    }

    fn connect_ponger(spec: &Spec, _: Vec<OwnedFd>) -> Result<Iox2Server<N, BLOCK, STREAM>> {
        let node = node("iox2-bench-server")?;
        let service = Self::open(&node, spec, false)?;
        let server = service
            .server_builder()
            .create()
            .map_err(|e| format!("cannot create a server on {}: {e}", service.name()))?;
        // Attaches to the client (it exists: the parent created it first).
        server
            .receive()
            .map_err(|e| format!("cannot look for requests: {e}"))?
            .map_or(Ok(()), |_| Err("a request came before the first run"))?;
        Ok(Iox2Server {
            server,
            _service: service,
            _node: node,
            read: spec.read,
        })
    }

    fn connect_passive(_: &Spec, _: Vec<OwnedFd>) -> Result<NoPassive> {
        Err("iox2 request-response has no passive receivers here".to_owned())
    }

    fn finish(pinger: &mut Iox2Client<N, BLOCK, STREAM>) -> Result<()> {
        wait_until("iox2's server", || pinger.client.has_servers())
    }
}
