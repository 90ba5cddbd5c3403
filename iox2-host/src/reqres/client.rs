//! Clients: sending requests from the client's own pool, and the pending
//! response of each request — a stream of responses read in place in the
//! servers' pools, until every server ended it. Dropping a pending
//! response cancels the request (the servers see it).

use super::loan::{Loan, LoanOwner, LoanUninit};
use crate::error::{ClientSendError, PortCreateError};
use crate::lock::HostPlatform;
use crate::pool_region::{Mapping, OwnedPool, claim_with_pool};
use crate::service::{ReqResInner, pool_region_name};
use core::cell::RefCell;
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;
use core::time::Duration;
use iox2_core::payload::ZeroCopySend;
use iox2_core::pool::Data;
use iox2_core::pubsub::LoanError;
use iox2_core::reqres::{ClientPort, ReceivedResponse, RequestId, ResponseReceiveError, StreamEnd};
use iox2_core::service::PortKind;
use iox2_platform::error::WaitError;
use iox2_platform::{Clock, Instant, Region, WaitOutcome};
use std::fmt;
use std::sync::Arc;

/// Builds a [`Client`].
pub struct ClientBuilder<P: HostPlatform, Req, Res, ReqH = (), ResH = ()> {
    service: Arc<ReqResInner<P>>,
    _types: PhantomData<fn(&Req, &Res, &ReqH, &ResH)>,
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> fmt::Debug for ClientBuilder<P, Req, Res, ReqH, ResH> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder").finish_non_exhaustive()
    }
}

impl<P: HostPlatform, Req: ZeroCopySend, Res: ZeroCopySend, ReqH: ZeroCopySend, ResH: ZeroCopySend>
    ClientBuilder<P, Req, Res, ReqH, ResH>
{
    pub(crate) fn new(service: Arc<ReqResInner<P>>) -> Self {
        Self {
            service,
            _types: PhantomData,
        }
    }

    /// Creates the client: claims a slot and creates its request pool.
    pub fn create(self) -> Result<Client<P, Req, Res, ReqH, ResH>, PortCreateError> {
        let shared = &self.service.pattern;
        let service = &self.service;
        let OwnedPool {
            slot,
            name,
            region,
            data,
        } = claim_with_pool::<P>(
            service.registry(),
            PortKind::Client,
            service.node_slot.index,
            shared.request_pool,
            |slot| pool_region_name(&service.name, PortKind::Client, slot.index, slot.generation),
        )?;
        let port = ClientPort::new(shared.control, data, slot);
        // Servers look at the clients again (and let go of this slot's
        // earlier holder).
        port.wake_servers::<P::Waiter>();
        let mappings = (0..shared.control.qos().max_servers).map(|_| None).collect();
        Ok(Client {
            port: RefCell::new(port),
            mappings: RefCell::new(mappings),
            region_name: name,
            _region: region,
            service: self.service,
            _types: PhantomData,
        })
    }
}

/// Sends requests of `Req` and receives streams of `Res` responses.
/// Not `Sync`: one thread at a time uses a client.
pub struct Client<P: HostPlatform, Req, Res, ReqH = (), ResH = ()> {
    port: RefCell<ClientPort<'static, P::Rmw>>,
    /// The servers' response pools, by server slot.
    mappings: RefCell<Vec<Option<Mapping<P>>>>,
    region_name: String,
    /// Dropped after the port, which points into it.
    _region: P::Region,
    service: Arc<ReqResInner<P>>,
    _types: PhantomData<fn(&Req, &Res, &ReqH, &ResH)>,
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> fmt::Debug for Client<P, Req, Res, ReqH, ResH> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("region", &self.region_name).finish()
    }
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> LoanOwner for Client<P, Req, Res, ReqH, ResH> {
    fn release_loan(&self, chunk: u32) {
        self.port.borrow_mut().release_loan(chunk);
    }
}

/// A loaned request not written yet.
pub type RequestMutUninit<'c, P, Req, Res, ReqH, ResH> = LoanUninit<'c, Client<P, Req, Res, ReqH, ResH>, Req, ReqH>;
/// A loaned request, written, ready to send.
pub type RequestMut<'c, P, Req, Res, ReqH, ResH> = Loan<'c, Client<P, Req, Res, ReqH, ResH>, Req, ReqH, true>;

