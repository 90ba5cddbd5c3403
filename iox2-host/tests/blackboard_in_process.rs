//! Blackboards within one process, on both host platforms: defaults and
//! updates of values of several types, the key list, entry ids that tell
//! readers of changes, one writer and at most `max_readers` readers,
//! readers on threads that never see a torn or older value, and typed
//! errors for bad input (unknown key, wrong value type, another key type,
//! no key, a key twice).

use iox2_core::blackboard::BlackboardQos;
use iox2_core::payload::{AnyBitPattern, TypeDescriptor, TypeMismatch, TypeName, TypeNameExcerpt};
use iox2_core::service::{QosError, ServiceOpenError};
use iox2_host::prelude::*;
use iox2_host::{BlackboardCreateError, BlackboardOpenError, EntryError, HostPlatform, PortCreateError, ServiceError};

fn unique(stem: &str) -> String {
    use core::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "test/blackboard/{stem}/{}/{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn node<P: HostPlatform>() -> Node<P> {
    NodeBuilder::new()
        .name("blackboard-test")
        .unwrap()
        .create::<P>()
        .unwrap()
}

fn excerpt(name: &str) -> TypeNameExcerpt {
    TypeNameExcerpt::new(&TypeName::new(name).unwrap())
}

/// A value valid for every bit pattern (derived).
#[derive(Debug, Clone, Copy, PartialEq, ZeroCopySend, AnyBitPattern)]
#[repr(C)]
#[type_name("test::Pose")]
struct Pose {
    x: f64,
    y: f64,
    heading: f32,
    quality: u32,
}

/// A value with a `bool`: no padding, so an `EntryValue` by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[repr(C)]
#[type_name("test::Mode")]
struct Mode {
    level: u16,
    armed: bool,
    enabled: bool,
}

// SAFETY: 2 + 1 + 1 bytes at alignment 2: no padding (asserted below).
unsafe impl EntryValue for Mode {}
const _: () = assert!(size_of::<Mode>() == 4);

const SPEED: u64 = 1;
const NAME: u64 = 2;
const POSE: u64 = 3;
const MODE: u64 = 4;
const READY: u64 = 5;

const MODE_DEFAULT: Mode = Mode {
    level: 1,
    armed: false,
    enabled: true,
};

/// The test blackboard: five keys of five value types.
fn create<P: HostPlatform>(node: &Node<P>, name: &str) -> BlackboardService<P, u64> {
    node.service_builder(name)
        .unwrap()
        .blackboard_creator::<u64>()
        .add::<f32>(SPEED, 0.0)
        .add::<[u8; 16]>(NAME, *b"robot-0000000000")
        .add::<Pose>(
            POSE,
            Pose {
                x: 0.0,
                y: 0.0,
                heading: 0.0,
                quality: 0,
            },
        )
        .add::<Mode>(MODE, MODE_DEFAULT)
        .add::<bool>(READY, false)
        .create()
        .unwrap()
}

fn open<P: HostPlatform>(node: &Node<P>, name: &str) -> BlackboardService<P, u64> {
    node.service_builder(name)
        .unwrap()
        .blackboard_opener::<u64>()
        .open()
        .unwrap()
}

fn defaults_and_updates_round_trip<P: HostPlatform>() {
    let node = node::<P>();
    let name = unique("values");
    let service = create(&node, &name);
    let qos = *service.qos();
    assert_eq!(
        (qos.max_readers, qos.max_nodes, qos.entries),
        (BlackboardQos::DEFAULT_MAX_READERS, BlackboardQos::DEFAULT_MAX_NODES, 5)
    );
    assert_eq!((qos.max_readers, qos.max_nodes), (8, 20), "iceoryx2's defaults");
    assert_eq!(service.list_keys(), [SPEED, NAME, POSE, MODE, READY]);
    assert_eq!(service.value_type(POSE), Ok(TypeDescriptor::of::<Pose>()));

    let reader = service.reader_builder().create().unwrap();
    let speed = reader.entry::<f32>(SPEED).unwrap();
    let mode = reader.entry::<Mode>(MODE).unwrap();
    let ready = reader.entry::<bool>(READY).unwrap();
    assert_eq!(speed.get(), 0.0);
    assert_eq!(reader.entry::<[u8; 16]>(NAME).unwrap().get(), *b"robot-0000000000");
    assert_eq!(mode.get(), MODE_DEFAULT);
    assert!(!ready.get());

    let writer = service.writer_builder().create().unwrap();
    writer.entry::<f32>(SPEED).unwrap().update_with_copy(3.5);
    let pose = Pose {
        x: 1.5,
        y: -2.25,
        heading: 0.5,
        quality: 7,
    };
    writer.entry::<Pose>(POSE).unwrap().update_with_copy(pose);
    let armed = Mode {
        level: 3,
        armed: true,
        enabled: false,
    };
    writer.entry::<Mode>(MODE).unwrap().update_with_copy(armed);
    let ready_writer = writer.entry::<bool>(READY).unwrap();
    ready_writer.update_with_copy(true);
    assert_eq!(ready_writer.key(), READY);

    assert_eq!(speed.get(), 3.5, "a handle reads the newest value");
    assert_eq!(speed.try_get(), Ok(3.5));
    assert_eq!(reader.entry::<Pose>(POSE).unwrap().get(), pose);
    assert_eq!(mode.get(), armed);
    assert_eq!(mode.default_value(), MODE_DEFAULT, "the default stays");
    assert!(ready.get());
    assert!(!ready.write_in_progress());

    // Another node opening the service sees the values written so far.
    let other = NodeBuilder::new().name("late").unwrap().create::<P>().unwrap();
    let opened = open(&other, &name);
    assert_eq!(opened.list_keys(), [SPEED, NAME, POSE, MODE, READY]);
    assert_eq!(*opened.qos(), qos);
    let late = opened.reader_builder().create().unwrap();
    assert_eq!(late.entry::<f32>(SPEED).unwrap().get(), 3.5);
    assert_eq!(late.entry::<Mode>(MODE).unwrap().get(), armed);
    // ... and the other way round.
    drop(writer);
    let late_writer = opened.writer_builder().create().unwrap();
    late_writer.entry::<f32>(SPEED).unwrap().update_with_copy(-1.0);
    assert_eq!(speed.get(), -1.0);
}

