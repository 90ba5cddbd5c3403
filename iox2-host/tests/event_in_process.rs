//! Events and the WaitSet within one process, on both host platforms: ids
//! merge and none is lost, waits time out, deadlines are reported to the
//! late notifier and to the WaitSet, and bad input gets a typed error.

use core::time::Duration;
use iox2_core::event::EventQos;
use iox2_core::service::{QosError, ServiceOpenError};
use iox2_host::prelude::*;
use iox2_host::{
    CallbackProgression, HostPlatform, ListenerWaitError, NotifyError, PortCreateError, ServiceError,
    WaitSetAttachmentError, WaitSetCreateError, WaitSetRunError, WaitSetRunResult,
};
use std::time::Instant;

fn unique(stem: &str) -> String {
    use core::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "test/event/{stem}/{}/{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn node<P: HostPlatform>() -> Node<P> {
    NodeBuilder::new().name("event-test").unwrap().create::<P>().unwrap()
}

/// A notifier of the existing event service `name`, through a node of its own.
fn open_notifier<P: HostPlatform>(name: &str) -> Notifier<P> {
    let node = node::<P>();
    let service = node.service_builder(name).unwrap().event().open().unwrap();
    service.notifier_builder().create().unwrap()
}

fn ids_merge_and_none_is_lost<P: HostPlatform>() {
    let node = node::<P>();
    let service = node
        .service_builder(&unique("merge"))
        .unwrap()
        .event()
        .open_or_create()
        .unwrap();
    assert_eq!(*service.qos(), EventQos::DEFAULT);
    let a = service.listener_builder().create().unwrap();
    let b = service.listener_builder().create().unwrap();
    let notifier = service
        .notifier_builder()
        .default_event_id(EventId::new(7))
        .create()
        .unwrap();
    for id in [3, 200, 3, 255] {
        assert_eq!(notifier.notify_with_custom_event_id(EventId::new(id)), Ok(2));
    }
    assert_eq!(notifier.notify(), Ok(2));
    let mut all = Vec::new();
    a.try_wait_all(|id| all.push(id.as_value())).unwrap();
    assert_eq!(all, [3, 7, 200, 255], "merged, ascending");
    let mut one_by_one = Vec::new();
    while let Some(id) = b.try_wait_one().unwrap() {
        one_by_one.push(id.as_value());
    }
    assert_eq!(one_by_one, [3, 7, 200, 255]);
    assert_eq!(a.try_wait_one(), Ok(None));
}

#[test]
fn ids_merge_and_none_is_lost_linux() {
    ids_merge_and_none_is_lost::<Linux>();
}

#[test]
fn ids_merge_and_none_is_lost_posix() {
    ids_merge_and_none_is_lost::<Posix>();
}

fn waits_time_out_and_wake<P: HostPlatform>() {
    let node = node::<P>();
    let service = node
        .service_builder(&unique("timeout"))
        .unwrap()
        .event()
        .open_or_create()
        .unwrap();
    let listener = service.listener_builder().create().unwrap();
    let start = Instant::now();
    assert_eq!(listener.timed_wait_one(Duration::from_millis(30)), Ok(None));
    assert!(start.elapsed() >= Duration::from_millis(30));
    let mut none = true;
    listener
        .timed_wait_all(|_| none = false, Duration::from_millis(10))
        .unwrap();
    assert!(none);
    let name = service.name().to_owned();
    std::thread::scope(|s| {
        s.spawn(move || {
            let notifier = open_notifier::<P>(&name);
            std::thread::sleep(Duration::from_millis(20));
            notifier.notify_with_custom_event_id(EventId::new(42)).unwrap();
        });
        assert_eq!(listener.blocking_wait_one(), Ok(Some(EventId::new(42))));
    });
}

#[test]
fn waits_time_out_and_wake_linux() {
    waits_time_out_and_wake::<Linux>();
}

#[test]
fn waits_time_out_and_wake_posix() {
    waits_time_out_and_wake::<Posix>();
}

