//! Processes that die holding things (SIGKILL, no cleanup of their own):
//! a dead subscriber never stalls its publisher and gives back every chunk
//! once reaped, even when a new subscriber took its slot first; samples of
//! a dead publisher stay readable, and a new publisher takes its place; and
//! both, killed at random moments mid-stream, round after round. Each test
//! runs over the `linux` and the `posix` platform.

use core::time::Duration;
use iox2_core::pubsub::Delivery;
use iox2_core::service::{RegionNameBuffer, ServiceName};
use iox2_host::prelude::*;
use iox2_host::{HostPlatform, ServiceError};
use iox2_platform::{NodeState, Region};
use iox2_tests::{
    Checked, Children, FLAGS_VAR, Flags, SERVICE_VAR, child_service, child_watchdog, role, serial, unique_service,
    wait_until,
};

/// How long a child may live, and how long a parent waits for anything.
const TIMEOUT: Duration = Duration::from_secs(30);
const BUFFER: u32 = 4;
const BORROWED: u32 = 2;
const LOANED: u32 = 2;
/// The `seq` of the samples sent until a subscriber is connected.
const HANDSHAKE: u64 = u64::MAX;

/// The service of every test here (`history` 0 or 1).
fn open_service<P: HostPlatform>(node: &Node<P>, name: &str, history: u32) -> PubSubService<P, Checked> {
    node.service_builder(name)
        .unwrap()
        .publish_subscribe::<Checked>()
        .max_publishers(1)
        .max_subscribers(2)
        .subscriber_buffer(BUFFER)
        .max_borrowed(BORROWED)
        .max_loaned(LOANED)
        .history(history)
        .safe_overflow(true)
        .open_or_create()
        .unwrap()
}

/// The state `service.nodes()` gives the node of process `pid`, if listed.
fn node_of<P: HostPlatform>(service: &PubSubService<P, Checked>, pid: u32) -> Option<NodeState> {
    service
        .nodes()
        .into_iter()
        .find(|&(_, node_pid, _)| node_pid == pid)
        .map(|(.., state)| state)
}

/// Takes back what subscribers returned (a loan drains the completion
/// queues) and says how many chunks are free.
fn free_after_drain<P: HostPlatform>(publisher: &Publisher<P, Checked>) -> u32 {
    drop(publisher.loan_uninit().unwrap());
    publisher.free_chunks()
}

// ---------------------------------------------------------------------------
// A dead subscriber.

/// The child: holds `BORROWED` samples, lets its buffer fill, and waits
/// to be killed.
fn holding_subscriber<P: HostPlatform>() {
    let flags = Flags::from_env();
    let node = NodeBuilder::new().name("doomed-sub").unwrap().create::<P>().unwrap();
    let service = open_service::<P>(&node, &child_service(), 0);
    let subscriber = service.subscriber_builder().create().unwrap();
    let mut held = Vec::new();
    wait_until("two samples", TIMEOUT, || {
        if let Some(sample) = subscriber.receive().unwrap() {
            assert!(sample.is_intact());
            held.push(sample);
        }
        held.len() == BORROWED as usize
    });
    flags.set("holding");
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn dead_subscriber<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return holding_subscriber::<P>();
    }
    let _serial = serial();
    let name = unique_service("dead-sub");
    let flags = Flags::create();
    let node = NodeBuilder::new().name("survivor-pub").unwrap().create::<P>().unwrap();
    let service = open_service::<P>(&node, &name, 0);
    let publisher = service.publisher_builder().create().unwrap();
    // The pool: max_subscribers * (buffer + borrowed) + history + max_loaned.
    let qos = *service.qos();
    let pool = qos.max_subscribers * (BUFFER + BORROWED) + qos.history + LOANED;
    assert_eq!((qos.max_subscribers, qos.history), (2, 0));
    assert_eq!(service.qos().chunks_per_publisher(), Some(pool));
    assert_eq!(publisher.free_chunks(), pool);

    let mut children = Children::new();
    let child = children.spawn(test, "subscriber", &[(SERVICE_VAR, &name), (FLAGS_VAR, flags.dir())]);
    let pid = children.pid(child);
    let mut seq = 0;
    let deadline = std::time::Instant::now() + TIMEOUT;
    while !flags.is_set("holding") {
        assert!(
            std::time::Instant::now() < deadline,
            "the subscriber never held its samples"
        );
        publisher.send_copy(Checked::new(seq)).unwrap();
        seq += 1;
        std::thread::sleep(Duration::from_millis(1));
    }
    // Fill its buffer.
    let once = Delivery {
        delivered: 1,
        discarded: 0,
    };
    for _ in 0..BUFFER {
        assert_eq!(publisher.send_copy(Checked::new(seq)).unwrap(), once);
        seq += 1;
    }
    // Held, and buffered.
    let in_use = BORROWED + BUFFER;
    assert_eq!(free_after_drain(&publisher), pool - in_use);
    assert_eq!(node_of(&service, pid), Some(NodeState::Alive));

    children.kill(child);
    // Its node is still listed, and known dead.
    assert_eq!(node_of(&service, pid), Some(NodeState::Dead), "{:?}", service.nodes());
    // Sending goes on: with safe overflow the dead subscriber's full
    // buffer just rotates, and nothing it held blocks the pool.
    for _ in 0..10 * pool {
        assert_eq!(publisher.send_copy(Checked::new(seq)).unwrap(), once);
        seq += 1;
    }
    assert_eq!(free_after_drain(&publisher), pool - in_use);

    assert_eq!(service.reap_dead_nodes(), 1);
    assert_eq!(node_of(&service, pid), None, "{:?}", service.nodes());
    publisher.update_connections();
    // Everything the dead subscriber held or had buffered came back.
    assert_eq!(publisher.free_chunks(), pool);
    assert_eq!(publisher.protocol_violations(), 0);
    assert_eq!(publisher.send_copy(Checked::new(seq)).unwrap(), Delivery::default());
    assert_eq!(service.reap_dead_nodes(), 0);
}

