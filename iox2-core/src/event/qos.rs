//! The settings of an event service, their defaults (iceoryx2's), and
//! their checks.

use crate::service::{MAX_COUNT, Pattern, QosError, SETTINGS_WORDS, Settings};

/// "No event": the value of an optional event id setting that is unset.
pub const NO_EVENT: u32 = u32::MAX;

/// The settings of an event service, fixed when it is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EventQos {
    /// Most listeners at once (iceoryx2 default: 16).
    pub max_listeners: u32,
    /// Most notifiers at once (default: 16).
    pub max_notifiers: u32,
    /// Most nodes attached to the service at once (default: 36).
    pub max_nodes: u32,
    /// The largest event id (default: 255); ids are `0..=event_id_max`.
    pub event_id_max: u32,
    /// The longest allowed time between two notifications, in nanoseconds;
    /// 0: no deadline (the default).
    pub deadline_ns: u64,
    /// The id fired when a notifier is created, or [`NO_EVENT`].
    pub notifier_created_event: u32,
    /// The id fired when a notifier is dropped, or [`NO_EVENT`].
    pub notifier_dropped_event: u32,
    /// The id fired when a notifier's node is found dead, or [`NO_EVENT`].
    pub notifier_dead_event: u32,
}

impl Default for EventQos {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl EventQos {
    /// iceoryx2's defaults: 16 listeners, 16 notifiers, 36 nodes, ids up
    /// to 255, no deadline, no created/dropped/dead ids.
    pub const DEFAULT: Self = Self {
        max_listeners: 16,
        max_notifiers: 16,
        max_nodes: 36,
        event_id_max: 255,
        deadline_ns: 0,
        notifier_created_event: NO_EVENT,
        notifier_dropped_event: NO_EVENT,
        notifier_dead_event: NO_EVENT,
    };

    /// Checks the settings; every layout assumes they passed.
    pub const fn check(&self) -> Result<(), QosError> {
        let counts = [
            (self.max_listeners, "max_listeners"),
            (self.max_notifiers, "max_notifiers"),
            (self.max_nodes, "max_nodes"),
        ];
        let mut i = 0;
        while i < counts.len() {
            let (value, what) = counts[i];
            if value == 0 {
                return Err(QosError::Zero(what));
            }
            if value > MAX_COUNT {
                return Err(QosError::TooLarge(what));
            }
            i += 1;
        }
        if self.event_id_max >= MAX_COUNT {
            return Err(QosError::TooLarge("event_id_max"));
        }
        let ids = [
            (self.notifier_created_event, "notifier_created_event"),
            (self.notifier_dropped_event, "notifier_dropped_event"),
            (self.notifier_dead_event, "notifier_dead_event"),
        ];
        let mut i = 0;
        while i < ids.len() {
            let (id, what) = ids[i];
            if id != NO_EVENT && id > self.event_id_max {
                return Err(QosError::EventIdAboveMax {
                    what,
                    id,
                    max: self.event_id_max,
                });
            }
            i += 1;
        }
        Ok(())
    }

    /// The deadline, if the service has one.
    pub const fn deadline(&self) -> Option<core::time::Duration> {
        match self.deadline_ns {
            0 => None,
            ns => Some(core::time::Duration::from_nanos(ns)),
        }
    }

    /// An optional id setting as an `Option`.
    pub const fn optional(id: u32) -> Option<u32> {
        match id {
            NO_EVENT => None,
            id => Some(id),
        }
    }
}

impl Settings for EventQos {
    const PATTERN: Pattern = Pattern::Event;

    fn to_words(&self) -> [u32; SETTINGS_WORDS] {
        [
            self.max_listeners,
            self.max_notifiers,
            self.max_nodes,
            self.event_id_max,
            self.deadline_ns as u32,
            (self.deadline_ns >> 32) as u32,
            self.notifier_created_event,
            self.notifier_dropped_event,
            self.notifier_dead_event,
        ]
    }

    fn from_words(w: [u32; SETTINGS_WORDS]) -> Self {
        Self {
            max_listeners: w[0],
            max_notifiers: w[1],
            max_nodes: w[2],
            event_id_max: w[3],
            deadline_ns: u64::from(w[4]) | (u64::from(w[5]) << 32),
            notifier_created_event: w[6],
            notifier_dropped_event: w[7],
            notifier_dead_event: w[8],
        }
    }

    fn check(&self) -> Result<(), QosError> {
        EventQos::check(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_iceoryx2s_and_round_trip_through_words() {
        let qos = EventQos::default();
        assert_eq!(
            (qos.max_listeners, qos.max_notifiers, qos.max_nodes, qos.event_id_max),
            (16, 16, 36, 255)
        );
        assert_eq!(qos.check(), Ok(()));
        let with_deadline = EventQos {
            deadline_ns: 5 << 32 | 7,
            notifier_dead_event: 3,
            ..qos
        };
        assert_eq!(EventQos::from_words(with_deadline.to_words()), with_deadline);
        assert_eq!(
            with_deadline.deadline(),
            Some(core::time::Duration::from_nanos(5 << 32 | 7))
        );
    }

    #[test]
    fn bad_settings_are_named() {
        let zero = EventQos {
            max_listeners: 0,
            ..EventQos::DEFAULT
        };
        assert_eq!(zero.check(), Err(QosError::Zero("max_listeners")));
        let id = EventQos {
            notifier_created_event: 256,
            ..EventQos::DEFAULT
        };
        assert_eq!(
            id.check(),
            Err(QosError::EventIdAboveMax {
                what: "notifier_created_event",
                id: 256,
                max: 255
            })
        );
        let huge = EventQos {
            event_id_max: 1 << 20,
            ..EventQos::DEFAULT
        };
        assert_eq!(huge.check(), Err(QosError::TooLarge("event_id_max")));
    }
}
