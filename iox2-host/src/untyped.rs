//! Opening an existing service by what its header says, without knowing
//! its types at compile time: for tools that subscribe to any
//! publish-subscribe service as bytes (`raw.rs`) or reap the dead nodes of
//! every service (`cleanup.rs`).
//!
//! Each pattern's view is made from the header's own settings and type
//! descriptors, then opened through the pattern's usual `open`, which
//! checks the whole header against them (state, magic, version, name,
//! settings, segment length, layout hash). What a typed opener adds — that
//! the types are the ones it compiled with — does not apply: an untyped
//! opener reads payloads as bytes and touches only control words. The
//! descriptors were written by another process (INV-DISTRUST): their sizes
//! and alignments go through the same layout checks as a typed opener's.
//!
//! Attaching registers the caller's node like any opener (one node slot);
//! like any opener it reaps the service's dead nodes first, and when it
//! leaves as the last node, the service is removed.

use crate::error::ServiceError;
use crate::lock::HostPlatform;
use crate::node::NodeInner;
use crate::service::{Attach, EventShared, Mode, Pattern, PubSubShared, ReqResShared, ServiceInner, header_content};
use core::marker::PhantomData;
use iox2_core::blackboard::{BlackboardQos, blackboard_layout};
use iox2_core::event::{EventControl, EventQos, event_layout};
use iox2_core::payload::{TypeDescriptor, TypeKind};
use iox2_core::pool::{ChunkContent, DataLayout};
use iox2_core::pubsub::{Control, PubSubQos, control_layout, data_layout};
use iox2_core::reqres::{ReqResControl, ReqResQos, reqres_layout, request_pool, response_pool};
use iox2_core::segment::Segment;
use iox2_core::service::{
    Header, PortKind, QosError, Registry, SegmentState, ServiceName, ServiceOpenError, Settings, SlotId,
};
use std::sync::Arc;

/// Byte offset of the layout hash in a control header (word 2, see
/// `iox2_core::service::header`).
const LAYOUT_HASH_OFFSET: usize = 2 * 4;

/// Attaches `node` to the existing service `name`, making the pattern's
/// view with `open` (one of the functions below).
pub(crate) fn attach<P, S, O>(node: &Arc<NodeInner<P>>, name: &str, open: O) -> Result<ServiceInner<P, S>, ServiceError>
where
    P: HostPlatform,
    S: Pattern<P>,
    O: FnOnce(Segment<'static>, ServiceName<'_>) -> Result<S, ServiceError>,
{
    let service = ServiceName::new(name).map_err(ServiceError::Name)?;
    Attach {
        node,
        name,
        mode: Mode::Open,
        open: |segment| open(segment, service),
        len: 0,
        // Open mode never creates: a missing service is `DoesNotExist`.
        create: |_segment| Err(ServiceOpenError::NotReady(SegmentState::Empty)),
        _pattern: PhantomData,
    }
    .run()
}

/// The settings of pattern `S` a READY header stores.
fn settings<S: Settings>(header: &Header<'_>) -> Result<S, ServiceError> {
    header.settings::<S>().map_err(ServiceError::Incompatible)
}

/// The payload and user header descriptors a header stores.
fn descriptors(header: &Header<'_>) -> Result<(TypeDescriptor, TypeDescriptor), ServiceError> {
    let payload = header.payload().map_err(ServiceError::Incompatible)?;
    let user_header = header.user_header().map_err(ServiceError::Incompatible)?;
    Ok((payload, user_header))
}

/// What a chunk of a service with these descriptors holds; a slice payload
/// takes `max_slice_len` elements. Sizes beyond 4 GiB are refused.
pub(crate) fn chunk_content(
    payload: &TypeDescriptor,
    user_header: &TypeDescriptor,
    max_slice_len: u32,
) -> Result<ChunkContent, QosError> {
    let payload_size = match payload.kind() {
        Some(TypeKind::Slice) => u64::from(payload.element_size()) * u64::from(max_slice_len),
        _ => u64::from(payload.size()),
    };
    let too_large = QosError::TooLarge("the payload");
    Ok(ChunkContent {
        payload_size: usize::try_from(u32::try_from(payload_size).map_err(|_| too_large)?).map_err(|_| too_large)?,
        payload_align: payload.align() as usize,
        header_size: user_header.size() as usize,
        header_align: user_header.align() as usize,
    })
}

/// A publish-subscribe service's view, from its header's descriptors.
pub(crate) fn pubsub<P: HostPlatform>(
    segment: Segment<'static>,
    name: ServiceName<'_>,
) -> Result<PubSubShared<P::Rmw>, ServiceError> {
    let header = Header::new(segment);
    let qos = settings::<PubSubQos>(&header)?;
    let (payload, user_header) = descriptors(&header)?;
    let layout = control_layout::<P::Rmw>(&qos).map_err(ServiceError::Qos)?;
    let expected = header_content::<P, _>(name, qos, payload, user_header, layout.len);
    let control = Control::open(segment, &expected).map_err(ServiceError::Incompatible)?;
    let content = chunk_content(&payload, &user_header, qos.max_slice_len).map_err(ServiceError::Qos)?;
    Ok(PubSubShared {
        control,
        qos,
        data_layout: data_layout::<P::Rmw>(&qos, &content).map_err(ServiceError::Qos)?,
    })
}