fn a_spinning_listener_takes_a_quick_event<P: HostPlatform>() {
    let node = node::<P>();
    let service = node
        .service_builder(&unique("spin"))
        .unwrap()
        .event()
        .open_or_create()
        .unwrap();
    let listener = service
        .listener_builder()
        .spin(Duration::from_secs(5))
        .create()
        .unwrap();
    let name = service.name().to_owned();
    std::thread::scope(|s| {
        s.spawn(move || {
            let notifier = open_notifier::<P>(&name);
            std::thread::sleep(Duration::from_millis(5));
            notifier.notify_with_custom_event_id(EventId::new(1)).unwrap();
        });
        assert_eq!(listener.blocking_wait_one(), Ok(Some(EventId::new(1))));
    });
}

#[test]
fn a_spinning_listener_takes_a_quick_event_linux() {
    a_spinning_listener_takes_a_quick_event::<Linux>();
}

#[test]
fn a_spinning_listener_takes_a_quick_event_posix() {
    a_spinning_listener_takes_a_quick_event::<Posix>();
}

fn lifecycle_ids_fire<P: HostPlatform>() {
    let node = node::<P>();
    let service = node
        .service_builder(&unique("lifecycle"))
        .unwrap()
        .event()
        .notifier_created_event(EventId::new(10))
        .notifier_dropped_event(EventId::new(11))
        .open_or_create()
        .unwrap();
    let listener = service.listener_builder().create().unwrap();
    let notifier = service.notifier_builder().create().unwrap();
    assert_eq!(listener.try_wait_one(), Ok(Some(EventId::new(10))));
    drop(notifier);
    assert_eq!(listener.try_wait_one(), Ok(Some(EventId::new(11))));
    assert_eq!(listener.try_wait_one(), Ok(None));
}

#[test]
fn lifecycle_ids_fire_linux() {
    lifecycle_ids_fire::<Linux>();
}

#[test]
fn lifecycle_ids_fire_posix() {
    lifecycle_ids_fire::<Posix>();
}

fn a_late_notifier_learns_it<P: HostPlatform>() {
    let node = node::<P>();
    let service = node
        .service_builder(&unique("deadline"))
        .unwrap()
        .event()
        .deadline(Duration::from_millis(40))
        .open_or_create()
        .unwrap();
    assert_eq!(service.deadline(), Some(Duration::from_millis(40)));
    let listener = service.listener_builder().create().unwrap();
    let notifier = service.notifier_builder().create().unwrap();
    assert_eq!(notifier.notify(), Ok(1), "on time after the creation");
    std::thread::sleep(Duration::from_millis(60));
    match notifier.notify() {
        Err(NotifyError::MissedDeadline {
            reached,
            elapsed,
            deadline,
        }) => {
            assert_eq!((reached, deadline), (1, Duration::from_millis(40)));
            assert!(elapsed >= Duration::from_millis(60), "{elapsed:?}");
        }
        other => panic!("expected a missed deadline, got {other:?}"),
    }
    assert_eq!(notifier.notify(), Ok(1), "on time again");
    assert_eq!(
        listener.try_wait_one(),
        Ok(Some(EventId::new(0))),
        "delivered all the same"
    );
}

#[test]
fn a_late_notifier_learns_it_linux() {
    a_late_notifier_learns_it::<Linux>();
}

#[test]
fn a_late_notifier_learns_it_posix() {
    a_late_notifier_learns_it::<Posix>();
}