#[test]
fn defaults_and_updates_round_trip_linux() {
    defaults_and_updates_round_trip::<Linux>();
}

#[test]
fn defaults_and_updates_round_trip_posix() {
    defaults_and_updates_round_trip::<Posix>();
}

fn unknown_keys_and_wrong_types_are_typed_errors<P: HostPlatform>() {
    let node = node::<P>();
    let service = create(&node, &unique("entries"));
    let writer = service.writer_builder().create().unwrap();
    let reader = service.reader_builder().create().unwrap();
    assert_eq!(writer.entry::<f32>(99).unwrap_err(), EntryError::UnknownKey);
    assert_eq!(reader.entry::<f32>(99).unwrap_err(), EntryError::UnknownKey);
    assert_eq!(service.value_type(99), Err(EntryError::UnknownKey));
    assert_eq!(
        reader.entry::<u32>(SPEED).unwrap_err(),
        EntryError::WrongType(TypeMismatch::Name {
            expected: excerpt("u32"),
            found: excerpt("f32")
        })
    );
    assert_eq!(
        writer.entry::<[u8; 8]>(NAME).unwrap_err(),
        EntryError::WrongType(TypeMismatch::Name {
            expected: excerpt("[u8; 8]"),
            found: excerpt("[u8; 16]")
        })
    );
    assert!(matches!(
        writer.entry::<u8>(READY),
        Err(EntryError::WrongType(TypeMismatch::Name { .. }))
    ));
    let message = reader.entry::<u32>(SPEED).unwrap_err().to_string();
    assert!(message.contains("`u32`") && message.contains("`f32`"), "{message}");
    // The right type still works after the wrong ones.
    writer.entry::<f32>(SPEED).unwrap().update_with_copy(9.0);
    assert_eq!(reader.entry::<f32>(SPEED).unwrap().get(), 9.0);
}

#[test]
fn unknown_keys_and_wrong_types_are_typed_errors_linux() {
    unknown_keys_and_wrong_types_are_typed_errors::<Linux>();
}

#[test]
fn unknown_keys_and_wrong_types_are_typed_errors_posix() {
    unknown_keys_and_wrong_types_are_typed_errors::<Posix>();
}

fn one_writer_and_at_most_max_readers<P: HostPlatform>() {
    let node = node::<P>();
    let name = unique("ports");
    let service = node
        .service_builder(&name)
        .unwrap()
        .blackboard_creator::<u64>()
        .add::<u32>(1, 0)
        .max_readers(2)
        .create()
        .unwrap();
    let writer = service.writer_builder().create().unwrap();
    assert_eq!(
        service.writer_builder().create().unwrap_err(),
        PortCreateError::ExceedsMaxPorts
    );
    let other = NodeBuilder::new().name("second").unwrap().create::<P>().unwrap();
    let opened = open(&other, &name);
    assert_eq!(
        opened.writer_builder().create().unwrap_err(),
        PortCreateError::ExceedsMaxPorts,
        "one writer across nodes"
    );
    drop(writer);
    let writer = opened.writer_builder().create().expect("the writer slot is free again");
    writer.entry::<u32>(1).unwrap().update_with_copy(5);

    let a = service.reader_builder().create().unwrap();
    let b = opened.reader_builder().create().unwrap();
    assert_eq!(
        service.reader_builder().create().unwrap_err(),
        PortCreateError::ExceedsMaxPorts
    );
    drop(a);
    let c = service.reader_builder().create().unwrap();
    assert_eq!(b.entry::<u32>(1).unwrap().get(), 5);
    assert_eq!(c.entry::<u32>(1).unwrap().get(), 5);
}

