//! The server of a static request-response service: take requests (read
//! in place in the clients' pools) as [`ActiveRequest`]s, answer each with
//! any number of responses from the server's own pool while its client
//! waits, and end the stream by dropping it.
//!
//! Progress: receiving, sending a response and ending a stream are
//! bounded (the response queues' overflow compare-and-swap aside:
//! lock-free) and never wait for a client, preempted or halted
//! (INV-PREEMPT); `wait` idles through the board's wait hook.

use super::loan::{Loan, LoanOwner};
use super::{ReqResRef, chunk_tag};
use crate::changes::collect;
use crate::error::{SendError, ServerSendError};
use core::cell::{Cell, RefCell};
use core::ptr::NonNull;
use core::sync::atomic::Ordering;
use iox2_core::payload::ZeroCopySend;
use iox2_core::pool::{Data, DataLayout};
use iox2_core::pubsub::LoanError;
use iox2_core::reqres::{ReceivedRequest, ReqResControl, RequestReceiveError, ResponseSendError, ServerPort};
use iox2_core::service::{PortKind, SlotState};
use iox2_platform::Instant;
use iox2_platform::error::WaitError;
use iox2_platform::static_ram::{StaticRamBoard, StaticWaiter};
use iox2_platform::wait::WaitOutcome;

/// A server taking `Req` and answering with streams of `Res` on board
/// `B`: `Send`, not `Sync`; dropping it frees its port (streams it did not
/// end show their clients a server that is gone).
pub struct Server<'a, Req, Res, B: StaticRamBoard> {
    service: ReqResRef<'a, Req, Res, B>,
    control: ReqResControl<'a, B::Rmw>,
    /// The layout of every client's request pool.
    requests: DataLayout,
    port: RefCell<ServerPort<'a, B::Rmw>>,
    /// Requests handed out and not yet dropped.
    held: Cell<u32>,
}

impl<'a, Req: ZeroCopySend, Res: ZeroCopySend, B: StaticRamBoard> Server<'a, Req, Res, B> {
    pub(super) fn new(
        service: ReqResRef<'a, Req, Res, B>,
        control: ReqResControl<'a, B::Rmw>,
        requests: DataLayout,
        port: ServerPort<'a, B::Rmw>,
    ) -> Self {
        Self {
            service,
            control,
            requests,
            port: RefCell::new(port),
            held: Cell::new(0),
        }
    }

    /// The next request, if a client sent one; never waits. A request
    /// whose client stopped waiting before we took it is still handed out
    /// when the service is fire-and-forget (else ended unseen).
    pub fn receive(&self) -> Result<Option<ActiveRequest<'_, 'a, Req, Res, B>>, RequestReceiveError> {
        self.update_clients();
        let (service, control, layout) = (self.service, self.control, self.requests);
        let mut port = self.port.borrow_mut();
        let server = port.slot().index;
        let tag_of = move |client: u32, chunk: u32| {
            // SYNC: Relaxed: our own word (the port read it just before).
            let generation = control.server_attached(server, client).load(Ordering::Relaxed);
            chunk_tag::<B::Rmw>(service.request_segment(client), layout, generation, chunk)
        };
        let Some(received) = port.receive(tag_of)? else {
            return Ok(None);
        };
        let payload = Data::<B::Rmw>::open(
            service.request_segment(received.client),
            layout,
            received.client_generation,
        )
        .ok()
        .and_then(|data| data.payload(received.chunk));
        let Some(payload) = payload else {
            // Connected implies a pool of that generation, and the tag was
            // read from the chunk: unreachable, never dereferenced.
            port.close::<StaticWaiter<B>>(received);
            return Ok(None);
        };
        self.held.set(self.held.get() + 1);
        Ok(Some(ActiveRequest {
            server: self,
            received,
            payload: payload.cast(),
        }))
    }

    /// Idles (the board's wait hook) until a client sends a request or
    /// `deadline` (board clock) passes. May return early: receive, and
    /// wait again.
    pub fn wait(&self, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        self.update_clients();
        let outcome = self.port.borrow().wait::<StaticWaiter<B>>(deadline);
        // Woken by a client that came or went: take it on (or let it go)
        // now, so that it can send before our next receive.
        self.update_clients();
        outcome
    }

    /// How many indices clients handed back that were never theirs
    /// (INV-DISTRUST: ignored, counted).
    pub fn protocol_violations(&self) -> u32 {
        self.port.borrow().protocol_violations()
    }

    /// Attaches to new clients and lets go of departed ones.
    ///
    /// A departed client stays attached while we hold one of the requests
    /// (they are in its pool, which the slot's next client rewrites in
    /// place: it is refused with `SlotBusy` until we let go). After
    /// attaching we look at the slot once more: a new client that claimed
    /// it meanwhile may not have seen our attachment, so we let go before
    /// reading anything (both sides bump the topology word by RMW after
    /// their write: one of the two looks sees the other).
    fn update_clients(&self) {
        let mut port = self.port.borrow_mut();
        let (changes, more) = collect(|f| port.clients_to_update(f));
        if more {
            port.refresh();
        }
        let registry = self.control.registry();
        for &(client, wanted, attached) in changes.as_slice() {
            if attached.is_some() {
                if self.held.get() > 0 {
                    port.refresh();
                    continue;
                }
                port.detach(client);
            }
            let Some(generation) = wanted else { continue };
            if Data::<B::Rmw>::open(self.service.request_segment(client), self.requests, generation).is_err() {
                // Its pool is not written yet: look again next time.
                port.refresh();
                continue;
            }
            port.attach(client, generation);
            let still = matches!(
                registry.port(PortKind::Client, client),
                SlotState::Active { generation: g, .. } if g == generation
            );
            if !still {
                port.detach(client);
                port.refresh();
            }
        }
    }
}

