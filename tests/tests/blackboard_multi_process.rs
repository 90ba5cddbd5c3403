//! Blackboards across processes, on the `linux` and the `posix` platform:
//! a reader process sees the writer's updates, never torn, and learns of
//! the last one through the entry's event id; a writer process killed
//! (SIGKILL) in the middle of a long series of large writes leaves every
//! reader a whole value, readable at the first try, and its writer slot is
//! free for a new writer once the dead node is reaped.
//!
//! Values are self-checking: every word of a value is the same number.

use core::time::Duration;
use iox2_host::prelude::*;
use iox2_host::{BlackboardService, HostPlatform, PortCreateError};
use iox2_platform::NodeState;
use iox2_tests::{
    Children, FLAGS_VAR, Flags, SERVICE_VAR, child_service, child_watchdog, role, serial, unique_service, wait_until,
};

/// How long a child may live, and how long a parent waits for anything.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A large value: 8 KiB, every word the same.
type Big = [u64; 1024];

const COUNTER: u32 = 1;
const BIG: u32 = 2;

/// The value of update `n`.
fn big(n: u64) -> Big {
    [n; 1024]
}

/// The number a value carries; panics if it is torn.
fn number(value: &Big) -> u64 {
    assert!(
        value.iter().all(|&w| w == value[0]),
        "a torn value: starts with {}, holds {:?}",
        value[0],
        value.iter().find(|&&w| w != value[0])
    );
    value[0]
}

/// The blackboard of every test here.
fn create<P: HostPlatform>(node: &Node<P>, name: &str) -> BlackboardService<P, u32> {
    node.service_builder(name)
        .unwrap()
        .blackboard_creator::<u32>()
        .add::<u64>(COUNTER, 0)
        .add::<Big>(BIG, big(0))
        .create()
        .unwrap()
}

fn open<P: HostPlatform>(node: &Node<P>, name: &str) -> BlackboardService<P, u32> {
    node.service_builder(name)
        .unwrap()
        .blackboard_opener::<u32>()
        .open()
        .unwrap()
}

// ---------------------------------------------------------------------------
// A reader process.

/// Updates the parent writes.
const UPDATES: u64 = 3_000;

/// The event service announcing the last update.
fn events_name(name: &str) -> String {
    format!("{name}/changed")
}

/// Where the writer pauses until the reader has seen that value.
const MIDWAY: u64 = 1_000;

/// The child: reads both keys until the writer announces its last update;
/// every value is whole and none older than the one before. It says when
/// it saw the value the writer pauses at.
fn reading_child<P: HostPlatform>() {
    let flags = Flags::from_env();
    let name = child_service();
    let node = NodeBuilder::new().name("bb-reader").unwrap().create::<P>().unwrap();
    let service = open(&node, &name);
    assert_eq!(service.list_keys(), [COUNTER, BIG]);
    let events = node
        .service_builder(&events_name(&name))
        .unwrap()
        .event()
        .open()
        .unwrap();
    let listener = events.listener_builder().create().unwrap();
    let reader = service.reader_builder().create().unwrap();
    let counter = reader.entry::<u64>(COUNTER).unwrap();
    let value = reader.entry::<Big>(BIG).unwrap();
    flags.set("ready");
    let (mut last, mut distinct) = (0, 0u64);
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "no announcement of the last update"
        );
        let seen = number(&value.get());
        assert!(seen >= last, "went back from {last} to {seen}");
        distinct += u64::from(seen > last);
        last = seen;
        assert!(counter.get() >= seen, "the counter is written before the value");
        if seen == MIDWAY {
            flags.set("midway");
        }
        if let Some(id) = listener.timed_wait_one(Duration::from_micros(100)).unwrap() {
            assert_eq!(id, value.entry_id());
            break;
        }
    }
    assert!(
        flags.is_set("midway"),
        "the writer went on before the reader saw {MIDWAY}"
    );
    // The announcement came after the last update: both are visible.
    assert_eq!(number(&value.get()), UPDATES);
    assert_eq!(counter.get(), UPDATES);
    eprintln!("reader: {distinct} distinct values of {UPDATES} before the announcement");
}

