//! Notifiers: firing event ids at every listener of an event service,
//! learning when a notification came later than the service's deadline.

use crate::error::{NotifyError, PortCreateError};
use crate::lock::HostPlatform;
use crate::service::EventInner;
use core::marker::PhantomData;
use core::time::Duration;
use iox2_core::event::{EventId, EventQos};
use iox2_core::service::{PortKind, SlotId};
use iox2_platform::Clock;
use std::fmt;
use std::sync::Arc;

/// Builds a [`Notifier`].
pub struct NotifierBuilder<P: HostPlatform> {
    service: Arc<EventInner<P>>,
    default_event_id: EventId,
}

impl<P: HostPlatform> fmt::Debug for NotifierBuilder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifierBuilder")
            .field("default_event_id", &self.default_event_id)
            .finish_non_exhaustive()
    }
}

impl<P: HostPlatform> NotifierBuilder<P> {
    pub(crate) fn new(service: Arc<EventInner<P>>) -> Self {
        Self {
            service,
            default_event_id: EventId::default(),
        }
    }

    /// The id [`Notifier::notify`] fires (default 0).
    pub fn default_event_id(mut self, id: EventId) -> Self {
        self.default_event_id = id;
        self
    }

    /// Creates the notifier: claims a slot and fires the service's
    /// "notifier created" id, if it has one.
    pub fn create(self) -> Result<Notifier<P>, PortCreateError> {
        let max = self.service.pattern.control.qos().event_id_max;
        if self.default_event_id.as_value() > max {
            return Err(PortCreateError::EventIdOutOfBounds {
                id: self.default_event_id.as_value(),
                max,
            });
        }
        let slot = self
            .service
            .registry()
            .claim_port(PortKind::Notifier, self.service.node_slot.index)
            .ok_or(PortCreateError::ExceedsMaxPorts)?;
        let notifier = Notifier {
            service: self.service,
            slot,
            default_event_id: self.default_event_id,
            _not_sync: PhantomData,
        };
        notifier.fire_lifecycle(notifier.qos().notifier_created_event);
        Ok(notifier)
    }
}

/// Fires event ids at every listener of its service. `Send`, not `Sync`:
/// one thread notifies through it at a time (its deadline stamp has one
/// writer).
pub struct Notifier<P: HostPlatform> {
    service: Arc<EventInner<P>>,
    slot: SlotId,
    default_event_id: EventId,
    _not_sync: PhantomData<core::cell::Cell<()>>,
}

impl<P: HostPlatform> fmt::Debug for Notifier<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifier")
            .field("service", &self.service.name)
            .field("slot", &self.slot)
            .finish()
    }
}

impl<P: HostPlatform> Notifier<P> {
    fn qos(&self) -> &EventQos {
        self.service.pattern.control.qos()
    }

    /// The service's deadline, if it has one.
    pub fn deadline(&self) -> Option<Duration> {
        self.qos().deadline()
    }

    /// Fires the default id; see [`Notifier::notify_with_custom_event_id`].
    pub fn notify(&self) -> Result<usize, NotifyError> {
        self.notify_with_custom_event_id(self.default_event_id)
    }

    /// Fires `id` at every listener of the service, waking those that
    /// sleep; returns how many it reached. Never blocks.
    ///
    /// With a deadline, a notification later than the deadline after the
    /// service's previous one (or its creation) is still delivered, and
    /// reported as [`NotifyError::MissedDeadline`].
    pub fn notify_with_custom_event_id(&self, id: EventId) -> Result<usize, NotifyError> {
        let control = self.service.pattern.control;
        let max = self.qos().event_id_max;
        let reached = control
            .notify_listeners::<P::Waiter>(id.as_value())
            .map_err(|_| NotifyError::EventIdOutOfBounds { id: id.as_value(), max })? as usize;
        if let Some(deadline) = self.deadline() {
            let now = P::Clock::now().as_nanos();
            let elapsed = Duration::from_nanos(now.saturating_sub(control.last_notification()));
            control.record_notification(self.slot.index, now);
            if elapsed > deadline {
                return Err(NotifyError::MissedDeadline {
                    reached,
                    elapsed,
                    deadline,
                });
            }
        }
        Ok(reached)
    }

    /// Fires a created/dropped id setting, if the service has it.
    fn fire_lifecycle(&self, id: u32) {
        if let Some(id) = EventQos::optional(id) {
            // Checked against `event_id_max` when the service was opened.
            let _ = self.service.pattern.control.notify_listeners::<P::Waiter>(id);
        }
    }
}

impl<P: HostPlatform> Drop for Notifier<P> {
    fn drop(&mut self) {
        self.service.registry().release_port(PortKind::Notifier, self.slot);
        self.fire_lifecycle(self.qos().notifier_dropped_event);
    }
}
