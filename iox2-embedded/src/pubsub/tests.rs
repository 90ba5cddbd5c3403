//! Host tests of static publish-subscribe services: claims, the data path,
//! overflow and backpressure, slot reuse, and a threaded hand-off.

use super::*;
use crate::error::PortClaimError;
use crate::test_board::Board;
use iox2_core::payload::ZeroCopySend;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[repr(C)]
struct Reading {
    sequence: u32,
    check: u32,
    values: [u32; 6],
}

impl Reading {
    fn new(sequence: u32) -> Self {
        Self {
            sequence,
            check: !sequence,
            values: [sequence.wrapping_mul(31); 6],
        }
    }

    fn is_intact(&self) -> bool {
        self.check == !self.sequence && self.values == [self.sequence.wrapping_mul(31); 6]
    }
}

#[test]
fn the_static_is_all_zero_and_exactly_as_large_as_the_layouts() {
    crate::pubsub!(SERVICE: Reading, Board, subscribers = 2, buffer = 4);
    let footprint = service_footprint::<Reading, iox2_platform::rmw::NativeRmw>(&SERVICE::Config::QOS).unwrap();
    assert_eq!(SERVICE.bytes(), footprint.total);
    assert_eq!(footprint.total, footprint.data_offset + footprint.data_stride);
    assert_eq!(SERVICE::Config::QOS.max_subscribers, 2);
    assert_eq!(SERVICE::Config::QOS.subscriber_buffer, 4);
    assert_eq!(SERVICE::Config::QOS.max_publishers, 1);
    assert_eq!(SERVICE::Config::NAME, "SERVICE");
    assert_eq!(core::mem::align_of_val(&SERVICE) % SEGMENT_ALIGN, 0);
}

#[test]
fn samples_flow_and_every_chunk_comes_back() {
    crate::pubsub!(SERVICE: Reading, Board, buffer = 4, borrows = 2);
    let mut publisher = SERVICE.publisher().unwrap();
    let subscriber = SERVICE.subscriber().unwrap();
    let chunks = SERVICE.service().data_layout().unwrap().chunks;
    for round in 0..1000 {
        let delivery = publisher.send_copy(Reading::new(round)).unwrap();
        assert_eq!(delivery.delivered, 1, "round {round}");
        let sample = subscriber.receive().unwrap().unwrap();
        assert_eq!(*sample, Reading::new(round));
        assert_eq!(sample.publisher(), 0);
    }
    assert!(subscriber.receive().unwrap().is_none());
    // Two held at once, then the limit.
    publisher.send_copy(Reading::new(1)).unwrap();
    publisher.send_copy(Reading::new(2)).unwrap();
    publisher.send_copy(Reading::new(3)).unwrap();
    let first = subscriber.receive().unwrap().unwrap();
    let second = subscriber.receive().unwrap().unwrap();
    assert_eq!((first.sequence, second.sequence), (1, 2));
    assert_eq!(
        subscriber.receive().unwrap_err(),
        ReceiveError::ExceedsMaxBorrows { max: 2 }
    );
    drop((first, second));
    assert_eq!(subscriber.receive().unwrap().unwrap().sequence, 3);
    assert_eq!(publisher.free_chunks(), chunks);
    assert_eq!(publisher.protocol_violations(), 0);
}

#[test]
fn a_port_that_exists_once_is_claimed_once() {
    crate::pubsub!(SERVICE: Reading, Board);
    let publisher = SERVICE.publisher().unwrap();
    let subscriber = SERVICE.subscriber().unwrap();
    assert_eq!(
        SERVICE.publisher().unwrap_err(),
        PortClaimError::ExceedsMaxPorts {
            kind: PortKind::Publisher,
            max: 1
        }
    );
    assert_eq!(
        SERVICE.subscriber().unwrap_err(),
        PortClaimError::ExceedsMaxPorts {
            kind: PortKind::Subscriber,
            max: 1
        }
    );
    drop(subscriber);
    assert!(SERVICE.subscriber().is_ok());
    drop(publisher);
    assert!(SERVICE.publisher().is_ok());
}