#[test]
fn dead_subscriber_never_stalls_the_publisher_linux() {
    dead_subscriber::<Linux>("dead_subscriber_never_stalls_the_publisher_linux");
}

#[test]
fn dead_subscriber_never_stalls_the_publisher_posix() {
    dead_subscriber::<Posix>("dead_subscriber_never_stalls_the_publisher_posix");
}

/// A dead subscriber's slot taken by a new subscriber (of another node,
/// whose joining reaps the dead one) before the publisher looked: the
/// publisher must take back all the dead subscriber held, and connect the
/// new one afresh, with no stale index crossing over.
fn slot_reused<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return holding_subscriber::<P>();
    }
    let _serial = serial();
    let name = unique_service("slot-reuse");
    let flags = Flags::create();
    let node = NodeBuilder::new().name("reuse-pub").unwrap().create::<P>().unwrap();
    let service = open_service::<P>(&node, &name, 0);
    let publisher = service.publisher_builder().create().unwrap();
    let pool = service.qos().chunks_per_publisher().unwrap();
    // Takes subscriber slot 0 and never receives (the publisher connects it
    // anyway and overflows its buffer): the child and its successor must
    // share slot 1. Every delivery below counts it too.
    let placeholder = service.subscriber_builder().create().unwrap();
    let mut children = Children::new();
    let child = children.spawn(test, "subscriber", &[(SERVICE_VAR, &name), (FLAGS_VAR, flags.dir())]);
    let pid = children.pid(child);
    let mut seq = 0;
    let deadline = std::time::Instant::now() + TIMEOUT;
    while !flags.is_set("holding") {
        assert!(
            std::time::Instant::now() < deadline,
            "the subscriber never held its samples"
        );
        publisher.send_copy(Checked::new(seq)).unwrap();
        seq += 1;
        std::thread::sleep(Duration::from_millis(1));
    }
    for _ in 0..BUFFER {
        assert_eq!(publisher.send_copy(Checked::new(seq)).unwrap().delivered, 2);
        seq += 1;
    }
    children.kill(child);

    let joiner = NodeBuilder::new().name("reuse-sub").unwrap().create::<P>().unwrap();
    let joined = open_service::<P>(&joiner, &name, 0);
    assert_eq!(node_of(&service, pid), None, "joining reaps the dead node");
    let subscriber = joined.subscriber_builder().create().unwrap();
    assert!(subscriber.has_publishers());
    let first_new = seq;
    for _ in 0..4 * pool {
        assert_eq!(publisher.send_copy(Checked::new(seq)).unwrap().delivered, 2);
        let sample = subscriber.receive().unwrap().expect("the sample just sent");
        assert_eq!(sample.seq, seq, "a stale sample of the dead subscriber's connection");
        assert!(sample.is_intact(), "{:?}", *sample);
        seq += 1;
    }
    assert!(seq > first_new);
    assert!(subscriber.receive().unwrap().is_none());
    drop(placeholder);
    assert_eq!(free_after_drain(&publisher), pool);
    assert_eq!(publisher.protocol_violations(), 0);
}

