//! Publish-subscribe between processes: safe overflow with a slow
//! subscriber, history for a late joiner, and processes racing to create
//! one service. Each test runs over the `linux` and the `posix` platform.

use core::time::Duration;
use iox2_core::pubsub::Delivery;
use iox2_host::prelude::*;
use iox2_host::{HostPlatform, ServiceError};
use iox2_platform::{NodeState, Region};
use iox2_tests::{
    Checked, Children, FLAGS_VAR, Flags, SERVICE_VAR, child_service, child_watchdog, role, serial, unique_service,
    wait_until,
};

/// How long a child may live, and how long a parent waits for anything.
const TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------
// Safe overflow: a slow subscriber sees strictly increasing values and the
// newest one.

const OVERFLOW_BUFFER: u32 = 4;
/// Data samples the publisher sends in one burst.
const OVERFLOW_BURST: u64 = 2_000;
/// The `seq` of the last sample: above every other one.
const OVERFLOW_LAST: u64 = 1 << 40;

fn overflow_service<P: HostPlatform>(node: &Node<P>, name: &str) -> PubSubService<P, Checked> {
    node.service_builder(name)
        .unwrap()
        .publish_subscribe::<Checked>()
        .max_publishers(1)
        .max_subscribers(1)
        .subscriber_buffer(OVERFLOW_BUFFER)
        .history(0)
        .safe_overflow(true)
        .open_or_create()
        .unwrap()
}

/// The child: sends until the subscriber is connected, then a burst far
/// faster than the subscriber reads, then the last sample; stays until
/// the subscriber has taken everything.
fn overflow_publisher<P: HostPlatform>() {
    let node = NodeBuilder::new().name("overflow-pub").unwrap().create::<P>().unwrap();
    let service = overflow_service::<P>(&node, &child_service());
    let publisher = service.publisher_builder().create().unwrap();
    let mut seq = 0;
    loop {
        let delivery = publisher.send_copy(Checked::new(seq)).unwrap();
        seq += 1;
        if delivery.delivered == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let once = Delivery {
        delivered: 1,
        discarded: 0,
    };
    for _ in 0..OVERFLOW_BURST {
        // Safe overflow: every send delivers, evicting the oldest.
        assert_eq!(publisher.send_copy(Checked::new(seq)).unwrap(), once);
        seq += 1;
    }
    assert_eq!(publisher.send_copy(Checked::new(OVERFLOW_LAST)).unwrap(), once);
    let pool = service.qos().chunks_per_publisher().unwrap();
    wait_until("the subscriber takes everything", TIMEOUT, || {
        drop(publisher.loan_uninit().unwrap());
        publisher.free_chunks() == pool
    });
    assert_eq!(publisher.protocol_violations(), 0);
}

fn overflow<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return overflow_publisher::<P>();
    }
    let _serial = serial();
    let name = unique_service("overflow");
    let node = NodeBuilder::new().name("overflow-sub").unwrap().create::<P>().unwrap();
    let service = overflow_service::<P>(&node, &name);
    let subscriber = service.subscriber_builder().create().unwrap();
    let mut children = Children::new();
    let publisher = children.spawn(test, "publisher", &[(SERVICE_VAR, &name)]);
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut received = Vec::new();
    while received.last().map(|&(seq, _)| seq) != Some(OVERFLOW_LAST) {
        assert!(std::time::Instant::now() < deadline, "the last sample never came");
        match subscriber.receive().unwrap() {
            Some(sample) => {
                assert!(sample.is_intact(), "{:?}", *sample);
                received.push((sample.seq, sample.sequence()));
                // The slow part.
                std::thread::sleep(Duration::from_millis(2));
            }
            None => std::thread::sleep(Duration::from_micros(200)),
        }
    }
    children.wait(publisher, TIMEOUT);
    assert!(subscriber.receive().unwrap().is_none(), "a sample after the last");
    for pair in received.windows(2) {
        assert!(pair[0].0 < pair[1].0, "values not strictly increasing: {pair:?}");
        assert!(
            pair[0].1 < pair[1].1,
            "header sequences not strictly increasing: {pair:?}"
        );
    }
    // The newest: a sample is evicted only by the push of the one
    // `OVERFLOW_BUFFER` places after it, so the last `OVERFLOW_BUFFER` sent
    // (the burst's end and the last) always arrive, in order.
    let newest = &received[received.len() - OVERFLOW_BUFFER as usize..];
    let last_sequence = newest[newest.len() - 1].1;
    for (k, &(seq, sequence)) in newest.iter().enumerate() {
        let back = (newest.len() - 1 - k) as u64;
        assert_eq!(sequence, last_sequence - back, "not the newest: {received:?}");
        if back > 0 {
            assert_eq!(seq, last_sequence - back, "not the newest: {received:?}");
        }
    }
    // The subscriber read every 2 ms; the burst took far less: most of it
    // was overwritten.
    assert!(
        (received.len() as u64) < OVERFLOW_BURST / 2,
        "{} of {} samples arrived: no overflow?",
        received.len(),
        OVERFLOW_BURST
    );
    eprintln!("{test}: {} samples received: {received:?}", received.len());
}

