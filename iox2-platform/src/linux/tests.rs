//! Unit tests of Linux specifics the conformance suite does not reach.

use super::waitv;
use super::*;
use crate::clock::Clock;
use crate::error::RegionError;
use crate::region::{Access, Region};
use crate::sync::AtomicU32;
use crate::wait::{WaitOutcome, WaitTarget};
use core::time::Duration;
use rustix::fs::{FallocateFlags, Mode, fallocate};
use rustix::shm;
use std::format;

fn unique(tag: &str) -> std::string::String {
    static SERIAL: AtomicU32 = AtomicU32::new(0);
    let serial = <crate::rmw::NativeRmw as crate::rmw::Rmw>::fetch_add(&SERIAL, 1, crate::sync::Ordering::Relaxed);
    format!("linux-unit-{tag}-{}-{serial}", std::process::id())
}

#[test]
fn an_unsized_object_is_incomplete_until_sized() {
    let name = unique("incomplete");
    let object = format!("/iox2_{name}");
    let fd = shm::open(
        object.as_str(),
        shm::OFlags::CREATE | shm::OFlags::EXCL | shm::OFlags::RDWR,
        Mode::RUSR | Mode::WUSR,
    )
    .unwrap();
    assert_eq!(
        LinuxRegion::open(&name, Access::ReadOnly).err(),
        Some(RegionError::Incomplete)
    );
    assert_eq!(LinuxRegion::exists(&name), Ok(true));
    fallocate(&fd, FallocateFlags::empty(), 0, 8192).unwrap();
    let region = LinuxRegion::open(&name, Access::ReadOnly).unwrap();
    assert_eq!(region.len(), 8192);
    LinuxRegion::remove(&name).unwrap();
}

#[test]
fn a_region_larger_than_dev_shm_fails_at_create_and_leaves_nothing() {
    let name = unique("huge");
    let result = LinuxRegion::create(&name, 1 << 50);
    assert!(
        matches!(result, Err(RegionError::OutOfMemory | RegionError::InvalidSize { .. })),
        "{result:?}"
    );
    assert_eq!(LinuxRegion::exists(&name), Ok(false));
}

#[test]
fn polling_fallback_waits_for_a_change_or_the_deadline() {
    let word = AtomicU32::new(0);
    let targets = [WaitTarget {
        word: &word,
        expected: 0,
    }];
    let deadline = LinuxClock::deadline_after(Duration::from_millis(3));
    assert_eq!(waitv::poll(&targets, None, Some(deadline)), WaitOutcome::TimedOut);
    assert!(LinuxClock::now() >= deadline);
    let targets = [WaitTarget {
        word: &word,
        expected: 1,
    }];
    assert_eq!(waitv::poll(&targets, None, None), WaitOutcome::Woken);
}

#[test]
fn clock_is_clock_monotonic() {
    let ours = LinuxClock::now();
    let std_ts = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    let theirs = clock::from_timespec(std_ts);
    assert!(theirs >= ours);
    assert!(theirs.nanos_since(ours) < 1_000_000_000);
}
