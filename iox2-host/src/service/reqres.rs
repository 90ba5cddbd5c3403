//! Request-response services: the builder with its settings (iceoryx2's
//! defaults), what each process keeps of the service, and the reaping of
//! dead clients and servers.

use super::{Attach, Mode, Pattern, ServiceInner, check_at_least, header_content, remove_region, setting};
use crate::error::ServiceError;
use crate::lock::HostPlatform;
use crate::node::NodeInner;
use crate::reqres::{ClientBuilder, ServerBuilder};
use core::marker::PhantomData;
use iox2_core::payload::{TypeDescriptor, ZeroCopySend};
use iox2_core::pool::{ChunkContent, DataLayout};
use iox2_core::reqres::{ReqResControl, ReqResQos, reqres_layout, request_pool, response_pool};
use iox2_core::segment::Segment;
use iox2_core::service::{
    Header, HeaderContent, PortKind, QosError, RegionNameBuffer, Registry, ServiceName, ServiceOpenError, SlotId,
};
use iox2_platform::{NodeState, Platform};
use std::fmt;
use std::sync::Arc;

/// The settings an opener asked for explicitly.
#[derive(Debug, Default, Clone, Copy)]
struct Requested {
    max_clients: Option<u32>,
    max_servers: Option<u32>,
    max_nodes: Option<u32>,
    max_active_requests: Option<u32>,
    response_buffer: Option<u32>,
    max_loaned_requests: Option<u32>,
    max_borrowed_responses: Option<u32>,
    max_loaned_responses: Option<u32>,
    safe_overflow: Option<bool>,
    fire_and_forget: Option<bool>,
}

/// Builds a request-response service with request type `Req` and response
/// type `Res` (and user headers `ReqH`, `ResH`): settings, then create or
/// open.
///
/// Settings left unset take iceoryx2's defaults on create (8 clients, 2
/// servers, 20 nodes, 4 active requests per client, response buffer 2, safe
/// overflow and fire and forget on). On open, a set count must be offered
/// (at least as large); a set flag must be equal.
pub struct ReqResBuilder<P: HostPlatform, Req, Res, ReqH = (), ResH = ()> {
    node: Arc<NodeInner<P>>,
    name: String,
    requested: Requested,
    _types: PhantomData<fn(&Req, &Res, &ReqH, &ResH)>,
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> fmt::Debug for ReqResBuilder<P, Req, Res, ReqH, ResH> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqResBuilder")
            .field("name", &self.name)
            .field("requested", &self.requested)
            .finish()
    }
}

impl<P: HostPlatform, Req, Res> ReqResBuilder<P, Req, Res> {
    pub(crate) fn new(node: Arc<NodeInner<P>>, name: String) -> Self {
        Self {
            node,
            name,
            requested: Requested::default(),
            _types: PhantomData,
        }
    }
}