impl<Req, Res, B: StaticRamBoard> Server<'_, Req, Res, B> {
    /// Ends a request's stream (its handle was dropped).
    fn close(&self, received: ReceivedRequest) {
        self.port.borrow_mut().close::<StaticWaiter<B>>(received);
        self.held.set(self.held.get().saturating_sub(1));
    }
}

impl<Req, Res, B: StaticRamBoard> Drop for Server<'_, Req, Res, B> {
    fn drop(&mut self) {
        self.port.get_mut().leave::<StaticWaiter<B>>();
    }
}

impl<Req, Res, B: StaticRamBoard> core::fmt::Debug for Server<'_, Req, Res, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Server")
            .field("slot", &self.port.borrow().slot())
            .field("held", &self.held.get())
            .finish()
    }
}

/// A request being answered: derefs to the request, read in place in its
/// client's pool; sends responses while the client waits. Dropping it ends
/// the stream (the client sees [`super::StreamEnd::Completed`] once it took
/// every response).
pub struct ActiveRequest<'s, 'a, Req, Res, B: StaticRamBoard> {
    server: &'s Server<'a, Req, Res, B>,
    received: ReceivedRequest,
    payload: NonNull<Req>,
}

/// A loaned response not written yet.
pub type ResponseMutUninit<'r, 's, 'a, Req, Res, B> = Loan<'r, ActiveRequest<'s, 'a, Req, Res, B>, Res, false>;
/// A loaned response, written, ready to send.
pub type ResponseMut<'r, 's, 'a, Req, Res, B> = Loan<'r, ActiveRequest<'s, 'a, Req, Res, B>, Res, true>;

impl<'s, 'a, Req: ZeroCopySend, Res: ZeroCopySend, B: StaticRamBoard> ActiveRequest<'s, 'a, Req, Res, B> {
    /// Whether the client still waits for responses (it did not drop its
    /// pending response or leave): a server can stop work when not.
    pub fn is_connected(&self) -> bool {
        self.server.update_clients();
        self.server.port.borrow().is_connected(&self.received)
    }

    /// The slot of the client that sent it.
    pub fn client(&self) -> u32 {
        self.received.client
    }

    /// Sends a copy of `value` to the request's client and wakes it if it
    /// idles. On failure the value comes back with the reason:
    /// [`ResponseSendError::NotConnected`] once the client stopped waiting,
    /// [`ResponseSendError::BufferFull`] without safe overflow while the
    /// client has not taken the earlier responses (try again).
    pub fn send_copy(&self, value: Res) -> Result<(), SendError<Res, ServerSendError>> {
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
        loan.write_payload(value).send().map_err(|reason| {
            // SAFETY: the response reached nobody (the port's send fails
            // before its push, or takes back the reference of a push that
            // failed), so nobody read the chunk; the port put it back on
            // our own free list, which nothing loans from before we return
            // (this server's context alone uses it: `!Sync`). The bytes are
            // the `Res` just written; reading them moves it back out.
            let value = unsafe { payload.read() };
            SendError {
                reason: reason.into(),
                value,
            }
        })
    }

    /// Loans a chunk of the server's pool for a response, to be written in
    /// place and sent.
    pub fn loan_uninit(&self) -> Result<ResponseMutUninit<'_, 's, 'a, Req, Res, B>, LoanError> {
        let mut port = self.server.port.borrow_mut();
        let chunk = port.loan()?;
        match port.data().payload(chunk) {
            Some(payload) => Ok(Loan::new(self, chunk, payload)),
            None => {
                // Our own free list handed out an index beyond the pool:
                // cannot happen.
                port.release_loan(chunk);
                Err(LoanError::OutOfChunks)
            }
        }
    }
}

impl<Req, Res, B: StaticRamBoard> LoanOwner for ActiveRequest<'_, '_, Req, Res, B> {
    fn release_loan(&self, chunk: u32) {
        self.server.port.borrow_mut().release_loan(chunk);
    }
}

impl<Req: ZeroCopySend, Res: ZeroCopySend, B: StaticRamBoard> Loan<'_, ActiveRequest<'_, '_, Req, Res, B>, Res, true> {
    /// Sends the response to the request's client and wakes it if it
    /// idles; the chunk goes back to the pool if it was not delivered.
    pub fn send(mut self) -> Result<(), ResponseSendError> {
        // The port takes the chunk whatever happens (freed if unsent).
        self.sent = true;
        let request = self.owner;
        request
            .server
            .port
            .borrow_mut()
            .send::<StaticWaiter<B>>(&request.received, self.chunk, size_of::<Res>() as u32)
    }
}

impl<Req, Res, B: StaticRamBoard> core::ops::Deref for ActiveRequest<'_, '_, Req, Res, B> {
    type Target = Req;

    fn deref(&self) -> &Req {
        // SAFETY: the client wrote the request before it published the
        // index (INV-ORDER; Acquire on the queue slot) and does not reuse
        // the chunk until we return it when this handle is dropped
        // (INV-REFCOUNT); its pool stays in place while we hold it (the
        // slot's next client is refused); the layout placed an aligned
        // `Req` there. Its bytes are `Req`'s contract (ZeroCopySend).
        unsafe { self.payload.as_ref() }
    }
}

impl<Req, Res, B: StaticRamBoard> Drop for ActiveRequest<'_, '_, Req, Res, B> {
    fn drop(&mut self) {
        self.server.close(self.received);
    }
}

impl<Req: core::fmt::Debug, Res, B: StaticRamBoard> core::fmt::Debug for ActiveRequest<'_, '_, Req, Res, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ActiveRequest")
            .field("client", &self.received.client)
            .field("request", &**self)
            .finish()
    }
}
