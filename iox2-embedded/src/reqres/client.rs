//! The client of a static request-response service: send a request from
//! its own pool (a copy, or a loan written in place) and get its
//! [`PendingResponse`], the stream of responses read in place in the
//! servers' pools. Dropping the pending response cancels the request.
//!
//! Progress: sending, receiving, cancelling and `stream_end` are bounded
//! (the queues' overflow compare-and-swap aside: lock-free) and never wait
//! for a server, preempted or halted (INV-PREEMPT); `wait` idles through
//! the board's wait hook and holds nothing a server needs.

use super::loan::{Loan, LoanOwner};
use super::{ReqResRef, chunk_tag};
use crate::changes::collect;
use crate::error::{ClientSendError, SendError};
use core::cell::{Cell, RefCell};
use core::ptr::NonNull;
use core::sync::atomic::{Ordering, fence};
use iox2_core::payload::ZeroCopySend;
use iox2_core::pool::{Data, DataLayout};
use iox2_core::pubsub::LoanError;
use iox2_core::reqres::{
    ClientPort, ReceivedResponse, ReqResControl, RequestId, RequestSendError, ResponseReceiveError, StreamEnd,
};
use iox2_core::service::{PortKind, SlotState};
use iox2_platform::Instant;
use iox2_platform::error::WaitError;
use iox2_platform::static_ram::{StaticRamBoard, StaticWaiter};
use iox2_platform::wait::WaitOutcome;

/// A client sending `Req` and receiving streams of `Res` on board `B`:
/// `Send`, not `Sync`; dropping it cancels its open requests and frees its
/// port.
pub struct Client<'a, Req, Res, B: StaticRamBoard> {
    service: ReqResRef<'a, Req, Res, B>,
    control: ReqResControl<'a, B::Rmw>,
    /// The layout of every server's response pool.
    responses: DataLayout,
    port: RefCell<ClientPort<'a, B::Rmw>>,
    /// Responses handed out and not yet dropped.
    borrowed: Cell<u32>,
}

/// A loaned request not written yet.
pub type RequestMutUninit<'c, 'a, Req, Res, B> = Loan<'c, Client<'a, Req, Res, B>, Req, false>;
/// A loaned request, written, ready to send.
pub type RequestMut<'c, 'a, Req, Res, B> = Loan<'c, Client<'a, Req, Res, B>, Req, true>;

impl<'a, Req: ZeroCopySend, Res: ZeroCopySend, B: StaticRamBoard> Client<'a, Req, Res, B> {
    pub(super) fn new(
        service: ReqResRef<'a, Req, Res, B>,
        control: ReqResControl<'a, B::Rmw>,
        responses: DataLayout,
        port: ClientPort<'a, B::Rmw>,
    ) -> Self {
        Self {
            service,
            control,
            responses,
            port: RefCell::new(port),
            borrowed: Cell::new(0),
        }
    }

    /// Sends a copy of `value` to every connected server; the pending
    /// response receives their streams. On failure the value comes back
    /// with the reason: [`RequestSendError::NoServer`] before a server
    /// exists, [`RequestSendError::ServerNotReady`] until one has taken
    /// this client on (try again), [`RequestSendError::ExceedsMaxActiveRequests`]
    /// while `active_requests` streams are open.
    pub fn send_copy(
        &self,
        value: Req,
    ) -> Result<PendingResponse<'_, 'a, Req, Res, B>, SendError<Req, ClientSendError>> {
        let loan = match self.loan_uninit() {
            Ok(loan) => loan,
            Err(reason) => {
                return Err(SendError {
                    reason: reason.into(),
                    value,
                });
            }
        };
        let payload = loan.payload;
        match loan.write_payload(value).send() {
            Ok(pending) => Ok(pending),
            Err(reason) => {
                // SAFETY: the send reached no server (every error of the
                // port's send is raised before or instead of a successful
                // push), so nobody read the chunk; the port put it back on
                // our own free list, which nothing loans from before we
                // return (this client's context alone uses it: `!Sync`).
                // The bytes are the `Req` just written; reading them moves
                // it back out, and the chunk is never read as a `Req` again.
                let value = unsafe { payload.read() };
                Err(SendError {
                    reason: reason.into(),
                    value,
                })
            }
        }
    }

    /// Loans a chunk of the client's pool for a request, to be written in
    /// place and sent.
    pub fn loan_uninit(&self) -> Result<RequestMutUninit<'_, 'a, Req, Res, B>, LoanError> {
        self.update_servers();
        let mut port = self.port.borrow_mut();
        let chunk = port.loan()?;
        match port.data().payload(chunk) {
            Some(payload) => Ok(Loan::new(self, chunk, payload)),
            None => {
                // The free list handed out an index beyond the pool: only
                // our own bookkeeping writes it, so this cannot happen.
                port.release_loan(chunk);
                Err(LoanError::OutOfChunks)
            }
        }
    }