#[test]
fn one_writer_and_at_most_max_readers_linux() {
    one_writer_and_at_most_max_readers::<Linux>();
}

#[test]
fn one_writer_and_at_most_max_readers_posix() {
    one_writer_and_at_most_max_readers::<Posix>();
}

fn bad_creation_and_opening_get_typed_errors<P: HostPlatform>() {
    let node = node::<P>();
    let name = unique("bad");
    let creator = || node.service_builder(&name).unwrap().blackboard_creator::<u64>();
    assert_eq!(creator().create().unwrap_err(), BlackboardCreateError::NoEntries);
    assert_eq!(
        creator()
            .add::<u8>(1, 0)
            .add::<u8>(2, 0)
            .add::<f32>(1, 0.0)
            .create()
            .unwrap_err(),
        BlackboardCreateError::DuplicateKey { index: 2 }
    );
    assert_eq!(
        creator().add::<u8>(1, 0).max_readers(0).create().unwrap_err(),
        BlackboardCreateError::Service(ServiceError::Qos(QosError::Zero("max_readers")))
    );
    assert_eq!(
        node.service_builder(&name)
            .unwrap()
            .blackboard_opener::<u64>()
            .open()
            .unwrap_err(),
        BlackboardOpenError::Service(ServiceError::DoesNotExist)
    );

    let _service = creator().add::<u8>(1, 0).create().unwrap();
    assert_eq!(
        creator().add::<u8>(1, 0).create().unwrap_err(),
        BlackboardCreateError::Service(ServiceError::AlreadyExists)
    );
    // Another key type.
    assert_eq!(
        node.service_builder(&name)
            .unwrap()
            .blackboard_opener::<u32>()
            .open()
            .unwrap_err(),
        BlackboardOpenError::Service(ServiceError::Incompatible(ServiceOpenError::Payload(
            TypeMismatch::Name {
                expected: excerpt("u32"),
                found: excerpt("u64")
            }
        )))
    );
    assert_eq!(
        node.service_builder(&name)
            .unwrap()
            .blackboard_opener::<u64>()
            .max_readers(9)
            .open()
            .unwrap_err(),
        BlackboardOpenError::Service(ServiceError::Insufficient {
            setting: "max_readers",
            offered: 8,
            requested: 9
        })
    );
    // Another pattern under the name.
    let events = unique("events");
    let _event = node.service_builder(&events).unwrap().event().create().unwrap();
    assert_eq!(
        node.service_builder(&events)
            .unwrap()
            .blackboard_opener::<u64>()
            .open()
            .unwrap_err(),
        BlackboardOpenError::Service(ServiceError::Incompatible(ServiceOpenError::Pattern {
            expected: 4,
            found: 2
        }))
    );
    assert!(
        node.service_builder(&events).unwrap().event().open().is_ok(),
        "the event service is untouched"
    );
}

#[test]
fn bad_creation_and_opening_get_typed_errors_linux() {
    bad_creation_and_opening_get_typed_errors::<Linux>();
}

#[test]
fn bad_creation_and_opening_get_typed_errors_posix() {
    bad_creation_and_opening_get_typed_errors::<Posix>();
}

fn entry_ids_tell_readers_of_changes<P: HostPlatform>() {
    let node = node::<P>();
    let name = unique("ids");
    let service = create(&node, &name);
    let events = node
        .service_builder(&format!("{name}/changes"))
        .unwrap()
        .event()
        .create()
        .unwrap();
    let listener = events.listener_builder().create().unwrap();
    let notifier = events.notifier_builder().create().unwrap();
    let writer = service.writer_builder().create().unwrap();
    let reader = service.reader_builder().create().unwrap();

    let ids: Vec<u32> = service
        .list_keys()
        .into_iter()
        .map(|key| match key {
            SPEED => reader.entry::<f32>(key).unwrap().entry_id().as_value(),
            NAME => reader.entry::<[u8; 16]>(key).unwrap().entry_id().as_value(),
            POSE => reader.entry::<Pose>(key).unwrap().entry_id().as_value(),
            MODE => reader.entry::<Mode>(key).unwrap().entry_id().as_value(),
            _ => reader.entry::<bool>(key).unwrap().entry_id().as_value(),
        })
        .collect();
    assert_eq!(ids, [0, 1, 2, 3, 4], "a key's id is its position");

    let name_writer = writer.entry::<[u8; 16]>(NAME).unwrap();
    name_writer.update_with_copy(*b"robot-1234567890");
    notifier.notify_with_custom_event_id(name_writer.entry_id()).unwrap();
    let fired = listener.try_wait_one().unwrap().expect("the change was announced");
    let changed = service.list_keys()[fired.as_value() as usize];
    assert_eq!(changed, NAME);
    assert_eq!(reader.entry::<[u8; 16]>(changed).unwrap().get(), *b"robot-1234567890");
    assert_eq!(listener.try_wait_one(), Ok(None));
}

