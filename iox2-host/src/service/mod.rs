//! Services, whatever their pattern: building one, creating or opening its
//! control region, the node's registration in it, reaping dead nodes, and
//! removing the service when its last node leaves. The patterns live in
//! `pubsub.rs` and `event.rs`.
//!
//! Create, open and remove run under the per-service lock (`lock.rs`), so
//! exactly one of several racing processes creates, the rest open, and a
//! remover never unlinks a newer segment. A segment that is not READY
//! while the lock is held was abandoned by a creator that died: it is
//! removed and created anew.

mod blackboard;
mod event;
mod pubsub;
mod reqres;

pub use blackboard::{BlackboardCreator, BlackboardOpener, BlackboardService};
pub use event::{EventBuilder, EventService};
pub(crate) use event::{EventInner, EventShared};
pub use pubsub::{PubSubBuilder, PubSubService};
pub(crate) use pubsub::{PubSubInner, PubSubShared, data_region_name};
pub use reqres::{ReqResBuilder, ReqResService};
pub(crate) use reqres::{ReqResInner, ReqResShared, pool_region_name};

use crate::error::ServiceError;
use crate::lock::{HostPlatform, ServiceLock};
use crate::node::{NodeInner, token_name};
use crate::payload::Payload;
use core::marker::PhantomData;
use iox2_core::payload::ZeroCopySend;
use iox2_core::segment::Segment;
use iox2_core::service::{
    Header, HeaderContent, PortKind, RegionNameBuffer, Registry, SegmentState, ServiceName, ServiceOpenError, Settings,
    SlotId, SlotState,
};
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
        PubSubBuilder::new(self.node, self.name)
    }

    /// An event service.
    pub fn event(self) -> EventBuilder<P> {
        EventBuilder::new(self.node, self.name)
    }

    /// Creates a blackboard whose keys are `K`s: add each key with its
    /// default value ([`BlackboardCreator::add`]), then create it.
    pub fn blackboard_creator<K>(self) -> BlackboardCreator<P, K>
    where
        K: ZeroCopySend + Copy + Eq + fmt::Debug + 'static,
    {
        BlackboardCreator::new(self.node, self.name)
    }

    /// Opens an existing blackboard whose keys are `K`s.
    pub fn blackboard_opener<K>(self) -> BlackboardOpener<P, K>
    where
        K: ZeroCopySend + Copy + Eq + fmt::Debug + 'static,
    {
        BlackboardOpener::new(self.node, self.name)
    }

    /// A request-response service: clients send requests of `Req`, servers
    /// answer each with a stream of `Res`.
    pub fn request_response<Req: ZeroCopySend, Res: ZeroCopySend>(self) -> ReqResBuilder<P, Req, Res> {
        ReqResBuilder::new(self.node, self.name)
    }
}

/// A setter of a builder whose settings live in `self.requested`.
macro_rules! setting {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.requested.$name = Some(value);
            self
        }
    };
}
pub(crate) use setting;

/// How a builder may come to the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Create,
    Open,
    OpenOrCreate,
}

