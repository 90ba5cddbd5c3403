//! The monotonic clock and its time stamps.

/// A point on a platform's monotonic clock, in nanoseconds since an
/// arbitrary, fixed origin (for shared-memory platforms: one origin for all
/// processes of the machine, so instants can be stored in shared words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Instant {
    nanos: u64,
}

impl Instant {
    /// The instant `nanos` nanoseconds after the clock's origin.
    pub const fn from_nanos(nanos: u64) -> Self {
        Self { nanos }
    }

    /// Nanoseconds since the clock's origin.
    pub const fn as_nanos(self) -> u64 {
        self.nanos
    }

    /// The instant `duration` later, saturating at the end of time.
    pub const fn saturating_add(self, duration: core::time::Duration) -> Self {
        let add = duration.as_nanos();
        let add = if add > u64::MAX as u128 { u64::MAX } else { add as u64 };
        Self {
            nanos: self.nanos.saturating_add(add),
        }
    }

    /// Nanoseconds from `earlier` to `self`, zero if `earlier` is later.
    pub const fn nanos_since(self, earlier: Instant) -> u64 {
        self.nanos.saturating_sub(earlier.nanos)
    }
}

/// A monotonic clock.
pub trait Clock {
    /// The current instant. Never goes backwards.
    fn now() -> Instant;

    /// The instant `timeout` from now: the deadline form every wait takes.
    fn deadline_after(timeout: core::time::Duration) -> Instant {
        Self::now().saturating_add(timeout)
    }
}
