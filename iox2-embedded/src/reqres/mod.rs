//! Static request-response services: the core's control segment, the
//! clients' request pools and the servers' response pools in one
//! `static`, reserved with exactly the bytes the core's `const fn` layouts
//! compute, all zero (so in `.bss`), created on the first claim.
//!
//! A client sends a request and gets a [`PendingResponse`]: the stream of
//! responses every connected server sends, until each server ends it.
//! Dropping the pending response cancels the request (the server sees
//! [`ActiveRequest::is_connected`] turn false). A server takes requests as
//! [`ActiveRequest`]s, answers each with any number of responses, and ends
//! the stream by dropping it.
//!
//! ```
//! # use iox2_platform::{Instant, rmw::NativeRmw};
//! # use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};
//! # static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
//! # static NODES: NodeTable<NativeRmw, 1> = NodeTable::new();
//! # struct Board;
//! # impl StaticRamBoard for Board {
//! #     type Rmw = NativeRmw;
//! #     fn regions() -> Regions<'static, NativeRmw> { REGIONS.view() }
//! #     fn nodes() -> Nodes<'static, NativeRmw> { NODES.view() }
//! #     fn now() -> Instant { Instant::from_nanos(0) }
//! # }
//! use iox2_embedded::reqres::StreamEnd;
//!
//! // Requests are u32 (how many readings), responses u64; two open
//! // requests, four responses queued per request.
//! iox2_embedded::reqres!(READINGS: u32 => u64, Board, active_requests = 2, response_buffer = 4);
//!
//! // init: claim the ports (each claim is a typed error once all are taken)
//! let client = READINGS.client().unwrap();
//! let server = READINGS.server().unwrap();
//!
//! let pending = client.send_copy(3).unwrap();
//! // the server's context:
//! let request = server.receive().unwrap().unwrap();
//! for reading in 0..u64::from(*request) {
//!     request.send_copy(reading * 10).unwrap();
//! }
//! drop(request); // ends the stream
//! // the client's context:
//! let mut sum = 0;
//! while let Some(response) = pending.receive().unwrap() {
//!     sum += *response;
//! }
//! assert_eq!(sum, 30);
//! assert_eq!(pending.stream_end(), Some(StreamEnd::Completed));
//! ```
//!
//! # What the macro emits
//! [`reqres!`](crate::reqres!) declares a `static` of type
//! [`StaticReqRes<C, BYTES>`](StaticReqRes): `C` is a configuration type
//! (request and response types, board, name, settings: [`ReqResConfig`])
//! in a module of the static's name, and `BYTES` is
//! [`reqres_bytes::<C>()`](reqres_bytes), computed at compile time from
//! the core's [`reqres_layout`], [`request_pool`] and [`response_pool`]. Settings keys:
//! `clients`, `servers`, `nodes`, `active_requests`, `response_buffer`,
//! `request_loans`, `response_borrows`, `response_loans`, `overflow` and
//! `fire_and_forget` (`bool`s); defaults in [`FIRMWARE_REQRES_QOS`].
//!
//! # Memory shared between cores
//! As for [`pubsub`](mod@crate::pubsub): one image, the static in `.bss`,
//! zeroed before the second core starts; or a `NOLOAD` section at the
//! same address in each image, [`StaticReqRes::reset`] by the one core
//! that initialises shared memory.
//!
//! # Handles and progress
//! [`Client`] and [`Server`] know the request and response types and the
//! board, not the service's size: `Send` (hand them to an interrupt
//! handler or another core's main loop at init), not `Sync`. Every call is
//! bounded: a send, a receive, a cancel or an end never waits for the
//! peer, preempted or halted (INV-PREEMPT); only `wait` idles, through the
//! board's wait hook, until a deadline if it has one. A port slot is
//! reused in place: a new client (server) in a slot is refused with
//! [`PortClaimError::SlotBusy`] while a server (client) still holds
//! requests (responses) of the slot's previous holder.

mod client;
mod loan;
mod server;

pub use client::{Client, PendingResponse, RequestMut, RequestMutUninit, Response};
pub use iox2_core::reqres::{
    ReqResQos, RequestReceiveError, RequestSendError, ResponseReceiveError, ResponseSendError, StreamEnd,
};
pub use loan::{Loan, LoanOwner};
pub use server::{ActiveRequest, ResponseMut, ResponseMutUninit, Server};

