//! Publish-subscribe through shared memory within one process, on both
//! host platforms: the API's contract before the multi-process tests.

use iox2_host::prelude::*;
use iox2_host::{HostPlatform, ServiceError};

fn unique(stem: &str) -> String {
    format!("test/{stem}/{}", std::process::id())
}

fn round_trip<P: HostPlatform>(stem: &str) {
    let node = NodeBuilder::new().name("roundtrip").unwrap().create::<P>().unwrap();
    let service = node
        .service_builder(&unique(stem))
        .unwrap()
        .publish_subscribe::<[u64; 4]>()
        .subscriber_buffer(4)
        .open_or_create()
        .unwrap();
    let subscriber = service.subscriber_builder().create().unwrap();
    let publisher = service.publisher_builder().create().unwrap();
    assert!(subscriber.has_publishers());
    for round in 0..1000u64 {
        let delivery = publisher
            .loan_uninit()
            .unwrap()
            .write_payload([round, round + 1, round + 2, !round])
            .send();
        assert_eq!(delivery.delivered, 1, "round {round}");
        let sample = subscriber.receive().unwrap().expect("a sample");
        assert_eq!(*sample, [round, round + 1, round + 2, !round]);
        assert_eq!(sample.sequence(), round);
    }
    assert!(subscriber.receive().unwrap().is_none());
    let free = publisher.free_chunks();
    drop(subscriber);
    publisher.update_connections();
    assert!(publisher.free_chunks() >= free);
    assert_eq!(publisher.protocol_violations(), 0);
}

#[test]
fn round_trip_linux() {
    round_trip::<Linux>("roundtrip-linux");
}

#[test]
fn round_trip_posix() {
    round_trip::<Posix>("roundtrip-posix");
}

#[test]
fn opening_with_another_type_or_less_capacity_fails_with_what_differs() {
    let node = NodeBuilder::new().name("types").unwrap().create::<Linux>().unwrap();
    let name = unique("types");
    let _service = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<u64>()
        .max_subscribers(2)
        .create()
        .unwrap();
    let other_type = node.service_builder(&name).unwrap().publish_subscribe::<u32>().open();
    assert!(
        matches!(other_type, Err(ServiceError::Incompatible(_))),
        "{other_type:?}"
    );
    let more = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<u64>()
        .max_subscribers(3)
        .open();
    assert_eq!(
        more.unwrap_err(),
        ServiceError::Insufficient {
            setting: "max_subscribers",
            offered: 2,
            requested: 3
        }
    );
    let again = node.service_builder(&name).unwrap().publish_subscribe::<u64>().create();
    assert_eq!(again.unwrap_err(), ServiceError::AlreadyExists);
    let bad = node.service_builder("no//empty/segments");
    assert!(matches!(bad.unwrap_err(), ServiceError::Name(_)));
}

#[test]
fn the_last_node_to_leave_removes_the_service() {
    let name = unique("removal");
    {
        let node = NodeBuilder::new().create::<Linux>().unwrap();
        let _service = node
            .service_builder(&name)
            .unwrap()
            .publish_subscribe::<u8>()
            .create()
            .unwrap();
    }
    let node = NodeBuilder::new().create::<Linux>().unwrap();
    let reopened = node.service_builder(&name).unwrap().publish_subscribe::<u8>().open();
    assert_eq!(reopened.unwrap_err(), ServiceError::DoesNotExist);
}

/// A user header as an application might define one.
#[derive(Debug, Clone, Copy, PartialEq, iox2_host::core::payload::ZeroCopySend)]
#[repr(C)]
struct Stamp {
    frame: u32,
    exposure_us: u32,
}

#[test]
fn user_headers_travel_with_the_payload_and_are_part_of_the_type() {
    let node = NodeBuilder::new().name("headers").unwrap().create::<Linux>().unwrap();
    let name = unique("headers");
    let service = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<u64>()
        .user_header::<Stamp>()
        .create()
        .unwrap();
    let subscriber = service.subscriber_builder().create().unwrap();
    let publisher = service.publisher_builder().create().unwrap();
    for frame in 0..10 {
        let mut sample = publisher.loan_uninit().unwrap();
        sample.user_header_mut().write(Stamp {
            frame,
            exposure_us: 250 * frame,
        });
        assert_eq!(sample.write_payload(u64::from(frame) * 7).send().delivered, 1);
        let received = subscriber.receive().unwrap().unwrap();
        assert_eq!(
            *received.user_header(),
            Stamp {
                frame,
                exposure_us: 250 * frame
            }
        );
        assert_eq!(*received, u64::from(frame) * 7);
    }
    let without_header = node.service_builder(&name).unwrap().publish_subscribe::<u64>().open();
    assert!(
        matches!(without_header, Err(ServiceError::Incompatible(_))),
        "{without_header:?}"
    );
}