#[test]
fn entry_ids_tell_readers_of_changes_linux() {
    entry_ids_tell_readers_of_changes::<Linux>();
}

#[test]
fn entry_ids_tell_readers_of_changes_posix() {
    entry_ids_tell_readers_of_changes::<Posix>();
}

/// A large self-checking value: every word the same.
type Big = [u64; 512];

fn readers_on_threads_never_see_a_torn_or_older_value<P: HostPlatform>() {
    const WRITES: u64 = 20_000;
    let node = node::<P>();
    let name = unique("threads");
    let service = node
        .service_builder(&name)
        .unwrap()
        .blackboard_creator::<u64>()
        .add::<Big>(1, [0; 512])
        .create()
        .unwrap();
    let writer = service.writer_builder().create().unwrap();
    let big = writer.entry::<Big>(1).unwrap();
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let name = name.clone();
                s.spawn(move || {
                    let node = NodeBuilder::new().name("reader").unwrap().create::<P>().unwrap();
                    let service = open(&node, &name);
                    let reader = service.reader_builder().create().unwrap();
                    let entry = reader.entry::<Big>(1).unwrap();
                    let (mut last, mut reads, mut fresh) = (0, 0u64, 0u64);
                    while last < WRITES {
                        let value = entry.get();
                        assert!(value.iter().all(|&w| w == value[0]), "torn at {}", value[0]);
                        assert!(value[0] >= last, "went back from {last} to {}", value[0]);
                        fresh += u64::from(value[0] > last);
                        last = value[0];
                        reads += 1;
                    }
                    (reads, fresh)
                })
            })
            .collect();
        for value in 1..=WRITES {
            big.update_with_copy([value; 512]);
        }
        for reader in readers {
            let (reads, fresh) = reader.join().unwrap();
            assert!(reads >= fresh && fresh > 0);
        }
    });
}

#[test]
fn readers_on_threads_never_see_a_torn_or_older_value_linux() {
    readers_on_threads_never_see_a_torn_or_older_value::<Linux>();
}

#[test]
fn readers_on_threads_never_see_a_torn_or_older_value_posix() {
    readers_on_threads_never_see_a_torn_or_older_value::<Posix>();
}

fn the_last_node_to_leave_removes_the_blackboard<P: HostPlatform>() {
    let name = unique("removed");
    {
        let node = node::<P>();
        let service = create(&node, &name);
        let writer = service.writer_builder().create().unwrap();
        writer.entry::<f32>(SPEED).unwrap().update_with_copy(1.0);
    }
    let node = node::<P>();
    assert_eq!(
        node.service_builder(&name)
            .unwrap()
            .blackboard_opener::<u64>()
            .open()
            .unwrap_err(),
        BlackboardOpenError::Service(ServiceError::DoesNotExist)
    );
    let service = create(&node, &name);
    let reader = service.reader_builder().create().unwrap();
    assert_eq!(
        reader.entry::<f32>(SPEED).unwrap().get(),
        0.0,
        "a new blackboard, with its defaults"
    );
}

#[test]
fn the_last_node_to_leave_removes_the_blackboard_linux() {
    the_last_node_to_leave_removes_the_blackboard::<Linux>();
}

#[test]
fn the_last_node_to_leave_removes_the_blackboard_posix() {
    the_last_node_to_leave_removes_the_blackboard::<Posix>();
}

/// The service and a reader may be shared between threads; the writer may
/// move to another thread (its entry handles stay where they were made).
#[test]
fn ports_move_between_threads() {
    fn send_and_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_and_sync::<BlackboardService<Linux, u64>>();
    send_and_sync::<Reader<Linux, u64>>();
    send::<Writer<Posix, u64>>();
    let node = node::<Linux>();
    let service = create(&node, &unique("threads-move"));
    let writer = service.writer_builder().create().unwrap();
    let reader = service.reader_builder().create().unwrap();
    std::thread::scope(|s| {
        s.spawn(move || writer.entry::<f32>(SPEED).unwrap().update_with_copy(4.0))
            .join()
            .unwrap();
        s.spawn(|| assert_eq!(reader.entry::<f32>(SPEED).unwrap().get(), 4.0))
            .join()
            .unwrap();
    });
}
