//! Listeners: taking the event ids fired at an event service — without
//! waiting, with a timeout, or blocking — optionally spinning for a bounded
//! time before sleeping.

use crate::error::{ListenerWaitError, PortCreateError};
use crate::lock::HostPlatform;
use crate::service::EventInner;
use core::cell::RefCell;
use core::time::Duration;
use iox2_core::event::{EventCellView, EventId, WaitEnd};
use iox2_core::service::{PortKind, SlotId};
use iox2_platform::{Clock, Instant};
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

/// How long a wait may last.
#[derive(Debug, Clone, Copy)]
enum Until {
    /// Not at all: take what is there.
    Now,
    /// Until this instant on the platform's clock.
    Deadline(Instant),
    /// As long as it takes.
    Forever,
}

/// Builds a [`Listener`].
pub struct ListenerBuilder<P: HostPlatform> {
    service: Arc<EventInner<P>>,
    spin: Duration,
}

impl<P: HostPlatform> fmt::Debug for ListenerBuilder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListenerBuilder")
            .field("spin", &self.spin)
            .finish_non_exhaustive()
    }
}

impl<P: HostPlatform> ListenerBuilder<P> {
    pub(crate) fn new(service: Arc<EventInner<P>>) -> Self {
        Self {
            service,
            spin: Duration::ZERO,
        }
    }

    /// An adaptive wait: before sleeping, watch for an event for up to
    /// `spin` (default: zero, sleep at once). An event within that window
    /// costs a cache-line hand-off instead of a kernel wake-up, for a core
    /// kept busy meanwhile.
    pub fn spin(mut self, spin: Duration) -> Self {
        self.spin = spin;
        self
    }

    /// Creates the listener: claims a slot; it receives the ids fired from
    /// now on.
    pub fn create(self) -> Result<Listener<P>, PortCreateError> {
        let slot = self
            .service
            .registry()
            .claim_port(PortKind::Listener, self.service.node_slot.index)
            .ok_or(PortCreateError::ExceedsMaxPorts)?;
        // The cell was cleared when the slot was last freed: every id fired
        // from the claim on stays (see `EventControl`).
        let control = self.service.pattern.control;
        Ok(Listener {
            cell: control.cell(slot.index),
            spin_ns: u64::try_from(self.spin.as_nanos()).unwrap_or(u64::MAX),
            taken: RefCell::new(VecDeque::new()),
            slot,
            service: self.service,
        })
    }
}

/// Takes the event ids fired at its service. Ids fired several times
/// before a wait are merged; none is lost. Not `Sync`: one thread waits on
/// a listener.
pub struct Listener<P: HostPlatform> {
    cell: &'static EventCellView,
    spin_ns: u64,
    /// Ids taken from the cell and not yet handed out by a `*_wait_one`.
    taken: RefCell<VecDeque<EventId>>,
    slot: SlotId,
    service: Arc<EventInner<P>>,
}

impl<P: HostPlatform> fmt::Debug for Listener<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("service", &self.service.name)
            .field("slot", &self.slot)
            .finish()
    }
}

impl<P: HostPlatform> Listener<P> {
    /// The service's deadline, if it has one.
    pub fn deadline(&self) -> Option<Duration> {
        self.service.pattern.control.qos().deadline()
    }

    /// The next fired id, if any; never blocks.
    pub fn try_wait_one(&self) -> Result<Option<EventId>, ListenerWaitError> {
        self.wait_one(Until::Now)
    }

    /// The next fired id, waiting up to `timeout`; `None` when it passed.
    pub fn timed_wait_one(&self, timeout: Duration) -> Result<Option<EventId>, ListenerWaitError> {
        self.wait_one(Until::Deadline(P::Clock::deadline_after(timeout)))
    }

    /// The next fired id, waiting as long as it takes.
    pub fn blocking_wait_one(&self) -> Result<Option<EventId>, ListenerWaitError> {
        self.wait_one(Until::Forever)
    }

    /// Calls `callback` with every id fired since the last look; never blocks.
    pub fn try_wait_all(&self, callback: impl FnMut(EventId)) -> Result<(), ListenerWaitError> {
        self.wait_all(Until::Now, callback)
    }

    /// Waits up to `timeout` for ids, then calls `callback` with every id
    /// fired (none if the time passed).
    pub fn timed_wait_all(&self, callback: impl FnMut(EventId), timeout: Duration) -> Result<(), ListenerWaitError> {
        self.wait_all(Until::Deadline(P::Clock::deadline_after(timeout)), callback)
    }

    /// Waits until an id fires, then calls `callback` with every id fired.
    pub fn blocking_wait_all(&self, callback: impl FnMut(EventId)) -> Result<(), ListenerWaitError> {
        self.wait_all(Until::Forever, callback)
    }

    fn wait_one(&self, until: Until) -> Result<Option<EventId>, ListenerWaitError> {
        if self.taken.borrow().is_empty() {
            let mut taken = self.taken.borrow_mut();
            self.wait(until, |id| taken.push_back(EventId::new(id)))?;
        }
        Ok(self.taken.borrow_mut().pop_front())
    }

    fn wait_all(&self, until: Until, mut callback: impl FnMut(EventId)) -> Result<(), ListenerWaitError> {
        let earlier: Vec<EventId> = self.taken.borrow_mut().drain(..).collect();
        if !earlier.is_empty() {
            earlier.into_iter().for_each(&mut callback);
            // Hand out whatever else fired meanwhile, without waiting.
            self.cell.try_wait::<P::Rmw>(|id| callback(EventId::new(id)));
            return Ok(());
        }
        self.wait(until, |id| callback(EventId::new(id)))
    }

    /// Takes the fired ids into `fired`, waiting as `until` says.
    fn wait(&self, until: Until, fired: impl FnMut(u32)) -> Result<(), ListenerWaitError> {
        let deadline = match until {
            Until::Now => {
                self.cell.try_wait::<P::Rmw>(fired);
                return Ok(());
            }
            Until::Deadline(deadline) => Some(deadline),
            Until::Forever => None,
        };
        let end = if self.spin_ns > 0 {
            self.cell
                .wait_spinning::<P::Rmw, P::Waiter, P::Clock>(self.spin_ns, deadline, fired)
                .map_err(ListenerWaitError::Wait)?
        } else {
            self.cell
                .wait::<P::Rmw, P::Waiter>(deadline, fired)
                .map_err(ListenerWaitError::Wait)?
        };
        match end {
            WaitEnd::Fired | WaitEnd::TimedOut => Ok(()),
            WaitEnd::Interrupted => Err(ListenerWaitError::InterruptSignal),
        }
    }

    /// The cell a WaitSet sleeps on.
    pub(crate) fn cell(&self) -> &'static EventCellView {
        self.cell
    }

    /// Whether ids taken from the cell wait to be handed out.
    pub(crate) fn has_taken(&self) -> bool {
        !self.taken.borrow().is_empty()
    }

    /// When the service was last notified, or created (platform clock).
    pub(crate) fn last_notification(&self) -> u64 {
        self.service.pattern.control.last_notification()
    }
}

impl<P: HostPlatform> Drop for Listener<P> {
    fn drop(&mut self) {
        self.service.pattern.control.reset_cell(self.slot.index);
        self.service.registry().release_port(PortKind::Listener, self.slot);
    }
}