#[test]
fn slices_of_any_length_up_to_the_maximum() {
    use iox2_host::SendError;
    let node = NodeBuilder::new().name("slices").unwrap().create::<Posix>().unwrap();
    let name = unique("slices");
    let service = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<[u32]>()
        .max_slice_len(100)
        .create()
        .unwrap();
    let subscriber = service.subscriber_builder().create().unwrap();
    let publisher = service.publisher_builder().create().unwrap();
    for len in [0usize, 1, 7, 100] {
        let sample = publisher
            .loan_slice_uninit(len)
            .unwrap()
            .write_from_fn(|i| (len * 1000 + i) as u32);
        assert_eq!(sample.len(), len);
        assert_eq!(sample.send().delivered, 1);
        let received = subscriber.receive().unwrap().unwrap();
        assert_eq!(received.len(), len);
        assert!(received.iter().enumerate().all(|(i, &v)| v == (len * 1000 + i) as u32));
    }
    publisher.send_slice_copy(&[5, 6, 7]).unwrap();
    assert_eq!(&*subscriber.receive().unwrap().unwrap(), &[5, 6, 7]);
    assert_eq!(
        publisher.loan_slice_uninit(101).unwrap_err(),
        SendError::SliceTooLong { len: 101, max: 100 }
    );

    let bigger = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<[u32]>()
        .max_slice_len(200)
        .open();
    assert_eq!(
        bigger.unwrap_err(),
        ServiceError::Insufficient {
            setting: "max_slice_len",
            offered: 100,
            requested: 200
        }
    );
    let single = node.service_builder(&name).unwrap().publish_subscribe::<u32>().open();
    assert!(matches!(single, Err(ServiceError::Incompatible(_))), "{single:?}");
}

#[test]
fn a_subscriber_may_choose_a_smaller_buffer() {
    use iox2_host::PortCreateError;
    let node = NodeBuilder::new().name("buffers").unwrap().create::<Linux>().unwrap();
    let service = node
        .service_builder(&unique("buffers"))
        .unwrap()
        .publish_subscribe::<u64>()
        .subscriber_buffer(4)
        .create()
        .unwrap();
    let newest_only = service.subscriber_builder().buffer_size(1).create().unwrap();
    let default = service.subscriber_builder().create().unwrap();
    let publisher = service.publisher_builder().create().unwrap();
    assert!(newest_only.has_publishers() && default.has_publishers());
    for value in 0..10u64 {
        assert_eq!(publisher.send_copy(value).unwrap().delivered, 2);
    }
    let drain = |subscriber: &Subscriber<Linux, u64>| {
        core::iter::from_fn(|| subscriber.receive().unwrap().map(|sample| *sample)).collect::<Vec<_>>()
    };
    assert_eq!(drain(&newest_only), [9]);
    assert_eq!(drain(&default), [6, 7, 8, 9]);
    assert_eq!(
        service.subscriber_builder().buffer_size(5).create().unwrap_err(),
        PortCreateError::InvalidBufferSize { requested: 5, max: 4 }
    );
}

#[test]
fn a_sleeping_subscriber_is_woken_by_a_send_and_times_out_without_one() {
    use core::time::Duration;
    use iox2_host::platform::wait::WaitOutcome;
    use std::time::Instant;
    let node = NodeBuilder::new().name("sleeper").unwrap().create::<Linux>().unwrap();
    let name = unique("sleeper");
    // Room for every sample: a slow subscriber must not lose any to
    // overflow, so a missing sample can only mean a lost wake-up.
    let service = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<u64>()
        .subscriber_buffer(256)
        .open_or_create()
        .unwrap();
    let subscriber = service.subscriber_builder().create().unwrap();
    let started = Instant::now();
    assert_eq!(
        subscriber.wait(Some(Duration::from_millis(30))).unwrap(),
        WaitOutcome::TimedOut
    );
    assert!(started.elapsed() >= Duration::from_millis(30));
    std::thread::scope(|s| {
        s.spawn(|| {
            let node = NodeBuilder::new().name("waker").unwrap().create::<Linux>().unwrap();
            let service = node
                .service_builder(&name)
                .unwrap()
                .publish_subscribe::<u64>()
                .open()
                .unwrap();
            let publisher = service.publisher_builder().create().unwrap();
            for value in 0..200u64 {
                // Let the subscriber fall asleep between samples.
                std::thread::sleep(Duration::from_micros(200));
                publisher.send_copy(value).unwrap();
            }
        });
        let mut next = 0;
        while next < 200 {
            match subscriber.receive().unwrap() {
                Some(sample) => {
                    assert_eq!(*sample, next);
                    next += 1;
                }
                None => assert_ne!(
                    subscriber.wait(Some(Duration::from_secs(5))).unwrap(),
                    WaitOutcome::TimedOut
                ),
            }
        }
    });
}