fn bad_input_gets_typed_errors<P: HostPlatform>() {
    let node = node::<P>();
    let name = unique("bad");
    let builder = || node.service_builder(&name).unwrap().event();
    assert_eq!(
        builder().deadline(Duration::ZERO).create().err(),
        Some(ServiceError::Qos(QosError::Zero("deadline")))
    );
    assert_eq!(
        builder()
            .event_id_max(7)
            .notifier_dead_event(EventId::new(8))
            .create()
            .err(),
        Some(ServiceError::Qos(QosError::EventIdAboveMax {
            what: "notifier_dead_event",
            id: 8,
            max: 7
        }))
    );
    let service = builder()
        .event_id_max(7)
        .max_listeners(1)
        .deadline(Duration::from_secs(1))
        .create()
        .unwrap();
    assert_eq!(
        builder().deadline(Duration::from_secs(2)).open().err(),
        Some(ServiceError::Differs {
            setting: "deadline",
            offered: 1_000_000_000,
            requested: 2_000_000_000
        })
    );
    assert_eq!(
        builder().max_listeners(2).open().err(),
        Some(ServiceError::Insufficient {
            setting: "max_listeners",
            offered: 1,
            requested: 2
        })
    );
    assert!(matches!(
        node.service_builder(&name)
            .unwrap()
            .publish_subscribe::<u64>()
            .open()
            .err(),
        Some(ServiceError::Incompatible(ServiceOpenError::Pattern {
            expected: 1,
            found: 2
        }))
    ));
    let notifier = service.notifier_builder().create().unwrap();
    assert_eq!(
        notifier.notify_with_custom_event_id(EventId::new(8)),
        Err(NotifyError::EventIdOutOfBounds { id: 8, max: 7 })
    );
    assert_eq!(
        service
            .notifier_builder()
            .default_event_id(EventId::new(9))
            .create()
            .err(),
        Some(PortCreateError::EventIdOutOfBounds { id: 9, max: 7 })
    );
    let _listener = service.listener_builder().create().unwrap();
    assert!(matches!(
        service.listener_builder().create(),
        Err(PortCreateError::ExceedsMaxPorts)
    ));
}

#[test]
fn bad_input_gets_typed_errors_linux() {
    bad_input_gets_typed_errors::<Linux>();
}

#[test]
fn bad_input_gets_typed_errors_posix() {
    bad_input_gets_typed_errors::<Posix>();
}

fn waitset_reports_events_deadlines_and_ticks<P: HostPlatform>() {
    let node = node::<P>();
    let service = node
        .service_builder(&unique("waitset"))
        .unwrap()
        .event()
        .open_or_create()
        .unwrap();
    let listener = service.listener_builder().create().unwrap();
    let quiet = service.listener_builder().create().unwrap();
    let notifier = service.notifier_builder().create().unwrap();
    let waitset = WaitSetBuilder::new().create::<P>().unwrap();
    let events = waitset.attach_notification(&listener).unwrap();
    assert_eq!(
        waitset.attach_notification(&listener).err(),
        Some(WaitSetAttachmentError::AlreadyAttached)
    );
    assert_eq!(
        waitset.attach_interval(Duration::ZERO).err(),
        Some(WaitSetAttachmentError::ZeroDuration)
    );

    // Nothing yet: the timeout passes without a callback.
    let start = Instant::now();
    let result = waitset.wait_and_process_once_with_timeout(|_| panic!("nothing fired"), Duration::from_millis(20));
    assert_eq!(result, Ok(WaitSetRunResult::AllEventsHandled));
    assert!(start.elapsed() >= Duration::from_millis(20));

    // An event wakes the WaitSet from another thread.
    let name = service.name().to_owned();
    std::thread::scope(|s| {
        s.spawn(move || {
            let notifier = open_notifier::<P>(&name);
            std::thread::sleep(Duration::from_millis(10));
            notifier.notify_with_custom_event_id(EventId::new(5)).unwrap();
        });
        let mut seen = 0;
        let result = waitset.wait_and_process_once(|fired| {
            assert!(fired.has_event_from(&events));
            listener.try_wait_all(|id| assert_eq!(id, EventId::new(5))).unwrap();
            seen += 1;
            CallbackProgression::Continue
        });
        assert_eq!((result, seen), (Ok(WaitSetRunResult::AllEventsHandled), 1));
    });
    quiet.try_wait_all(|_| {}).unwrap();

    // A deadline without events is missed, and an interval ticks.
    let deadline = waitset.attach_deadline(&quiet, Duration::from_millis(30)).unwrap();
    let tick = waitset.attach_interval(Duration::from_millis(10)).unwrap();
    let (mut missed, mut ticks) = (0, 0);
    let start = Instant::now();
    let result = waitset.wait_and_process(|fired| {
        assert!(!fired.has_event_from(&events));
        if fired.has_missed_deadline(&deadline) {
            missed += 1;
            return CallbackProgression::Stop;
        }
        if fired.has_event_from(&tick) {
            ticks += 1;
        }
        CallbackProgression::Continue
    });
    assert_eq!(result, Ok(WaitSetRunResult::StopRequest));
    assert_eq!(missed, 1);
    assert!(start.elapsed() >= Duration::from_millis(25), "{:?}", start.elapsed());
    assert!(ticks >= 1, "the interval ticked {ticks} times");

    // An event on the deadline's listener is an event, not a miss.
    notifier.notify().unwrap();
    let mut kinds = Vec::new();
    waitset
        .wait_and_process_once(|fired| {
            kinds.push((fired.has_event_from(&deadline), fired.has_missed_deadline(&deadline)));
            CallbackProgression::Continue
        })
        .unwrap();
    assert!(kinds.contains(&(true, false)), "{kinds:?}");
    drop((events, deadline, tick));
    assert!(waitset.is_empty());
    assert_eq!(
        waitset.wait_and_process_once(|_| CallbackProgression::Continue),
        Err(WaitSetRunError::NoAttachments)
    );
}