/// An event service's view (events have no payload types).
pub(crate) fn event<P: HostPlatform>(
    segment: Segment<'static>,
    name: ServiceName<'_>,
) -> Result<EventShared<P::Rmw>, ServiceError> {
    let qos = settings::<EventQos>(&Header::new(segment))?;
    let layout = event_layout(&qos).map_err(ServiceError::Qos)?;
    let unit = TypeDescriptor::of::<()>();
    let expected = header_content::<P, _>(name, qos, unit, unit, layout.len);
    let control = EventControl::open(segment, &expected).map_err(ServiceError::Incompatible)?;
    Ok(EventShared { control })
}

/// A request-response service's view, from its header's request and
/// response descriptors.
///
/// The request and response user header types are not stored, only folded
/// into the layout hash, so the stored hash is taken as the expected one;
/// the pool layouts assume no user headers. Neither matters to the only
/// use, reaping, which touches control words and removes pools by name.
pub(crate) fn reqres<P: HostPlatform>(
    segment: Segment<'static>,
    name: ServiceName<'_>,
) -> Result<ReqResShared<P::Rmw>, ServiceError> {
    let header = Header::new(segment);
    let qos = settings::<ReqResQos>(&header)?;
    let (request, response) = descriptors(&header)?;
    let layout = reqres_layout::<P::Rmw>(&qos).map_err(ServiceError::Qos)?;
    let mut expected = header_content::<P, _>(name, qos, request, response, layout.len);
    expected.layout_hash = segment
        .word(LAYOUT_HASH_OFFSET)
        .load(core::sync::atomic::Ordering::Relaxed);
    let control = ReqResControl::open(segment, &expected).map_err(ServiceError::Incompatible)?;
    let unit = TypeDescriptor::of::<()>();
    let pool = |descriptor: &TypeDescriptor, layout: fn(&ReqResQos, &ChunkContent) -> Result<DataLayout, QosError>| {
        chunk_content(descriptor, &unit, 1).and_then(|content| layout(&qos, &content))
    };
    Ok(ReqResShared {
        control,
        request_pool: pool(&request, request_pool::<P::Rmw>).map_err(ServiceError::Qos)?,
        response_pool: pool(&response, response_pool::<P::Rmw>).map_err(ServiceError::Qos)?,
    })
}

/// A blackboard's registry: all a reaper needs of it, since a dead
/// writer's or reader's port holds nothing besides its slot (see
/// `blackboard/mod.rs`).
pub(crate) struct BlackboardRegistry<R> {
    registry: Registry<'static, R>,
}

impl<P: HostPlatform> Pattern<P> for BlackboardRegistry<P::Rmw> {
    type Settings = BlackboardQos;

    fn registry(&self) -> Registry<'static, P::Rmw> {
        self.registry
    }

    fn reap_port(&self, _service: &str, _kind: PortKind, _port: SlotId) {}
}

/// A blackboard's view, from its header's key descriptor.
pub(crate) fn blackboard<P: HostPlatform>(
    segment: Segment<'static>,
    name: ServiceName<'_>,
) -> Result<BlackboardRegistry<P::Rmw>, ServiceError> {
    let header = Header::new(segment);
    let qos = settings::<BlackboardQos>(&header)?;
    let (key, unit) = descriptors(&header)?;
    let layout = blackboard_layout(&qos, key.size()).map_err(ServiceError::Qos)?;
    let expected = header_content::<P, _>(name, qos, key, unit, layout.len);
    header.check(&expected).map_err(ServiceError::Incompatible)?;
    Ok(BlackboardRegistry {
        registry: Registry::new(segment, layout.registry),
    })
}

/// Attaches `node` to the service `name` of pattern `pattern`, which reaps
/// the service's dead nodes (with the pattern's clean-up), reaps again, and
/// leaves — removing the service if no live node is left in it.
pub(crate) fn reap<P: HostPlatform>(
    node: &Arc<NodeInner<P>>,
    name: &str,
    pattern: iox2_core::service::Pattern,
) -> Result<(), ServiceError> {
    use iox2_core::service::Pattern as Kind;
    fn reap_and_leave<P: HostPlatform, S: Pattern<P>>(inner: ServiceInner<P, S>) {
        inner.reap_dead_nodes();
    }
    match pattern {
        Kind::PublishSubscribe => reap_and_leave(attach(node, name, pubsub::<P>)?),
        Kind::Event => reap_and_leave(attach(node, name, event::<P>)?),
        Kind::RequestResponse => reap_and_leave(attach(node, name, reqres::<P>)?),
        Kind::Blackboard => reap_and_leave(attach(node, name, blackboard::<P>)?),
    }
    Ok(())
}
