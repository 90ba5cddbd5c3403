//! What the host API does with bad input: invalid names and settings,
//! more ports, loans or borrows than the service allows, and a control
//! segment corrupted behind its back. Each answer is a typed error, never a
//! panic. In one process; each test runs over the `linux` and the `posix`
//! platform.

use core::sync::atomic::{AtomicU32, Ordering};
use iox2_core::pubsub::{LoanError, ReceiveError};
use iox2_core::service::{ABI_VERSION, QosError, ServiceOpenError};
use iox2_core::service::{RegionNameBuffer, ServiceName, ServiceNameError};
use iox2_host::prelude::*;
use iox2_host::{HostPlatform, NodeCreateError, PortCreateError, SendError, ServiceError};
use iox2_platform::{Access, Region};
use iox2_tests::unique_service;

fn node<P: HostPlatform>() -> Node<P> {
    NodeBuilder::new().name("bad-input").unwrap().create::<P>().unwrap()
}

// ---------------------------------------------------------------------------

fn names<P: HostPlatform>() {
    let node = node::<P>();
    let error = |name: &str| node.service_builder(name).unwrap_err();
    assert_eq!(error(""), ServiceError::Name(ServiceNameError::Empty));
    assert_eq!(
        error(&"a".repeat(256)),
        ServiceError::Name(ServiceNameError::TooLong { len: 256 })
    );
    assert!(node.service_builder(&"a".repeat(255)).is_ok(), "255 bytes are allowed");
    for (name, at) in [
        ("a b", 1),
        ("a$b", 1),
        ("ab\0", 2),
        ("caf\u{e9}", 3),
        ("a\\b", 1),
        ("*", 0),
    ] {
        assert_eq!(
            error(name),
            ServiceError::Name(ServiceNameError::ForbiddenCharacter { at }),
            "{name:?}"
        );
    }
    for name in ["/a", "a/", "a//b"] {
        assert!(
            matches!(error(name), ServiceError::Name(ServiceNameError::EmptySegment { .. })),
            "{name:?}"
        );
    }
    let node_name = NodeBuilder::new().name("no spaces").unwrap_err();
    assert!(matches!(node_name, NodeCreateError::Name(_)), "{node_name:?}");
    // Settings that cannot work are refused on create, by name.
    let history = node
        .service_builder(&unique_service("bad-qos"))
        .unwrap()
        .publish_subscribe::<u64>()
        .subscriber_buffer(2)
        .history(3)
        .create()
        .unwrap_err();
    assert_eq!(
        history,
        ServiceError::Qos(QosError::HistoryExceedsBuffer { history: 3, buffer: 2 })
    );
}

#[test]
fn bad_names_are_typed_errors_linux() {
    names::<Linux>();
}

#[test]
fn bad_names_are_typed_errors_posix() {
    names::<Posix>();
}

// ---------------------------------------------------------------------------

fn limits<P: HostPlatform>() {
    let node = node::<P>();
    let service = node
        .service_builder(&unique_service("limits"))
        .unwrap()
        .publish_subscribe::<u64>()
        .max_publishers(1)
        .max_subscribers(2)
        .subscriber_buffer(4)
        .max_loaned(2)
        .max_borrowed(2)
        .create()
        .unwrap();

    // Ports.
    let publisher = service.publisher_builder().create().unwrap();
    assert_eq!(
        service.publisher_builder().create().unwrap_err(),
        PortCreateError::ExceedsMaxPorts
    );
    let subscriber = service.subscriber_builder().create().unwrap();
    let second = service.subscriber_builder().create().unwrap();
    assert_eq!(
        service.subscriber_builder().create().unwrap_err(),
        PortCreateError::ExceedsMaxPorts
    );
    // A freed slot can be taken again.
    drop(second);
    let second = service.subscriber_builder().create().unwrap();
    // Subscribers attach when they look for publishers; the publisher
    // connects them on its next send.
    assert!(subscriber.has_publishers() && second.has_publishers());

    // Loans.
    let first = publisher.loan_uninit().unwrap();
    let second_loan = publisher.loan_uninit().unwrap();
    assert_eq!(
        publisher.loan_uninit().unwrap_err(),
        SendError::Loan(LoanError::ExceedsMaxLoans { max: 2 })
    );
    drop(first);
    let third = publisher.loan_uninit().unwrap();
    drop((second_loan, third));

    // Borrows.
    for value in 0..3u64 {
        assert_eq!(publisher.send_copy(value).unwrap().delivered, 2);
    }
    let a = subscriber.receive().unwrap().unwrap();
    let b = subscriber.receive().unwrap().unwrap();
    assert_eq!((*a, *b), (0, 1));
    assert_eq!(
        subscriber.receive().unwrap_err(),
        ReceiveError::ExceedsMaxBorrows { max: 2 }
    );
    drop(a);
    assert_eq!(*subscriber.receive().unwrap().unwrap(), 2);
    drop(b);
    assert_eq!(publisher.protocol_violations(), 0);
}

