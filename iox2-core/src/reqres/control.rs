//! A request-response service's control segment: its header, the registry
//! of nodes, clients and servers, the handshake words of every
//! client-server connection, the per-request words, the wake words, and
//! the queues (layout in `layout.rs`).
//!
//! # Connections (INV-EPOCH)
//! The handshake of `service/handshake.rs` (the publisher's part is the
//! client's, the subscriber's the server's): `server_attached[s][c]` names
//! the client generation whose request pool server `s` mapped (DETACHED: a
//! new server, or one that let go of an earlier client in that slot).
//! Client `c` maps the server's response pool and resets the connection's
//! queues only while that word names its own generation or DETACHED, then
//! stores `client_ready[c][s] = pack(client, server)` — so it can send as
//! soon as a server exists, and requests wait in the queue until the server
//! attaches. The client uses a connection while `client_ready` is its own;
//! the server while it is attached and `client_ready` names both.
//!
//! # Requests
//! Client `c` sends request slot `r` with a new generation `g`: it stores
//! `request_gen[c][r] = g`, then, for every connected server `s`,
//! `sent[c][r][s] = g` and pushes the chunk (tagged with `r` and `g`). A server hands out an `ActiveRequest` for it,
//! pushes responses tagged with `(r, g)` into `responses[c][r][s]` while
//! `cancelled[c][r] != g`, and when done returns the request chunk and
//! stores `closed[c][r][s] = g` (the stream's end). Dropping the pending
//! response stores `cancelled[c][r] = g`. The client reuses slot `r` only
//! once every server it sent `g` to closed it or is gone, and it first
//! drains `responses[c][r][*]` of `g`'s leftovers; a response tagged with
//! another generation is never handed out (INV-EPOCH).

use super::layout::{ReqResLayout, reqres_layout};
use super::qos::ReqResQos;
use crate::segment::Segment;
use crate::service::handshake::NOT_READY;
use crate::service::{Header, HeaderContent, Registry, ServiceOpenError};
use crate::spsc::SpscQueueView;
use crate::sync::{AtomicU32, CACHE_LINE, Ordering};
use core::marker::PhantomData;
use iox2_platform::rmw::Rmw;

/// The control segment of a request-response service.
#[derive(Debug)]
pub struct ReqResControl<'a, R> {
    segment: Segment<'a>,
    qos: ReqResQos,
    layout: ReqResLayout,
    _rmw: PhantomData<fn() -> R>,
}

// Manual impls: a derive would demand `R: Clone`, but `R` is only a marker.
impl<R> Clone for ReqResControl<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for ReqResControl<'_, R> {}

impl<'a, R: Rmw> ReqResControl<'a, R> {
    /// Writes a new service into a fresh, zero-filled `segment` of at least
    /// `content.len` bytes; READY is stored last.
    pub fn create(segment: Segment<'a>, content: &HeaderContent<'_, ReqResQos>) -> Result<Self, ServiceOpenError> {
        let layout = reqres_layout::<R>(&content.settings).map_err(ServiceOpenError::CorruptedQos)?;
        if segment.len() < layout.len {
            return Err(ServiceOpenError::TooShort {
                required: layout.len,
                available: segment.len(),
            });
        }
        Header::new(segment).write(content);
        Ok(Self {
            segment,
            qos: content.settings,
            layout,
            _rmw: PhantomData,
        })
    }

    /// Opens the service in `segment`, checking its header against `expected`.
    pub fn open(segment: Segment<'a>, expected: &HeaderContent<'_, ReqResQos>) -> Result<Self, ServiceOpenError> {
        Header::new(segment).check(expected)?;
        let layout = reqres_layout::<R>(&expected.settings).map_err(ServiceOpenError::CorruptedQos)?;
        Ok(Self {
            segment,
            qos: expected.settings,
            layout,
            _rmw: PhantomData,
        })
    }

