//! The server's side: attach to clients (mapping their request pools is
//! the caller's job, as for a subscriber), take requests, send any number
//! of responses to each from its own pool while the client waits, and end
//! each stream.

use super::control::ReqResControl;
use super::{RequestId, tag, untag};
use crate::pool::{ChunkHeader, Data, PoolOwner};
use crate::pubsub::LoanError;
use crate::service::handshake::{DETACHED, NOT_READY, announce_sleep, end_sleep, pack_connection, wake_if_sleeping};
use crate::service::{PortKind, SlotId, SlotState};
use crate::sync::{Ordering, fence};
use core::fmt;
use iox2_platform::clock::Instant;
use iox2_platform::error::WaitError;
use iox2_platform::rmw::Rmw;
use iox2_platform::wait::{WaitOutcome, WaitWord};

/// A request taken from a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// The client's slot.
    pub client: u32,
    /// The client's generation (which pool the chunk is in).
    pub client_generation: u32,
    /// The request's slot and generation in the client.
    pub id: RequestId,
    /// The chunk's index in the client's pool.
    pub chunk: u32,
}

/// Why a response could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ResponseSendError {
    /// The client stopped waiting (dropped its pending response), left or died.
    NotConnected,
    /// The request's response buffer is full and safe overflow is off.
    BufferFull,
}

impl fmt::Display for ResponseSendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected => write!(f, "the client no longer waits for responses"),
            Self::BufferFull => write!(f, "the response buffer is full (safe overflow is off)"),
        }
    }
}

impl core::error::Error for ResponseSendError {}

/// Why a request could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RequestReceiveError {
    /// A client queued an index outside its pool, or a chunk whose tag
    /// names no request of it (a broken or hostile peer); the entry was
    /// dropped.
    CorruptedRequest {
        /// The client's slot.
        client: u32,
        /// The index found.
        chunk: u32,
    },
}

impl fmt::Display for RequestReceiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CorruptedRequest { client, chunk } => {
                write!(
                    f,
                    "client slot {client} queued chunk {chunk}, which is no request of it"
                )
            }
        }
    }
}

impl core::error::Error for RequestReceiveError {}

/// A server port over a service's control segment and its own response pool.
#[derive(Debug)]
pub struct ServerPort<'a, R> {
    control: ReqResControl<'a, R>,
    pool: PoolOwner<'a, R>,
    slot: SlotId,
    /// Chunks in every client's request pool.
    request_chunks: u32,
    topology_seen: Option<u32>,
    /// The topology at the last look at the clients: a sleep ends when it moved.
    last_topology: u32,
    loaned: u32,
    next_client: u32,
}

impl<'a, R: Rmw> ServerPort<'a, R> {
    /// A server in the claimed slot `slot`, over its freshly created
    /// response pool `data`: ready, attached to no client yet.
    pub fn new(control: ReqResControl<'a, R>, data: Data<'a, R>, slot: SlotId) -> Self {
        let request_chunks = control.qos().request_chunks().unwrap_or(0);
        for client in 0..control.qos().max_clients {
            // SYNC: Release: clients read it with Acquire before connecting.
            control
                .server_attached(slot.index, client)
                .store(DETACHED, Ordering::Release);
        }
        control.registry().topology_changed();
        Self {
            control,
            pool: PoolOwner::new(data),
            slot,
            request_chunks,
            topology_seen: None,
            last_topology: 0,
            loaned: 0,
            next_client: 0,
        }
    }

    /// The port's slot.
    pub fn slot(&self) -> SlotId {
        self.slot
    }