fn reader_process_sees_updates<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return reading_child::<P>();
    }
    let _serial = serial();
    let name = unique_service("bb-updates");
    let flags = Flags::create();
    let node = NodeBuilder::new().name("bb-writer").unwrap().create::<P>().unwrap();
    let service = create(&node, &name);
    let events = node
        .service_builder(&events_name(&name))
        .unwrap()
        .event()
        .create()
        .unwrap();
    let notifier = events.notifier_builder().create().unwrap();
    let writer = service.writer_builder().create().unwrap();
    let counter = writer.entry::<u64>(COUNTER).unwrap();
    let value = writer.entry::<Big>(BIG).unwrap();

    let mut children = Children::new();
    let child = children.spawn(test, "reader", &[(SERVICE_VAR, &name), (FLAGS_VAR, flags.dir())]);
    flags.wait("ready", TIMEOUT);
    for n in 1..=UPDATES {
        // The counter first: a reader that sees value `n` sees a counter of
        // at least `n`.
        counter.update_with_copy(n);
        value.update_with_copy(big(n));
        if n == MIDWAY {
            // The reader must see updates while it runs, not just the last.
            flags.wait("midway", TIMEOUT);
        }
    }
    assert_eq!(notifier.notify_with_custom_event_id(value.entry_id()), Ok(1));
    children.wait(child, TIMEOUT);
}

#[test]
fn a_reader_process_sees_every_update_whole_linux() {
    reader_process_sees_updates::<Linux>("a_reader_process_sees_every_update_whole_linux");
}

#[test]
fn a_reader_process_sees_every_update_whole_posix() {
    reader_process_sees_updates::<Posix>("a_reader_process_sees_every_update_whole_posix");
}

// ---------------------------------------------------------------------------
// A writer process killed mid-write.

/// Writer children killed, one per round.
const ROUNDS: u64 = 3;
/// The first number a round's child writes.
const BASE_VAR: &str = "IOX2_TEST_BASE";

/// The child: writes large values, counting up from its base, as fast as
/// it can, until it is killed.
fn writing_child<P: HostPlatform>() {
    let flags = Flags::from_env();
    let base: u64 = std::env::var(BASE_VAR).unwrap().parse().unwrap();
    let node = NodeBuilder::new().name("bb-doomed").unwrap().create::<P>().unwrap();
    let service = open(&node, &child_service());
    let writer = service.writer_builder().create().unwrap();
    let value = writer.entry::<Big>(BIG).unwrap();
    let counter = writer.entry::<u64>(COUNTER).unwrap();
    for n in base.. {
        value.update_with_copy(big(n));
        counter.update_with_copy(n);
        if n == base + 100 {
            flags.set(&format!("writing-{base}"));
        }
    }
}

/// A pseudo-random delay of 1..10 ms for `round`, from the clock.
fn random_delay(round: u64) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mixed = (u64::from(nanos) ^ round.wrapping_mul(0x9E37_79B9)).wrapping_mul(0x85EB_CA6B);
    Duration::from_micros(1_000 + (mixed >> 8) % 9_000)
}

/// The state `service.nodes()` gives the node of process `pid`, if listed.
fn node_of<P: HostPlatform>(service: &BlackboardService<P, u32>, pid: u32) -> Option<NodeState> {
    service
        .nodes()
        .into_iter()
        .find(|&(_, node_pid, _)| node_pid == pid)
        .map(|(.., state)| state)
}