#[test]
fn safe_overflow_slow_subscriber_gets_newest_linux() {
    overflow::<Linux>("safe_overflow_slow_subscriber_gets_newest_linux");
}

#[test]
fn safe_overflow_slow_subscriber_gets_newest_posix() {
    overflow::<Posix>("safe_overflow_slow_subscriber_gets_newest_posix");
}

// ---------------------------------------------------------------------------
// History: a late joiner gets the last `history` samples, in order.

const HISTORY: u32 = 3;
const HISTORY_SENT: u64 = 10;

fn history_service<P: HostPlatform>(node: &Node<P>, name: &str) -> PubSubService<P, Checked> {
    node.service_builder(name)
        .unwrap()
        .publish_subscribe::<Checked>()
        .subscriber_buffer(4)
        .history(HISTORY)
        .open_or_create()
        .unwrap()
}

/// The child: joins after everything was sent and expects the history.
fn late_joiner<P: HostPlatform>() {
    let node = NodeBuilder::new().name("late-joiner").unwrap().create::<P>().unwrap();
    let service = history_service::<P>(&node, &child_service());
    let subscriber = service.subscriber_builder().create().unwrap();
    let mut received = Vec::new();
    wait_until("the history arrives", TIMEOUT, || {
        while let Some(sample) = subscriber.receive().unwrap() {
            assert!(sample.is_intact(), "{:?}", *sample);
            received.push((sample.seq, sample.sequence()));
        }
        received.len() >= HISTORY as usize
    });
    // Nothing beyond the history turns up.
    std::thread::sleep(Duration::from_millis(20));
    assert!(subscriber.receive().unwrap().is_none());
    let expected: Vec<_> = (HISTORY_SENT - u64::from(HISTORY)..HISTORY_SENT)
        .map(|seq| (seq, seq))
        .collect();
    assert_eq!(received, expected);
}

fn late_join<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return late_joiner::<P>();
    }
    let _serial = serial();
    let name = unique_service("history");
    let node = NodeBuilder::new().name("history-pub").unwrap().create::<P>().unwrap();
    let service = history_service::<P>(&node, &name);
    let publisher = service.publisher_builder().create().unwrap();
    for seq in 0..HISTORY_SENT {
        assert_eq!(publisher.send_copy(Checked::new(seq)).unwrap(), Delivery::default());
    }
    let mut children = Children::new();
    let child = children.spawn(test, "subscriber", &[(SERVICE_VAR, &name)]);
    // The history goes out on the publisher's next look at the topology.
    let deadline = std::time::Instant::now() + TIMEOUT;
    while !children.try_finished(child) {
        assert!(std::time::Instant::now() < deadline, "the late joiner never finished");
        publisher.update_connections();
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(publisher.protocol_violations(), 0);
}

#[test]
fn late_joiner_receives_history_linux() {
    late_join::<Linux>("late_joiner_receives_history_linux");
}

#[test]
fn late_joiner_receives_history_posix() {
    late_join::<Posix>("late_joiner_receives_history_posix");
}

// ---------------------------------------------------------------------------
// Concurrent create: N processes race for one fresh service.