    /// The response pool.
    pub fn data(&self) -> &Data<'a, R> {
        self.pool.data()
    }

    /// How many indices clients handed back that were never theirs.
    pub fn protocol_violations(&self) -> u32 {
        self.pool.violations()
    }

    /// The client generation attached in slot `client`.
    pub fn attached(&self, client: u32) -> Option<u32> {
        match self
            .control
            .server_attached(self.slot.index, client)
            .load(Ordering::Relaxed)
        {
            NOT_READY | DETACHED => None,
            generation => Some(generation),
        }
    }

    /// The client generation connected in slot `client`: attached, and the
    /// client reset the connection for both generations.
    pub fn connected(&self, client: u32) -> Option<u32> {
        let generation = self.attached(client)?;
        // SYNC: Acquire pairs with the client's Release of the reset queues.
        let ready = self
            .control
            .client_ready(client, self.slot.index)
            .load(Ordering::Acquire);
        (ready == pack_connection(generation, self.slot.generation)).then_some(generation)
    }

    /// Calls `f(client, wanted generation or None, attached generation or
    /// None)` for every client slot whose state differs from what this
    /// server is attached to — only if the topology changed since the last
    /// call. The caller maps or unmaps the client's request pool, then
    /// calls [`ServerPort::detach`] / [`ServerPort::attach`].
    pub fn clients_to_update(&mut self, mut f: impl FnMut(u32, Option<u32>, Option<u32>)) {
        let topology = self.control.registry().topology();
        self.last_topology = topology;
        if self.topology_seen == Some(topology) {
            return;
        }
        self.topology_seen = Some(topology);
        for client in 0..self.control.qos().max_clients {
            let wanted = match self.control.registry().port(PortKind::Client, client) {
                SlotState::Active { generation, .. } => Some(generation),
                _ => None,
            };
            let attached = self.attached(client);
            if wanted != attached {
                f(client, wanted, attached);
            }
        }
    }

    /// Makes the next [`ServerPort::clients_to_update`] look at every slot
    /// again (a pool could not be mapped yet).
    pub fn refresh(&mut self) {
        self.topology_seen = None;
    }

    /// Records that the caller mapped the request pool of client `client`,
    /// generation `generation`; the client connects on its next look.
    pub fn attach(&mut self, client: u32, generation: u32) {
        // SYNC: Release pairs with the client's Acquire before it connects.
        self.control
            .server_attached(self.slot.index, client)
            .store(generation, Ordering::Release);
        self.control.registry().topology_changed();
    }

    /// Stops using client slot `client` (it left or died): takes back every
    /// response chunk it held; its requests are no longer answered.
    pub fn detach(&mut self, client: u32) {
        if self.connected(client).is_some() {
            self.drain_returns(client);
        }
        self.pool.release_all(client);
        // SYNC: Release: a successor client in the slot reads this with
        // Acquire before it resets the queues we no longer touch.
        self.control
            .server_attached(self.slot.index, client)
            .store(DETACHED, Ordering::Release);
    }

    fn drain_returns(&mut self, client: u32) {
        let queue = self.control.response_returns(client, self.slot.index);
        // SAFETY: this port is the return queue's only consumer.
        let mut consumer = unsafe { queue.consumer_unchecked() };
        while let Some(chunk) = consumer.pop() {
            self.pool.release_reference(client, chunk);
        }
    }

    /// Takes the next request, visiting connected clients round-robin.
    /// `tag_of(client, chunk)` reads a request chunk's tag from the
    /// client's pool. A request its client no longer waits for is ended
    /// unseen unless the service allows fire and forget.
    pub fn receive(
        &mut self,
        tag_of: impl Fn(u32, u32) -> Option<u64>,
    ) -> Result<Option<ReceivedRequest>, RequestReceiveError> {
        let clients = self.control.qos().max_clients;
        for _ in 0..clients {
            let client = self.next_client;
            self.next_client = if client + 1 >= clients { 0 } else { client + 1 };
            let Some(client_generation) = self.connected(client) else {
                continue;
            };
            let queue = self.control.request_queue(client, self.slot.index);
            loop {
                // SAFETY: this port is the request queue's only consumer.
                let Some(chunk) = (unsafe { queue.consumer_unchecked() }).pop() else {
                    break;
                };
                let id = (chunk < self.request_chunks)
                    .then(|| tag_of(client, chunk))
                    .flatten()
                    .map(untag)
                    .filter(|id| id.request < self.control.qos().max_active_requests);
                let Some(id) = id else {
                    return Err(RequestReceiveError::CorruptedRequest { client, chunk });
                };
                let received = ReceivedRequest {
                    client,
                    client_generation,
                    id,
                    chunk,
                };
                // SYNC: Acquire pairs with the client's Release of `cancelled`.
                let cancelled = self.control.cancelled(client, id.request).load(Ordering::Acquire);
                if cancelled == id.generation && !self.control.qos().fire_and_forget {
                    // Nobody waits for its end: no wake-up.
                    self.finish(received);
                    continue;
                }
                return Ok(Some(received));
            }
        }
        Ok(None)
    }

    /// Whether the client of `request` still waits for its responses.
    pub fn is_connected(&self, request: &ReceivedRequest) -> bool {
        let client = request.client;
        self.connected(client) == Some(request.client_generation)
            && self
                .control
                .request_gen(client, request.id.request)
                .load(Ordering::Acquire)
                == request.id.generation
            && self
                .control
                .cancelled(client, request.id.request)
                .load(Ordering::Acquire)
                != request.id.generation
    }

    /// Loans a chunk for a response (FIFO); returned chunks are taken back
    /// when the free list runs dry.
    pub fn loan(&mut self) -> Result<u32, LoanError> {
        let max = self.control.qos().max_loaned_responses;
        if self.loaned >= max {
            return Err(LoanError::ExceedsMaxLoans { max });
        }
        let chunk = match self.pool.acquire() {
            Some(chunk) => chunk,
            None => {
                for client in 0..self.control.qos().max_clients {
                    if self.connected(client).is_some() {
                        self.drain_returns(client);
                    }
                }
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

    /// Sends a loaned chunk holding `payload_len` bytes as a response to
    /// `request`, and wakes its client if it sleeps.
    pub fn send<W: WaitWord>(
        &mut self,
        request: &ReceivedRequest,
        chunk: u32,
        payload_len: u32,
    ) -> Result<(), ResponseSendError> {
        self.loaned = self.loaned.saturating_sub(1);
        if !self.is_connected(request) {
            self.pool.free(chunk);
            return Err(ResponseSendError::NotConnected);
        }
        let client = request.client;
        self.pool.data().write_header(
            chunk,
            &ChunkHeader {
                payload_len,
                sequence: tag(request.id.request, request.id.generation),
                publisher_generation: self.slot.generation,
                sent_at_ns: 0,
            },
        );
        self.pool.start_count(chunk);
        self.pool.take_reference(client, chunk);
        let queue = self.control.response_queue(client, request.id.request, self.slot.index);
        // SAFETY: this port is the response queue's only producer.
        let mut producer = unsafe { queue.producer_unchecked() };
        let pushed = if self.control.qos().safe_overflow {
            match producer.push_overflowing(chunk) {
                Ok(Some(evicted)) => {
                    self.pool.release_reference(client, evicted);
                    true
                }
                Ok(None) => true,
                Err(_) => false,
            }
        } else {
            producer.push(chunk).is_ok()
        };
        if !pushed {
            self.pool.release_reference(client, chunk);
            return Err(ResponseSendError::BufferFull);
        }
        self.wake_client::<W>(client);
        Ok(())
    }

    /// Ends `request`'s stream: returns the request chunk to its client and
    /// says the stream is over (if the client is still connected), waking
    /// the client if it sleeps.
    pub fn close<W: WaitWord>(&mut self, request: ReceivedRequest) {
        if self.finish(request) {
            self.wake_client::<W>(request.client);
        }
    }

    /// Returns the request chunk and stores the end; false if the client
    /// is gone.
    fn finish(&mut self, request: ReceivedRequest) -> bool {
        let client = request.client;
        if self.connected(client) != Some(request.client_generation) {
            return false;
        }
        let returns = self.control.request_returns(client, self.slot.index);
        // SAFETY: this port is the return queue's only producer; it holds
        // the client's whole pool, so it never overflows.
        let _ = unsafe { returns.producer_unchecked() }.push(request.chunk);
        // SYNC: Release orders the responses and the return before the end.
        self.control
            .closed(client, request.id.request, self.slot.index)
            .store(request.id.generation, Ordering::Release);
        true
    }

    fn wake_client<W: WaitWord>(&self, client: u32) {
        // SYNC: the fence pairs with the client's `announce_sleep`.
        fence(Ordering::SeqCst);
        wake_if_sleeping::<R, W>(self.control.client_wakeup(client));
    }

    /// Whether a connected client's request queue holds a request.
    fn has_requests(&self) -> bool {
        (0..self.control.qos().max_clients).any(|client| {
            self.connected(client).is_some() && {
                let queue = self.control.request_queue(client, self.slot.index);
                // SAFETY: this port is the request queue's only consumer.
                !unsafe { queue.consumer_unchecked() }.is_empty()
            }
        })
    }

    /// Sleeps until a client sends a request, or `deadline` passes. May
    /// return early: receive, and wait again.
    pub fn wait<W: WaitWord>(&self, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        let word = self.control.server_wakeup(self.slot.index);
        let asleep = announce_sleep::<R>(word);
        // A client that came since the last look may have sent already.
        let moved = self.control.registry().topology() != self.last_topology;
        let outcome = if moved || self.has_requests() {
            Ok(WaitOutcome::Woken)
        } else {
            W::wait(word, asleep, deadline)
        };
        end_sleep::<R>(word);
        outcome
    }

    /// Leaves: marks its row not ready and frees the slot. Requests it did
    /// not end show their clients a server that is gone.
    pub fn leave<W: WaitWord>(&mut self) {
        self.control.reset_server_row(self.slot.index);
        self.control.registry().release_port(PortKind::Server, self.slot);
        self.control.wake_clients::<W>();
    }
}