use crate::error::PortClaimError;
use crate::memory::{EMPTY, Memory, NODE, SEGMENT_ALIGN, align_up, content_of, ensure_created, zero_segment};
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering, fence};
use iox2_core::payload::{Fnv1a32, TypeDescriptor, ZeroCopySend};
use iox2_core::pool::{Data, DataLayout};
use iox2_core::reqres::{ClientPort, ReqResControl, ServerPort, reqres_layout, request_pool, response_pool};
use iox2_core::segment::Segment;
use iox2_core::service::handshake::{DETACHED, NOT_READY};
use iox2_core::service::{HeaderContent, PortKind, QosError, ServiceName, SlotState, layout_hash};
use iox2_platform::rmw::Rmw;
use iox2_platform::static_ram::{StaticRamBoard, StaticWaiter};

/// The settings [`reqres!`](crate::reqres!) starts from: one client, one
/// server, one node, two open requests, four responses queued per
/// request, one loan on each side, one response held at a time, safe
/// overflow and fire-and-forget on (iceoryx2's flags). With 32-byte
/// messages: 3 request chunks and 10 response chunks.
pub const FIRMWARE_REQRES_QOS: ReqResQos = ReqResQos {
    max_clients: 1,
    max_servers: 1,
    max_nodes: 1,
    max_active_requests: 2,
    response_buffer: 4,
    max_loaned_requests: 1,
    max_borrowed_responses: 1,
    max_loaned_responses: 1,
    safe_overflow: true,
    fire_and_forget: true,
};

/// What a static request-response service is: its request and response
/// types, its board, its name and its settings.
/// [`reqres!`](crate::reqres!) implements it for a type it declares.
pub trait ReqResConfig: 'static {
    /// What a client sends.
    type Request: ZeroCopySend;
    /// What a server answers with.
    type Response: ZeroCopySend;
    /// The board: its `Rmw` backend, wait hooks and clock.
    type Board: StaticRamBoard;
    /// The service's name (stored in its header; `A-Z a-z 0-9 . _ - /`).
    const NAME: &'static str;
    /// The settings.
    const QOS: ReqResQos;
}

/// Where a static request-response service's segments lie, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReqResFootprint {
    /// The control segment (header, slots, handshake and request words,
    /// queues).
    pub control: usize,
    /// One client's request pool.
    pub request_pool: usize,
    /// One server's response pool.
    pub response_pool: usize,
    /// Offset of the first request pool: `control` rounded up to
    /// [`SEGMENT_ALIGN`].
    pub requests_offset: usize,
    /// Bytes from one request pool to the next: `request_pool` rounded up.
    pub request_stride: usize,
    /// Offset of the first response pool: after every request pool.
    pub responses_offset: usize,
    /// Bytes from one response pool to the next: `response_pool` rounded up.
    pub response_stride: usize,
    /// All of it: `responses_offset + servers * response_stride`.
    pub total: usize,
}

/// The footprint of a service of `Req` and `Res` with `qos` on `Rmw` backend `R`.
pub const fn reqres_footprint<Req: ZeroCopySend, Res: ZeroCopySend, R: Rmw>(
    qos: &ReqResQos,
) -> Result<ReqResFootprint, QosError> {
    if align_of::<Req>() > SEGMENT_ALIGN || align_of::<Res>() > SEGMENT_ALIGN {
        return Err(QosError::TooLarge("a message's alignment (at most SEGMENT_ALIGN)"));
    }
    let control = match reqres_layout::<R>(qos) {
        Ok(layout) => layout.len,
        Err(e) => return Err(e),
    };
    let requests = match request_pool::<R>(qos, &content_of::<Req>()) {
        Ok(layout) => layout.len,
        Err(e) => return Err(e),
    };
    let responses = match response_pool::<R>(qos, &content_of::<Res>()) {
        Ok(layout) => layout.len,
        Err(e) => return Err(e),
    };
    let requests_offset = align_up(control);
    let (request_stride, response_stride) = (align_up(requests), align_up(responses));
    let Some(all_requests) = request_stride.checked_mul(qos.max_clients as usize) else {
        return Err(QosError::TooLarge("the service"));
    };
    let Some(responses_offset) = requests_offset.checked_add(all_requests) else {
        return Err(QosError::TooLarge("the service"));
    };
    let Some(all_responses) = response_stride.checked_mul(qos.max_servers as usize) else {
        return Err(QosError::TooLarge("the service"));
    };
    let Some(total) = responses_offset.checked_add(all_responses) else {
        return Err(QosError::TooLarge("the service"));
    };
    Ok(ReqResFootprint {
        control,
        request_pool: requests,
        response_pool: responses,
        requests_offset,
        request_stride,
        responses_offset,
        response_stride,
        total,
    })
}

