//! Event services: the builder with its settings (iceoryx2's defaults),
//! what each process keeps of the service, and firing the "notifier dead"
//! id when a dead node's notifier is reaped.

use super::{Attach, Mode, Pattern, ServiceInner, check_at_least, header_content, setting};
use crate::error::ServiceError;
use crate::listener::ListenerBuilder;
use crate::lock::HostPlatform;
use crate::node::NodeInner;
use crate::notifier::NotifierBuilder;
use core::marker::PhantomData;
use core::time::Duration;
use iox2_core::event::{EventControl, EventId, EventQos, event_layout};
use iox2_core::payload::TypeDescriptor;
use iox2_core::segment::Segment;
use iox2_core::service::{Header, HeaderContent, PortKind, QosError, Registry, ServiceName, SlotId};
use iox2_platform::{Clock, NodeState, Platform};
use std::fmt;
use std::sync::Arc;

/// The settings an opener asked for explicitly.
#[derive(Debug, Default, Clone, Copy)]
struct Requested {
    max_listeners: Option<u32>,
    max_notifiers: Option<u32>,
    max_nodes: Option<u32>,
    event_id_max: Option<u32>,
    deadline: Option<Duration>,
    notifier_created_event: Option<EventId>,
    notifier_dropped_event: Option<EventId>,
    notifier_dead_event: Option<EventId>,
}

/// Builds an event service: settings, then create or open.
///
/// Settings left unset take iceoryx2's defaults on create (16 listeners,
/// 16 notifiers, 36 nodes, ids up to 255, no deadline, no created, dropped
/// or dead ids). On open, a set count must be offered by the existing
/// service (at least as large); a set deadline or id must be the same.
pub struct EventBuilder<P: HostPlatform> {
    node: Arc<NodeInner<P>>,
    name: String,
    requested: Requested,
}

impl<P: HostPlatform> fmt::Debug for EventBuilder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventBuilder")
            .field("name", &self.name)
            .field("requested", &self.requested)
            .finish()
    }
}

impl<P: HostPlatform> EventBuilder<P> {
    pub(crate) fn new(node: Arc<NodeInner<P>>, name: String) -> Self {
        Self {
            node,
            name,
            requested: Requested::default(),
        }
    }

    setting!(/// Most listeners at once (default 16).
        max_listeners: u32);
    setting!(/// Most notifiers at once (default 16).
        max_notifiers: u32);
    setting!(/// Most nodes attached at once (default 36).
        max_nodes: u32);
    setting!(/// The largest event id (default 255).
        event_id_max: u32);
    setting!(/// The longest allowed time between two notifications (default:
        /// none). A notifier that notifies later learns it from
        /// [`crate::NotifyError::MissedDeadline`]; a WaitSet wakes with a
        /// missed deadline (see [`crate::WaitSet::attach_deadline`]).
        deadline: Duration);
    setting!(/// The id fired to every listener when a notifier is created.
        notifier_created_event: EventId);
    setting!(/// The id fired to every listener when a notifier is dropped.
        notifier_dropped_event: EventId);
    setting!(/// The id fired to every listener when a notifier's node is found
        /// dead (by whoever reaps it).
        notifier_dead_event: EventId);

    /// Creates the service; fails if it exists.
    pub fn create(self) -> Result<EventService<P>, ServiceError> {
        self.build(Mode::Create)
    }

    /// Opens the existing service; fails if there is none.
    pub fn open(self) -> Result<EventService<P>, ServiceError> {
        self.build(Mode::Open)
    }

    /// Opens the service, or creates it if there is none.
    pub fn open_or_create(self) -> Result<EventService<P>, ServiceError> {
        self.build(Mode::OpenOrCreate)
    }

    fn qos_to_create(&self) -> Result<EventQos, ServiceError> {
        // The node's configuration holds the defaults.
        let d = self.node.config.event_qos();
        let r = self.requested;
        let deadline_ns = match r.deadline {
            None => d.deadline_ns,
            Some(Duration::ZERO) => return Err(ServiceError::Qos(QosError::Zero("deadline"))),
            Some(deadline) => {
                u64::try_from(deadline.as_nanos()).map_err(|_| ServiceError::Qos(QosError::TooLarge("deadline")))?
            }
        };
        let id = |id: Option<EventId>, default: u32| id.map_or(default, EventId::as_value);
        let qos = EventQos {
            max_listeners: r.max_listeners.unwrap_or(d.max_listeners),
            max_notifiers: r.max_notifiers.unwrap_or(d.max_notifiers),
            max_nodes: r.max_nodes.unwrap_or(d.max_nodes),
            event_id_max: r.event_id_max.unwrap_or(d.event_id_max),
            deadline_ns,
            notifier_created_event: id(r.notifier_created_event, d.notifier_created_event),
            notifier_dropped_event: id(r.notifier_dropped_event, d.notifier_dropped_event),
            notifier_dead_event: id(r.notifier_dead_event, d.notifier_dead_event),
        };
        qos.check().map_err(ServiceError::Qos)?;
        Ok(qos)
    }

