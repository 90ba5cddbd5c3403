//! Two processes, one SPSC queue in a shared region: the producer process
//! writes a payload word per value and pushes the value; the consumer
//! process pops, checks order, and checks the payload it reads (so a
//! missing Release/Acquire across processes shows as a wrong payload).
//! Runs over the `linux` and the `posix` platform.

use core::ptr::NonNull;
use iox2_core::spsc::SpscQueueView;
use iox2_platform::rmw::NativeRmw;
use iox2_platform::{Access, Platform, Region};
use iox2_tests::{role, spawn_child, unique_name};

/// Values sent from the producer process to the consumer process.
const VALUES: u32 = 2_000_000;
/// Queue capacity; the payload ring has twice as many words, so the
/// producer never rewrites a word the consumer may still read.
const CAPACITY: u32 = 64;
const PAYLOADS: u32 = 2 * CAPACITY;

/// The payload of value `v`: anything that a stale or torn read would miss.
fn payload_of(v: u32) -> u64 {
    u64::from(v).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xA5A5
}

/// The region's layout: the queue, then the payload ring (8-byte words).
fn layout() -> (usize, usize) {
    let queue = SpscQueueView::<NativeRmw>::layout(CAPACITY).expect("valid capacity");
    let payload_offset = queue.size().next_multiple_of(8);
    (payload_offset, payload_offset + PAYLOADS as usize * 8)
}

fn payload_ptr(base: NonNull<u8>, v: u32) -> *mut u64 {
    let (offset, _) = layout();
    // In bounds: `offset + 8 * (v % PAYLOADS)` < the region's length.
    base.as_ptr()
        .wrapping_add(offset + 8 * (v % PAYLOADS) as usize)
        .cast::<u64>()
}

fn producer<P: Platform>(region: &P::Region) {
    // SAFETY: the region is mapped for this call and only accessed through
    // the queue view (and the payload ring, which the queue orders).
    let queue = unsafe { SpscQueueView::<NativeRmw>::open_in(region.as_ptr(), region.len(), CAPACITY, false) }
        .expect("the parent placed the queue");
    let mut producer = queue.producer().expect("first producer");
    for v in 0..VALUES {
        // SAFETY: the word for `v` is not read by the consumer until `v` is
        // pushed, and it finished reading the previous user of the word
        // (value `v - PAYLOADS`) before popping `v - CAPACITY`, which this
        // push needs room for.
        unsafe { payload_ptr(region.as_ptr(), v).write_volatile(payload_of(v)) };
        while producer.push(v).is_err() {
            core::hint::spin_loop();
        }
    }
}

fn consumer<P: Platform>(region: &P::Region) {
    // SAFETY: as in `producer`.
    let queue = unsafe { SpscQueueView::<NativeRmw>::open_in(region.as_ptr(), region.len(), CAPACITY, false) }
        .expect("the parent placed the queue");
    let mut consumer = queue.consumer().expect("first consumer");
    let mut next = 0;
    while next < VALUES {
        if let Some(v) = consumer.pop() {
            assert_eq!(v, next, "a value was lost, duplicated or reordered");
            // SAFETY: the pop's Acquire orders this read after the
            // producer's write of the word (INV-ORDER).
            let payload = unsafe { payload_ptr(region.as_ptr(), v).read_volatile() };
            assert_eq!(payload, payload_of(v), "payload of value {v} is stale or torn");
            next += 1;
        } else {
            core::hint::spin_loop();
        }
    }
    assert_eq!(consumer.pop(), None);
}

fn run<P: Platform>(test: &str) {
    if let Some(role) = role() {
        let name = std::env::var("IOX2_TEST_REGION").expect("region name for the child");
        let region = P::Region::open(&name, Access::ReadWrite).expect("open the parent's region");
        assert_eq!(role, "producer");
        producer::<P>(&region);
        return;
    }
    let name = unique_name("spsc2p");
    let (_, len) = layout();
    let region = P::Region::create(&name, len).expect("create the region");
    // SAFETY: the region is fresh and lives until both processes are done.
    unsafe { SpscQueueView::<NativeRmw>::init_in(region.as_ptr(), region.len(), CAPACITY, false) }
        .expect("place the queue");
    let mut child = spawn_child(test, "producer", &[("IOX2_TEST_REGION", &name)]);
    consumer::<P>(&region);
    let status = child.wait().expect("wait for the producer process");
    P::Region::remove(&name).expect("remove the region");
    assert!(status.success(), "the producer process failed: {status}");
}

#[test]
fn spsc_two_process_stress_linux() {
    run::<iox2_platform::linux::Linux>("spsc_two_process_stress_linux");
}

#[test]
fn spsc_two_process_stress_posix() {
    run::<iox2_platform::posix::Posix>("spsc_two_process_stress_posix");
}