fn writer_killed_mid_write<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return writing_child::<P>();
    }
    let _serial = serial();
    let name = unique_service("bb-killed");
    let flags = Flags::create();
    let node = NodeBuilder::new().name("bb-survivor").unwrap().create::<P>().unwrap();
    let service = create(&node, &name);
    let reader = service.reader_builder().create().unwrap();
    let value = reader.entry::<Big>(BIG).unwrap();
    let counter = reader.entry::<u64>(COUNTER).unwrap();
    let mut children = Children::new();
    let mut killed_mid_write = 0;
    let mut last = 0;
    for round in 0..ROUNDS {
        let base = (round + 1) * 1_000_000_000;
        let base_text = base.to_string();
        let child = children.spawn(
            test,
            "writer",
            &[(SERVICE_VAR, &name), (FLAGS_VAR, flags.dir()), (BASE_VAR, &base_text)],
        );
        let pid = children.pid(child);
        flags.wait(&format!("writing-{base}"), TIMEOUT);
        // Read along while it writes: whole values, counting up.
        let until = std::time::Instant::now() + random_delay(round);
        while std::time::Instant::now() < until {
            let seen = number(&value.get());
            assert!(seen >= last.max(base), "went back from {last} to {seen}");
            last = seen;
        }
        children.kill(child);
        assert_eq!(node_of(&service, pid), Some(NodeState::Dead), "{:?}", service.nodes());
        killed_mid_write += u64::from(value.write_in_progress() || counter.write_in_progress());

        // The last complete value is published, and with no writer left a
        // read succeeds at once.
        let after = number(&value.try_get().expect("a dead writer never holds a reader up"));
        assert!(after >= last && after > base + 100, "{after} after {last}");
        assert_eq!(number(&value.get()), after);
        let count = counter.try_get().unwrap();
        assert!(count + 1 >= after && count <= after, "counter {count}, value {after}");
        last = after;

        // The dead writer holds the slot until its node is reaped.
        assert_eq!(
            service.writer_builder().create().unwrap_err(),
            PortCreateError::ExceedsMaxPorts
        );
        assert_eq!(service.reap_dead_nodes(), 1);
        assert_eq!(node_of(&service, pid), None);
        let writer = service.writer_builder().create().expect("the slot is free again");
        let next = last + 1;
        writer.entry::<Big>(BIG).unwrap().update_with_copy(big(next));
        writer.entry::<u64>(COUNTER).unwrap().update_with_copy(next);
        assert!(!value.write_in_progress() && !counter.write_in_progress(), "repaired");
        assert_eq!(number(&value.try_get().unwrap()), next);
        assert_eq!(counter.try_get(), Ok(next));
        last = next;
    }
    // With 8 KiB written in a tight loop, a kill lands mid-write nearly
    // always; a run where none did tested nothing of the kind.
    assert!(killed_mid_write >= 1, "no round killed the writer mid-write");
    eprintln!("{killed_mid_write} of {ROUNDS} kills landed mid-write");
}

#[test]
fn a_writer_killed_mid_write_leaves_whole_values_linux() {
    writer_killed_mid_write::<Linux>("a_writer_killed_mid_write_leaves_whole_values_linux");
}

#[test]
fn a_writer_killed_mid_write_leaves_whole_values_posix() {
    writer_killed_mid_write::<Posix>("a_writer_killed_mid_write_leaves_whole_values_posix");
}

/// A reader never waits: while a writer process writes as fast as it can,
/// a reader's reads (bounded tries, then its last good value) keep coming.
fn reads_never_wait_for_a_busy_writer<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return writing_child::<P>();
    }
    let _serial = serial();
    let name = unique_service("bb-busy");
    let flags = Flags::create();
    let node = NodeBuilder::new()
        .name("bb-busy-reader")
        .unwrap()
        .create::<P>()
        .unwrap();
    let service = create(&node, &name);
    let reader = service.reader_builder().create().unwrap();
    let value = reader.entry::<Big>(BIG).unwrap();
    let mut children = Children::new();
    let base: u64 = 7_000_000_000;
    let base_text = base.to_string();
    let child = children.spawn(
        test,
        "writer",
        &[(SERVICE_VAR, &name), (FLAGS_VAR, flags.dir()), (BASE_VAR, &base_text)],
    );
    flags.wait(&format!("writing-{base}"), TIMEOUT);
    let (mut fresh, mut kept, mut last) = (0u64, 0u64, 0);
    let start = std::time::Instant::now();
    wait_until("2,000 reads", TIMEOUT, || {
        for _ in 0..100 {
            match value.try_get() {
                Ok(v) => {
                    let seen = number(&v);
                    assert!(seen >= last, "went back from {last} to {seen}");
                    last = seen;
                    fresh += 1;
                }
                Err(_) => {
                    assert_eq!(number(&value.get()), last, "the last good value");
                    kept += 1;
                }
            }
        }
        fresh + kept >= 2_000
    });
    let elapsed = start.elapsed();
    children.kill(child);
    assert!(fresh > 0, "no read succeeded against a busy writer");
    eprintln!("{fresh} fresh reads, {kept} kept the last value, in {elapsed:?}");
}

#[test]
fn reads_never_wait_for_a_busy_writer_linux() {
    reads_never_wait_for_a_busy_writer::<Linux>("reads_never_wait_for_a_busy_writer_linux");
}

#[test]
fn reads_never_wait_for_a_busy_writer_posix() {
    reads_never_wait_for_a_busy_writer::<Posix>("reads_never_wait_for_a_busy_writer_posix");
}
