//! Services: building, creating and opening a publish-subscribe service,
//! the node's registration in it, reaping dead nodes, and removing the
//! service when its last node leaves.
//!
//! Create, open and remove run under the per-service lock (`lock.rs`), so
//! exactly one of several racing processes creates, the rest open, and a
//! remover never unlinks a newer segment. A segment that is not READY
//! while the lock is held was abandoned by a creator that died: it is
//! removed and created anew.

use crate::error::ServiceError;
use crate::lock::{HostPlatform, ServiceLock};
use crate::node::{NodeInner, token_name};
use crate::payload::Payload;
use crate::publisher::PublisherBuilder;
use crate::subscriber::SubscriberBuilder;
use core::marker::PhantomData;
use iox2_core::payload::{TypeDescriptor, ZeroCopySend};
use iox2_core::pubsub::{
    ChunkContent, Control, DataLayout, Header, HeaderContent, PortKind, PubSubQos, SegmentState, SlotId, SlotState,
    control_layout, data_layout, layout_hash,
};
use iox2_core::segment::Segment;
use iox2_core::service::{RegionNameBuffer, ServiceName};
use iox2_platform::error::RegionError;
use iox2_platform::{Access, Liveness, NodeState, Platform, Region};
use std::fmt;
use std::sync::Arc;

/// Starts building a service; pick its pattern.
pub struct ServiceBuilder<P: HostPlatform> {
    node: Arc<NodeInner<P>>,
    name: String,
}

impl<P: HostPlatform> fmt::Debug for ServiceBuilder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceBuilder").field("name", &self.name).finish()
    }
}

impl<P: HostPlatform> ServiceBuilder<P> {
    pub(crate) fn new(node: Arc<NodeInner<P>>, name: String) -> Self {
        Self { node, name }
    }

    /// A publish-subscribe service with payload type `T`: a
    /// `ZeroCopySend` value, or a slice `[E]` of them (see
    /// [`PubSubBuilder::max_slice_len`]).
    pub fn publish_subscribe<T: ?Sized + Payload>(self) -> PubSubBuilder<P, T> {
        PubSubBuilder {
            node: self.node,
            name: self.name,
            requested: Requested::default(),
            _payload: PhantomData,
        }
    }
}

/// The settings an opener asked for explicitly.
#[derive(Debug, Default, Clone, Copy)]
struct Requested {
    max_publishers: Option<u32>,
    max_subscribers: Option<u32>,
    max_nodes: Option<u32>,
    subscriber_buffer: Option<u32>,
    history: Option<u32>,
    max_loaned: Option<u32>,
    max_borrowed: Option<u32>,
    safe_overflow: Option<bool>,
    max_slice_len: Option<u32>,
}

/// Builds a publish-subscribe service: settings, then create or open.
///
/// Settings left unset take iceoryx2's defaults on create; on open, a set
/// value must be offered by the existing service (at least as large;
/// `safe_overflow` equal).
pub struct PubSubBuilder<P: HostPlatform, T: ?Sized, H = ()> {
    node: Arc<NodeInner<P>>,
    name: String,
    requested: Requested,
    _payload: PhantomData<fn(&T, &H)>,
}

impl<P: HostPlatform, T: ?Sized, H> fmt::Debug for PubSubBuilder<P, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PubSubBuilder")
            .field("name", &self.name)
            .field("requested", &self.requested)
            .finish()
    }
}

macro_rules! setting {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.requested.$name = Some(value);
            self
        }
    };
}

/// How a builder may come to the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Create,
    Open,
    OpenOrCreate,
}