/// The bytes the static service `C` needs. Fails to compile (in a `const`
/// or a type) for invalid settings.
pub const fn reqres_bytes<C: ReqResConfig>() -> usize {
    match reqres_footprint::<C::Request, C::Response, <C::Board as StaticRamBoard>::Rmw>(&C::QOS) {
        Ok(footprint) => footprint.total,
        Err(QosError::Zero(_)) => panic!("a request-response setting is zero"),
        Err(_) => panic!("a request-response setting (or a message's size or alignment) is too large"),
    }
}

/// The client of static service `C`: [`Client`] with `C`'s types.
pub type ClientOf<'a, C> =
    Client<'a, <C as ReqResConfig>::Request, <C as ReqResConfig>::Response, <C as ReqResConfig>::Board>;

/// The server of static service `C`: [`Server`] with `C`'s types.
pub type ServerOf<'a, C> =
    Server<'a, <C as ReqResConfig>::Request, <C as ReqResConfig>::Response, <C as ReqResConfig>::Board>;

/// A request-response service `C` in `BYTES` bytes of static memory; all
/// zero until the first claim creates it. Declare it with
/// [`reqres!`](crate::reqres!).
#[repr(C)]
pub struct StaticReqRes<C, const BYTES: usize> {
    /// `EMPTY`, `CREATING` or `READY` (`crate::memory`).
    state: AtomicU32,
    memory: Memory<BYTES>,
    _config: PhantomData<fn() -> C>,
}

// SAFETY: the memory is reached only through `ReqResRef`, whose users
// touch it with atomics and with message bytes whose ownership the core's
// protocol hands over (the contract of memory shared between processes);
// the state word is atomic.
unsafe impl<C, const BYTES: usize> Sync for StaticReqRes<C, BYTES> {}

impl<C: ReqResConfig, const BYTES: usize> StaticReqRes<C, BYTES> {
    /// An empty service: all zero, created on the first claim. Fails to
    /// compile when `BYTES` is less than [`reqres_bytes::<C>()`](reqres_bytes).
    pub const fn new() -> Self {
        const {
            assert!(
                BYTES >= reqres_bytes::<C>(),
                "the static is too small for its service: use reqres_bytes::<C>() bytes"
            )
        };
        Self {
            state: AtomicU32::new(EMPTY),
            memory: Memory::new(),
            _config: PhantomData,
        }
    }

    /// The service without its size: what handles keep.
    pub fn service(&self) -> ReqResRef<'_, C::Request, C::Response, C::Board> {
        ReqResRef {
            state: &self.state,
            base: self.memory.base(),
            len: BYTES,
            name: C::NAME,
            qos: C::QOS,
            _memory: PhantomData,
            _messages: PhantomData,
            _board: PhantomData,
        }
    }

    /// Claims a client (creating the service on the first claim).
    pub fn client(&self) -> Result<ClientOf<'_, C>, PortClaimError> {
        self.service().client()
    }

    /// Claims a server (creating the service on the first claim).
    pub fn server(&self) -> Result<ServerOf<'_, C>, PortClaimError> {
        self.service().server()
    }

    /// Bytes of the service's memory.
    pub const fn bytes(&self) -> usize {
        BYTES
    }

    /// Zeroes the service, so that the next claim creates it afresh: for
    /// memory in a `NOLOAD` section, or to recover after a core that used
    /// it was halted or reset (see the crate's "Recovery" section).
    ///
    /// # Safety
    /// No handle of the service exists — or those that exist belong to a
    /// core that is halted and will never use them again — and no other
    /// context uses it until this returns.
    pub unsafe fn reset(&self) {
        // SAFETY: the caller's contract.
        unsafe { crate::memory::reset(&self.state, &self.memory) };
    }
}

