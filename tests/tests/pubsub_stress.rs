//! One publisher process, three subscriber processes, 100,000 samples:
//! without safe overflow and with a retrying publisher nothing may be
//! lost, so every subscriber must see every sample, in order, with its
//! checksum intact. Runs over the `linux` and the `posix` platform.

use core::time::Duration;
use iox2_core::pubsub::{Backpressure, Delivery};
use iox2_host::HostPlatform;
use iox2_host::prelude::*;
use iox2_tests::{Checked, Children, SERVICE_VAR, child_service, child_watchdog, role, serial, unique_service};

/// Data samples sent to every subscriber.
const SAMPLES: u64 = 100_000;
const SUBSCRIBERS: u32 = 3;
/// Small enough that the publisher meets full buffers (and retries) often,
/// large enough that a subscriber drains many samples per wake-up: with 4
/// processes on 2 cores a run takes ~0.5 s (a power of two: the queues'
/// capacity).
const BUFFER: u32 = 64;
const BORROWED: u32 = 2;
const LOANED: u32 = 2;
/// The `seq` of the samples the publisher sends until all subscribers are
/// connected; subscribers skip them.
const HANDSHAKE: u64 = u64::MAX;
/// How long a whole run may take before the parent gives up.
const TIMEOUT: Duration = Duration::from_secs(90);

fn service<P: HostPlatform>(node: &Node<P>, name: &str) -> PubSubService<P, Checked> {
    node.service_builder(name)
        .unwrap()
        .publish_subscribe::<Checked>()
        .max_publishers(1)
        .max_subscribers(SUBSCRIBERS)
        .subscriber_buffer(BUFFER)
        .max_borrowed(BORROWED)
        .max_loaned(LOANED)
        .history(0)
        .safe_overflow(false)
        .open_or_create()
        .unwrap()
}

fn publisher<P: HostPlatform>() {
    let node = NodeBuilder::new()
        .name("stress-publisher")
        .unwrap()
        .create::<P>()
        .unwrap();
    let service = service::<P>(&node, &child_service());
    // Retry (almost) forever: a subscriber may be descheduled for a while
    // on 2 shared cores. If one dies, the parent notices and kills us.
    let publisher = service
        .publisher_builder()
        .backpressure(Backpressure::Retry { attempts: u32::MAX })
        .create()
        .unwrap();
    // Handshake: until every subscriber is connected.
    let mut handshakes = 0;
    loop {
        let delivery = publisher.send_copy(Checked::new(HANDSHAKE)).unwrap();
        handshakes += 1;
        if delivery.delivered == SUBSCRIBERS {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let started = std::time::Instant::now();
    for seq in 0..SAMPLES {
        let delivery = publisher.loan_uninit().unwrap().write_payload(Checked::new(seq)).send();
        assert_eq!(
            delivery,
            Delivery {
                delivered: SUBSCRIBERS,
                discarded: 0
            },
            "sample {seq}"
        );
    }
    let sent = started.elapsed();
    // Stay until every subscriber has received and returned everything:
    // a publisher that leaves disconnects, and its queued samples go.
    // The pool: max_subscribers * (buffer + borrowed) + history + max_loaned.
    let pool = SUBSCRIBERS * (BUFFER + BORROWED) + LOANED;
    assert_eq!(service.qos().chunks_per_publisher(), Some(pool));
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        // A loan takes back what the subscribers returned.
        drop(publisher.loan_uninit().unwrap());
        if publisher.free_chunks() == pool {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the subscribers never drained");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(publisher.protocol_violations(), 0);
    eprintln!("stress publisher: {handshakes} handshake(s), {SAMPLES} samples sent in {sent:?}");
}

fn subscriber<P: HostPlatform>() {
    let node = NodeBuilder::new()
        .name("stress-subscriber")
        .unwrap()
        .create::<P>()
        .unwrap();
    let service = service::<P>(&node, &child_service());
    let subscriber = service.subscriber_builder().create().unwrap();
    let mut next = 0;
    // The header's sequence counts the handshakes too: a fixed offset.
    let mut offset = None;
    let mut idle = 0u32;
    while next < SAMPLES {
        let Some(sample) = subscriber.receive().unwrap() else {
            // Spin briefly, then sleep: leave the cores to the publisher
            // and the other subscribers while the buffer refills.
            idle += 1;
            if idle < 64 {
                core::hint::spin_loop();
            } else {
                std::thread::sleep(Duration::from_micros(20));
            }
            continue;
        };
        idle = 0;
        assert!(sample.is_intact(), "corrupted sample after {next}: {:?}", *sample);
        if sample.seq == HANDSHAKE {
            assert_eq!(next, 0, "a handshake sample after the data");
            continue;
        }
        assert_eq!(sample.seq, next, "a sample was lost, duplicated or reordered");
        let offset = *offset.get_or_insert(sample.sequence() - next);
        assert_eq!(sample.sequence(), offset + next, "header sequence of sample {next}");
        next += 1;
    }
    assert!(subscriber.receive().unwrap().is_none(), "a sample after the last");
}

fn run<P: HostPlatform>(test: &str) {
    if let Some(role) = role() {
        child_watchdog(TIMEOUT + Duration::from_secs(10));
        match role.as_str() {
            "publisher" => publisher::<P>(),
            "subscriber" => subscriber::<P>(),
            other => panic!("unknown role {other}"),
        }
        return;
    }
    let _serial = serial();
    let name = unique_service("stress");
    // The parent creates the service (so its settings are fixed before
    // anyone opens it) and keeps it while the children come and go.
    let node = NodeBuilder::new().name("stress-parent").unwrap().create::<P>().unwrap();
    let service = service::<P>(&node, &name);
    let started = std::time::Instant::now();
    let mut children = Children::new();
    for _ in 0..SUBSCRIBERS {
        children.spawn(test, "subscriber", &[(SERVICE_VAR, &name)]);
    }
    children.spawn(test, "publisher", &[(SERVICE_VAR, &name)]);
    children.wait_all(TIMEOUT);
    eprintln!("{test}: {:?}", started.elapsed());
    // Everyone left in order: only the parent remains.
    assert_eq!(service.nodes().len(), 1, "{:?}", service.nodes());
    assert_eq!(service.reap_dead_nodes(), 0);
}

#[test]
fn one_publisher_three_subscribers_lose_nothing_linux() {
    run::<Linux>("one_publisher_three_subscribers_lose_nothing_linux");
}

#[test]
fn one_publisher_three_subscribers_lose_nothing_posix() {
    run::<Posix>("one_publisher_three_subscribers_lose_nothing_posix");
}