/// Fails with [`ServiceError::Insufficient`] for the first setting whose
/// requested value (`Some`) exceeds the offered one.
pub(crate) fn check_at_least(settings: &[(&'static str, Option<u32>, u32)]) -> Result<(), ServiceError> {
    for &(setting, requested, offered) in settings {
        if let Some(requested) = requested.filter(|&requested| requested > offered) {
            return Err(ServiceError::Insufficient {
                setting,
                offered,
                requested,
            });
        }
    }
    Ok(())
}

/// What a pattern keeps of its service in each process, and what it must
/// do when a dead node's port is reaped.
pub(crate) trait Pattern<P: HostPlatform>: Sized {
    /// The settings the header stores.
    type Settings: Settings;

    /// The node and port slots.
    fn registry(&self) -> Registry<'static, P::Rmw>;

    /// Frees what port `port` of a dead node held besides its slot (which
    /// the caller releases after this).
    fn reap_port(&self, service: &str, kind: PortKind, port: SlotId);
}

/// How a pattern makes its view of a control segment: from an existing
/// one, or in a fresh one.
pub(crate) struct Attach<'b, P, S, O, C>
where
    P: HostPlatform,
    O: FnOnce(Segment<'static>) -> Result<S, ServiceError>,
    C: FnOnce(Segment<'static>) -> Result<S, ServiceOpenError>,
{
    pub(crate) node: &'b Arc<NodeInner<P>>,
    pub(crate) name: &'b str,
    pub(crate) mode: Mode,
    /// Checks an existing READY segment and makes the view.
    pub(crate) open: O,
    /// Bytes of a new segment.
    pub(crate) len: usize,
    /// Writes a new service into a fresh segment (READY last).
    pub(crate) create: C,
    pub(crate) _pattern: PhantomData<fn() -> S>,
}

impl<P, S, O, C> Attach<'_, P, S, O, C>
where
    P: HostPlatform,
    S: Pattern<P>,
    O: FnOnce(Segment<'static>) -> Result<S, ServiceError>,
    C: FnOnce(Segment<'static>) -> Result<S, ServiceOpenError>,
{
    /// Creates or opens the service under its lock, then registers the node.
    pub(crate) fn run(self) -> Result<ServiceInner<P, S>, ServiceError> {
        let name = ServiceName::new(self.name).map_err(ServiceError::Name)?;
        let _lock = ServiceLock::take::<P>(name.hash())?;
        let mut buffer = RegionNameBuffer::new();
        let control_name = name.region_name("ctl", &mut buffer).to_owned();
        let existing = match P::Region::open(&control_name, Access::ReadWrite) {
            Ok(region) if header_state(&region) == SegmentState::Ready => Some(region),
            // Abandoned by a creator that died (we hold the lock).
            Ok(_) | Err(RegionError::Incomplete) => {
                remove_region::<P>(&control_name)?;
                None
            }
            Err(RegionError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        let (region, pattern) = match (existing, self.mode) {
            (Some(_), Mode::Create) => return Err(ServiceError::AlreadyExists),
            (None, Mode::Open) => return Err(ServiceError::DoesNotExist),
            (Some(region), _) => {
                let pattern = (self.open)(segment_of(&region))?;
                (region, pattern)
            }
            (None, _) => {
                let region = P::Region::create(&control_name, self.len)?;
                match (self.create)(segment_of(&region)) {
                    Ok(pattern) => (region, pattern),
                    Err(e) => {
                        drop(region);
                        remove_region::<P>(&control_name)?;
                        return Err(ServiceError::Incompatible(e));
                    }
                }
            }
        };
        ServiceInner::attach(self.node.clone(), self.name.to_owned(), control_name, region, pattern)
    }
}

/// The whole mapping of a control region, for `'static`.
fn segment_of<R: Region>(region: &R) -> Segment<'static> {
    // SAFETY: the mapping is owned by `ServiceInner`, which outlives every
    // view made from this segment (ports hold an `Arc` of it).
    unsafe { Segment::new(region.as_ptr(), region.len()) }
}

/// The state of a control region's header, if it is long enough to have one.
fn header_state<R: Region>(region: &R) -> SegmentState {
    if region.len() < iox2_core::service::HEADER_LEN {
        return SegmentState::Empty;
    }
    // SAFETY: the mapping outlives this call; only atomics are read.
    Header::new(unsafe { Segment::new(region.as_ptr(), region.len()) }).state()
}

pub(crate) fn remove_region<P: Platform>(name: &str) -> Result<(), ServiceError> {
    match P::Region::remove(name) {
        Ok(()) | Err(RegionError::NotFound) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The header content this process expects of a service with `settings`
/// and no payload types (`()`), for patterns without payloads.
pub(crate) fn header_content<P: Platform, S: Settings>(
    name: ServiceName<'_>,
    settings: S,
    payload: iox2_core::payload::TypeDescriptor,
    user_header: iox2_core::payload::TypeDescriptor,
    len: usize,
) -> HeaderContent<'_, S> {
    HeaderContent {
        name,
        settings,
        payload,
        user_header,
        layout_hash: iox2_core::service::layout_hash::<P::Rmw, S>(&settings, &payload, &user_header, len),
        len,
    }
}

/// One process's attachment to a service.
pub(crate) struct ServiceInner<P: HostPlatform, S: Pattern<P>> {
    pub(crate) node: Arc<NodeInner<P>>,
    pub(crate) name: String,
    control_name: String,
    /// The pattern's views and settings.
    pub(crate) pattern: S,
    pub(crate) node_slot: SlotId,
    /// Dropped last: every view above points into it.
    _region: P::Region,
}

impl<P: HostPlatform, S: Pattern<P>> ServiceInner<P, S> {
    fn attach(
        node: Arc<NodeInner<P>>,
        name: String,
        control_name: String,
        region: P::Region,
        pattern: S,
    ) -> Result<Self, ServiceError> {
        let mut inner = Self {
            node,
            name,
            control_name,
            pattern,
            node_slot: SlotId {
                index: 0,
                generation: 0,
            },
            _region: region,
        };
        inner.reap_dead_nodes();
        inner.node_slot = inner
            .registry()
            .claim_node(inner.node.id, std::process::id())
            .ok_or(ServiceError::ExceedsMaxNodes)?;
        Ok(inner)
    }

    /// The node and port slots.
    pub(crate) fn registry(&self) -> Registry<'static, P::Rmw> {
        self.pattern.registry()
    }

    /// Reaps every node of the service whose liveness token is not held:
    /// frees its ports (with the pattern's clean-up) and its slot. Returns
    /// how many nodes were reaped.
    pub(crate) fn reap_dead_nodes(&self) -> usize {
        let registry = self.registry();
        let mut reaped = 0;
        for index in 0..registry.max_nodes() {
            let record = registry.node(index);
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
            for kind in registry.kinds() {
                for port in registry.ports_of(kind, index) {
                    self.pattern.reap_port(&self.name, kind, port);
                    registry.release_port(kind, port);
                }
            }
            if registry.release_node(SlotId { index, generation }) {
                reaped += 1;
            }
            let _ = P::Liveness::remove_stale(&token);
            let _ = crate::node_record::NodeRecord::remove::<P>(record.id);
        }
        reaped
    }

    /// The nodes registered in the service, with what their tokens say.
    pub(crate) fn nodes(&self) -> Vec<(u64, u32, NodeState)> {
        let registry = self.registry();
        (0..registry.max_nodes())
            .map(|index| registry.node(index))
            .filter(|record| matches!(record.state, SlotState::Active { .. }))
            .map(|record| {
                let state = P::Liveness::probe(&token_name(record.id)).unwrap_or(NodeState::Unknown);
                (record.id, record.pid, state)
            })
            .collect()
    }
}

impl<P: HostPlatform, S: Pattern<P>> Drop for ServiceInner<P, S> {
    fn drop(&mut self) {
        let Ok(name) = ServiceName::new(&self.name) else { return };
        let Ok(_lock) = ServiceLock::take::<P>(name.hash()) else {
            return;
        };
        let registry = self.registry();
        registry.release_node(self.node_slot);
        self.reap_dead_nodes();
        let header = Header::new(segment_of(&self._region));
        if registry.active_nodes() == 0 && header.mark_dead::<P::Rmw>() {
            let _ = remove_region::<P>(&self.control_name);
        }
    }
}