impl<C: ReqResConfig, const BYTES: usize> Default for StaticReqRes<C, BYTES> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C, const BYTES: usize> core::fmt::Debug for StaticReqRes<C, BYTES> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StaticReqRes")
            .field("bytes", &BYTES)
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// A static request-response service without its size: requests `Req`,
/// responses `Res`, board `B`, memory for `'a`.
pub struct ReqResRef<'a, Req, Res, B> {
    state: &'a AtomicU32,
    base: NonNull<u8>,
    len: usize,
    name: &'a str,
    qos: ReqResQos,
    _memory: PhantomData<&'a [AtomicU32]>,
    _messages: PhantomData<fn(Req) -> Res>,
    _board: PhantomData<fn() -> B>,
}

impl<Req, Res, B> Clone for ReqResRef<'_, Req, Res, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Req, Res, B> Copy for ReqResRef<'_, Req, Res, B> {}

// SAFETY: as for `StaticReqRes`: the memory is touched through atomics and
// handed-over message bytes only.
unsafe impl<Req, Res, B> Send for ReqResRef<'_, Req, Res, B> {}
// SAFETY: as for `Send`.
unsafe impl<Req, Res, B> Sync for ReqResRef<'_, Req, Res, B> {}

impl<Req, Res, B> core::fmt::Debug for ReqResRef<'_, Req, Res, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReqResRef")
            .field("name", &self.name)
            .field("len", &self.len)
            .field("qos", &self.qos)
            .finish_non_exhaustive()
    }
}

impl<'a, Req: ZeroCopySend, Res: ZeroCopySend, B: StaticRamBoard> ReqResRef<'a, Req, Res, B> {
    /// A service in `len` bytes at `memory` that the caller reserved some
    /// other way, with its state word `state`.
    /// [`PortClaimError::RegionTooSmall`] when `len` is less than the
    /// service's footprint or `memory` is not aligned to [`SEGMENT_ALIGN`].
    ///
    /// # Safety
    /// `memory` is valid for reads and writes of `len` bytes for `'a`,
    /// zeroed (or holding this service) when `state` is 0; for `'a` it is
    /// accessed only through this service.
    pub unsafe fn from_raw(
        state: &'a AtomicU32,
        memory: NonNull<u8>,
        len: usize,
        name: &'a str,
        qos: ReqResQos,
    ) -> Result<Self, PortClaimError> {
        let required = reqres_footprint::<Req, Res, B::Rmw>(&qos)
            .map_err(PortClaimError::Qos)?
            .total;
        if len < required || !(memory.as_ptr() as usize).is_multiple_of(SEGMENT_ALIGN) {
            return Err(PortClaimError::RegionTooSmall {
                required,
                available: len,
            });
        }
        ServiceName::new(name).map_err(PortClaimError::Name)?;
        Ok(Self {
            state,
            base: memory,
            len,
            name,
            qos,
            _memory: PhantomData,
            _messages: PhantomData,
            _board: PhantomData,
        })
    }

    /// The service's settings.
    pub fn qos(&self) -> &ReqResQos {
        &self.qos
    }

    /// Where the segments lie.
    pub fn footprint(&self) -> Result<ReqResFootprint, PortClaimError> {
        reqres_footprint::<Req, Res, B::Rmw>(&self.qos).map_err(PortClaimError::Qos)
    }