#[test]
fn dead_subscribers_slot_reused_before_publisher_looks_linux() {
    slot_reused::<Linux>("dead_subscribers_slot_reused_before_publisher_looks_linux");
}

#[test]
fn dead_subscribers_slot_reused_before_publisher_looks_posix() {
    slot_reused::<Posix>("dead_subscribers_slot_reused_before_publisher_looks_posix");
}

// ---------------------------------------------------------------------------
// A dead publisher.

/// Data samples each publisher child sends after the handshake.
const DATA: u64 = BUFFER as u64;
const BASE_VAR: &str = "IOX2_TEST_BASE";

/// The child: connects, sends `DATA` samples from `base` on, says so, and
/// waits (to be killed).
fn sending_publisher<P: HostPlatform>() {
    let flags = Flags::from_env();
    let base: u64 = std::env::var(BASE_VAR).unwrap().parse().unwrap();
    let node = NodeBuilder::new().name("doomed-pub").unwrap().create::<P>().unwrap();
    let service = open_service::<P>(&node, &child_service(), 1);
    let publisher = service.publisher_builder().create().unwrap();
    wait_until("the subscriber connects", TIMEOUT, || {
        publisher.send_copy(Checked::new(HANDSHAKE)).unwrap().delivered == 1
    });
    for seq in base..base + DATA {
        assert_eq!(publisher.send_copy(Checked::new(seq)).unwrap().delivered, 1);
    }
    flags.set(&format!("sent-{base}"));
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Receives, dropping handshake samples, until a data sample comes.
fn receive_data<'s, P: HostPlatform>(
    subscriber: &'s Subscriber<P, Checked>,
    deadline: std::time::Instant,
) -> Sample<'s, P, Checked> {
    loop {
        assert!(std::time::Instant::now() < deadline, "no data sample");
        match subscriber.receive().unwrap() {
            Some(sample) if sample.seq != HANDSHAKE => return sample,
            Some(handshake) => assert!(handshake.is_intact()),
            None => std::thread::sleep(Duration::from_micros(200)),
        }
    }
}

fn dead_publisher<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return sending_publisher::<P>();
    }
    let _serial = serial();
    let name = unique_service("dead-pub");
    let flags = Flags::create();
    let node = NodeBuilder::new().name("survivor-sub").unwrap().create::<P>().unwrap();
    let service = open_service::<P>(&node, &name, 1);
    let subscriber = service.subscriber_builder().create().unwrap();
    let mut children = Children::new();
    let env = |base| [(SERVICE_VAR, name.as_str()), (FLAGS_VAR, flags.dir()), (BASE_VAR, base)];
    let first = children.spawn(test, "publisher", &env("100"));
    let pid = children.pid(first);
    let deadline = std::time::Instant::now() + TIMEOUT;
    // Hold `BORROWED` samples; the rest wait in the buffer.
    let mut held = vec![receive_data(&subscriber, deadline)];
    held.push(receive_data(&subscriber, deadline));
    flags.wait("sent-100", TIMEOUT);
    let origin = held[0].origin();

    children.kill(first);
    assert_eq!(node_of(&service, pid), Some(NodeState::Dead), "{:?}", service.nodes());
    for (k, sample) in held.iter().enumerate() {
        assert_eq!(sample.seq, 100 + k as u64);
        assert!(sample.is_intact(), "{:?}", **sample);
    }
    // Dropping one is fine; the buffered ones still come until the dead
    // node is reaped.
    drop(held.remove(0));
    held.push(
        subscriber
            .receive()
            .unwrap()
            .expect("a buffered sample of the dead publisher"),
    );
    assert_eq!((held[1].seq, held[1].origin()), (102, origin));

    assert_eq!(service.reap_dead_nodes(), 1);
    assert_eq!(node_of(&service, pid), None, "{:?}", service.nodes());
    // What the subscriber holds stays mapped and intact, though the reaped
    // publisher's pool is unlinked.
    for (k, sample) in held.iter().enumerate() {
        assert_eq!(sample.seq, 101 + k as u64);
        assert!(sample.is_intact(), "{:?}", **sample);
    }
    drop(held);
    // What the dead publisher had queued for us still arrives, intact and in
    // order; then the subscriber lets go of it.
    for seq in 103..100 + DATA {
        let sample = subscriber
            .receive()
            .unwrap()
            .expect("a queued sample of the reaped publisher");
        assert_eq!((sample.seq, sample.origin()), (seq, origin));
        assert!(sample.is_intact(), "{:?}", *sample);
    }
    assert!(subscriber.receive().unwrap().is_none());
    assert!(!subscriber.has_publishers());

    // A new publisher takes the (only) publisher slot and delivers.
    let second = children.spawn(test, "publisher", &env("200"));
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut second_origin = origin;
    for seq in 200..200 + DATA {
        let sample = receive_data(&subscriber, deadline);
        second_origin = sample.origin();
        assert_eq!(sample.seq, seq);
        assert!(sample.is_intact(), "{:?}", *sample);
        assert_eq!(sample.origin().0, origin.0, "the same slot");
        assert_ne!(sample.origin().1, origin.1, "a new generation");
    }
    flags.wait("sent-200", TIMEOUT);
    assert!(subscriber.receive().unwrap().is_none());
    children.kill(second);
    // The last live node to leave reaps the dead one and removes it all:
    // the control segment and both publishers' pools.
    drop(subscriber);
    drop(service);
    assert_service_gone::<P>(&name, &[origin, second_origin]);
}