const RACERS: usize = 4;
const MODE_VAR: &str = "IOX2_TEST_MODE";

fn racer<P: HostPlatform>() {
    let flags = Flags::from_env();
    let me = std::env::var("IOX2_TEST_INDEX").unwrap();
    let mode = std::env::var(MODE_VAR).unwrap();
    let node = NodeBuilder::new().name("racer").unwrap().create::<P>().unwrap();
    let name = child_service();
    let builder = || {
        node.service_builder(&name)
            .unwrap()
            .publish_subscribe::<Checked>()
            .max_nodes(RACERS as u32)
    };
    // Start together: spin on the starting flag.
    while !flags.is_set("go") {
        std::thread::yield_now();
    }
    let (service, created) = match mode.as_str() {
        "open_or_create" => {
            let service = builder().open_or_create().unwrap();
            // The creator attaches under the service lock, before anyone
            // else: it holds node slot 0 (listed first) until it leaves.
            let created = service.nodes()[0].0 == node.id();
            (service, created)
        }
        "create" => match builder().create() {
            Ok(service) => (service, true),
            Err(ServiceError::AlreadyExists) => (builder().open().unwrap(), false),
            Err(e) => panic!("create failed: {e}"),
        },
        other => panic!("unknown mode {other}"),
    };
    flags.set(&format!("{}-{me}", if created { "created" } else { "opened" }));
    // Once all are in, each sees all of them in its service: two copies
    // of the service would split them.
    flags.set(&format!("attached-{me}"));
    for i in 0..RACERS {
        flags.wait(&format!("attached-{i}"), TIMEOUT);
    }
    let nodes = service.nodes();
    assert_eq!(nodes.len(), RACERS, "{nodes:?}");
    assert!(nodes.iter().any(|&(id, ..)| id == node.id()), "{nodes:?}");
    assert!(nodes.iter().all(|&(.., state)| state == NodeState::Alive), "{nodes:?}");
    // Leave only when all have looked.
    flags.set(&format!("checked-{me}"));
    for i in 0..RACERS {
        flags.wait(&format!("checked-{i}"), TIMEOUT);
    }
    drop(service);
}

fn concurrent_create<P: HostPlatform>(test: &str, mode: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return racer::<P>();
    }
    let _serial = serial();
    let name = unique_service("race");
    let flags = Flags::create();
    let mut children = Children::new();
    for i in 0..RACERS {
        let index = i.to_string();
        children.spawn(
            test,
            "racer",
            &[
                (SERVICE_VAR, &name),
                (FLAGS_VAR, flags.dir()),
                (MODE_VAR, mode),
                ("IOX2_TEST_INDEX", &index),
            ],
        );
    }
    flags.set("go");
    children.wait_all(TIMEOUT);
    let count = |what: &str| (0..RACERS).filter(|i| flags.is_set(&format!("{what}-{i}"))).count();
    assert_eq!((count("created"), count("opened")), (1, RACERS - 1), "{mode}");
    // The last to leave removed it.
    let node = NodeBuilder::new().name("checker").unwrap().create::<P>().unwrap();
    let reopened = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<Checked>()
        .open();
    assert_eq!(reopened.unwrap_err(), ServiceError::DoesNotExist);
    let service_name = iox2_core::service::ServiceName::new(&name).unwrap();
    let mut buffer = iox2_core::service::RegionNameBuffer::new();
    let control = service_name.region_name("ctl", &mut buffer);
    assert_eq!(P::Region::exists(control), Ok(false), "the control region is left over");
}

#[test]
fn concurrent_open_or_create_makes_one_service_linux() {
    concurrent_create::<Linux>("concurrent_open_or_create_makes_one_service_linux", "open_or_create");
}

#[test]
fn concurrent_open_or_create_makes_one_service_posix() {
    concurrent_create::<Posix>("concurrent_open_or_create_makes_one_service_posix", "open_or_create");
}

#[test]
fn concurrent_create_has_one_winner_linux() {
    concurrent_create::<Linux>("concurrent_create_has_one_winner_linux", "create");
}

#[test]
fn concurrent_create_has_one_winner_posix() {
    concurrent_create::<Posix>("concurrent_create_has_one_winner_posix", "create");
}