impl<P: HostPlatform, Req: ZeroCopySend, Res: ZeroCopySend, ReqH: ZeroCopySend, ResH: ZeroCopySend>
    Client<P, Req, Res, ReqH, ResH>
{
    /// Loans a request from the client's pool. If the pool is exhausted,
    /// dead servers are reaped first and the loan is tried once more.
    pub fn loan_uninit(&self) -> Result<RequestMutUninit<'_, P, Req, Res, ReqH, ResH>, ClientSendError> {
        self.update_servers();
        let loaned = self.port.borrow_mut().loan();
        let chunk = match loaned {
            Err(LoanError::OutOfChunks) => {
                self.service.reap_dead_nodes();
                self.port.borrow_mut().loan()?
            }
            other => other?,
        };
        let port = self.port.borrow();
        let (Some(payload), Some(header)) = (port.data().payload(chunk), port.data().user_header(chunk)) else {
            // The free list is the client's own: an index beyond the pool
            // cannot come out of it. Reported, never dereferenced.
            return Err(ClientSendError::Loan(LoanError::OutOfChunks));
        };
        Ok(Loan::new(self, chunk, payload, header))
    }

    /// Sends a copy of `request`; the pending response receives the stream.
    pub fn send_copy(&self, request: Req) -> Result<PendingResponse<'_, P, Req, Res, ReqH, ResH>, ClientSendError> {
        self.loan_uninit()?.write_payload(request).send()
    }

    /// Whether a server is connected (a request would reach someone).
    pub fn has_servers(&self) -> bool {
        self.update_servers();
        let port = self.port.borrow();
        (0..self.service.pattern.control.qos().max_servers).any(|server| port.connected(server).is_some())
    }

    fn send_chunk(&self, chunk: u32) -> Result<RequestId, ClientSendError> {
        self.update_servers();
        let len = core::mem::size_of::<Req>() as u32;
        Ok(self.port.borrow_mut().send::<P::Waiter>(chunk, len)?)
    }

    /// Maps new servers' pools and connects them; disconnects departed
    /// ones (after their queued responses were taken).
    fn update_servers(&self) {
        let mut changes = Vec::new();
        self.port
            .borrow_mut()
            .servers_to_update(|s, wanted, connected| changes.push((s, wanted, connected)));
        let mut deferred = Vec::new();
        for (server, wanted, connected) in changes {
            if deferred.contains(&server) {
                // Its successor waits until the old one is drained.
                continue;
            }
            if connected.is_some() {
                if self.port.borrow().has_queued_from(server) {
                    // Responses of a departed server wait: take them first.
                    self.port.borrow_mut().refresh();
                    deferred.push(server);
                    continue;
                }
                self.port.borrow_mut().disconnect(server);
                self.mappings.borrow_mut()[server as usize] = None;
            }
            if let Some(generation) = wanted {
                let name = pool_region_name(&self.service.name, PortKind::Server, server, generation);
                match Mapping::open(&name, self.service.pattern.response_pool, generation) {
                    Some(mapping) => {
                        self.mappings.borrow_mut()[server as usize] = Some(mapping);
                        self.port.borrow_mut().connect(server, generation);
                    }
                    // Not created yet (or being removed): look again next time.
                    None => self.port.borrow_mut().refresh(),
                }
            }
        }
    }

    fn receive(&self, id: RequestId) -> Result<Option<Taken<P>>, ResponseReceiveError> {
        self.update_servers();
        let mappings = self.mappings.borrow();
        let tag_of = |server: u32, chunk: u32| {
            let mapping = mappings.get(server as usize)?.as_ref()?;
            mapping.data.header(chunk).map(|header| header.sequence)
        };
        let Some(received) = self.port.borrow_mut().receive(id, tag_of)? else {
            return Ok(None);
        };
        match mappings.get(received.server as usize).and_then(Option::as_ref) {
            Some(mapping) => Ok(Some(Taken {
                received,
                data: mapping.data,
                mapping: mapping.region.clone(),
            })),
            None => {
                // Attached implies mapped; hand it back rather than trust it.
                self.port.borrow_mut().release(received);
                Ok(None)
            }
        }
    }
}

impl<'c, P: HostPlatform, Req: ZeroCopySend, Res: ZeroCopySend, ReqH: ZeroCopySend, ResH: ZeroCopySend>
    Loan<'c, Client<P, Req, Res, ReqH, ResH>, Req, ReqH, true>
{
    /// Sends the request to every connected server.
    pub fn send(mut self) -> Result<PendingResponse<'c, P, Req, Res, ReqH, ResH>, ClientSendError> {
        // The port takes the chunk whatever happens (freed if unsent).
        self.sent = true;
        let id = self.owner.send_chunk(self.chunk)?;
        Ok(PendingResponse { client: self.owner, id })
    }
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> Drop for Client<P, Req, Res, ReqH, ResH> {
    fn drop(&mut self) {
        self.port.get_mut().leave::<P::Waiter>();
        let _ = P::Region::remove(&self.region_name);
    }
}

/// A response taken from a server's pool, with that pool.
struct Taken<P: HostPlatform> {
    received: ReceivedResponse,
    data: Data<'static, P::Rmw>,
    mapping: Arc<P::Region>,
}

/// What the receives of a pending response give.
pub type ResponseResult<'p, P, Res, ResH, E> = Result<Option<Response<'p, P, Res, ResH>>, E>;

/// The responses to one request, as they come. Dropping it cancels the
/// request: servers see `is_connected() == false`.
pub struct PendingResponse<'c, P: HostPlatform, Req, Res, ReqH = (), ResH = ()> {
    client: &'c Client<P, Req, Res, ReqH, ResH>,
    id: RequestId,
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> fmt::Debug for PendingResponse<'_, P, Req, Res, ReqH, ResH> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingResponse").field("id", &self.id).finish()
    }
}