impl<P: HostPlatform, Req: ZeroCopySend, Res: ZeroCopySend, ReqH: ZeroCopySend, ResH: ZeroCopySend>
    ReqResBuilder<P, Req, Res, ReqH, ResH>
{
    setting!(/// Most clients at once (default 8).
        max_clients: u32);
    setting!(/// Most servers at once (default 2).
        max_servers: u32);
    setting!(/// Most nodes attached at once (default 20).
        max_nodes: u32);
    setting!(/// Requests one client may have open at once (default 4).
        max_active_requests: u32);
    setting!(/// Responses a server may queue per request (default 2).
        response_buffer: u32);
    setting!(/// Requests a client may have loaned at once (default 2).
        max_loaned_requests: u32);
    setting!(/// Responses a client may hold at once (default 2).
        max_borrowed_responses: u32);
    setting!(/// Responses a server may have loaned at once (default 2).
        max_loaned_responses: u32);
    setting!(/// Whether a full response buffer drops its oldest response
        /// (default true) or the server's send fails.
        safe_overflow: bool);
    setting!(/// Whether a request is handed to the server even when its client
        /// stopped waiting before the server took it (default true).
        fire_and_forget: bool);

    /// Gives every request a user header of type `U` (default: none).
    pub fn request_user_header<U: ZeroCopySend>(self) -> ReqResBuilder<P, Req, Res, U, ResH> {
        ReqResBuilder {
            node: self.node,
            name: self.name,
            requested: self.requested,
            _types: PhantomData,
        }
    }

    /// Gives every response a user header of type `U` (default: none).
    pub fn response_user_header<U: ZeroCopySend>(self) -> ReqResBuilder<P, Req, Res, ReqH, U> {
        ReqResBuilder {
            node: self.node,
            name: self.name,
            requested: self.requested,
            _types: PhantomData,
        }
    }

    /// Creates the service; fails if it exists.
    pub fn create(self) -> Result<ReqResService<P, Req, Res, ReqH, ResH>, ServiceError> {
        self.build(Mode::Create)
    }

    /// Opens the existing service; fails if there is none.
    pub fn open(self) -> Result<ReqResService<P, Req, Res, ReqH, ResH>, ServiceError> {
        self.build(Mode::Open)
    }

    /// Opens the service, or creates it if there is none.
    pub fn open_or_create(self) -> Result<ReqResService<P, Req, Res, ReqH, ResH>, ServiceError> {
        self.build(Mode::OpenOrCreate)
    }

    fn qos_to_create(&self) -> ReqResQos {
        // The node's configuration holds the defaults.
        let d = self.node.config.reqres_qos();
        let r = self.requested;
        ReqResQos {
            max_clients: r.max_clients.unwrap_or(d.max_clients),
            max_servers: r.max_servers.unwrap_or(d.max_servers),
            max_nodes: r.max_nodes.unwrap_or(d.max_nodes),
            max_active_requests: r.max_active_requests.unwrap_or(d.max_active_requests),
            response_buffer: r.response_buffer.unwrap_or(d.response_buffer),
            max_loaned_requests: r.max_loaned_requests.unwrap_or(d.max_loaned_requests),
            max_borrowed_responses: r.max_borrowed_responses.unwrap_or(d.max_borrowed_responses),
            max_loaned_responses: r.max_loaned_responses.unwrap_or(d.max_loaned_responses),
            safe_overflow: r.safe_overflow.unwrap_or(d.safe_overflow),
            fire_and_forget: r.fire_and_forget.unwrap_or(d.fire_and_forget),
        }
    }

    /// Checks that `offered` satisfies what the opener asked for.
    fn check_offered(&self, offered: &ReqResQos) -> Result<(), ServiceError> {
        let r = self.requested;
        check_at_least(&[
            ("max_clients", r.max_clients, offered.max_clients),
            ("max_servers", r.max_servers, offered.max_servers),
            ("max_nodes", r.max_nodes, offered.max_nodes),
            (
                "max_active_requests",
                r.max_active_requests,
                offered.max_active_requests,
            ),
            ("response_buffer", r.response_buffer, offered.response_buffer),
            (
                "max_loaned_requests",
                r.max_loaned_requests,
                offered.max_loaned_requests,
            ),
            (
                "max_borrowed_responses",
                r.max_borrowed_responses,
                offered.max_borrowed_responses,
            ),
            (
                "max_loaned_responses",
                r.max_loaned_responses,
                offered.max_loaned_responses,
            ),
        ])?;
        let flags = [
            ("safe_overflow", r.safe_overflow, offered.safe_overflow),
            ("fire_and_forget", r.fire_and_forget, offered.fire_and_forget),
        ];
        for (setting, requested, offered) in flags {
            if let Some(requested) = requested.filter(|&requested| requested != offered) {
                return Err(ServiceError::Differs {
                    setting,
                    offered: offered.into(),
                    requested: requested.into(),
                });
            }
        }
        Ok(())
    }

    fn build(self, mode: Mode) -> Result<ReqResService<P, Req, Res, ReqH, ResH>, ServiceError> {
        let name = ServiceName::new(&self.name).map_err(ServiceError::Name)?;
        let qos = self.qos_to_create();
        let content = expected_content::<P, Req, Res, ReqH, ResH>(name, qos)?;
        let inner = Attach {
            node: &self.node,
            name: &self.name,
            mode,
            open: |segment: Segment<'static>| {
                let offered = Header::new(segment)
                    .settings::<ReqResQos>()
                    .map_err(ServiceError::Incompatible)?;
                self.check_offered(&offered)?;
                let expected = expected_content::<P, Req, Res, ReqH, ResH>(name, offered)?;
                let control = ReqResControl::open(segment, &expected).map_err(ServiceError::Incompatible)?;
                ReqResShared::new::<Req, Res, ReqH, ResH>(control).map_err(ServiceError::Qos)
            },
            len: content.len,
            create: |segment| {
                let control = ReqResControl::create(segment, &content)?;
                ReqResShared::new::<Req, Res, ReqH, ResH>(control).map_err(ServiceOpenError::CorruptedQos)
            },
            _pattern: PhantomData,
        }
        .run()?;
        Ok(ReqResService {
            inner: Arc::new(inner),
            _types: PhantomData,
        })
    }
}

/// What a chunk of type `T` with user header `H` holds.
fn content_of<T, H>() -> ChunkContent {
    ChunkContent {
        payload_size: core::mem::size_of::<T>(),
        payload_align: core::mem::align_of::<T>(),
        header_size: core::mem::size_of::<H>(),
        header_align: core::mem::align_of::<H>(),
    }
}

