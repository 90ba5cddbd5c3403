//! Servers: taking requests (read in place in the clients' pools) and
//! answering each with any number of responses from the server's own pool.
//! Dropping an [`ActiveRequest`] ends its stream; the client sees the end.

use super::loan::{Loan, LoanOwner, LoanUninit};
use crate::error::{PortCreateError, ServerSendError};
use crate::lock::HostPlatform;
use crate::pool_region::{Mapping, OwnedPool, claim_with_pool};
use crate::service::{ReqResInner, pool_region_name};
use core::cell::RefCell;
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;
use core::time::Duration;
use iox2_core::payload::ZeroCopySend;
use iox2_core::pubsub::LoanError;
use iox2_core::reqres::{ReceivedRequest, RequestReceiveError, ServerPort};
use iox2_core::service::PortKind;
use iox2_platform::error::WaitError;
use iox2_platform::{Clock, Region, WaitOutcome};
use std::fmt;
use std::sync::Arc;

/// Builds a [`Server`].
pub struct ServerBuilder<P: HostPlatform, Req, Res, ReqH = (), ResH = ()> {
    service: Arc<ReqResInner<P>>,
    _types: PhantomData<fn(&Req, &Res, &ReqH, &ResH)>,
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> fmt::Debug for ServerBuilder<P, Req, Res, ReqH, ResH> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder").finish_non_exhaustive()
    }
}

impl<P: HostPlatform, Req: ZeroCopySend, Res: ZeroCopySend, ReqH: ZeroCopySend, ResH: ZeroCopySend>
    ServerBuilder<P, Req, Res, ReqH, ResH>
{
    pub(crate) fn new(service: Arc<ReqResInner<P>>) -> Self {
        Self {
            service,
            _types: PhantomData,
        }
    }

    /// Creates the server: claims a slot and creates its response pool.
    pub fn create(self) -> Result<Server<P, Req, Res, ReqH, ResH>, PortCreateError> {
        let shared = &self.service.pattern;
        let service = &self.service;
        let OwnedPool {
            slot,
            name,
            region,
            data,
        } = claim_with_pool::<P>(
            service.registry(),
            PortKind::Server,
            service.node_slot.index,
            shared.response_pool,
            |slot| pool_region_name(&service.name, PortKind::Server, slot.index, slot.generation),
        )?;
        let port = ServerPort::new(shared.control, data, slot);
        let mappings = (0..shared.control.qos().max_clients).map(|_| None).collect();
        Ok(Server {
            port: RefCell::new(port),
            mappings: RefCell::new(mappings),
            region_name: name,
            _region: region,
            service: self.service,
            _types: PhantomData,
        })
    }
}

/// What [`Server::receive`] gives.
pub type RequestResult<'s, P, Req, Res, ReqH, ResH> =
    Result<Option<ActiveRequest<'s, P, Req, Res, ReqH, ResH>>, RequestReceiveError>;

/// Takes requests of `Req` and answers them with streams of `Res`.
/// Not `Sync`: one thread at a time uses a server.
pub struct Server<P: HostPlatform, Req, Res, ReqH = (), ResH = ()> {
    port: RefCell<ServerPort<'static, P::Rmw>>,
    /// The clients' request pools, by client slot.
    mappings: RefCell<Vec<Option<Mapping<P>>>>,
    region_name: String,
    /// Dropped after the port, which points into it.
    _region: P::Region,
    service: Arc<ReqResInner<P>>,
    _types: PhantomData<fn(&Req, &Res, &ReqH, &ResH)>,
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> fmt::Debug for Server<P, Req, Res, ReqH, ResH> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server").field("region", &self.region_name).finish()
    }
}

impl<P: HostPlatform, Req: ZeroCopySend, Res: ZeroCopySend, ReqH: ZeroCopySend, ResH: ZeroCopySend>
    Server<P, Req, Res, ReqH, ResH>
{
    /// The next request, if a client sent one; never blocks.
    pub fn receive(&self) -> RequestResult<'_, P, Req, Res, ReqH, ResH> {
        self.update_clients();
        let mappings = self.mappings.borrow();
        let tag_of = |client: u32, chunk: u32| {
            let mapping = mappings.get(client as usize)?.as_ref()?;
            mapping.data.header(chunk).map(|header| header.sequence)
        };
        let Some(received) = self.port.borrow_mut().receive(tag_of)? else {
            return Ok(None);
        };
        let mapping = mappings.get(received.client as usize).and_then(Option::as_ref);
        let located =
            mapping.and_then(|m| Some((m.data.payload(received.chunk)?, m.data.user_header(received.chunk)?, m)));
        let Some((payload, header, mapping)) = located else {
            // Connected implies mapped, and the tag was read from the chunk.
            self.port.borrow_mut().close::<P::Waiter>(received);
            return Ok(None);
        };
        Ok(Some(ActiveRequest {
            server: self,
            received,
            payload: payload.cast(),
            header: header.cast(),
            _mapping: mapping.region.clone(),
        }))
    }

    /// Sleeps until a client sends a request, or `timeout` passes (`None`:
    /// no limit). May return early: receive, and wait again.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<WaitOutcome, WaitError> {
        self.update_clients();
        let deadline = timeout.map(P::Clock::deadline_after);
        let outcome = self.port.borrow().wait::<P::Waiter>(deadline);
        // Woken by a client that came or went: take it on (or let it go)
        // now, so it can send before our next receive.
        self.update_clients();
        outcome
    }

    /// Indices clients handed back that were never theirs.
    pub fn protocol_violations(&self) -> u32 {
        self.port.borrow().protocol_violations()
    }

    /// Maps new clients' pools and attaches to them; lets go of departed ones.
    fn update_clients(&self) {
        let mut changes = Vec::new();
        self.port
            .borrow_mut()
            .clients_to_update(|c, wanted, attached| changes.push((c, wanted, attached)));
        for (client, wanted, attached) in changes {
            if attached.is_some() {
                self.port.borrow_mut().detach(client);
                self.mappings.borrow_mut()[client as usize] = None;
            }
            if let Some(generation) = wanted {
                let name = pool_region_name(&self.service.name, PortKind::Client, client, generation);
                match Mapping::open(&name, self.service.pattern.request_pool, generation) {
                    Some(mapping) => {
                        self.mappings.borrow_mut()[client as usize] = Some(mapping);
                        self.port.borrow_mut().attach(client, generation);
                    }
                    // Not created yet (or being removed): look again next time.
                    None => self.port.borrow_mut().refresh(),
                }
            }
        }
    }

    fn loan_response(&self) -> Result<(u32, NonNull<u8>, NonNull<u8>), ServerSendError> {
        let loaned = self.port.borrow_mut().loan();
        let chunk = match loaned {
            Err(LoanError::OutOfChunks) => {
                self.service.reap_dead_nodes();
                self.update_clients();
                self.port.borrow_mut().loan()?
            }
            other => other?,
        };
        let port = self.port.borrow();
        match (port.data().payload(chunk), port.data().user_header(chunk)) {
            (Some(payload), Some(header)) => Ok((chunk, payload, header)),
            // The free list is the server's own: unreachable, never dereferenced.
            _ => Err(ServerSendError::Loan(LoanError::OutOfChunks)),
        }
    }
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> Drop for Server<P, Req, Res, ReqH, ResH> {
    fn drop(&mut self) {
        self.port.get_mut().leave::<P::Waiter>();
        let _ = P::Region::remove(&self.region_name);
    }
}