#[test]
fn waitset_reports_events_deadlines_and_ticks_linux() {
    waitset_reports_events_deadlines_and_ticks::<Linux>();
}

#[test]
fn waitset_reports_events_deadlines_and_ticks_posix() {
    waitset_reports_events_deadlines_and_ticks::<Posix>();
}

fn waitset_capacity_is_enforced<P: HostPlatform>() {
    assert!(matches!(
        WaitSetBuilder::new().capacity(0).create::<P>(),
        Err(WaitSetCreateError::InvalidCapacity { requested: 0, .. })
    ));
    let node = node::<P>();
    let service = node
        .service_builder(&unique("capacity"))
        .unwrap()
        .event()
        .open_or_create()
        .unwrap();
    let a = service.listener_builder().create().unwrap();
    let b = service.listener_builder().create().unwrap();
    let waitset = WaitSetBuilder::new().capacity(1).create::<P>().unwrap();
    let _a = waitset.attach_notification(&a).unwrap();
    assert_eq!(
        waitset.attach_notification(&b).err(),
        Some(WaitSetAttachmentError::InsufficientCapacity { capacity: 1 })
    );
    let _tick = waitset.attach_interval(Duration::from_secs(1)).unwrap();
}

#[test]
fn waitset_capacity_is_enforced_linux() {
    waitset_capacity_is_enforced::<Linux>();
}

#[test]
fn waitset_capacity_is_enforced_posix() {
    waitset_capacity_is_enforced::<Posix>();
}

fn waitset_wakes_on_a_sample<P: HostPlatform>() {
    let node = node::<P>();
    let service = node
        .service_builder(&unique("samples"))
        .unwrap()
        .publish_subscribe::<u64>()
        .open_or_create()
        .unwrap();
    let subscriber = service.subscriber_builder().create().unwrap();
    let waitset = WaitSetBuilder::new().create::<P>().unwrap();
    let guard = waitset.attach_notification(&subscriber).unwrap();
    let name = service.name().to_owned();
    std::thread::scope(|s| {
        // The publisher stays until the sample is taken: a sample whose
        // publisher left before the subscriber attached to it is gone.
        // (`done` drops if this closure panics, which ends the thread.)
        let (done, until_done) = std::sync::mpsc::channel::<()>();
        s.spawn(move || {
            let node = self::node::<P>();
            let service = node
                .service_builder(&name)
                .unwrap()
                .publish_subscribe::<u64>()
                .open()
                .unwrap();
            let publisher = service.publisher_builder().create().unwrap();
            std::thread::sleep(Duration::from_millis(10));
            assert_eq!(publisher.send_copy(99).unwrap().delivered, 1);
            let _ = until_done.recv();
        });
        let mut got = None;
        waitset
            .wait_and_process_once(|fired| {
                assert!(fired.has_event_from(&guard));
                got = subscriber.receive().unwrap().map(|sample| *sample);
                CallbackProgression::Continue
            })
            .unwrap();
        done.send(()).unwrap();
        assert_eq!(got, Some(99));
    });
}

#[test]
fn waitset_wakes_on_a_sample_linux() {
    waitset_wakes_on_a_sample::<Linux>();
}

#[test]
fn waitset_wakes_on_a_sample_posix() {
    waitset_wakes_on_a_sample::<Posix>();
}

#[test]
fn listener_wait_error_says_what_happened() {
    assert_eq!(
        ListenerWaitError::InterruptSignal.to_string(),
        "a signal interrupted the wait"
    );
}
