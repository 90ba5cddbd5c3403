//! The platform conformance suite: checks generic over `P: Platform`, run
//! against every implementation by `tests/conformance_<platform>.rs`
//! through [`conformance_tests!`].
#![allow(dead_code)] // each platform's file uses the checks its platform supports

pub mod clock;
pub mod liveness;
pub mod process;
pub mod region;
#[cfg(all(unix, any(feature = "linux", feature = "posix")))]
pub mod signal;
pub mod wait;

use iox2_platform::Region;
use iox2_platform::rmw::{NativeRmw, Rmw};
use iox2_platform::sync::{AtomicU32, Ordering};

/// A name no other test, test binary or process uses at the same time.
pub fn unique(tag: &str) -> String {
    static SERIAL: AtomicU32 = AtomicU32::new(0);
    let serial = NativeRmw::fetch_add(&SERIAL, 1, Ordering::Relaxed);
    format!("cf-{tag}-{}-{serial}", std::process::id())
}

/// The `index`-th 32-bit word of `region`.
pub fn word<R: Region>(region: &R, index: usize) -> &AtomicU32 {
    assert!(
        (index + 1) * 4 <= region.len(),
        "word {index} outside a region of {} bytes",
        region.len()
    );
    // SAFETY: in bounds (asserted), 4-aligned (regions are 64-aligned), and
    // valid while `region` is borrowed; region memory is only ever accessed
    // through atomics here.
    unsafe { &*region.as_ptr().as_ptr().add(index * 4).cast::<AtomicU32>() }
}

/// Expands to one `#[test]` per generic check, for platform `$p`, with
/// `$rounds` ping-pong rounds between threads.
#[macro_export]
macro_rules! conformance_tests {
    ($p:ty, rounds = $rounds:expr) => {
        #[test]
        fn region_create_open_remove() {
            conformance::region::create_open_remove::<$p>();
        }
        #[test]
        fn region_bad_names() {
            conformance::region::bad_names::<$p>();
        }
        #[test]
        fn region_zero_size() {
            conformance::region::zero_size::<$p>();
        }
        #[test]
        fn region_zero_filled_and_aligned() {
            conformance::region::zero_filled_and_aligned::<$p>();
        }
        #[test]
        fn region_read_only_sees_writes() {
            conformance::region::read_only_sees_writes::<$p>();
        }
        #[test]
        fn region_remove_keeps_mappings() {
            conformance::region::remove_keeps_mappings::<$p>();
        }
        #[test]
        fn wait_mismatch_is_woken() {
            conformance::wait::mismatch_is_woken::<$p>();
        }
        #[test]
        fn wait_times_out_not_early() {
            conformance::wait::times_out_not_early::<$p>();
        }
        #[test]
        fn wait_woken_by_another_thread() {
            conformance::wait::woken_by_another_thread::<$p>();
        }
        #[test]
        fn wait_ping_pong_loses_no_wake() {
            conformance::wait::ping_pong::<$p>($rounds);
        }
        #[test]
        fn wait_wake_without_sleepers() {
            conformance::wait::wake_without_sleepers::<$p>();
        }
        #[test]
        fn wait_any_wakes_on_any_word() {
            conformance::wait::wait_any_wakes_on_any::<$p>();
        }
        #[test]
        fn wait_any_word_counts() {
            conformance::wait::wait_any_counts::<$p>();
        }
        #[test]
        fn wait_any_mismatch_and_timeout() {
            conformance::wait::wait_any_mismatch_and_timeout::<$p>();
        }
        #[test]
        fn clock_is_monotonic() {
            conformance::clock::monotonic::<$p>();
        }
        #[test]
        fn platform_fence_and_name() {
            conformance::clock::fence_and_name::<$p>();
        }
        #[test]
        fn liveness_acquire_probe_drop() {
            conformance::liveness::acquire_probe_drop::<$p>();
        }
        #[test]
        fn liveness_bad_names() {
            conformance::liveness::bad_names::<$p>();
        }
        #[test]
        fn liveness_remove_stale_rules() {
            conformance::liveness::remove_stale_rules::<$p>();
        }
    };
}