    /// The header.
    pub fn header(&self) -> Header<'a> {
        Header::new(self.segment)
    }

    /// The service's settings.
    pub fn qos(&self) -> &ReqResQos {
        &self.qos
    }

    /// The node, client and server slots.
    pub fn registry(&self) -> Registry<'a, R> {
        Registry::new(self.segment, self.layout.registry)
    }

    /// `client_ready[client][server]`.
    pub fn client_ready(&self, client: u32, server: u32) -> &'a AtomicU32 {
        self.segment
            .word(self.layout.client_ready + client as usize * self.layout.server_row + 4 * server as usize)
    }

    /// `server_attached[server][client]`.
    pub fn server_attached(&self, server: u32, client: u32) -> &'a AtomicU32 {
        self.segment
            .word(self.layout.server_attached + server as usize * self.layout.client_row + 4 * client as usize)
    }

    /// `request_gen[client][request]`.
    pub fn request_gen(&self, client: u32, request: u32) -> &'a AtomicU32 {
        self.segment
            .word(self.layout.request_gen + client as usize * self.layout.request_row + 4 * request as usize)
    }

    /// `cancelled[client][request]`.
    pub fn cancelled(&self, client: u32, request: u32) -> &'a AtomicU32 {
        self.segment
            .word(self.layout.cancelled + client as usize * self.layout.request_row + 4 * request as usize)
    }

    /// Word `server` of row (`client`, `request`) of the rows at `base`.
    fn request_server_word(&self, base: usize, client: u32, request: u32, server: u32) -> &'a AtomicU32 {
        let row = client as usize * self.qos.max_active_requests as usize + request as usize;
        self.segment
            .word(base + row * self.layout.server_row + 4 * server as usize)
    }

    /// `sent[client][request][server]`.
    pub fn sent(&self, client: u32, request: u32, server: u32) -> &'a AtomicU32 {
        self.request_server_word(self.layout.sent, client, request, server)
    }

    /// `closed[client][request][server]`.
    pub fn closed(&self, client: u32, request: u32, server: u32) -> &'a AtomicU32 {
        self.request_server_word(self.layout.closed, client, request, server)
    }

    /// Client `client`'s wake word.
    pub fn client_wakeup(&self, client: u32) -> &'a AtomicU32 {
        self.segment.word(self.layout.wakeups + client as usize * CACHE_LINE)
    }

    /// Server `server`'s wake word.
    pub fn server_wakeup(&self, server: u32) -> &'a AtomicU32 {
        let index = self.qos.max_clients as usize + server as usize;
        self.segment.word(self.layout.wakeups + index * CACHE_LINE)
    }

    fn connection(&self, client: u32, server: u32) -> usize {
        let index = client as usize * self.qos.max_servers as usize + server as usize;
        self.layout.connections + index * self.layout.connection
    }

    fn response_offset(&self, client: u32, request: u32, server: u32) -> usize {
        let (a, s) = (self.qos.max_active_requests as usize, self.qos.max_servers as usize);
        let index = (client as usize * a + request as usize) * s + server as usize;
        self.layout.responses + index * self.layout.response_queue
    }

    fn request_chunks(&self) -> u32 {
        self.qos.request_chunks().unwrap_or(1)
    }

    fn response_chunks(&self) -> u32 {
        self.qos.response_chunks().unwrap_or(1)
    }

    /// The request queue (client -> server) of a connection.
    pub fn request_queue(&self, client: u32, server: u32) -> &'a SpscQueueView<R> {
        self.segment
            .spsc(self.connection(client, server), self.qos.max_active_requests)
    }

    /// The queue returning request chunks (server -> client).
    pub fn request_returns(&self, client: u32, server: u32) -> &'a SpscQueueView<R> {
        let offset = self.connection(client, server) + self.layout.request_cq;
        self.segment.spsc(offset, self.request_chunks())
    }

    /// The queue returning response chunks (client -> server).
    pub fn response_returns(&self, client: u32, server: u32) -> &'a SpscQueueView<R> {
        let offset = self.connection(client, server) + self.layout.response_cq;
        self.segment.spsc(offset, self.response_chunks())
    }

    /// The response queue (server -> client) of request slot `request`.
    pub fn response_queue(&self, client: u32, request: u32, server: u32) -> &'a SpscQueueView<R> {
        let offset = self.response_offset(client, request, server);
        self.segment.spsc(offset, self.qos.response_buffer)
    }

    /// Resets every queue of connection (`client`, `server`) and the
    /// server's `closed` words for the client (the client's step of the
    /// handshake, before it stores `client_ready`; the server does not use
    /// the connection meanwhile).
    pub fn reset_connection(&self, client: u32, server: u32) {
        let base = self.connection(client, server);
        let (active, requests, responses) = (
            self.qos.max_active_requests,
            self.request_chunks(),
            self.response_chunks(),
        );
        self.segment.init_spsc::<R>(base, active, active, false);
        self.segment
            .init_spsc::<R>(base + self.layout.request_cq, requests, requests, false);
        self.segment
            .init_spsc::<R>(base + self.layout.response_cq, responses, responses, false);
        let buffer = self.qos.response_buffer;
        for request in 0..active {
            let offset = self.response_offset(client, request, server);
            self.segment
                .init_spsc::<R>(offset, buffer, buffer, self.qos.safe_overflow);
            self.closed(client, request, server).store(0, Ordering::Relaxed);
        }
    }

    /// Wakes every sleeping client, so that it looks at the servers again
    /// (a server left, or was reaped).
    pub fn wake_clients<W: iox2_platform::wait::WaitWord>(&self) {
        // SYNC: the fence pairs with the clients' `announce_sleep`.
        crate::sync::fence(Ordering::SeqCst);
        for client in 0..self.qos.max_clients {
            crate::service::handshake::wake_if_sleeping::<R, W>(self.client_wakeup(client));
        }
    }

    /// Marks server `server`'s row not ready: when it leaves, and when a
    /// reaper frees a dead server's slot (before the release).
    pub fn reset_server_row(&self, server: u32) {
        for client in 0..self.qos.max_clients {
            self.server_attached(server, client).store(NOT_READY, Ordering::Release);
        }
    }
}