    /// Checks that `offered` satisfies what the opener asked for.
    fn check_offered(&self, offered: &EventQos, wanted: &EventQos) -> Result<(), ServiceError> {
        let r = self.requested;
        check_at_least(&[
            ("max_listeners", r.max_listeners, offered.max_listeners),
            ("max_notifiers", r.max_notifiers, offered.max_notifiers),
            ("max_nodes", r.max_nodes, offered.max_nodes),
            ("event_id_max", r.event_id_max, offered.event_id_max),
        ])?;
        let same = [
            (
                "deadline",
                r.deadline.is_some(),
                offered.deadline_ns,
                wanted.deadline_ns,
            ),
            (
                "notifier_created_event",
                r.notifier_created_event.is_some(),
                offered.notifier_created_event.into(),
                wanted.notifier_created_event.into(),
            ),
            (
                "notifier_dropped_event",
                r.notifier_dropped_event.is_some(),
                offered.notifier_dropped_event.into(),
                wanted.notifier_dropped_event.into(),
            ),
            (
                "notifier_dead_event",
                r.notifier_dead_event.is_some(),
                offered.notifier_dead_event.into(),
                wanted.notifier_dead_event.into(),
            ),
        ];
        for (setting, asked, offered, requested) in same {
            if asked && offered != requested {
                return Err(ServiceError::Differs {
                    setting,
                    offered,
                    requested,
                });
            }
        }
        Ok(())
    }

    fn build(self, mode: Mode) -> Result<EventService<P>, ServiceError> {
        let name = ServiceName::new(&self.name).map_err(ServiceError::Name)?;
        let qos = self.qos_to_create()?;
        let content = expected_content::<P>(name, qos)?;
        let inner = Attach {
            node: &self.node,
            name: &self.name,
            mode,
            open: |segment: Segment<'static>| {
                let offered = Header::new(segment)
                    .settings::<EventQos>()
                    .map_err(ServiceError::Incompatible)?;
                self.check_offered(&offered, &qos)?;
                let expected = expected_content::<P>(name, offered)?;
                let control = EventControl::open(segment, &expected).map_err(ServiceError::Incompatible)?;
                Ok(EventShared { control })
            },
            len: content.len,
            create: |segment| {
                let now = P::Clock::now().as_nanos();
                Ok(EventShared {
                    control: EventControl::create(segment, &content, now)?,
                })
            },
            _pattern: PhantomData,
        }
        .run()?;
        Ok(EventService { inner: Arc::new(inner) })
    }
}

/// The header this process expects of an event service with settings `qos`.
fn expected_content<P: Platform>(
    name: ServiceName<'_>,
    qos: EventQos,
) -> Result<HeaderContent<'_, EventQos>, ServiceError> {
    let layout = event_layout(&qos).map_err(ServiceError::Qos)?;
    let unit = TypeDescriptor::of::<()>();
    Ok(header_content::<P, _>(name, qos, unit, unit, layout.len))
}

/// What each process keeps of an event service.
pub(crate) struct EventShared<R> {
    pub(crate) control: EventControl<'static, R>,
}

impl<P: HostPlatform> Pattern<P> for EventShared<P::Rmw> {
    type Settings = EventQos;

    fn registry(&self) -> Registry<'static, P::Rmw> {
        self.control.registry()
    }

    fn reap_port(&self, _service: &str, kind: PortKind, port: SlotId) {
        match kind {
            PortKind::Notifier => {
                if let Some(dead) = EventQos::optional(self.control.qos().notifier_dead_event) {
                    // Checked against `event_id_max` when the service was opened.
                    let _ = self.control.notify_listeners::<P::Waiter>(dead);
                }
            }
            // Cleared before the release, as a leaving listener does.
            _ => self.control.reset_cell(port.index),
        }
    }
}

/// An event service as each process keeps it.
pub(crate) type EventInner<P> = ServiceInner<P, EventShared<<P as Platform>::Rmw>>;

/// An open event service.
pub struct EventService<P: HostPlatform> {
    pub(crate) inner: Arc<EventInner<P>>,
}

impl<P: HostPlatform> fmt::Debug for EventService<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventService")
            .field("name", &self.inner.name)
            .field("qos", self.qos())
            .finish()
    }
}

impl<P: HostPlatform> EventService<P> {
    /// The service's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The service's settings.
    pub fn qos(&self) -> &EventQos {
        self.inner.pattern.control.qos()
    }

    /// The service's deadline, if it has one.
    pub fn deadline(&self) -> Option<Duration> {
        self.qos().deadline()
    }

    /// Starts building a notifier.
    pub fn notifier_builder(&self) -> NotifierBuilder<P> {
        NotifierBuilder::new(self.inner.clone())
    }

    /// Starts building a listener.
    pub fn listener_builder(&self) -> ListenerBuilder<P> {
        ListenerBuilder::new(self.inner.clone())
    }

    /// The service's nodes: id, process id, and whether each lives.
    pub fn nodes(&self) -> Vec<(u64, u32, NodeState)> {
        self.inner.nodes()
    }

    /// Reaps the nodes that died: frees their ports, firing the service's
    /// "notifier dead" id (if it has one) for each dead notifier. Returns
    /// how many nodes were reaped.
    pub fn reap_dead_nodes(&self) -> usize {
        self.inner.reap_dead_nodes()
    }
}