/// Checks that service `name` and the pools of publishers `origins` are gone.
fn assert_service_gone<P: HostPlatform>(name: &str, origins: &[(u32, u32)]) {
    let node = NodeBuilder::new().name("checker").unwrap().create::<P>().unwrap();
    let reopened = node
        .service_builder(name)
        .unwrap()
        .publish_subscribe::<Checked>()
        .open();
    assert_eq!(reopened.unwrap_err(), ServiceError::DoesNotExist);
    let service_name = ServiceName::new(name).unwrap();
    let mut buffer = RegionNameBuffer::new();
    let mut regions = vec![service_name.region_name("ctl", &mut buffer).to_owned()];
    for (slot, generation) in origins {
        regions.push(
            service_name
                .region_name(&format!("p{slot}.{generation}"), &mut buffer)
                .to_owned(),
        );
    }
    for region in regions {
        assert_eq!(P::Region::exists(&region), Ok(false), "{region} is left over");
    }
}

#[test]
fn dead_publisher_leaves_samples_readable_linux() {
    dead_publisher::<Linux>("dead_publisher_leaves_samples_readable_linux");
}

#[test]
fn dead_publisher_leaves_samples_readable_posix() {
    dead_publisher::<Posix>("dead_publisher_leaves_samples_readable_posix");
}

// ---------------------------------------------------------------------------
// Killed at a random moment, over and over.

/// Rounds of the kill-mid-stream tests (one child process each).
const ROUNDS: u32 = 5;

/// A pseudo-random delay of 2..20 ms for `round`, from the clock (named in
/// the failure messages).
fn random_delay(round: u32) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mixed = (nanos ^ round.wrapping_mul(0x9E37_79B9)).wrapping_mul(0x85EB_CA6B);
    Duration::from_micros(2_000 + u64::from(mixed >> 8) % 18_000)
}

/// The child: receives as fast as it can, dropping each sample or holding
/// up to `BORROWED` of them for a while, until it is killed.
fn churning_subscriber<P: HostPlatform>() {
    let node = NodeBuilder::new().name("churn-sub").unwrap().create::<P>().unwrap();
    let service = open_service::<P>(&node, &child_service(), 1);
    let subscriber = service.subscriber_builder().create().unwrap();
    let mut held = std::collections::VecDeque::new();
    let mut count = 0u64;
    loop {
        match subscriber.receive() {
            Ok(Some(sample)) => {
                assert!(sample.is_intact(), "{:?}", *sample);
                count += 1;
                if count.is_multiple_of(3) {
                    held.push_back(sample);
                }
            }
            Ok(None) => core::hint::spin_loop(),
            Err(e) => panic!("{e}"),
        }
        if held.len() == BORROWED as usize || (count.is_multiple_of(5) && !held.is_empty()) {
            held.pop_front();
        }
    }
}

