//! `iox2` events: the host event API over the `Linux` platform. Two event
//! services per case, `iox2-bench/<tag>/ping` and `.../pong`; each side
//! holds the notifier of one and the listener of the other. A hop is one
//! `notify_with_custom_event_id` and one `blocking_wait_one` on the other
//! side. The token travels as the event id (`1 + token % IDS`), so a
//! missed or stale notification shows as a wrong id.
//!
//! `Iox2Event<0>`: listeners with the default blocking wait (sleep in the
//! kernel at once). `Iox2Event<US>`: listeners that spin for `US` µs
//! before sleeping.
//!
//! Set-up order: the parent creates its notifier and its listener before
//! the child starts; the child creates its listener and its notifier and
//! only then says it is ready, so both listeners exist before the first
//! notification (a notify reaches the listeners active at that moment).

use core::time::Duration;
use std::os::fd::OwnedFd;

use iox2_host::prelude::*;

use crate::pingpong::{NoPassive, Pinger, Ponger, Result, Spec, Transport};
use crate::pubsub::iox2::{node, service};

/// Distinct event ids the tokens cycle through.
const IDS: u32 = 4;

/// iox2 events; listeners spin `SPIN_US` µs before sleeping (0: no spin).
#[derive(Debug)]
pub struct Iox2Event<const SPIN_US: u64>;

/// The event id carrying `token`.
fn id_of(token: u32) -> EventId {
    EventId::new(1 + token % IDS)
}

/// One side: the notifier of one direction, the listener of the other.
pub struct EventEnd {
    notifier: Notifier<Linux>,
    listener: Listener<Linux>,
    _services: [EventService<Linux>; 2],
    _node: Node<Linux>,
    /// The last token pinged (the parent's end only).
    sent: u32,
}

impl core::fmt::Debug for EventEnd {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EventEnd")
            .field("sent", &self.sent)
            .finish_non_exhaustive()
    }
}

impl EventEnd {
    /// Opens (`create`: creates) the case's services as the parent
    /// (notifies on `ping`) or the child (notifies on `pong`).
    fn connect<const SPIN_US: u64>(spec: &Spec, parent: bool) -> Result<Self> {
        let node = node(if parent {
            "iox2-bench-pinger"
        } else {
            "iox2-bench-ponger"
        })?;
        let open = |direction: &str| {
            service(&node, spec, direction, parent, |builder| {
                let builder = builder.event();
                if parent { builder.create() } else { builder.open() }
            })
        };
        let [ping, pong] = [open("ping")?, open("pong")?];
        let (outgoing, incoming) = if parent { (&ping, &pong) } else { (&pong, &ping) };
        let builder = incoming.listener_builder();
        let builder = if SPIN_US == 0 {
            builder
        } else {
            builder.spin(Duration::from_micros(SPIN_US))
        };
        let listener = builder.create().map_err(|e| format!("cannot create a listener: {e}"))?;
        let notifier = outgoing
            .notifier_builder()
            .create()
            .map_err(|e| format!("cannot create a notifier: {e}"))?;
        Ok(Self {
            notifier,
            listener,
            _services: [ping, pong],
            _node: node,
            sent: 0,
        })
    }

    /// Fires `id`; panics unless exactly the peer's listener got it.
    #[inline(always)]
    fn notify(&self, id: EventId) {
        let listeners = self
            .notifier
            .notify_with_custom_event_id(id)
            .unwrap_or_else(|e| panic!("iox2 cannot notify: {e}"));
        assert_eq!(listeners, 1, "iox2 notified {listeners} listeners, not the peer's one");
    }

    /// Sleeps (after the listener's spin, if any) until an id fires.
    #[inline(always)]
    fn wait(&self) -> EventId {
        loop {
            let fired = self
                .listener
                .blocking_wait_one()
                .unwrap_or_else(|e| panic!("iox2 cannot wait for an event: {e}"));
            if let Some(id) = fired {
                return id;
            }
        }
    }
}

impl Pinger for EventEnd {
    #[inline]
    fn ping(&mut self, token: u32) {
        self.notify(id_of(token));
        self.sent = token;
    }

    #[inline]
    fn wait_pong(&mut self) -> u32 {
        let id = self.wait();
        assert_eq!(id, id_of(self.sent), "iox2's pong is not the event just sent");
        self.sent
    }
}

impl Ponger for EventEnd {
    #[inline]
    fn echo(&mut self) -> u32 {
        let id = self.wait();
        self.notify(id);
        id.as_value()
    }
}

impl<const SPIN_US: u64> Transport for Iox2Event<SPIN_US> {
    const NAME: &'static str = if SPIN_US == 0 { "iox2-event" } else { "iox2-event-spin" };
    type Pinger = EventEnd;
    type Ponger = EventEnd;
    type Passive = NoPassive;

    fn setup(spec: &Spec) -> Result<(EventEnd, Vec<Vec<OwnedFd>>)> {
        Ok((EventEnd::connect::<SPIN_US>(spec, true)?, vec![Vec::new()]))
    }

    fn connect_ponger(spec: &Spec, _: Vec<OwnedFd>) -> Result<EventEnd> {
        EventEnd::connect::<SPIN_US>(spec, false)
    }

    fn connect_passive(_: &Spec, _: Vec<OwnedFd>) -> Result<NoPassive> {
        Err("iox2 events have no passive receivers here".to_owned())
    }
}