/// A request being answered: derefs to the request in its client's pool;
/// sends responses while the client waits. Dropping it ends the stream.
pub struct ActiveRequest<'s, P: HostPlatform, Req, Res, ReqH = (), ResH = ()> {
    server: &'s Server<P, Req, Res, ReqH, ResH>,
    received: ReceivedRequest,
    payload: NonNull<Req>,
    header: NonNull<ReqH>,
    /// Keeps the client's pool mapped while the request lives.
    _mapping: Arc<P::Region>,
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> fmt::Debug for ActiveRequest<'_, P, Req, Res, ReqH, ResH> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActiveRequest")
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> LoanOwner for ActiveRequest<'_, P, Req, Res, ReqH, ResH> {
    fn release_loan(&self, chunk: u32) {
        self.server.port.borrow_mut().release_loan(chunk);
    }
}

/// A loaned response not written yet.
pub type ResponseMutUninit<'a, 's, P, Req, Res, ReqH, ResH> =
    LoanUninit<'a, ActiveRequest<'s, P, Req, Res, ReqH, ResH>, Res, ResH>;

impl<'s, P: HostPlatform, Req: ZeroCopySend, Res: ZeroCopySend, ReqH: ZeroCopySend, ResH: ZeroCopySend>
    ActiveRequest<'s, P, Req, Res, ReqH, ResH>
{
    /// Whether the client still waits for responses (it did not drop its
    /// pending response, leave or die): a server can stop work when not.
    pub fn is_connected(&self) -> bool {
        self.server.update_clients();
        self.server.port.borrow().is_connected(&self.received)
    }

    /// The user header the client wrote.
    pub fn user_header(&self) -> &ReqH {
        // SAFETY: as for `deref`; the header is aligned and sized for `ReqH`.
        unsafe { self.header.as_ref() }
    }

    /// The slot of the client that sent it.
    pub fn client(&self) -> u32 {
        self.received.client
    }

    /// Loans a response from the server's pool.
    pub fn loan_uninit(&self) -> Result<ResponseMutUninit<'_, 's, P, Req, Res, ReqH, ResH>, ServerSendError> {
        let (chunk, payload, header) = self.server.loan_response()?;
        Ok(Loan::new(self, chunk, payload, header))
    }

    /// Sends a copy of `response`.
    pub fn send_copy(&self, response: Res) -> Result<(), ServerSendError> {
        self.loan_uninit()?.write_payload(response).send()
    }

    fn send_chunk(&self, chunk: u32) -> Result<(), ServerSendError> {
        let len = core::mem::size_of::<Res>() as u32;
        Ok(self
            .server
            .port
            .borrow_mut()
            .send::<P::Waiter>(&self.received, chunk, len)?)
    }
}

impl<P: HostPlatform, Req: ZeroCopySend, Res: ZeroCopySend, ReqH: ZeroCopySend, ResH: ZeroCopySend>
    Loan<'_, ActiveRequest<'_, P, Req, Res, ReqH, ResH>, Res, ResH, true>
{
    /// Sends the response to the request's client.
    pub fn send(mut self) -> Result<(), ServerSendError> {
        // The port takes the chunk whatever happens (freed if unsent).
        self.sent = true;
        self.owner.send_chunk(self.chunk)
    }
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> Deref for ActiveRequest<'_, P, Req, Res, ReqH, ResH> {
    type Target = Req;

    fn deref(&self) -> &Req {
        // SAFETY: the client does not write the chunk until this request
        // hands it back (INV-REFCOUNT), the mapping is held, and the payload
        // is aligned and sized for `Req` (the pool layout both sides compute).
        unsafe { self.payload.as_ref() }
    }
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> Drop for ActiveRequest<'_, P, Req, Res, ReqH, ResH> {
    fn drop(&mut self) {
        self.server.port.borrow_mut().close::<P::Waiter>(self.received);
    }
}