    /// Whether a server is connected (a request would reach someone).
    pub fn has_servers(&self) -> bool {
        self.update_servers();
        let port = self.port.borrow();
        (0..self.service.qos().max_servers).any(|server| port.connected(server).is_some())
    }

    /// How many indices servers handed back that were never theirs
    /// (INV-DISTRUST: ignored, counted).
    pub fn protocol_violations(&self) -> u32 {
        self.port.borrow().protocol_violations()
    }

    /// Connects new servers and lets go of departed ones.
    ///
    /// A departed server stays connected while we hold one of the
    /// responses (they are in its pool, which the slot's next server
    /// rewrites in place: it is refused with `SlotBusy` until we let go) or
    /// responses of it wait for an open request. After connecting we look
    /// at the slot once more: a new server that claimed it meanwhile may
    /// not have seen our connection, so we let go before reading anything
    /// (a SeqCst fence on both sides: one of the two looks sees the other).
    fn update_servers(&self) {
        let mut port = self.port.borrow_mut();
        let (changes, more) = collect(|f| port.servers_to_update(f));
        if more {
            port.refresh();
        }
        let registry = self.control.registry();
        let mut kept = None;
        for &(server, wanted, connected) in changes.as_slice() {
            if kept == Some(server) {
                // Still connected to its previous generation: connecting
                // the new one now would reset queues we still read.
                continue;
            }
            if connected.is_some() {
                if self.borrowed.get() > 0 || port.has_queued_from(server) {
                    kept = Some(server);
                    port.refresh();
                    continue;
                }
                port.disconnect(server);
            }
            let Some(generation) = wanted else { continue };
            if Data::<B::Rmw>::open(self.service.response_segment(server), self.responses, generation).is_err() {
                // Its pool is not written yet: look again next time.
                port.refresh();
                continue;
            }
            port.connect(server, generation);
            // SYNC: pairs with the fence in `ReqResRef::server` between a
            // new server's claim and its look at our connection.
            fence(Ordering::SeqCst);
            let still = matches!(
                registry.port(PortKind::Server, server),
                SlotState::Active { generation: g, .. } if g == generation
            );
            if !still {
                port.disconnect(server);
                port.refresh();
            }
        }
    }

    /// Takes the next response to `id`, if one is there.
    fn receive(&self, id: RequestId) -> Result<Option<(ReceivedResponse, NonNull<Res>)>, ResponseReceiveError> {
        self.update_servers();
        let (service, control, layout) = (self.service, self.control, self.responses);
        let mut port = self.port.borrow_mut();
        let client = port.slot().index;
        let tag_of = move |server: u32, chunk: u32| {
            // SYNC: Relaxed: our own word (the port read it just before).
            let ready = control.client_ready(client, server).load(Ordering::Relaxed);
            chunk_tag::<B::Rmw>(service.response_segment(server), layout, ready & 0xFFFF, chunk)
        };
        let Some(received) = port.receive(id, tag_of)? else {
            return Ok(None);
        };
        let payload = Data::<B::Rmw>::open(service.response_segment(received.server), layout, received.generation)
            .ok()
            .and_then(|data| data.payload(received.chunk));
        match payload {
            Some(payload) => {
                self.borrowed.set(self.borrowed.get() + 1);
                Ok(Some((received, payload.cast())))
            }
            None => {
                // Connected implies a pool of that generation, and the port
                // checked the index: unreachable, never dereferenced.
                port.release(received);
                Ok(None)
            }
        }
    }
}

impl<Req, Res, B: StaticRamBoard> Client<'_, Req, Res, B> {
    /// Hands a response back to its server's pool.
    fn release(&self, received: ReceivedResponse) {
        self.port.borrow_mut().release(received);
        self.borrowed.set(self.borrowed.get().saturating_sub(1));
    }
}

impl<Req, Res, B: StaticRamBoard> LoanOwner for Client<'_, Req, Res, B> {
    fn release_loan(&self, chunk: u32) {
        self.port.borrow_mut().release_loan(chunk);
    }
}

impl<Req, Res, B: StaticRamBoard> Drop for Client<'_, Req, Res, B> {
    fn drop(&mut self) {
        self.port.get_mut().leave::<StaticWaiter<B>>();
    }
}