/// The header this process expects of the service with settings `qos`.
///
/// The header records the request type as its payload and the response
/// type as its user header (the two names an opener is told about); the
/// user header types are part of the layout hash, so a mismatch there is
/// refused as a layout difference.
fn expected_content<P: HostPlatform, Req: ZeroCopySend, Res: ZeroCopySend, ReqH: ZeroCopySend, ResH: ZeroCopySend>(
    name: ServiceName<'_>,
    qos: ReqResQos,
) -> Result<HeaderContent<'_, ReqResQos>, ServiceError> {
    let layout = reqres_layout::<P::Rmw>(&qos).map_err(ServiceError::Qos)?;
    request_pool::<P::Rmw>(&qos, &content_of::<Req, ReqH>()).map_err(ServiceError::Qos)?;
    response_pool::<P::Rmw>(&qos, &content_of::<Res, ResH>()).map_err(ServiceError::Qos)?;
    let mut content = header_content::<P, _>(
        name,
        qos,
        TypeDescriptor::of::<Req>(),
        TypeDescriptor::of::<Res>(),
        layout.len,
    );
    content.layout_hash = iox2_core::payload::Fnv1a32::new()
        .write_u32(content.layout_hash)
        .write_u32(TypeDescriptor::of::<ReqH>().fingerprint())
        .write_u32(TypeDescriptor::of::<ResH>().fingerprint())
        .finish();
    Ok(content)
}

/// The region name of a request-response port's pool: `c<slot>.<gen>` for
/// a client, `s<slot>.<gen>` for a server.
pub(crate) fn pool_region_name(service: &str, kind: PortKind, slot: u32, generation: u32) -> String {
    let name = ServiceName::new(service).expect("checked when the service was built");
    let prefix = if kind == PortKind::Client { 'c' } else { 's' };
    let mut buffer = RegionNameBuffer::new();
    name.region_name(&format!("{prefix}{slot}.{generation}"), &mut buffer)
        .to_owned()
}

/// What each process keeps of a request-response service.
pub(crate) struct ReqResShared<R> {
    pub(crate) control: ReqResControl<'static, R>,
    pub(crate) request_pool: DataLayout,
    pub(crate) response_pool: DataLayout,
}

impl<R: iox2_platform::Rmw> ReqResShared<R> {
    fn new<Req, Res, ReqH, ResH>(control: ReqResControl<'static, R>) -> Result<Self, QosError> {
        let qos = *control.qos();
        Ok(Self {
            control,
            request_pool: request_pool::<R>(&qos, &content_of::<Req, ReqH>())?,
            response_pool: response_pool::<R>(&qos, &content_of::<Res, ResH>())?,
        })
    }
}

impl<P: HostPlatform> Pattern<P> for ReqResShared<P::Rmw> {
    type Settings = ReqResQos;

    fn registry(&self) -> Registry<'static, P::Rmw> {
        self.control.registry()
    }

    fn reap_port(&self, service: &str, kind: PortKind, port: SlotId) {
        // Its pool goes; its peers notice the freed slot on their next look
        // (servers drop its requests; clients see its streams end as gone).
        let _ = remove_region::<P>(&pool_region_name(service, kind, port.index, port.generation));
        if kind == PortKind::Server {
            self.control.reset_server_row(port.index);
            // Released here already (the caller's release then finds it
            // free), so that the clients it wakes see the server gone.
            self.control.registry().release_port(kind, port);
            self.control.wake_clients::<P::Waiter>();
        }
    }
}

/// A request-response service as each process keeps it.
pub(crate) type ReqResInner<P> = ServiceInner<P, ReqResShared<<P as Platform>::Rmw>>;

/// An open request-response service.
pub struct ReqResService<P: HostPlatform, Req, Res, ReqH = (), ResH = ()> {
    pub(crate) inner: Arc<ReqResInner<P>>,
    _types: PhantomData<fn(&Req, &Res, &ReqH, &ResH)>,
}

impl<P: HostPlatform, Req, Res, ReqH, ResH> fmt::Debug for ReqResService<P, Req, Res, ReqH, ResH> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqResService")
            .field("name", &self.inner.name)
            .field("qos", self.inner.pattern.control.qos())
            .finish()
    }
}

impl<P: HostPlatform, Req: ZeroCopySend, Res: ZeroCopySend, ReqH: ZeroCopySend, ResH: ZeroCopySend>
    ReqResService<P, Req, Res, ReqH, ResH>
{
    /// The service's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The service's settings.
    pub fn qos(&self) -> &ReqResQos {
        self.inner.pattern.control.qos()
    }

    /// Starts building a client.
    pub fn client_builder(&self) -> ClientBuilder<P, Req, Res, ReqH, ResH> {
        ClientBuilder::new(self.inner.clone())
    }

    /// Starts building a server.
    pub fn server_builder(&self) -> ServerBuilder<P, Req, Res, ReqH, ResH> {
        ServerBuilder::new(self.inner.clone())
    }

    /// The service's nodes: id, process id, and whether each lives.
    pub fn nodes(&self) -> Vec<(u64, u32, NodeState)> {
        self.inner.nodes()
    }

    /// Reaps the nodes that died: frees their clients and servers (and
    /// their pools). Returns how many nodes were reaped.
    pub fn reap_dead_nodes(&self) -> usize {
        self.inner.reap_dead_nodes()
    }
}
