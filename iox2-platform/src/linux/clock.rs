//! `LinuxClock`: `CLOCK_MONOTONIC`, the clock the futex deadlines use.

use crate::clock::{Clock, Instant};
use rustix::time::{ClockId, Timespec, clock_gettime};

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// `CLOCK_MONOTONIC` in nanoseconds: one origin (boot) for every process
/// of the machine, so instants may be stored in shared memory, and the
/// clock `FUTEX_WAIT_BITSET` and `futex_waitv` measure absolute deadlines
/// against.
#[derive(Debug)]
pub struct LinuxClock;

impl Clock for LinuxClock {
    fn now() -> Instant {
        from_timespec(clock_gettime(ClockId::Monotonic))
    }
}

/// The instant of a monotonic `timespec` (negative parts count as zero).
pub(crate) fn from_timespec(ts: Timespec) -> Instant {
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(ts.tv_nsec).unwrap_or(0);
    Instant::from_nanos(secs.saturating_mul(NANOS_PER_SEC).saturating_add(nanos))
}

/// The absolute monotonic `timespec` of an instant.
pub(crate) fn to_timespec(instant: Instant) -> Timespec {
    let nanos = instant.as_nanos();
    Timespec {
        // At most 2^64 / 10^9 < 2^35: fits.
        tv_sec: i64::try_from(nanos / NANOS_PER_SEC).unwrap_or(i64::MAX),
        // Below 10^9: fits every `tv_nsec` type.
        tv_nsec: (nanos % NANOS_PER_SEC).try_into().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespec_round_trip() {
        let instant = Instant::from_nanos(12 * NANOS_PER_SEC + 345);
        let ts = to_timespec(instant);
        assert_eq!((ts.tv_sec, ts.tv_nsec), (12, 345));
        assert_eq!(from_timespec(ts), instant);
        assert_eq!(to_timespec(Instant::from_nanos(u64::MAX)).tv_nsec, 709_551_615);
    }
}