impl<Req, Res, B: StaticRamBoard> core::fmt::Debug for Client<'_, Req, Res, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("slot", &self.port.borrow().slot())
            .field("borrowed", &self.borrowed.get())
            .finish()
    }
}

impl<'c, 'a, Req: ZeroCopySend, Res: ZeroCopySend, B: StaticRamBoard> Loan<'c, Client<'a, Req, Res, B>, Req, true> {
    /// Sends the request to every connected server and wakes those that
    /// idle; the chunk goes back to the pool if it reached none.
    pub fn send(mut self) -> Result<PendingResponse<'c, 'a, Req, Res, B>, RequestSendError> {
        // The port takes the chunk whatever happens (freed if unsent).
        self.sent = true;
        let client = self.owner;
        client.update_servers();
        let id = client
            .port
            .borrow_mut()
            .send::<StaticWaiter<B>>(self.chunk, size_of::<Req>() as u32)?;
        Ok(PendingResponse { client, id })
    }
}

/// The responses to one request, as they come. Dropping it cancels the
/// request: servers see [`super::ActiveRequest::is_connected`] turn false,
/// and what they queued goes back to their pools.
pub struct PendingResponse<'c, 'a, Req, Res, B: StaticRamBoard> {
    client: &'c Client<'a, Req, Res, B>,
    id: RequestId,
}

impl<'c, 'a, Req: ZeroCopySend, Res: ZeroCopySend, B: StaticRamBoard> PendingResponse<'c, 'a, Req, Res, B> {
    /// The next response, if one is there; never waits.
    /// [`ResponseReceiveError::ExceedsMaxBorrows`] while `response_borrows`
    /// responses are held.
    pub fn receive(&self) -> Result<Option<Response<'_, 'a, Req, Res, B>>, ResponseReceiveError> {
        Ok(self.client.receive(self.id)?.map(|(received, payload)| Response {
            client: self.client,
            received,
            payload,
        }))
    }

    /// How the stream ended, once every server it went to ended it (or is
    /// gone) and every response was taken; `None` while it is open.
    pub fn stream_end(&self) -> Option<StreamEnd> {
        self.client.update_servers();
        self.client.port.borrow().stream_end(self.id)
    }

    /// Whether a server still answers (the stream is open).
    pub fn is_connected(&self) -> bool {
        self.stream_end().is_none()
    }

    /// Idles (the board's wait hook) until a response arrives, the stream
    /// ends or `deadline` (board clock) passes. May return early: receive,
    /// and wait again.
    pub fn wait(&self, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        self.client.update_servers();
        self.client.port.borrow().wait::<StaticWaiter<B>>(self.id, deadline)
    }

    /// The request's slot and generation.
    pub fn id(&self) -> RequestId {
        self.id
    }
}

impl<Req, Res, B: StaticRamBoard> Drop for PendingResponse<'_, '_, Req, Res, B> {
    fn drop(&mut self) {
        self.client.port.borrow_mut().cancel(self.id);
    }
}

impl<Req, Res, B: StaticRamBoard> core::fmt::Debug for PendingResponse<'_, '_, Req, Res, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingResponse").field("id", &self.id).finish()
    }
}

/// A response, read in place in its server's pool; handed back on drop.
pub struct Response<'p, 'a, Req, Res, B: StaticRamBoard> {
    client: &'p Client<'a, Req, Res, B>,
    received: ReceivedResponse,
    payload: NonNull<Res>,
}

impl<Req, Res, B: StaticRamBoard> Response<'_, '_, Req, Res, B> {
    /// The slot of the server that sent it.
    pub fn server(&self) -> u32 {
        self.received.server
    }
}

impl<Req, Res, B: StaticRamBoard> core::ops::Deref for Response<'_, '_, Req, Res, B> {
    type Target = Res;

    fn deref(&self) -> &Res {
        // SAFETY: the server wrote the payload before it published the
        // index (INV-ORDER; Acquire on the queue slot) and does not reuse
        // the chunk until we hand it back (INV-REFCOUNT); the pool stays in
        // place while we hold it (its slot's next server is refused); the
        // layout placed an aligned `Res` there. Its bytes are `Res`'s
        // contract (ZeroCopySend).
        unsafe { self.payload.as_ref() }
    }
}

impl<Req, Res, B: StaticRamBoard> Drop for Response<'_, '_, Req, Res, B> {
    fn drop(&mut self) {
        self.client.release(self.received);
    }
}

impl<Req, Res: core::fmt::Debug, B: StaticRamBoard> core::fmt::Debug for Response<'_, '_, Req, Res, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Response")
            .field("server", &self.received.server)
            .field("payload", &**self)
            .finish()
    }
}
