//! Publish-subscribe services: the builder with its settings, what each
//! process keeps of the service, and the reaping of dead publishers and
//! subscribers.

use super::{Attach, Mode, Pattern, ServiceInner, check_at_least, header_content, remove_region, setting};
use crate::error::ServiceError;
use crate::lock::HostPlatform;
use crate::node::NodeInner;
use crate::payload::Payload;
use crate::publisher::PublisherBuilder;
use crate::subscriber::SubscriberBuilder;
use core::marker::PhantomData;
use iox2_core::payload::{TypeDescriptor, ZeroCopySend};
use iox2_core::pubsub::{ChunkContent, Control, DataLayout, PubSubQos, control_layout, data_layout};
use iox2_core::segment::Segment;
use iox2_core::service::{
    Header, HeaderContent, PortKind, QosError, RegionNameBuffer, Registry, ServiceName, ServiceOpenError, SlotId,
};
use iox2_platform::NodeState;
use std::fmt;
use std::sync::Arc;

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
    send_times: Option<bool>,
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

impl<P: HostPlatform, T: ?Sized> PubSubBuilder<P, T> {
    pub(crate) fn new(node: Arc<NodeInner<P>>, name: String) -> Self {
        Self {
            node,
            name,
            requested: Requested::default(),
            _payload: PhantomData,
        }
    }
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
    setting!(/// Whether chunks have room for a send time, which latency tools
        /// (`iox2 service hz`) ask publishers to stamp (default false: 8
        /// bytes less per chunk).
        send_times: bool);

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
        // The node's configuration holds the defaults (iceoryx2's unless a
        // config file says otherwise).
        let d = self.node.config.pubsub_qos();
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
            send_times: r.send_times.map_or(d.send_times, u32::from),
        }
    }

    /// Checks that `offered` satisfies what the opener asked for.
    fn check_offered(&self, offered: &PubSubQos) -> Result<(), ServiceError> {
        let r = self.requested;
        check_at_least(&[
            ("max_publishers", r.max_publishers, offered.max_publishers),
            ("max_subscribers", r.max_subscribers, offered.max_subscribers),
            ("max_nodes", r.max_nodes, offered.max_nodes),
            ("subscriber_buffer", r.subscriber_buffer, offered.subscriber_buffer),
            ("history", r.history, offered.history),
            ("max_loaned", r.max_loaned, offered.max_loaned),
            ("max_borrowed", r.max_borrowed, offered.max_borrowed),
            ("max_slice_len", r.max_slice_len, offered.max_slice_len),
        ])?;
        if let Some(requested) = r.safe_overflow.map(u32::from).filter(|&o| o != offered.safe_overflow) {
            return Err(ServiceError::Insufficient {
                setting: "safe_overflow",
                offered: offered.safe_overflow,
                requested,
            });
        }
        if let Some(requested) = r.send_times.map(u32::from).filter(|&s| s != offered.send_times) {
            return Err(ServiceError::Differs {
                setting: "send_times",
                offered: offered.send_times.into(),
                requested: requested.into(),
            });
        }
        Ok(())
    }

    fn build(self, mode: Mode) -> Result<PubSubService<P, T, H>, ServiceError> {
        let name = ServiceName::new(&self.name).map_err(ServiceError::Name)?;
        let qos = self.qos_to_create();
        let content = expected_content::<P, T, H>(name, qos)?;
        let inner = Attach {
            node: &self.node,
            name: &self.name,
            mode,
            open: |segment: Segment<'static>| {
                let offered = Header::new(segment)
                    .settings::<PubSubQos>()
                    .map_err(ServiceError::Incompatible)?;
                self.check_offered(&offered)?;
                let expected = expected_content::<P, T, H>(name, offered)?;
                let control = Control::open(segment, &expected).map_err(ServiceError::Incompatible)?;
                PubSubShared::new(control, content_of::<T, H>(&offered)).map_err(ServiceError::Qos)
            },
            len: content.len,
            create: |segment| {
                let control = Control::create(segment, &content)?;
                PubSubShared::new(control, content_of::<T, H>(&qos)).map_err(ServiceOpenError::CorruptedQos)
            },
            _pattern: PhantomData,
        }
        .run()?;
        Ok(PubSubService {
            inner: Arc::new(inner),
            _payload: PhantomData,
        })
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

/// The header this process expects of the service with settings `qos`.
fn expected_content<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend>(
    name: ServiceName<'_>,
    qos: PubSubQos,
) -> Result<HeaderContent<'_, PubSubQos>, ServiceError> {
    let layout = control_layout::<P::Rmw>(&qos).map_err(ServiceError::Qos)?;
    data_layout::<P::Rmw>(&qos, &content_of::<T, H>(&qos)).map_err(ServiceError::Qos)?;
    Ok(header_content::<P, _>(
        name,
        qos,
        T::descriptor(),
        TypeDescriptor::of::<H>(),
        layout.len,
    ))
}

/// The region name of the data segment of publisher slot `slot`, generation `generation`.
pub(crate) fn data_region_name(service: &str, slot: u32, generation: u32) -> String {
    let name = ServiceName::new(service).expect("checked when the service was built");
    let mut buffer = RegionNameBuffer::new();
    name.region_name(&format!("p{slot}.{generation}"), &mut buffer)
        .to_owned()
}

/// What each process keeps of a publish-subscribe service.
pub(crate) struct PubSubShared<R> {
    pub(crate) control: Control<'static, R>,
    pub(crate) qos: PubSubQos,
    pub(crate) data_layout: DataLayout,
}

impl<R: iox2_platform::Rmw> PubSubShared<R> {
    fn new(control: Control<'static, R>, content: ChunkContent) -> Result<Self, QosError> {
        let qos = *control.qos();
        let data_layout = data_layout::<R>(&qos, &content)?;
        Ok(Self {
            control,
            qos,
            data_layout,
        })
    }
}

impl<P: HostPlatform> Pattern<P> for PubSubShared<P::Rmw> {
    type Settings = PubSubQos;

    fn registry(&self) -> Registry<'static, P::Rmw> {
        self.control.registry()
    }

    fn reap_port(&self, service: &str, kind: PortKind, port: SlotId) {
        if kind == PortKind::Publisher {
            // Its `pub_ready` row stays: subscribers that mapped its pool
            // drain what is queued for them; a successor never mistakes the
            // row for its own (it names the dead publisher's generation).
            let _ = remove_region::<P>(&data_region_name(service, port.index, port.generation));
        } else {
            // Likewise the dead subscriber's row: not ready for the next holder.
            self.control.reset_subscriber_row(port.index);
        }
    }
}

/// A publish-subscribe service as each process keeps it.
pub(crate) type PubSubInner<P> = ServiceInner<P, PubSubShared<<P as iox2_platform::Platform>::Rmw>>;

/// An open publish-subscribe service with payload type `T`.
pub struct PubSubService<P: HostPlatform, T: ?Sized, H = ()> {
    pub(crate) inner: Arc<PubSubInner<P>>,
    _payload: PhantomData<fn(&T, &H)>,
}

impl<P: HostPlatform, T: ?Sized, H> fmt::Debug for PubSubService<P, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PubSubService")
            .field("name", &self.inner.name)
            .field("qos", &self.inner.pattern.qos)
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
        &self.inner.pattern.qos
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