fn subscriber_killed_mid_stream<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return churning_subscriber::<P>();
    }
    let _serial = serial();
    let name = unique_service("churn-sub");
    let node = NodeBuilder::new().name("churn-pub").unwrap().create::<P>().unwrap();
    // With a history: its chunks are shared with the subscriber's.
    let service = open_service::<P>(&node, &name, 1);
    let publisher = service.publisher_builder().create().unwrap();
    let pool = service.qos().chunks_per_publisher().unwrap();
    let history = service.qos().history;
    let mut children = Children::new();
    let mut seq = 0;
    for round in 0..ROUNDS {
        let child = children.spawn(test, "subscriber", &[(SERVICE_VAR, &name)]);
        wait_until("the subscriber connects", TIMEOUT, || {
            seq += 1;
            publisher.send_copy(Checked::new(seq)).unwrap().delivered == 1
        });
        let delay = random_delay(round);
        let until = std::time::Instant::now() + delay;
        let mut sent = 0;
        while std::time::Instant::now() < until {
            seq += 1;
            assert_eq!(publisher.send_copy(Checked::new(seq)).unwrap().delivered, 1);
            sent += 1;
        }
        children.kill(child);
        // Sending goes on while the dead node is not yet reaped.
        for _ in 0..2 * pool {
            seq += 1;
            assert_eq!(publisher.send_copy(Checked::new(seq)).unwrap().delivered, 1);
        }
        assert_eq!(service.reap_dead_nodes(), 1, "round {round}");
        publisher.update_connections();
        // All came back but the history's chunk.
        assert_eq!(
            publisher.free_chunks(),
            pool - history,
            "round {round}: killed after {delay:?} and {sent} samples"
        );
        assert_eq!(publisher.protocol_violations(), 0, "round {round}");
    }
}

#[test]
fn subscriber_killed_mid_stream_gives_everything_back_linux() {
    subscriber_killed_mid_stream::<Linux>("subscriber_killed_mid_stream_gives_everything_back_linux");
}

#[test]
fn subscriber_killed_mid_stream_gives_everything_back_posix() {
    subscriber_killed_mid_stream::<Posix>("subscriber_killed_mid_stream_gives_everything_back_posix");
}

/// The child: connects, then sends as fast as it can until it is killed.
fn streaming_publisher<P: HostPlatform>() {
    let node = NodeBuilder::new().name("stream-pub").unwrap().create::<P>().unwrap();
    let service = open_service::<P>(&node, &child_service(), 1);
    let publisher = service.publisher_builder().create().unwrap();
    let mut seq = 0;
    loop {
        seq += 1;
        publisher.send_copy(Checked::new(seq)).unwrap();
    }
}

fn publisher_killed_mid_stream<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return streaming_publisher::<P>();
    }
    let _serial = serial();
    let name = unique_service("churn-pub");
    let node = NodeBuilder::new().name("stream-sub").unwrap().create::<P>().unwrap();
    let service = open_service::<P>(&node, &name, 1);
    let subscriber = service.subscriber_builder().create().unwrap();
    let mut children = Children::new();
    let mut generations = Vec::new();
    for round in 0..ROUNDS {
        let child = children.spawn(test, "publisher", &[(SERVICE_VAR, &name)]);
        let deadline = std::time::Instant::now() + TIMEOUT;
        let mut received = 0u64;
        let mut last = 0;
        let check = |sample: &Sample<'_, P, Checked>, last: &mut u64| {
            assert!(sample.is_intact(), "round {round}: {:?}", **sample);
            assert!(sample.seq > *last, "round {round}: {} after {last}", sample.seq);
            *last = sample.seq;
        };
        // Receive until the new publisher's samples flow...
        let generation = loop {
            assert!(std::time::Instant::now() < deadline, "round {round}: nothing arrives");
            if let Some(sample) = subscriber.receive().unwrap() {
                check(&sample, &mut last);
                break sample.origin().1;
            }
        };
        assert!(!generations.contains(&generation), "a reused generation");
        generations.push(generation);
        // ... and for a while longer, holding one sample across the kill.
        let until = std::time::Instant::now() + random_delay(round);
        let mut kept = None;
        while std::time::Instant::now() < until {
            if let Some(sample) = subscriber.receive().unwrap() {
                check(&sample, &mut last);
                received += 1;
                if kept.is_none() {
                    kept = Some(sample);
                }
            }
        }
        children.kill(child);
        // What it had sent still arrives, intact, until it is reaped.
        while let Some(sample) = subscriber.receive().unwrap() {
            check(&sample, &mut last);
        }
        assert_eq!(service.reap_dead_nodes(), 1, "round {round} ({received} received)");
        assert!(!subscriber.has_publishers());
        if let Some(kept) = kept {
            assert!(kept.is_intact(), "round {round}: {:?}", *kept);
        }
        assert!(subscriber.receive().unwrap().is_none());
    }
}

#[test]
fn publisher_killed_mid_stream_leaves_samples_intact_linux() {
    publisher_killed_mid_stream::<Linux>("publisher_killed_mid_stream_leaves_samples_intact_linux");
}

#[test]
fn publisher_killed_mid_stream_leaves_samples_intact_posix() {
    publisher_killed_mid_stream::<Posix>("publisher_killed_mid_stream_leaves_samples_intact_posix");
}