    /// Claims a client (creating the service on the first claim).
    ///
    /// [`PortClaimError::ExceedsMaxPorts`] once `clients` are claimed,
    /// [`PortClaimError::SlotBusy`] while a server still holds requests of
    /// the slot's previous client (it lets go on its next look).
    pub fn client(&self) -> Result<Client<'a, Req, Res, B>, PortClaimError> {
        let control = self.control()?;
        let registry = control.registry();
        let slot = registry
            .claim_port(PortKind::Client, NODE)
            .ok_or(PortClaimError::ExceedsMaxPorts {
                kind: PortKind::Client,
                max: self.qos.max_clients,
            })?;
        // The slot's request pool is rewritten in place: no server may
        // still read the previous client's requests. A server that attaches
        // to the old generation after this look sees our claim when it
        // checks the slot again (both sides bump the topology word by RMW
        // after their write, so one of the two looks sees the other).
        for server in 0..self.qos.max_servers {
            // SYNC: Acquire pairs with the server's Release of its attachment.
            let attached = control.server_attached(server, slot.index).load(Ordering::Acquire);
            if attached != NOT_READY && attached != DETACHED && attached != slot.generation {
                registry.release_port(PortKind::Client, slot);
                return Err(PortClaimError::SlotBusy);
            }
        }
        let layout = self.request_layout()?;
        let segment = self.request_segment(slot.index);
        zero_segment(segment);
        let data = Data::create(segment, layout, slot.generation).map_err(|e| {
            registry.release_port(PortKind::Client, slot);
            PortClaimError::Data(e)
        })?;
        let port = ClientPort::new(control, data, slot);
        // Servers look at the clients again (and let go of this slot's
        // earlier holder).
        port.wake_servers::<StaticWaiter<B>>();
        Ok(Client::new(*self, control, self.response_layout()?, port))
    }

    /// Claims a server (creating the service on the first claim).
    ///
    /// [`PortClaimError::ExceedsMaxPorts`] once `servers` are claimed,
    /// [`PortClaimError::SlotBusy`] while a client is still connected to
    /// the slot's previous server (it may hold its responses; it lets go on
    /// its next look).
    pub fn server(&self) -> Result<Server<'a, Req, Res, B>, PortClaimError> {
        let control = self.control()?;
        let registry = control.registry();
        let slot = registry
            .claim_port(PortKind::Server, NODE)
            .ok_or(PortClaimError::ExceedsMaxPorts {
                kind: PortKind::Server,
                max: self.qos.max_servers,
            })?;
        // SYNC: pairs with the fence of a client that connects (see
        // `Client::update_servers`): it sees our claim, or we its
        // connection.
        fence(Ordering::SeqCst);
        for client in 0..self.qos.max_clients {
            // SYNC: Acquire pairs with the client's Release of its connection.
            let ready = control.client_ready(client, slot.index).load(Ordering::Acquire);
            if ready == 0 || ready & 0xFFFF == slot.generation & 0xFFFF {
                continue;
            }
            let still_there = matches!(
                registry.port(PortKind::Client, client),
                SlotState::Active { generation, .. } if generation == ready >> 16
            );
            if still_there {
                registry.release_port(PortKind::Server, slot);
                return Err(PortClaimError::SlotBusy);
            }
        }
        let layout = self.response_layout()?;
        let segment = self.response_segment(slot.index);
        zero_segment(segment);
        let data = Data::create(segment, layout, slot.generation).map_err(|e| {
            registry.release_port(PortKind::Server, slot);
            PortClaimError::Data(e)
        })?;
        // Marks the server's row ready and bumps the topology: clients look
        // again and find the pool written.
        let port = ServerPort::new(control, data, slot);
        Ok(Server::new(*self, control, self.request_layout()?, port))
    }

    /// The request pool of client slot `slot`.
    pub(crate) fn request_segment(&self, slot: u32) -> Segment<'a> {
        let footprint = self.footprint_unchecked();
        self.segment(
            footprint.requests_offset + slot as usize * footprint.request_stride,
            footprint.request_pool,
        )
    }

    /// The response pool of server slot `slot`.
    pub(crate) fn response_segment(&self, slot: u32) -> Segment<'a> {
        let footprint = self.footprint_unchecked();
        self.segment(
            footprint.responses_offset + slot as usize * footprint.response_stride,
            footprint.response_pool,
        )
    }

    fn segment(&self, offset: usize, len: usize) -> Segment<'a> {
        assert!(offset + len <= self.len, "a pool beyond the service");
        // SAFETY: in bounds of the service's memory (checked above), which
        // is valid for 'a; the offset is a multiple of SEGMENT_ALIGN from a
        // SEGMENT_ALIGN-aligned base; accessed atomically and through
        // handed-over message bytes (our contract).
        unsafe { Segment::new(self.base.add(offset), len) }
    }

    /// The request pools' layout (the settings were checked when the ref
    /// was made).
    pub(crate) fn request_layout(&self) -> Result<DataLayout, PortClaimError> {
        request_pool::<B::Rmw>(&self.qos, &content_of::<Req>()).map_err(PortClaimError::Qos)
    }

    /// The response pools' layout.
    pub(crate) fn response_layout(&self) -> Result<DataLayout, PortClaimError> {
        response_pool::<B::Rmw>(&self.qos, &content_of::<Res>()).map_err(PortClaimError::Qos)
    }

    fn footprint_unchecked(&self) -> ReqResFootprint {
        match reqres_footprint::<Req, Res, B::Rmw>(&self.qos) {
            Ok(footprint) => footprint,
            // Checked by `StaticReqRes::new` (at compile time) or `from_raw`.
            Err(_) => panic!("settings were checked"),
        }
    }

    fn control_segment(&self) -> Result<Segment<'a>, PortClaimError> {
        let len = reqres_layout::<B::Rmw>(&self.qos).map_err(PortClaimError::Qos)?.len;
        Ok(self.segment(0, len))
    }

    /// The header: the request type as the payload, the response type as
    /// the user header, and `()` user headers hashed into the layout hash
    /// (as a host service of these types records them).
    fn content(&self) -> Result<HeaderContent<'a, ReqResQos>, PortClaimError> {
        let layout = reqres_layout::<B::Rmw>(&self.qos).map_err(PortClaimError::Qos)?;
        let (request, response, none) = (
            TypeDescriptor::of::<Req>(),
            TypeDescriptor::of::<Res>(),
            TypeDescriptor::of::<()>(),
        );
        let hash = layout_hash::<B::Rmw, _>(&self.qos, &request, &response, layout.len);
        Ok(HeaderContent {
            name: ServiceName::new(self.name).map_err(PortClaimError::Name)?,
            settings: self.qos,
            payload: request,
            user_header: response,
            layout_hash: Fnv1a32::new()
                .write_u32(hash)
                .write_u32(none.fingerprint())
                .write_u32(none.fingerprint())
                .finish(),
            len: layout.len,
        })
    }

    /// The control segment, created by the first caller, checked by all.
    fn control(&self) -> Result<ReqResControl<'a, B::Rmw>, PortClaimError> {
        ensure_created::<B::Rmw>(self.state, || self.create())?;
        ReqResControl::open(self.control_segment()?, &self.content()?).map_err(PortClaimError::Open)
    }

    fn create(&self) -> Result<(), PortClaimError> {
        let control =
            ReqResControl::<B::Rmw>::create(self.control_segment()?, &self.content()?).map_err(PortClaimError::Open)?;
        // A fresh registry always has node slot 0 (`max_nodes >= 1`).
        match control.registry().claim_node(0, 0) {
            Some(node) if node.index == NODE => Ok(()),
            _ => Err(PortClaimError::Qos(QosError::Zero("max_nodes"))),
        }
    }
}