#[test]
fn exceeding_limits_are_typed_errors_linux() {
    limits::<Linux>();
}

#[test]
fn exceeding_limits_are_typed_errors_posix() {
    limits::<Posix>();
}

// ---------------------------------------------------------------------------

/// Header word indices (see `iox2-core/src/pubsub/header.rs`).
const MAGIC_WORD: usize = 0;
const ABI_WORD: usize = 1;
const HASH_WORD: usize = 2;
/// The QoS words, in `PubSubQos` field order.
const QOS_WORD: usize = 8;
const MAX_SUBSCRIBERS_WORD: usize = QOS_WORD + 1;
const BUFFER_WORD: usize = QOS_WORD + 3;
const HISTORY_WORD: usize = QOS_WORD + 4;

/// Word `index` of the mapped control segment.
fn word<R: Region>(region: &R, index: usize) -> &AtomicU32 {
    assert!(4 * index + 4 <= region.len());
    // SAFETY: in bounds (checked), aligned (the mapping is page-aligned),
    // and the segment's words are only ever accessed as atomics; the
    // reference lives no longer than the mapping (`region`'s borrow).
    unsafe { &*region.as_ptr().as_ptr().add(4 * index).cast::<AtomicU32>() }
}

fn corrupted_header<P: HostPlatform>() {
    let name = unique_service("corrupt");
    let creator = node::<P>();
    let service = creator
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<u64>()
        .subscriber_buffer(2)
        .history(1)
        .create()
        .unwrap();
    let publisher = service.publisher_builder().create().unwrap();
    let service_name = ServiceName::new(&name).unwrap();
    let mut buffer = RegionNameBuffer::new();
    let region = P::Region::open(service_name.region_name("ctl", &mut buffer), Access::ReadWrite).unwrap();
    let opener = node::<P>();
    let open = || {
        opener
            .service_builder(&name)
            .unwrap()
            .publish_subscribe::<u64>()
            .open()
            .map(drop)
    };
    let open_or_create = || {
        opener
            .service_builder(&name)
            .unwrap()
            .publish_subscribe::<u64>()
            .open_or_create()
            .map(drop)
    };
    assert_eq!(open(), Ok(()));

    let incompatible = |e| Err(ServiceError::Incompatible(e));
    let cases: [(usize, u32, Result<(), ServiceError>); 7] = [
        (
            MAGIC_WORD,
            0xDEAD_BEEF,
            incompatible(ServiceOpenError::WrongMagic { found: 0xDEAD_BEEF }),
        ),
        (
            ABI_WORD,
            ABI_VERSION + 1,
            incompatible(ServiceOpenError::AbiVersion {
                expected: ABI_VERSION,
                found: ABI_VERSION + 1,
            }),
        ),
        (
            MAX_SUBSCRIBERS_WORD,
            0,
            incompatible(ServiceOpenError::CorruptedQos(QosError::Zero("max_subscribers"))),
        ),
        (
            HISTORY_WORD,
            3,
            incompatible(ServiceOpenError::CorruptedQos(QosError::HistoryExceedsBuffer {
                history: 3,
                buffer: 2,
            })),
        ),
        (
            MAX_SUBSCRIBERS_WORD,
            u32::MAX,
            incompatible(ServiceOpenError::CorruptedQos(QosError::TooLarge("max_subscribers"))),
        ),
        // Valid settings, but not the ones the layout was made for.
        (BUFFER_WORD, 4, Err(ServiceError::Incompatible(layout_hash_error()))),
        (
            HASH_WORD,
            0x1234_5678,
            Err(ServiceError::Incompatible(layout_hash_error())),
        ),
    ];
    for (index, value, expected) in cases {
        let word = word(&region, index);
        let original = word.swap(value, Ordering::SeqCst);
        for (how, result) in [("open", open()), ("open_or_create", open_or_create())] {
            match (&expected, &result) {
                // The hashes in the error depend on the build: compare the kind.
                (
                    Err(ServiceError::Incompatible(ServiceOpenError::LayoutHash { .. })),
                    Err(ServiceError::Incompatible(ServiceOpenError::LayoutHash { found, .. })),
                ) => {
                    if index == HASH_WORD {
                        assert_eq!(*found, value);
                    }
                }
                _ => assert_eq!(result, expected, "{how} with word {index} = {value:#x}"),
            }
        }
        word.store(original, Ordering::SeqCst);
        assert_eq!(open(), Ok(()), "after restoring word {index}");
    }
    // The creator's service went on working throughout.
    assert_eq!(publisher.send_copy(7).unwrap().delivered, 0);
}

/// A `LayoutHash` error; only its kind is compared.
fn layout_hash_error() -> ServiceOpenError {
    ServiceOpenError::LayoutHash { expected: 0, found: 0 }
}

#[test]
fn corrupted_control_segment_is_incompatible_linux() {
    corrupted_header::<Linux>();
}

#[test]
fn corrupted_control_segment_is_incompatible_posix() {
    corrupted_header::<Posix>();
}