#[test]
fn a_reused_publisher_slot_waits_for_subscribers_to_let_go() {
    crate::pubsub!(SERVICE: Reading, Board, buffer = 4);
    let mut publisher = SERVICE.publisher().unwrap();
    let subscriber = SERVICE.subscriber().unwrap();
    // The subscriber attaches on its first look.
    assert!(subscriber.receive().unwrap().is_none());
    publisher.send_copy(Reading::new(7)).unwrap();
    publisher.send_copy(Reading::new(8)).unwrap();
    drop(publisher);
    // Queued samples of the departed publisher are still delivered, and
    // nobody may rewrite its pool meanwhile.
    let held = subscriber.receive().unwrap().unwrap();
    assert_eq!(SERVICE.publisher().unwrap_err(), PortClaimError::SlotBusy);
    assert_eq!(held.sequence, 7);
    drop(held);
    assert_eq!(subscriber.receive().unwrap().unwrap().sequence, 8);
    assert!(subscriber.receive().unwrap().is_none());
    let mut publisher = SERVICE.publisher().unwrap();
    publisher.send_copy(Reading::new(9)).unwrap();
    assert_eq!(subscriber.receive().unwrap().unwrap().sequence, 9);
}

#[test]
fn without_overflow_a_full_buffer_discards_and_the_value_is_kept_on_loan_failure() {
    crate::pubsub!(SERVICE: Reading, Board, buffer = 2, overflow = false);
    let mut publisher = SERVICE.publisher().unwrap();
    let subscriber = SERVICE.subscriber().unwrap();
    assert_eq!(publisher.send_copy(Reading::new(0)).unwrap().delivered, 1);
    assert_eq!(publisher.send_copy(Reading::new(1)).unwrap().delivered, 1);
    let third = publisher.send_copy(Reading::new(2)).unwrap();
    assert_eq!((third.delivered, third.discarded), (0, 1));
    assert_eq!(subscriber.receive().unwrap().unwrap().sequence, 0);
    assert_eq!(subscriber.receive().unwrap().unwrap().sequence, 1);
    let loan = publisher.loan_uninit().unwrap();
    drop(loan); // given back unsent
    let mut sample = publisher.loan_uninit().unwrap().write_payload(Reading::new(5));
    sample.values[0] = 155;
    assert_eq!(sample.send().delivered, 1);
    let received = subscriber.receive().unwrap().unwrap();
    assert_eq!((received.sequence, received.values[0]), (5, 155));
}

#[test]
fn without_overflow_a_full_subscriber_is_skipped_and_the_others_still_get_the_sample() {
    crate::pubsub!(SERVICE: Reading, Board, subscribers = 2, buffer = 2, overflow = false);
    let mut publisher = SERVICE.publisher().unwrap();
    let slow = SERVICE.subscriber().unwrap();
    let fast = SERVICE.subscriber().unwrap();
    let chunks = SERVICE.service().data_layout().unwrap().chunks;
    // Both attach on their first look.
    assert!(slow.receive().unwrap().is_none());
    assert!(fast.receive().unwrap().is_none());
    for sequence in 0..2 {
        let delivery = publisher.send_copy(Reading::new(sequence)).unwrap();
        assert_eq!((delivery.delivered, delivery.discarded), (2, 0));
    }
    // `slow` never reads: from now on its buffer is full and it is skipped,
    // while `fast` gets every sample (as on the host).
    for sequence in 2..100 {
        assert_eq!(fast.receive().unwrap().unwrap().sequence, sequence - 2);
        let delivery = publisher.send_copy(Reading::new(sequence)).unwrap();
        assert_eq!((delivery.delivered, delivery.discarded), (1, 1), "sample {sequence}");
    }
    assert_eq!(fast.receive().unwrap().unwrap().sequence, 98);
    assert_eq!(fast.receive().unwrap().unwrap().sequence, 99);
    assert!(fast.receive().unwrap().is_none());
    // `slow` still holds its first two, intact and in order.
    assert_eq!(slow.receive().unwrap().unwrap().sequence, 0);
    assert_eq!(slow.receive().unwrap().unwrap().sequence, 1);
    assert!(slow.receive().unwrap().is_none());
    // No chunk was freed twice or lost: all are back, no violation counted.
    assert_eq!(publisher.free_chunks(), chunks);
    assert_eq!(publisher.protocol_violations(), 0);
}