impl<P: HostPlatform, E: ZeroCopySend, H: ZeroCopySend> PubSubBuilder<P, [E], H> {
    setting!(/// For a slice payload, the most elements per sample (default 1).
        max_slice_len: u32);
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> PubSubBuilder<P, T, H> {
    setting!(/// Most publishers at once (default 2).
        max_publishers: u32);
    setting!(/// Most subscribers at once (default 8).
        max_subscribers: u32);
    setting!(/// Most nodes attached at once (default 20).
        max_nodes: u32);
    setting!(/// Samples a subscriber's buffer holds (default 2).
        subscriber_buffer: u32);
    setting!(/// Samples kept for late joiners (default 0).
        history: u32);
    setting!(/// Samples a publisher may have loaned at once (default 2).
        max_loaned: u32);
    setting!(/// Samples a subscriber may hold at once (default 2).
        max_borrowed: u32);
    setting!(/// Whether a full buffer drops its oldest sample (default true).
        safe_overflow: bool);

    /// Gives every sample a user header of type `U` beside its payload
    /// (default: none, `()`); part of the service's type.
    pub fn user_header<U: ZeroCopySend>(self) -> PubSubBuilder<P, T, U> {
        PubSubBuilder {
            node: self.node,
            name: self.name,
            requested: self.requested,
            _payload: PhantomData,
        }
    }

    /// Creates the service; fails if it exists.
    pub fn create(self) -> Result<PubSubService<P, T, H>, ServiceError> {
        self.build(Mode::Create)
    }

    /// Opens the existing service; fails if there is none.
    pub fn open(self) -> Result<PubSubService<P, T, H>, ServiceError> {
        self.build(Mode::Open)
    }

    /// Opens the service, or creates it if there is none.
    pub fn open_or_create(self) -> Result<PubSubService<P, T, H>, ServiceError> {
        self.build(Mode::OpenOrCreate)
    }

    fn qos_to_create(&self) -> PubSubQos {
        let d = PubSubQos::DEFAULT;
        let r = self.requested;
        PubSubQos {
            max_publishers: r.max_publishers.unwrap_or(d.max_publishers),
            max_subscribers: r.max_subscribers.unwrap_or(d.max_subscribers),
            max_nodes: r.max_nodes.unwrap_or(d.max_nodes),
            subscriber_buffer: r.subscriber_buffer.unwrap_or(d.subscriber_buffer),
            history: r.history.unwrap_or(d.history),
            max_loaned: r.max_loaned.unwrap_or(d.max_loaned),
            max_borrowed: r.max_borrowed.unwrap_or(d.max_borrowed),
            safe_overflow: r.safe_overflow.map_or(d.safe_overflow, u32::from),
            max_slice_len: r.max_slice_len.unwrap_or(1),
        }
    }

    /// Checks that `offered` satisfies what the opener asked for.
    fn check_offered(&self, offered: &PubSubQos) -> Result<(), ServiceError> {
        let r = self.requested;
        let at_least = [
            ("max_publishers", r.max_publishers, offered.max_publishers),
            ("max_subscribers", r.max_subscribers, offered.max_subscribers),
            ("max_nodes", r.max_nodes, offered.max_nodes),
            ("subscriber_buffer", r.subscriber_buffer, offered.subscriber_buffer),
            ("history", r.history, offered.history),
            ("max_loaned", r.max_loaned, offered.max_loaned),
            ("max_borrowed", r.max_borrowed, offered.max_borrowed),
            ("max_slice_len", r.max_slice_len, offered.max_slice_len),
        ];
        for (setting, requested, offered) in at_least {
            if let Some(requested) = requested.filter(|&requested| requested > offered) {
                return Err(ServiceError::Insufficient {
                    setting,
                    offered,
                    requested,
                });
            }
        }
        if let Some(requested) = r.safe_overflow.map(u32::from).filter(|&o| o != offered.safe_overflow) {
            return Err(ServiceError::Insufficient {
                setting: "safe_overflow",
                offered: offered.safe_overflow,
                requested,
            });
        }
        Ok(())
    }

    fn build(self, mode: Mode) -> Result<PubSubService<P, T, H>, ServiceError> {
        let name = ServiceName::new(&self.name).map_err(ServiceError::Name)?;
        let _lock = ServiceLock::take::<P>(name.hash())?;
        let mut buffer = RegionNameBuffer::new();
        let control_name = name.region_name("ctl", &mut buffer).to_owned();
        let existing = match P::Region::open(&control_name, Access::ReadWrite) {
            Ok(region) => {
                if header_state(&region) == SegmentState::Ready {
                    Some(region)
                } else {
                    // Abandoned by a creator that died (we hold the lock).
                    drop(region);
                    remove_region::<P>(&control_name)?;
                    None
                }
            }
            Err(RegionError::NotFound) => None,
            Err(RegionError::Incomplete) => {
                remove_region::<P>(&control_name)?;
                None
            }
            Err(e) => return Err(e.into()),
        };
        let Opened { region, control, qos } = match (existing, mode) {
            (Some(_), Mode::Create) => return Err(ServiceError::AlreadyExists),
            (None, Mode::Open) => return Err(ServiceError::DoesNotExist),
            (Some(region), _) => self.open_existing(region)?,
            (None, _) => self.create_new(&control_name)?,
        };
        let content = content_of::<T, H>(&qos);
        let inner = ServiceInner::attach(
            self.node.clone(),
            self.name.clone(),
            control_name,
            region,
            control,
            qos,
            content,
        )?;
        Ok(PubSubService {
            inner: Arc::new(inner),
            _payload: PhantomData,
        })
    }

    fn open_existing(&self, region: P::Region) -> Result<Opened<P>, ServiceError> {
        // SAFETY: the mapping is owned by `ServiceInner`, which outlives
        // every view made from this segment (ports hold an `Arc` of it).
        let segment: Segment<'static> = unsafe { Segment::new(region.as_ptr(), region.len()) };
        let qos = Header::new(segment).qos().map_err(ServiceError::Incompatible)?;
        self.check_offered(&qos)?;
        let content = header_content::<P, T, H>(ServiceName::new(&self.name).map_err(ServiceError::Name)?, qos)?;
        let control = Control::<P::Rmw>::open(segment, &content).map_err(ServiceError::Incompatible)?;
        Ok(Opened { region, control, qos })
    }

    fn create_new(&self, control_name: &str) -> Result<Opened<P>, ServiceError> {
        let qos = self.qos_to_create();
        let content = header_content::<P, T, H>(ServiceName::new(&self.name).map_err(ServiceError::Name)?, qos)?;
        let region = P::Region::create(control_name, content.len)?;
        // SAFETY: as in `open_existing`.
        let segment: Segment<'static> = unsafe { Segment::new(region.as_ptr(), region.len()) };
        let control = match Control::<P::Rmw>::create(segment, &content) {
            Ok(control) => control,
            Err(e) => {
                drop(region);
                remove_region::<P>(control_name)?;
                return Err(ServiceError::Incompatible(e));
            }
        };
        Ok(Opened { region, control, qos })
    }
}

/// A service's control region, its view and its settings, as create or
/// open left them.
struct Opened<P: Platform> {
    region: P::Region,
    control: Control<'static, P::Rmw>,
    qos: PubSubQos,
}

/// The state of a control region's header, if it is long enough to have one.
fn header_state<R: Region>(region: &R) -> SegmentState {
    if region.len() < 64 {
        return SegmentState::Empty;
    }
    // SAFETY: the mapping outlives this call; only atomics are read.
    Header::new(unsafe { Segment::new(region.as_ptr(), region.len()) }).state()
}

fn remove_region<P: Platform>(name: &str) -> Result<(), ServiceError> {
    match P::Region::remove(name) {
        Ok(()) | Err(RegionError::NotFound) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// What a chunk holds: the payload (`max_slice_len` elements for a slice)
/// and the user header.
fn content_of<T: ?Sized + Payload, H: ZeroCopySend>(qos: &PubSubQos) -> ChunkContent {
    let elements = if T::IS_SLICE { qos.max_slice_len as usize } else { 1 };
    ChunkContent {
        payload_size: T::ELEMENT_SIZE.saturating_mul(elements),
        payload_align: T::ALIGN,
        header_size: core::mem::size_of::<H>(),
        header_align: core::mem::align_of::<H>(),
    }
}

fn header_content<P: Platform, T: ?Sized + Payload, H: ZeroCopySend>(
    name: ServiceName<'_>,
    qos: PubSubQos,
) -> Result<HeaderContent<'_>, ServiceError> {
    let layout = control_layout::<P::Rmw>(&qos).map_err(ServiceError::Qos)?;
    data_layout::<P::Rmw>(&qos, &content_of::<T, H>(&qos)).map_err(ServiceError::Qos)?;
    let payload = T::descriptor();
    let user_header = TypeDescriptor::of::<H>();
    Ok(HeaderContent {
        name,
        qos,
        payload,
        user_header,
        layout_hash: layout_hash::<P::Rmw>(&qos, &payload, &user_header, layout.len),
        len: layout.len,
    })
}

/// The region name of the data segment of publisher slot `slot`, generation `generation`.
pub(crate) fn data_region_name(service: &str, slot: u32, generation: u32) -> String {
    let name = ServiceName::new(service).expect("checked when the service was built");
    let mut buffer = RegionNameBuffer::new();
    name.region_name(&format!("p{slot}.{generation}"), &mut buffer)
        .to_owned()
}

/// One process's attachment to a service.
pub(crate) struct ServiceInner<P: HostPlatform> {
    pub(crate) node: Arc<NodeInner<P>>,
    pub(crate) name: String,
    control_name: String,
    pub(crate) control: Control<'static, P::Rmw>,
    pub(crate) node_slot: SlotId,
    pub(crate) qos: PubSubQos,
    pub(crate) data_layout: DataLayout,
    /// Dropped last: every view above points into it.
    _region: P::Region,
}

impl<P: HostPlatform> ServiceInner<P> {
    fn attach(
        node: Arc<NodeInner<P>>,
        name: String,
        control_name: String,
        region: P::Region,
        control: Control<'static, P::Rmw>,
        qos: PubSubQos,
        content: ChunkContent,
    ) -> Result<Self, ServiceError> {
        let data_layout = data_layout::<P::Rmw>(&qos, &content).map_err(ServiceError::Qos)?;
        let mut inner = Self {
            node,
            name,
            control_name,
            control,
            node_slot: SlotId {
                index: 0,
                generation: 0,
            },
            qos,
            data_layout,
            _region: region,
        };
        inner.reap_dead_nodes();
        inner.node_slot = control
            .claim_node(inner.node.id, std::process::id())
            .ok_or(ServiceError::ExceedsMaxNodes)?;
        Ok(inner)
    }

    /// Reaps every node of the service whose liveness token is not held:
    /// frees its ports (removing a dead publisher's data region) and its
    /// slot. Returns how many nodes were reaped.
    pub(crate) fn reap_dead_nodes(&self) -> usize {
        let mut reaped = 0;
        for index in 0..self.qos.max_nodes {
            let record = self.control.node(index);
            let SlotState::Active { generation, .. } = record.state else {
                continue;
            };
            if record.id == self.node.id || record.id == 0 {
                continue;
            }
            let token = token_name(record.id);
            if matches!(P::Liveness::probe(&token), Ok(NodeState::Alive) | Err(_)) {
                continue;
            }
            for kind in [PortKind::Publisher, PortKind::Subscriber] {
                for slot in 0..self.control.ports(kind) {
                    if let SlotState::Active { generation, node } = self.control.port(kind, slot)
                        && node == index
                    {
                        self.reap_port(
                            kind,
                            SlotId {
                                index: slot,
                                generation,
                            },
                        );
                    }
                }
            }
            if self.control.release_node(SlotId { index, generation }) {
                reaped += 1;
            }
            let _ = P::Liveness::remove_stale(&token);
        }
        reaped
    }

    fn reap_port(&self, kind: PortKind, port: SlotId) {
        if kind == PortKind::Publisher {
            // Its `pub_ready` row stays: subscribers that mapped its pool
            // drain what is queued for them; a successor never mistakes the
            // row for its own (it names the dead publisher's generation).
            let _ = remove_region::<P>(&data_region_name(&self.name, port.index, port.generation));
        } else {
            // Likewise the dead subscriber's row: not ready for the next holder.
            self.control.reset_subscriber_row(port.index);
        }
        self.control.release_port(kind, port);
    }

    /// The nodes registered in the service, with what their tokens say.
    pub(crate) fn nodes(&self) -> Vec<(u64, u32, NodeState)> {
        (0..self.qos.max_nodes)
            .map(|index| self.control.node(index))
            .filter(|record| matches!(record.state, SlotState::Active { .. }))
            .map(|record| {
                let state = P::Liveness::probe(&token_name(record.id)).unwrap_or(NodeState::Unknown);
                (record.id, record.pid, state)
            })
            .collect()
    }
}

impl<P: HostPlatform> Drop for ServiceInner<P> {
    fn drop(&mut self) {
        let Ok(name) = ServiceName::new(&self.name) else { return };
        let Ok(_lock) = ServiceLock::take::<P>(name.hash()) else {
            return;
        };
        self.control.release_node(self.node_slot);
        self.reap_dead_nodes();
        if self.control.active_nodes() == 0 && self.control.header().mark_dead::<P::Rmw>() {
            let _ = remove_region::<P>(&self.control_name);
        }
    }
}

/// An open publish-subscribe service with payload type `T`.
pub struct PubSubService<P: HostPlatform, T: ?Sized, H = ()> {
    pub(crate) inner: Arc<ServiceInner<P>>,
    _payload: PhantomData<fn(&T, &H)>,
}

impl<P: HostPlatform, T: ?Sized, H> fmt::Debug for PubSubService<P, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PubSubService")
            .field("name", &self.inner.name)
            .field("qos", &self.inner.qos)
            .finish()
    }
}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> PubSubService<P, T, H> {
    /// The service's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The service's settings.
    pub fn qos(&self) -> &PubSubQos {
        &self.inner.qos
    }

    /// Starts building a publisher.
    pub fn publisher_builder(&self) -> PublisherBuilder<P, T, H> {
        PublisherBuilder::new(self.inner.clone())
    }

    /// Starts building a subscriber.
    pub fn subscriber_builder(&self) -> SubscriberBuilder<P, T, H> {
        SubscriberBuilder::new(self.inner.clone())
    }

    /// The service's nodes: id, process id, and whether each lives.
    pub fn nodes(&self) -> Vec<(u64, u32, NodeState)> {
        self.inner.nodes()
    }

    /// Reaps the nodes that died: frees their ports and takes back every
    /// chunk a dead subscriber held (on its publishers' next update).
    /// Returns how many nodes were reaped.
    pub fn reap_dead_nodes(&self) -> usize {
        self.inner.reap_dead_nodes()
    }
}
