//! `LocalClock`: `std::time::Instant` measured from a process-wide origin.

use crate::clock::{Clock, Instant};
use std::sync::OnceLock;

/// The origin of the local clock: the first time anybody asked.
static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();

/// Monotonic nanoseconds since this process first read the clock
/// (in-process only: instants do not compare between processes).
#[derive(Debug)]
pub struct LocalClock;

impl Clock for LocalClock {
    fn now() -> Instant {
        let elapsed = ORIGIN.get_or_init(std::time::Instant::now).elapsed();
        // 2^64 ns is 584 years: saturating is never reached in practice.
        Instant::from_nanos(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX))
    }
}