#[test]
fn without_overflow_a_sample_that_reached_nobody_goes_back_to_the_pool() {
    crate::pubsub!(SERVICE: Reading, Board, buffer = 2, overflow = false);
    let mut publisher = SERVICE.publisher().unwrap();
    let subscriber = SERVICE.subscriber().unwrap();
    let chunks = SERVICE.service().data_layout().unwrap().chunks;
    assert!(subscriber.receive().unwrap().is_none());
    publisher.send_copy(Reading::new(0)).unwrap();
    publisher.send_copy(Reading::new(1)).unwrap();
    // Thousands of sends into the full buffer: each comes back at once,
    // and the pool never runs dry (each chunk is freed exactly once).
    let sends = if cfg!(miri) { 50 } else { 5_000 };
    for sequence in 2..sends {
        let delivery = publisher.send_copy(Reading::new(sequence)).unwrap();
        assert_eq!((delivery.delivered, delivery.discarded), (0, 1));
        assert_eq!(publisher.free_chunks(), chunks - 2, "sample {sequence}");
    }
    assert_eq!(subscriber.receive().unwrap().unwrap().sequence, 0);
    assert_eq!(subscriber.receive().unwrap().unwrap().sequence, 1);
    assert!(subscriber.receive().unwrap().is_none());
    assert_eq!(publisher.free_chunks(), chunks);
    assert_eq!(publisher.protocol_violations(), 0);
}

#[test]
fn with_overflow_the_newest_samples_stay() {
    crate::pubsub!(SERVICE: Reading, Board, buffer = 2);
    let mut publisher = SERVICE.publisher().unwrap();
    let subscriber = SERVICE.subscriber().unwrap();
    for sequence in 0..10 {
        assert_eq!(publisher.send_copy(Reading::new(sequence)).unwrap().delivered, 1);
    }
    assert_eq!(subscriber.receive().unwrap().unwrap().sequence, 8);
    assert_eq!(subscriber.receive().unwrap().unwrap().sequence, 9);
    assert!(subscriber.receive().unwrap().is_none());
}

#[test]
fn memory_reserved_elsewhere_is_checked() {
    static STATE: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
    #[repr(C, align(128))]
    struct Buffer([u8; 256]);
    let mut buffer = Buffer([0; 256]);
    let memory = NonNull::new(buffer.0.as_mut_ptr()).unwrap();
    // SAFETY: the buffer is aligned, zeroed and used by nothing else.
    let refused = unsafe { PubSubRef::<Reading, Board>::from_raw(&STATE, memory, 256, "small", FIRMWARE_QOS) };
    let required = service_footprint::<Reading, iox2_platform::rmw::NativeRmw>(&FIRMWARE_QOS)
        .unwrap()
        .total;
    assert_eq!(
        refused.unwrap_err(),
        PortClaimError::RegionTooSmall {
            required,
            available: 256
        }
    );
    let bad = PubSubQos {
        history: 3,
        ..FIRMWARE_QOS
    };
    // SAFETY: as above.
    let refused = unsafe { PubSubRef::<Reading, Board>::from_raw(&STATE, memory, 256, "small", bad) };
    assert!(matches!(
        refused,
        Err(PortClaimError::Qos(QosError::HistoryExceedsBuffer { .. }))
    ));
}

#[test]
fn a_service_reset_is_created_afresh() {
    crate::pubsub!(SERVICE: Reading, Board);
    let mut publisher = SERVICE.publisher().unwrap();
    publisher.send_copy(Reading::new(1)).unwrap();
    drop(publisher);
    // SAFETY: no handle exists and no other thread uses the service.
    unsafe { SERVICE.reset() };
    let _publisher = SERVICE.publisher().unwrap();
    let subscriber = SERVICE.subscriber().unwrap();
    assert!(subscriber.receive().unwrap().is_none());
}

#[test]
fn ten_thousand_samples_cross_threads_intact_and_in_order() {
    crate::pubsub!(SERVICE: Reading, Board, buffer = 8, overflow = false);
    const SAMPLES: u32 = if cfg!(miri) { 100 } else { 10_000 };
    let subscriber = SERVICE.subscriber().unwrap();
    let mut publisher = SERVICE.publisher().unwrap();
    let sender = std::thread::spawn(move || {
        let mut sequence = 0;
        while sequence < SAMPLES {
            match publisher.send_copy(Reading::new(sequence)) {
                Ok(delivery) if delivery.delivered == 1 => sequence += 1,
                Ok(_) => std::thread::yield_now(),
                Err(e) => panic!("send failed: {e}"),
            }
        }
    });
    let mut expected = 0;
    while expected < SAMPLES {
        match subscriber.receive().unwrap() {
            Some(sample) => {
                assert!(sample.is_intact(), "corrupted: {sample:?}");
                assert_eq!(sample.sequence, expected);
                expected += 1;
            }
            None => {
                let _ = subscriber.wait(Some(Board::now().saturating_add(core::time::Duration::from_millis(10))));
            }
        }
    }
    sender.join().unwrap();
}
