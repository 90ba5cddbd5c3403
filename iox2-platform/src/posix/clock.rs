//! `PosixClock`: `clock_gettime(CLOCK_MONOTONIC)`.

use crate::clock::{Clock, Instant};

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// `CLOCK_MONOTONIC` in nanoseconds (one origin for every process of the
/// machine).
#[derive(Debug)]
pub struct PosixClock;

/// Reads `clock` (zero if the call fails, which POSIX rules out for the
/// clocks used here).
pub(crate) fn read(clock: libc::clockid_t) -> Instant {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable `timespec` for the call.
    let _ = unsafe { libc::clock_gettime(clock, &raw mut ts) };
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(ts.tv_nsec).unwrap_or(0);
    Instant::from_nanos(secs.saturating_mul(NANOS_PER_SEC).saturating_add(nanos))
}

impl Clock for PosixClock {
    fn now() -> Instant {
        read(libc::CLOCK_MONOTONIC)
    }
}
