//! The client's side: connect to servers (mapping their response pools is
//! the caller's job), loan and send requests from its own pool, take the
//! responses of one request, and end waiting for it.
//!
//! A request is named by its slot and generation ([`RequestId`]); the
//! caller keeps it in its pending-response handle. Everything a slot needs
//! lives in the client's own rows of the control segment, so the port
//! holds no per-request state and allocates nothing.

use super::control::ReqResControl;
use super::{LOST, RequestId, tag};
use crate::pool::{ChunkHeader, Data, PoolOwner};
use crate::pubsub::LoanError;
use crate::service::handshake::{DETACHED, announce_sleep, end_sleep, pack_connection, wake_if_sleeping};
use crate::service::{PortKind, SlotId, SlotState};
use crate::sync::{Ordering, fence};
use core::fmt;
use iox2_platform::clock::Instant;
use iox2_platform::error::WaitError;
use iox2_platform::rmw::Rmw;
use iox2_platform::wait::{WaitOutcome, WaitWord};

/// Why a request could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RequestSendError {
    /// `max_active_requests` requests are open; drop a pending response first.
    ExceedsMaxActiveRequests {
        /// The limit.
        max: u32,
    },
    /// No server exists: nobody would answer.
    NoServer,
    /// Servers exist, but none has taken this client on yet (a server
    /// still lets go of an earlier client of this slot, or has not looked
    /// since this client appeared; it was woken). Try again shortly.
    ServerNotReady,
}

impl fmt::Display for RequestSendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExceedsMaxActiveRequests { max } => {
                write!(f, "{max} requests are open already (max_active_requests)")
            }
            Self::NoServer => write!(f, "no server is connected to the service"),
            Self::ServerNotReady => write!(f, "no server has taken this client on yet; try again"),
        }
    }
}

impl core::error::Error for RequestSendError {}

/// Why no response could be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ResponseReceiveError {
    /// `max_borrowed_responses` responses are held already.
    ExceedsMaxBorrows {
        /// The limit.
        max: u32,
    },
    /// A server queued an index outside its pool (a broken or hostile
    /// peer); the entry was dropped.
    CorruptedIndex {
        /// The server's slot.
        server: u32,
        /// The index found.
        chunk: u32,
    },
}

impl fmt::Display for ResponseReceiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExceedsMaxBorrows { max } => write!(f, "{max} responses are held already (max_borrowed_responses)"),
            Self::CorruptedIndex { server, chunk } => {
                write!(f, "server slot {server} queued chunk {chunk}, outside its pool")
            }
        }
    }
}

impl core::error::Error for ResponseReceiveError {}

/// How a request's stream of responses ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StreamEnd {
    /// Every server it went to ended its stream.
    Completed,
    /// A server it went to is gone without ending its stream (it died or
    /// was reaped); what it sent before was delivered.
    ServerGone,
}

/// A response taken from a server's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedResponse {
    /// The server's slot.
    pub server: u32,
    /// The server's generation (which pool the chunk is in).
    pub generation: u32,
    /// The chunk's index in that pool (checked against the pool's size).
    pub chunk: u32,
}

/// A client port over a service's control segment and its own request pool.
#[derive(Debug)]
pub struct ClientPort<'a, R> {
    control: ReqResControl<'a, R>,
    pool: PoolOwner<'a, R>,
    slot: SlotId,
    /// Chunks in every server's response pool.
    response_chunks: u32,
    topology_seen: Option<u32>,
    /// The topology at the last look at the servers: a sleep ends when it moved.
    last_topology: u32,
    loaned: u32,
    borrowed: u32,
    /// The last request generation handed out (1..2^31, never 0).
    last_generation: u32,
    next_server: u32,
}