/// The tag (request slot and generation) of chunk `chunk` in the pool at
/// `segment` written for port generation `generation`: `None` if the pool
/// does not hold that generation's header or the index is beyond it.
pub(crate) fn chunk_tag<R: Rmw>(segment: Segment<'_>, layout: DataLayout, generation: u32, chunk: u32) -> Option<u64> {
    let data = Data::<R>::open(segment, layout, generation).ok()?;
    data.header(chunk).map(|header| header.sequence)
}

/// Declares a static request-response service:
/// `reqres!(NAME: Request => Response, Board, key = value, ...)`.
///
/// Emits `static NAME: StaticReqRes<NAME::Config, BYTES>` with `BYTES`
/// computed from the core's layouts, and a module `NAME` holding the
/// configuration type. Keys (defaults in
/// [`FIRMWARE_REQRES_QOS`](crate::reqres::FIRMWARE_REQRES_QOS)):
/// `clients`, `servers`, `nodes`, `active_requests`, `response_buffer`,
/// `request_loans`, `response_borrows`, `response_loans`, `overflow` and
/// `fire_and_forget` (`bool`s). Attributes (`#[link_section = ...]`) and a
/// visibility may precede the name.
///
/// ```
/// # use iox2_platform::{Instant, rmw::NativeRmw};
/// # use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};
/// # static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
/// # static NODES: NodeTable<NativeRmw, 1> = NodeTable::new();
/// # struct Board;
/// # impl StaticRamBoard for Board {
/// #     type Rmw = NativeRmw;
/// #     fn regions() -> Regions<'static, NativeRmw> { REGIONS.view() }
/// #     fn nodes() -> Nodes<'static, NativeRmw> { NODES.view() }
/// #     fn now() -> Instant { Instant::from_nanos(0) }
/// # }
/// iox2_embedded::reqres!(pub MOVE: [u32; 2] => u32, Board, response_buffer = 8, overflow = false);
/// assert_eq!(MOVE.bytes(), iox2_embedded::reqres::reqres_bytes::<MOVE::Config>());
/// ```
///
/// A static too small for its service does not compile:
/// ```compile_fail
/// # use iox2_platform::{Instant, rmw::NativeRmw};
/// # use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};
/// # static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
/// # static NODES: NodeTable<NativeRmw, 1> = NodeTable::new();
/// # struct Board;
/// # impl StaticRamBoard for Board {
/// #     type Rmw = NativeRmw;
/// #     fn regions() -> Regions<'static, NativeRmw> { REGIONS.view() }
/// #     fn nodes() -> Nodes<'static, NativeRmw> { NODES.view() }
/// #     fn now() -> Instant { Instant::from_nanos(0) }
/// # }
/// # use iox2_embedded::reqres::*;
/// struct Tiny;
/// impl ReqResConfig for Tiny {
///     type Request = u32;
///     type Response = u32;
///     type Board = Board;
///     const NAME: &'static str = "tiny";
///     const QOS: ReqResQos = FIRMWARE_REQRES_QOS;
/// }
/// static TINY: StaticReqRes<Tiny, 64> = StaticReqRes::new();
/// # let _ = TINY.client();
/// ```
#[macro_export]
macro_rules! reqres {
    ($(#[$attr:meta])* $vis:vis $name:ident : $request:ty => $response:ty, $board:ty $(, $key:ident = $value:expr)* $(,)?) => {
        #[doc = concat!("The configuration of the static service [`", stringify!($name), "`].")]
        #[allow(non_snake_case)]
        $vis mod $name {
            #[doc = concat!("Messages, board, name and settings of [`", stringify!($name), "`](static@super::", stringify!($name), ").")]
            #[derive(Debug)]
            pub(super) struct Config;
        }

        impl $crate::reqres::ReqResConfig for $name::Config {
            type Request = $request;
            type Response = $response;
            type Board = $board;
            const NAME: &'static str = stringify!($name);
            const QOS: $crate::reqres::ReqResQos = {
                #[allow(unused_mut)]
                let mut qos = $crate::reqres::FIRMWARE_REQRES_QOS;
                $( $crate::__reqres_setting!(qos, $key = $value); )*
                qos
            };
        }

        $(#[$attr])*
        #[allow(private_interfaces)]
        $vis static $name: $crate::reqres::StaticReqRes<
            $name::Config,
            { $crate::reqres::reqres_bytes::<$name::Config>() },
        > = $crate::reqres::StaticReqRes::new();
    };
}

/// One setting of [`reqres!`]: maps a key to its `ReqResQos` field.
#[doc(hidden)]
#[macro_export]
macro_rules! __reqres_setting {
    ($qos:ident, clients = $v:expr) => {
        $qos.max_clients = $v;
    };
    ($qos:ident, servers = $v:expr) => {
        $qos.max_servers = $v;
    };
    ($qos:ident, nodes = $v:expr) => {
        $qos.max_nodes = $v;
    };
    ($qos:ident, active_requests = $v:expr) => {
        $qos.max_active_requests = $v;
    };
    ($qos:ident, response_buffer = $v:expr) => {
        $qos.response_buffer = $v;
    };
    ($qos:ident, request_loans = $v:expr) => {
        $qos.max_loaned_requests = $v;
    };
    ($qos:ident, response_borrows = $v:expr) => {
        $qos.max_borrowed_responses = $v;
    };
    ($qos:ident, response_loans = $v:expr) => {
        $qos.max_loaned_responses = $v;
    };
    ($qos:ident, overflow = $v:expr) => {
        $qos.safe_overflow = $v;
    };
    ($qos:ident, fire_and_forget = $v:expr) => {
        $qos.fire_and_forget = $v;
    };
    ($qos:ident, $other:ident = $v:expr) => {
        compile_error!(concat!(
            "unknown request-response setting `",
            stringify!($other),
            "` (clients, servers, nodes, active_requests, response_buffer, request_loans, ",
            "response_borrows, response_loans, overflow, fire_and_forget)"
        ));
    };
}

#[cfg(test)]
mod tests;
