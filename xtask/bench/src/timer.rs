//! A cycle-accurate timer: the time-stamp counter (`rdtsc`) on x86_64,
//! calibrated against [`Instant`]; [`Instant`] itself elsewhere.
//!
//! Readings are raw ticks, cheap enough to take around every operation;
//! [`Timer::ns`] converts a difference of two readings to nanoseconds.

use core::time::Duration;
use std::time::Instant;

/// How long the calibration compares the two clocks.
const CALIBRATION: Duration = Duration::from_millis(100);

/// The tick source and its calibration.
#[derive(Debug, Clone, Copy)]
pub struct Timer {
    ns_per_tick: f64,
    smallest_step_ns: f64,
}

impl Timer {
    /// Measures the tick rate against [`Instant`] (over 100 ms) and the
    /// smallest difference between two back-to-back readings (the
    /// granularity of a measurement, overhead included).
    pub fn calibrate() -> Self {
        let start = Instant::now();
        let first = ticks();
        while start.elapsed() < CALIBRATION {
            core::hint::spin_loop();
        }
        let tick_count = ticks() - first;
        let elapsed = start.elapsed();
        let ns_per_tick = elapsed.as_nanos() as f64 / tick_count.max(1) as f64;
        let mut smallest_step = u64::MAX;
        let mut last = ticks();
        for _ in 0..10_000 {
            let now = ticks();
            if now > last {
                smallest_step = smallest_step.min(now - last);
            }
            last = now;
        }
        Self {
            ns_per_tick,
            smallest_step_ns: smallest_step as f64 * ns_per_tick,
        }
    }

    /// Nanoseconds in `ticks` ticks.
    pub fn ns(&self, ticks: u64) -> f64 {
        ticks as f64 * self.ns_per_tick
    }

    /// One line describing the source, its rate and its granularity.
    pub fn describe(&self) -> String {
        format!(
            "timer: {}, {:.3} ticks/ns, back-to-back readings >= {:.1} ns apart",
            SOURCE,
            1.0 / self.ns_per_tick,
            self.smallest_step_ns
        )
    }
}

/// The name of the tick source.
#[cfg(target_arch = "x86_64")]
const SOURCE: &str = "rdtsc";

/// Reads the time-stamp counter, fenced on both sides: `lfence` lets every
/// earlier instruction finish first (without it a read after a spin loop
/// can be taken speculatively, before the awaited cache miss completes, and
/// a round trip reads short) and keeps later ones from starting before it.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub fn ticks() -> u64 {
    use core::arch::x86_64::{_mm_lfence, _rdtsc};
    // SAFETY: `lfence` (SSE2) and `rdtsc` exist on every x86_64 CPU; they
    // order instructions and read a counter, with no other effect.
    unsafe {
        _mm_lfence();
        let now = _rdtsc();
        _mm_lfence();
        now
    }
}

/// The name of the tick source.
#[cfg(not(target_arch = "x86_64"))]
const SOURCE: &str = "Instant";

/// Nanoseconds since the first reading in this process.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
pub fn ticks() -> u64 {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}