impl<'a, R: Rmw> ClientPort<'a, R> {
    /// A client in the claimed slot `slot`, over its freshly created
    /// request pool `data`. Starts its request rows afresh: an earlier
    /// holder's words name other generations, which no server will match.
    /// The slot's `client_ready` row may hold an earlier client's entries:
    /// they name its generation, never ours.
    pub fn new(control: ReqResControl<'a, R>, data: Data<'a, R>, slot: SlotId) -> Self {
        let qos = *control.qos();
        for request in 0..qos.max_active_requests {
            control.request_gen(slot.index, request).store(0, Ordering::Relaxed);
            control.cancelled(slot.index, request).store(0, Ordering::Relaxed);
            for server in 0..qos.max_servers {
                control.sent(slot.index, request, server).store(0, Ordering::Relaxed);
            }
        }
        Self {
            control,
            pool: PoolOwner::new(data),
            slot,
            response_chunks: qos.response_chunks().unwrap_or(0),
            topology_seen: None,
            last_topology: 0,
            loaned: 0,
            borrowed: 0,
            last_generation: 0,
            next_server: 0,
        }
    }

    /// The port's slot.
    pub fn slot(&self) -> SlotId {
        self.slot
    }

    /// The request pool.
    pub fn data(&self) -> &Data<'a, R> {
        self.pool.data()
    }

    /// How many indices servers handed back that were never theirs.
    pub fn protocol_violations(&self) -> u32 {
        self.pool.violations()
    }

    /// The server generation connected in slot `server`, if the connection
    /// is ours and ready (we reset it for that server).
    pub fn connected(&self, server: u32) -> Option<u32> {
        let ready = self
            .control
            .client_ready(self.slot.index, server)
            .load(Ordering::Relaxed);
        (ready != 0 && ready >> 16 == self.slot.generation).then_some(ready & 0xFFFF)
    }

    /// Calls `f(server, wanted server generation or None, connected server
    /// generation or None)` for every server slot to connect or disconnect
    /// — only if the topology changed since the last call. The caller maps
    /// or unmaps the server's response pool, then calls
    /// [`ClientPort::connect`] / [`ClientPort::disconnect`]. A server is
    /// wanted once it is attached to us or to nobody (so it no longer uses
    /// an earlier client's queues in this slot).
    pub fn servers_to_update(&mut self, mut f: impl FnMut(u32, Option<u32>, Option<u32>)) {
        let topology = self.control.registry().topology();
        self.last_topology = topology;
        if self.topology_seen == Some(topology) {
            return;
        }
        self.topology_seen = Some(topology);
        for server in 0..self.control.qos().max_servers {
            let active = match self.control.registry().port(PortKind::Server, server) {
                SlotState::Active { generation, .. } => Some(generation & 0xFFFF),
                _ => None,
            };
            // SYNC: Acquire pairs with the server's Release of its attachment.
            let attached = self
                .control
                .server_attached(server, self.slot.index)
                .load(Ordering::Acquire);
            let wanted = active.filter(|_| attached == self.slot.generation || attached == DETACHED);
            let connected = self.connected(server);
            if connected.is_some() && connected != active {
                f(server, None, connected);
                if wanted.is_some() {
                    f(server, wanted, None);
                }
            } else if connected.is_none() && wanted.is_some() {
                f(server, wanted, None);
            } else if connected.is_none() && active.is_some() {
                // Attached to an earlier client of this slot: look again.
                self.topology_seen = None;
            }
        }
    }

    /// Makes the next [`ClientPort::servers_to_update`] look at every slot
    /// again (a pool could not be mapped yet, or responses wait to be taken).
    pub fn refresh(&mut self) {
        self.topology_seen = None;
    }

    /// Whether responses of an open request from `server` wait in its queues.
    pub fn has_queued_from(&self, server: u32) -> bool {
        self.connected(server).is_some()
            && (0..self.control.qos().max_active_requests)
                .any(|request| self.is_open(request) && !self.response_consumer_empty(request, server))
    }

    fn response_consumer_empty(&self, request: u32, server: u32) -> bool {
        let queue = self.control.response_queue(self.slot.index, request, server);
        // SAFETY: this port is the response queue's only consumer.
        unsafe { queue.consumer_unchecked() }.is_empty()
    }

    /// Connects server slot `server`, generation `generation`, whose pool
    /// the caller mapped: resets the connection's queues, then says so.
    pub fn connect(&mut self, server: u32, generation: u32) {
        self.control.reset_connection(self.slot.index, server);
        // SYNC: Release publishes the reset queues to the server's Acquire.
        self.control
            .client_ready(self.slot.index, server)
            .store(pack_connection(self.slot.generation, generation), Ordering::Release);
    }

    /// Stops using server slot `server` (it left or died): requests it did
    /// not end are marked lost (their pending responses end with
    /// [`StreamEnd::ServerGone`]), those it ended are forgotten there, and
    /// every request chunk it held comes back.
    pub fn disconnect(&mut self, server: u32) {
        for request in 0..self.control.qos().max_active_requests {
            let generation = self
                .control
                .request_gen(self.slot.index, request)
                .load(Ordering::Relaxed);
            let sent = self.control.sent(self.slot.index, request, server);
            if generation == 0 || sent.load(Ordering::Relaxed) != generation {
                continue;
            }
            let closed = self
                .control
                .closed(self.slot.index, request, server)
                .load(Ordering::Acquire);
            sent.store(
                if closed == generation { 0 } else { generation | LOST },
                Ordering::Relaxed,
            );
        }
        self.drain_returns_from(server);
        self.pool.release_all(server);
        self.control
            .client_ready(self.slot.index, server)
            .store(0, Ordering::Release);
    }

    /// Takes back the request chunks servers returned.
    fn drain_returns(&mut self) {
        for server in 0..self.control.qos().max_servers {
            if self.connected(server).is_some() {
                self.drain_returns_from(server);
            }
        }
    }

    fn drain_returns_from(&mut self, server: u32) {
        let queue = self.control.request_returns(self.slot.index, server);
        // SAFETY: this port is the return queue's only consumer.
        let mut consumer = unsafe { queue.consumer_unchecked() };
        while let Some(chunk) = consumer.pop() {
            self.pool.release_reference(server, chunk);
        }
    }

    /// Loans a chunk for a request (FIFO); returned chunks are taken back
    /// when the free list runs dry.
    pub fn loan(&mut self) -> Result<u32, LoanError> {
        let max = self.control.qos().max_loaned_requests;
        if self.loaned >= max {
            return Err(LoanError::ExceedsMaxLoans { max });
        }
        let chunk = match self.pool.acquire() {
            Some(chunk) => chunk,
            None => {
                self.drain_returns();
                self.pool.acquire().ok_or(LoanError::OutOfChunks)?
            }
        };
        self.loaned += 1;
        Ok(chunk)
    }

    /// Gives back a loaned chunk that is not sent.
    pub fn release_loan(&mut self, chunk: u32) {
        self.loaned = self.loaned.saturating_sub(1);
        self.pool.free(chunk);
    }

    /// Whether request slot `request` is waited for (a pending response).
    fn is_open(&self, request: u32) -> bool {
        let generation = self
            .control
            .request_gen(self.slot.index, request)
            .load(Ordering::Relaxed);
        generation != 0 && self.control.cancelled(self.slot.index, request).load(Ordering::Relaxed) != generation
    }

    /// Whether request slot `request` can take a new request: not waited
    /// for, and every server that got its last request ended it or is gone.
    fn is_free(&self, request: u32) -> bool {
        if self.is_open(request) {
            return false;
        }
        let generation = self
            .control
            .request_gen(self.slot.index, request)
            .load(Ordering::Relaxed);
        (0..self.control.qos().max_servers).all(|server| {
            self.control
                .sent(self.slot.index, request, server)
                .load(Ordering::Relaxed)
                != generation
                || self.connected(server).is_none()
                || self
                    .control
                    .closed(self.slot.index, request, server)
                    .load(Ordering::Acquire)
                    == generation
        })
    }

    /// Hands the leftovers of request slot `request` back to their servers.
    fn drain_responses(&mut self, request: u32) {
        for server in 0..self.control.qos().max_servers {
            if self.connected(server).is_none() {
                continue;
            }
            let queue = self.control.response_queue(self.slot.index, request, server);
            // SAFETY: this port is the response queue's only consumer.
            let mut consumer = unsafe { queue.consumer_unchecked() };
            while let Some(chunk) = consumer.pop() {
                self.give_back(server, chunk);
            }
        }
    }

    /// Returns a response chunk to its server's pool.
    fn give_back(&mut self, server: u32, chunk: u32) {
        let queue = self.control.response_returns(self.slot.index, server);
        // SAFETY: this port is the return queue's only producer; the queue
        // holds the whole pool, so it never overflows.
        let _ = unsafe { queue.producer_unchecked() }.push(chunk);
    }

    /// The next request generation: 1..2^31, never 0.
    fn next_generation(&mut self) -> u32 {
        self.last_generation = match self.last_generation.wrapping_add(1) & !LOST {
            0 => 1,
            next => next,
        };
        self.last_generation
    }

    /// Sends a loaned chunk holding `payload_len` bytes as a request to
    /// every connected server, and wakes those that sleep.
    pub fn send<W: WaitWord>(&mut self, chunk: u32, payload_len: u32) -> Result<RequestId, RequestSendError> {
        self.loaned = self.loaned.saturating_sub(1);
        let max = self.control.qos().max_active_requests;
        let Some(request) = (0..max).find(|&request| self.is_free(request)) else {
            self.pool.free(chunk);
            return Err(RequestSendError::ExceedsMaxActiveRequests { max });
        };
        self.drain_responses(request);
        let generation = self.next_generation();
        let client = self.slot.index;
        self.control
            .request_gen(client, request)
            .store(generation, Ordering::Release);
        self.pool.data().write_header(
            chunk,
            &ChunkHeader {
                payload_len,
                sequence: tag(request, generation),
                publisher_generation: self.slot.generation,
                sent_at_ns: 0,
            },
        );
        self.pool.start_count(chunk);
        let mut delivered = 0;
        for server in 0..self.control.qos().max_servers {
            let sent = self.control.sent(client, request, server);
            if self.connected(server).is_none() {
                sent.store(0, Ordering::Relaxed);
                continue;
            }
            sent.store(generation, Ordering::Relaxed);
            // INV-REFCOUNT / INV-ORDER: the reference before the push.
            self.pool.take_reference(server, chunk);
            let queue = self.control.request_queue(client, server);
            // SAFETY: this port is the request queue's only producer.
            if unsafe { queue.producer_unchecked() }.push(chunk).is_ok() {
                delivered += 1;
            } else {
                // Not freed here: another server may still take it.
                self.pool.undo_reference(server, chunk);
                sent.store(0, Ordering::Relaxed);
            }
        }
        self.pool.free_if_unreferenced(chunk);
        if delivered == 0 {
            self.control
                .cancelled(client, request)
                .store(generation, Ordering::Relaxed);
            let servers = self.control.qos().max_servers;
            let registry = self.control.registry();
            return Err(
                if (0..servers).any(|s| matches!(registry.port(PortKind::Server, s), SlotState::Active { .. })) {
                    self.wake_servers::<W>();
                    RequestSendError::ServerNotReady
                } else {
                    RequestSendError::NoServer
                },
            );
        }
        // SYNC: the fence pairs with the server's `announce_sleep`.
        fence(Ordering::SeqCst);
        for server in 0..self.control.qos().max_servers {
            if self.control.sent(client, request, server).load(Ordering::Relaxed) == generation {
                wake_if_sleeping::<R, W>(self.control.server_wakeup(server));
            }
        }
        Ok(RequestId { request, generation })
    }

    /// Wakes every sleeping server, so that it looks at the clients again:
    /// after this client appeared, and when it leaves.
    pub fn wake_servers<W: WaitWord>(&self) {
        // SYNC: the fence pairs with the servers' `announce_sleep`; the
        // topology change it follows is what they will see.
        fence(Ordering::SeqCst);
        for server in 0..self.control.qos().max_servers {
            wake_if_sleeping::<R, W>(self.control.server_wakeup(server));
        }
    }

    /// Takes the next response to `id`, visiting its servers round-robin.
    pub fn receive(
        &mut self,
        id: RequestId,
        tag_of: impl Fn(u32, u32) -> Option<u64>,
    ) -> Result<Option<ReceivedResponse>, ResponseReceiveError> {
        let max = self.control.qos().max_borrowed_responses;
        if self.borrowed >= max {
            return Err(ResponseReceiveError::ExceedsMaxBorrows { max });
        }
        let servers = self.control.qos().max_servers;
        for _ in 0..servers {
            let server = self.next_server;
            self.next_server = if server + 1 >= servers { 0 } else { server + 1 };
            let Some(generation) = self.connected(server) else {
                continue;
            };
            let queue = self.control.response_queue(self.slot.index, id.request, server);
            loop {
                // SAFETY: this port is the response queue's only consumer.
                let Some(chunk) = (unsafe { queue.consumer_unchecked() }).pop() else {
                    break;
                };
                if chunk >= self.response_chunks {
                    return Err(ResponseReceiveError::CorruptedIndex { server, chunk });
                }
                if tag_of(server, chunk) != Some(tag(id.request, id.generation)) {
                    // A leftover of an earlier request in this slot.
                    self.give_back(server, chunk);
                    continue;
                }
                self.borrowed += 1;
                return Ok(Some(ReceivedResponse {
                    server,
                    generation,
                    chunk,
                }));
            }
        }
        Ok(None)
    }

    /// Hands a response back to its server's pool (if still attached to
    /// that server generation).
    pub fn release(&mut self, response: ReceivedResponse) {
        self.borrowed = self.borrowed.saturating_sub(1);
        if self.connected(response.server) == Some(response.generation) {
            self.give_back(response.server, response.chunk);
        }
    }

    /// How `id`'s stream ended, if it did: every server it went to ended it
    /// or is gone, and nothing of it waits in a queue.
    pub fn stream_end(&self, id: RequestId) -> Option<StreamEnd> {
        let mut end = StreamEnd::Completed;
        for server in 0..self.control.qos().max_servers {
            let sent = self
                .control
                .sent(self.slot.index, id.request, server)
                .load(Ordering::Relaxed);
            if sent == id.generation | LOST {
                end = StreamEnd::ServerGone;
                continue;
            }
            if sent != id.generation {
                continue;
            }
            let closed = self
                .control
                .closed(self.slot.index, id.request, server)
                .load(Ordering::Acquire);
            match self.connected(server) {
                // Gone: ended first, or not (its successor has not reset
                // `closed` yet: we are still attached to the old one).
                None if closed != id.generation => end = StreamEnd::ServerGone,
                None => {}
                Some(_) if closed != id.generation || !self.response_consumer_empty(id.request, server) => {
                    return None;
                }
                Some(_) => {}
            }
        }
        Some(end)
    }

    /// Whether a server still answers `id` (its stream has not ended).
    pub fn is_connected(&self, id: RequestId) -> bool {
        self.stream_end(id).is_none()
    }

    /// Stops waiting for `id` (its pending response was dropped): servers
    /// see it cancelled; what they queued goes back to their pools.
    pub fn cancel(&mut self, id: RequestId) {
        let client = self.slot.index;
        // SYNC: Release; servers read it with Acquire before each response.
        self.control
            .cancelled(client, id.request)
            .store(id.generation, Ordering::Release);
        self.drain_responses(id.request);
    }

    /// Sleeps until a response to `id` arrives or its stream ends, or
    /// `deadline` passes. May return early: receive, and wait again.
    pub fn wait<W: WaitWord>(&self, id: RequestId, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        let word = self.control.client_wakeup(self.slot.index);
        let asleep = announce_sleep::<R>(word);
        // A server that left or was reaped since the last look moved the
        // topology: look again (its stream may have ended).
        let moved = self.control.registry().topology() != self.last_topology;
        let ready = moved
            || (0..self.control.qos().max_servers)
                .any(|server| self.connected(server).is_some() && !self.response_consumer_empty(id.request, server))
            || self.stream_end(id).is_some();
        let outcome = if ready {
            Ok(WaitOutcome::Woken)
        } else {
            W::wait(word, asleep, deadline)
        };
        end_sleep::<R>(word);
        outcome
    }

    /// Leaves: cancels its open requests and frees the slot. Servers take
    /// back their responses and drop its requests on their next look; the
    /// `client_ready` row stays (it names this generation, which no
    /// successor matches).
    pub fn leave<W: WaitWord>(&mut self) {
        for request in 0..self.control.qos().max_active_requests {
            let generation = self
                .control
                .request_gen(self.slot.index, request)
                .load(Ordering::Relaxed);
            self.control
                .cancelled(self.slot.index, request)
                .store(generation, Ordering::Release);
        }
        self.control.registry().release_port(PortKind::Client, self.slot);
        self.wake_servers::<W>();
    }
}