impl<'c, P: HostPlatform, Req: ZeroCopySend, Res: ZeroCopySend, ReqH: ZeroCopySend, ResH: ZeroCopySend>
    PendingResponse<'c, P, Req, Res, ReqH, ResH>
{
    /// The next response, if one is there; never blocks.
    pub fn receive(&self) -> ResponseResult<'_, P, Res, ResH, ResponseReceiveError> {
        let Some(Taken {
            received,
            data,
            mapping,
        }) = self.client.receive(self.id)?
        else {
            return Ok(None);
        };
        let (Some(payload), Some(header)) = (data.payload(received.chunk), data.user_header(received.chunk)) else {
            // Checked against the pool size by the port: unreachable, but
            // never dereferenced if it were.
            self.client.port.borrow_mut().release(received);
            return Ok(None);
        };
        Ok(Some(Response {
            port: &self.client.port,
            received,
            payload: payload.cast(),
            header: header.cast(),
            _mapping: mapping,
        }))
    }

    /// The next response, waiting up to `timeout`; `None` if none came or
    /// the stream ended (see [`PendingResponse::stream_end`]).
    pub fn timed_receive(&self, timeout: Duration) -> ResponseResult<'_, P, Res, ResH, ClientReceiveError> {
        self.wait_and_receive(Some(P::Clock::deadline_after(timeout)))
    }

    /// The next response, waiting as long as the stream is open; `None`
    /// once it ended (see [`PendingResponse::stream_end`]).
    pub fn blocking_receive(&self) -> ResponseResult<'_, P, Res, ResH, ClientReceiveError> {
        self.wait_and_receive(None)
    }

    fn wait_and_receive(&self, deadline: Option<Instant>) -> ResponseResult<'_, P, Res, ResH, ClientReceiveError> {
        loop {
            if let Some(response) = self.receive()? {
                return Ok(Some(response));
            }
            if self.stream_end().is_some() {
                return Ok(None);
            }
            let outcome = self
                .client
                .port
                .borrow()
                .wait::<P::Waiter>(self.id, deadline)
                .map_err(ClientReceiveError::Wait)?;
            match outcome {
                WaitOutcome::Woken => {}
                WaitOutcome::TimedOut => return Ok(self.receive()?),
                WaitOutcome::Interrupted => return Err(ClientReceiveError::Interrupted),
            }
        }
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
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> Drop for PendingResponse<'_, P, Req, Res, ReqH, ResH> {
    fn drop(&mut self) {
        self.client.port.borrow_mut().cancel(self.id);
    }
}

/// Why a blocking receive ended without a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientReceiveError {
    /// Taking the response failed.
    Receive(ResponseReceiveError),
    /// A signal interrupted the wait (SIGINT/SIGTERM once caught).
    Interrupted,
    /// The platform's wait failed.
    Wait(WaitError),
}

impl From<ResponseReceiveError> for ClientReceiveError {
    fn from(e: ResponseReceiveError) -> Self {
        Self::Receive(e)
    }
}

impl fmt::Display for ClientReceiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Receive(e) => write!(f, "{e}"),
            Self::Interrupted => write!(f, "a signal interrupted the wait"),
            Self::Wait(e) => write!(f, "the wait failed: {e}"),
        }
    }
}

impl core::error::Error for ClientReceiveError {}

/// A response, read in place in its server's pool. Dropping it hands the
/// chunk back.
pub struct Response<'p, P: HostPlatform, Res, ResH = ()> {
    port: &'p RefCell<ClientPort<'static, P::Rmw>>,
    received: ReceivedResponse,
    payload: NonNull<Res>,
    header: NonNull<ResH>,
    /// Keeps the server's pool mapped while the response lives.
    _mapping: Arc<P::Region>,
}

impl<P: HostPlatform, Res, ResH> Response<'_, P, Res, ResH> {
    /// The user header the server wrote.
    pub fn user_header(&self) -> &ResH {
        // SAFETY: as for `deref`; the header is aligned and sized for `ResH`.
        unsafe { self.header.as_ref() }
    }

    /// The slot of the server that sent it.
    pub fn server(&self) -> u32 {
        self.received.server
    }
}

impl<P: HostPlatform, Res, ResH> Deref for Response<'_, P, Res, ResH> {
    type Target = Res;

    fn deref(&self) -> &Res {
        // SAFETY: the server does not write the chunk until this response
        // hands it back (INV-REFCOUNT), the mapping is held, and the payload
        // is aligned and sized for `Res` (the pool layout both sides compute).
        unsafe { self.payload.as_ref() }
    }
}

impl<P: HostPlatform, Res, ResH> Drop for Response<'_, P, Res, ResH> {
    fn drop(&mut self) {
        self.port.borrow_mut().release(self.received);
    }
}

impl<P: HostPlatform, Res, ResH> fmt::Debug for Response<'_, P, Res, ResH> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}
