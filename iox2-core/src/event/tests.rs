//! Unit tests of events: merging, deadlines, and a wake across threads
//! through the `local` platform's futex-like waiter.

extern crate std;

use super::*;
use iox2_platform::local::Local;
use iox2_platform::rmw::NativeRmw;
use iox2_platform::{Clock, Platform};
use std::vec::Vec;

type W = <Local as Platform>::Waiter;
type C = <Local as Platform>::Clock;

#[test]
fn ids_merge_and_are_taken_once() {
    let cell = EventCell::<2>::new();
    for id in [5, 40, 5, 63] {
        cell.notify::<NativeRmw, W>(id).unwrap();
    }
    assert_eq!(
        cell.notify::<NativeRmw, W>(64),
        Err(BitOutOfRangeError { bit: 64, len: 64 })
    );
    let mut fired = Vec::new();
    assert_eq!(cell.try_wait::<NativeRmw>(|id| fired.push(id)), 3);
    assert_eq!(fired, [5, 40, 63]);
    assert_eq!(cell.try_wait::<NativeRmw>(|_| panic!("taken twice")), 0);
}

#[test]
fn a_wait_with_nothing_pending_times_out_at_its_deadline() {
    let cell = EventCell::<1>::new();
    let start = C::now();
    let deadline = C::deadline_after(core::time::Duration::from_millis(20));
    assert_eq!(cell.wait::<NativeRmw, W>(Some(deadline), |_| {}), Ok(WaitEnd::TimedOut));
    assert!(C::now().nanos_since(start) >= 20_000_000);
    assert_eq!(cell.word().load(Ordering::Relaxed) & SLEEPING, 0, "not left asleep");
}

#[test]
fn a_notify_from_another_thread_wakes_the_sleeper_every_time() {
    let rounds = if cfg!(miri) { 20 } else { 2_000 };
    let cell = EventCell::<1>::new();
    let back = EventCell::<1>::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            for round in 0..rounds {
                cell.notify::<NativeRmw, W>(round % 32).unwrap();
                assert_eq!(back.wait::<NativeRmw, W>(None, |_| {}), Ok(WaitEnd::Fired));
            }
        });
        for round in 0..rounds {
            let mut fired = Vec::new();
            assert_eq!(cell.wait::<NativeRmw, W>(None, |id| fired.push(id)), Ok(WaitEnd::Fired));
            assert_eq!(fired, [round % 32]);
            back.notify::<NativeRmw, W>(0).unwrap();
        }
    });
}

mod service {
    use super::*;
    use crate::payload::TypeDescriptor;
    use crate::service::{HeaderContent, PortKind, ServiceName, ServiceOpenError, layout_hash};
    use crate::test_memory::Memory;

    fn content(qos: EventQos) -> HeaderContent<'static, EventQos> {
        let len = event_layout(&qos).unwrap().len;
        let unit = TypeDescriptor::of::<()>();
        HeaderContent {
            name: ServiceName::new("test/events").unwrap(),
            settings: qos,
            payload: unit,
            user_header: unit,
            layout_hash: layout_hash::<NativeRmw, _>(&qos, &unit, &unit, len),
            len,
        }
    }

    #[test]
    fn a_notify_reaches_every_active_listener_once_and_ids_are_checked() {
        let content = content(EventQos::DEFAULT);
        let mut memory = Memory::new(content.len);
        let control = EventControl::<NativeRmw>::create(memory.segment(), &content, 1_000).unwrap();
        let registry = control.registry();
        let node = registry.claim_node(7, 1).unwrap();
        let a = registry.claim_port(PortKind::Listener, node.index).unwrap();
        let b = registry.claim_port(PortKind::Listener, node.index).unwrap();
        assert_eq!(control.notify_listeners::<W>(255), Ok(2));
        assert_eq!(
            control.notify_listeners::<W>(256),
            Err(BitOutOfRangeError { bit: 256, len: 256 })
        );
        control.reset_cell(b.index);
        registry.release_port(PortKind::Listener, b);
        assert_eq!(control.notify_listeners::<W>(3), Ok(1));
        let mut fired = Vec::new();
        control.cell(a.index).try_wait::<NativeRmw>(|id| fired.push(id));
        assert_eq!(fired, [3, 255]);
        let c = registry.claim_port(PortKind::Listener, node.index).unwrap();
        assert_eq!(c.index, b.index);
        assert!(!control.cell(c.index).has_pending(), "a new listener starts empty");
        assert_eq!(control.notify_listeners::<W>(4), Ok(2));
        assert!(control.cell(c.index).has_pending(), "an id fired after the claim stays");
    }

    #[test]
    fn the_last_notification_is_the_latest_stamp_or_the_creation() {
        let content = content(EventQos::DEFAULT);
        let mut memory = Memory::new(content.len);
        let control = EventControl::<NativeRmw>::create(memory.segment(), &content, 1_000).unwrap();
        assert_eq!(control.last_notification(), 1_000);
        control.record_notification(3, 5_000);
        control.record_notification(0, 4_000);
        assert_eq!(control.last_notification(), 5_000);
        let reopened = EventControl::<NativeRmw>::open(memory.segment(), &content).unwrap();
        assert_eq!(reopened.last_notification(), 5_000);
    }

    #[test]
    fn an_event_segment_is_not_opened_as_another_pattern_or_setting() {
        let qos = EventQos::DEFAULT;
        let content = content(qos);
        let mut memory = Memory::new(content.len);
        EventControl::<NativeRmw>::create(memory.segment(), &content, 0).unwrap();
        let other = self::content(EventQos {
            event_id_max: 31,
            ..qos
        });
        assert!(matches!(
            EventControl::<NativeRmw>::open(memory.segment(), &other),
            Err(ServiceOpenError::LayoutHash { .. })
        ));
        let header = crate::service::Header::new(memory.segment());
        assert_eq!(header.pattern(), Some(crate::service::Pattern::Event));
        assert!(matches!(
            header.settings::<crate::pubsub::PubSubQos>(),
            Err(ServiceOpenError::Pattern { expected: 1, found: 2 })
        ));
    }

    #[test]
    fn a_prepared_sleep_sees_pending_ids_and_notifies_see_the_sleeper() {
        let cell = EventCell::<1>::new();
        let asleep = cell.prepare_sleep::<NativeRmw>().unwrap();
        assert_eq!(asleep & SLEEPING, SLEEPING);
        cell.notify::<NativeRmw, W>(1).unwrap();
        assert_ne!(cell.wait_word().load(Ordering::Relaxed), asleep, "the word moved");
        assert_eq!(
            cell.wait_word().load(Ordering::Relaxed) & SLEEPING,
            0,
            "the notifier cleared the bit"
        );
        assert_eq!(cell.prepare_sleep::<NativeRmw>(), None, "an id is pending");
        assert_eq!(cell.wait_word().load(Ordering::Relaxed) & SLEEPING, 0);
    }

    #[test]
    fn a_spinning_wait_takes_an_id_fired_within_the_window() {
        let cell = EventCell::<1>::new();
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(core::time::Duration::from_millis(2));
                cell.notify::<NativeRmw, W>(9).unwrap();
            });
            let mut fired = Vec::new();
            let end = cell.wait_spinning::<NativeRmw, W, C>(1_000_000_000, None, |id| fired.push(id));
            assert_eq!((end, fired.as_slice()), (Ok(WaitEnd::Fired), &[9][..]));
            assert_eq!(cell.word().load(Ordering::Relaxed) & SLEEPING, 0, "never slept");
        });
    }
}
