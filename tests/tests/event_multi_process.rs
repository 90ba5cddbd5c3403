//! Events and the WaitSet between processes: a ping-pong of thousands of
//! rounds, each hop waking a sleeping process, loses no wake-up and no id;
//! a notifier whose process is killed (SIGKILL) holds its slot until its
//! node is reaped, and the reaper fires the "notifier dead" id; a WaitSet
//! sees another process's notifications and then, once they stop, a
//! missed deadline; and SIGTERM or SIGINT ends a wait cleanly — one under
//! way, one about to begin, or one racing the sleep — as a termination
//! request of the WaitSet or an interrupt of a listener. Each test runs
//! over the `linux` (futex) and the `posix` (FIFO) platform.

use core::time::Duration;
use iox2_host::prelude::*;
use iox2_host::{HostPlatform, ListenerWaitError, NotifyError, PortCreateError};
use iox2_platform::{NodeState, signal};
use iox2_tests::{
    Children, FLAGS_VAR, Flags, SERVICE_VAR, child_service, child_watchdog, role, serial, unique_service,
};
use std::time::Instant;

/// How long a child may live, and how long a parent waits for anything
/// but a hop of the ping-pong.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The state `service.nodes()` gives the node of process `pid`, if listed.
fn node_of<P: HostPlatform>(service: &EventService<P>, pid: u32) -> Option<NodeState> {
    service
        .nodes()
        .into_iter()
        .find(|&(_, node_pid, _)| node_pid == pid)
        .map(|(.., state)| state)
}

fn node<P: HostPlatform>(name: &str) -> Node<P> {
    NodeBuilder::new().name(name).unwrap().create::<P>().unwrap()
}

// ---------------------------------------------------------------------------
// Ping-pong: no wake-up is lost across processes.

/// Round trips; each of the two hops wakes a process asleep in the kernel.
const ROUNDS: u32 = 2_000;
/// The largest id of both services: round `r` carries `r % (ID_MAX + 1)`.
const ID_MAX: u32 = 100;
/// Longest a parent waits for one pong. A lost wake-up makes the wait run
/// into this timeout (after which the timed wait finds the id anyway, so
/// the time taken is what shows it).
const HOP_TIMEOUT: Duration = Duration::from_secs(5);
/// The environment variable naming the pong service (the ping service is
/// [`SERVICE_VAR`]).
const PONG_VAR: &str = "IOX2_TEST_PONG";

fn ping_pong_service<P: HostPlatform>(node: &Node<P>, name: &str) -> EventService<P> {
    node.service_builder(name)
        .unwrap()
        .event()
        .event_id_max(ID_MAX)
        .max_listeners(1)
        .max_notifiers(1)
        .open_or_create()
        .unwrap()
}

/// The id round `round` carries.
fn id_of(round: u32) -> EventId {
    EventId::new(round % (ID_MAX + 1))
}

/// The child: sleeps for each ping (as long as it takes), checks its id,
/// and answers with the same id.
fn ponger<P: HostPlatform>() {
    let flags = Flags::from_env();
    let node = node::<P>("ponger");
    let ping = ping_pong_service::<P>(&node, &child_service());
    let pong = ping_pong_service::<P>(&node, &std::env::var(PONG_VAR).unwrap());
    let listener = ping.listener_builder().create().unwrap();
    let notifier = pong.notifier_builder().create().unwrap();
    flags.set("listening");
    let slept_before = voluntary_switches();
    for round in 0..ROUNDS {
        let mut ids = Vec::new();
        if round % 2 == 0 {
            ids.extend(listener.blocking_wait_one().unwrap());
        } else {
            listener.blocking_wait_all(|id| ids.push(id)).unwrap();
        }
        assert_eq!(ids, [id_of(round)], "round {round}: the ping's ids");
        assert_eq!(
            notifier.notify_with_custom_event_id(id_of(round)),
            Ok(1),
            "round {round}"
        );
    }
    assert_eq!(listener.try_wait_one(), Ok(None));
    // A hop mostly finds the process asleep (sometimes the id is there
    // first); were it so in less than a tenth of the rounds, this would
    // test a spin, not a wake-up.
    let slept = voluntary_switches() - slept_before;
    assert!(
        slept >= u64::from(ROUNDS / 10),
        "the ponger slept only {slept} times in {ROUNDS} rounds"
    );
}

/// How often this thread gave up its CPU to wait (slept) so far.
fn voluntary_switches() -> u64 {
    // SAFETY: a zeroed `rusage` is valid; `getrusage` fills the one passed.
    let usage = unsafe {
        let mut usage: libc::rusage = core::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_THREAD, &raw mut usage), 0);
        usage
    };
    u64::try_from(usage.ru_nvcsw).expect("a count")
}

fn ping_pong<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return ponger::<P>();
    }
    let _serial = serial();
    let (ping_name, pong_name) = (unique_service("ping"), unique_service("pong"));
    let flags = Flags::create();
    let node = node::<P>("pinger");
    let ping = ping_pong_service::<P>(&node, &ping_name);
    let pong = ping_pong_service::<P>(&node, &pong_name);
    let listener = pong.listener_builder().create().unwrap();
    let notifier = ping.notifier_builder().create().unwrap();
    let mut children = Children::new();
    let env = [
        (SERVICE_VAR, ping_name.as_str()),
        (PONG_VAR, pong_name.as_str()),
        (FLAGS_VAR, flags.dir()),
    ];
    let child = children.spawn(test, "ponger", &env);
    flags.wait("listening", TIMEOUT);
    let start = Instant::now();
    let slept_before = voluntary_switches();
    let mut slowest = Duration::ZERO;
    for round in 0..ROUNDS {
        let sent = Instant::now();
        assert_eq!(
            notifier.notify_with_custom_event_id(id_of(round)),
            Ok(1),
            "round {round}"
        );
        let mut ids = Vec::new();
        if round % 3 == 0 {
            listener.timed_wait_all(|id| ids.push(id), HOP_TIMEOUT).unwrap();
        } else {
            ids.extend(listener.timed_wait_one(HOP_TIMEOUT).unwrap());
        }
        let hop = sent.elapsed();
        if hop >= HOP_TIMEOUT {
            // A failed child says so (panics) here; else a wake-up was lost.
            children.try_finished(child);
            panic!("round {round}: no pong woke the parent within {HOP_TIMEOUT:?} (got {ids:?}): a lost wake-up");
        }
        assert_eq!(ids, [id_of(round)], "round {round}: the pong's ids");
        slowest = slowest.max(hop);
    }
    let elapsed = start.elapsed();
    let slept = voluntary_switches() - slept_before;
    children.wait(child, TIMEOUT);
    assert_eq!(listener.try_wait_one(), Ok(None));
    eprintln!("{ROUNDS} round trips in {elapsed:?} (slowest {slowest:?}); the parent slept {slept} times");
}

#[test]
fn ping_pong_loses_no_wake_up_linux() {
    ping_pong::<Linux>("ping_pong_loses_no_wake_up_linux");
}

#[test]
fn ping_pong_loses_no_wake_up_posix() {
    ping_pong::<Posix>("ping_pong_loses_no_wake_up_posix");
}

// ---------------------------------------------------------------------------
// A dead notifier.

const CREATED: EventId = EventId::new(1);
const DROPPED: EventId = EventId::new(2);
const DEAD: EventId = EventId::new(3);

/// One notifier at most: the dead one's slot is the only one.
fn lifecycle_service<P: HostPlatform>(node: &Node<P>, name: &str) -> EventService<P> {
    node.service_builder(name)
        .unwrap()
        .event()
        .max_notifiers(1)
        .notifier_created_event(CREATED)
        .notifier_dropped_event(DROPPED)
        .notifier_dead_event(DEAD)
        .open_or_create()
        .unwrap()
}

/// The child: creates a notifier, and waits to be killed.
fn idle_notifier<P: HostPlatform>() {
    let node = node::<P>("doomed-notifier");
    let service = lifecycle_service::<P>(&node, &child_service());
    let _notifier = service.notifier_builder().create().unwrap();
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn dead_notifier<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return idle_notifier::<P>();
    }
    let _serial = serial();
    let name = unique_service("dead-notifier");
    let node = node::<P>("survivor-listener");
    let service = lifecycle_service::<P>(&node, &name);
    let listener = service.listener_builder().create().unwrap();
    let mut children = Children::new();
    let child = children.spawn(test, "notifier", &[(SERVICE_VAR, &name)]);
    let pid = children.pid(child);

    // The child's notifier announces itself, waking the sleeping listener.
    let start = Instant::now();
    assert_eq!(listener.timed_wait_one(TIMEOUT), Ok(Some(CREATED)));
    assert!(start.elapsed() < TIMEOUT, "the created id came only with the timeout");
    assert_eq!(listener.try_wait_one(), Ok(None));
    assert_eq!(node_of(&service, pid), Some(NodeState::Alive), "{:?}", service.nodes());

    children.kill(child);
    assert_eq!(node_of(&service, pid), Some(NodeState::Dead), "{:?}", service.nodes());
    // A killed process drops nothing: no id fires by itself, and the dead
    // notifier keeps its slot until its node is reaped.
    assert_eq!(listener.try_wait_one(), Ok(None));
    assert!(matches!(
        service.notifier_builder().create(),
        Err(PortCreateError::ExceedsMaxPorts)
    ));

    assert_eq!(service.reap_dead_nodes(), 1);
    assert_eq!(listener.try_wait_one(), Ok(Some(DEAD)));
    assert_eq!(listener.try_wait_one(), Ok(None), "the dead id alone, no dropped id");
    assert_eq!(node_of(&service, pid), None, "{:?}", service.nodes());
    assert_eq!(service.reap_dead_nodes(), 0);
    assert_eq!(listener.try_wait_one(), Ok(None), "the dead id once");

    // The slot is free again.
    let notifier = service.notifier_builder().create().unwrap();
    assert_eq!(listener.try_wait_one(), Ok(Some(CREATED)));
    drop(notifier);
    assert_eq!(listener.try_wait_one(), Ok(Some(DROPPED)));
}

#[test]
fn dead_notifier_is_announced_when_reaped_linux() {
    dead_notifier::<Linux>("dead_notifier_is_announced_when_reaped_linux");
}

#[test]
fn dead_notifier_is_announced_when_reaped_posix() {
    dead_notifier::<Posix>("dead_notifier_is_announced_when_reaped_posix");
}

// ---------------------------------------------------------------------------
// A deadline watched in another process.

/// The service's deadline, which the child's WaitSet watches.
const DEADLINE: Duration = Duration::from_millis(200);
/// The parent's period while it is on time: a tenth of the deadline.
const PERIOD: Duration = Duration::from_millis(20);
/// Notifications on time, with ids `1..=ON_TIME`.
const ON_TIME: u32 = 8;
/// The id of the late notification, after the missed deadline.
const LATE: EventId = EventId::new(100);

fn deadline_service<P: HostPlatform>(node: &Node<P>, name: &str) -> EventService<P> {
    node.service_builder(name)
        .unwrap()
        .event()
        .deadline(DEADLINE)
        .open_or_create()
        .unwrap()
}

/// The child: a WaitSet watches the listener's deadline; it must see the
/// on-time ids, then (only then) a missed deadline, then the late id.
fn deadline_watcher<P: HostPlatform>() {
    let flags = Flags::from_env();
    let node = node::<P>("deadline-watcher");
    let service = deadline_service::<P>(&node, &child_service());
    let listener = service.listener_builder().create().unwrap();
    assert_eq!(listener.deadline(), Some(DEADLINE));
    let waitset = WaitSetBuilder::new().create::<P>().unwrap();
    let guard = waitset.attach_deadline(&listener, DEADLINE).unwrap();
    let on_time: Vec<u32> = (1..=ON_TIME).collect();
    let mut seen = Vec::new();
    let mut last_event = Instant::now();
    let mut quiet = None;
    let mut misses = 0;
    flags.set("watching");
    let result = waitset.wait_and_process(|fired| {
        if fired.has_event_from(&guard) {
            listener.try_wait_all(|id| seen.push(id.as_value())).unwrap();
            if misses == 0 {
                last_event = Instant::now();
                assert!(on_time.starts_with(&seen), "{seen:?} before the missed deadline");
                if seen == on_time {
                    flags.set("events");
                }
                return CallbackProgression::Continue;
            }
            assert_eq!(
                seen.last(),
                Some(&LATE.as_value()),
                "{seen:?} after the missed deadline"
            );
            return CallbackProgression::Stop;
        }
        assert!(fired.has_missed_deadline(&guard), "{fired:?}");
        if misses == 0 {
            assert_eq!(seen, on_time, "a missed deadline while the notifier was on time");
            quiet = Some(last_event.elapsed());
            flags.set("missed");
        }
        misses += 1;
        CallbackProgression::Continue
    });
    assert_eq!(result, Ok(WaitSetRunResult::StopRequest));
    assert!(misses >= 1);
    let quiet = quiet.unwrap();
    // The miss counts from the last event the WaitSet saw (a few µs before
    // `last_event`), and no timer fires early; a late wake-up is bounded
    // loosely, for loaded machines.
    assert!(
        quiet >= DEADLINE - Duration::from_millis(5),
        "the deadline was missed {quiet:?} after the last event"
    );
    assert!(
        quiet < DEADLINE + Duration::from_secs(1),
        "the missed deadline was seen only {quiet:?} after the last event"
    );
}

fn deadline_in_another_process<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return deadline_watcher::<P>();
    }
    let _serial = serial();
    let name = unique_service("deadline");
    let flags = Flags::create();
    let node = node::<P>("deadline-notifier");
    let service = deadline_service::<P>(&node, &name);
    let notifier = service.notifier_builder().create().unwrap();
    let mut children = Children::new();
    let child = children.spawn(test, "watcher", &[(SERVICE_VAR, &name), (FLAGS_VAR, flags.dir())]);
    flags.wait("watching", TIMEOUT);
    for id in 1..=ON_TIME {
        std::thread::sleep(PERIOD);
        match notifier.notify_with_custom_event_id(EventId::new(id)) {
            Ok(1) => {}
            // Counted from the service's creation, before the child started.
            Err(NotifyError::MissedDeadline { reached: 1, .. }) if id == 1 => {}
            other => panic!("notification {id}: {other:?}"),
        }
    }
    flags.wait("missed", TIMEOUT);
    assert!(flags.is_set("events"));
    // The notifier learns it too (from the service's stamps, which the
    // child's WaitSet reads); the late id is delivered all the same.
    match notifier.notify_with_custom_event_id(LATE) {
        Err(NotifyError::MissedDeadline {
            reached: 1,
            elapsed,
            deadline: DEADLINE,
        }) => assert!(elapsed >= DEADLINE, "{elapsed:?}"),
        other => panic!("the late notification: {other:?}"),
    }
    children.wait(child, TIMEOUT);
}

#[test]
fn deadline_missed_in_another_process_linux() {
    deadline_in_another_process::<Linux>("deadline_missed_in_another_process_linux");
}

#[test]
fn deadline_missed_in_another_process_posix() {
    deadline_in_another_process::<Posix>("deadline_missed_in_another_process_posix");
}

// ---------------------------------------------------------------------------
// SIGTERM and SIGINT end waits cleanly.

/// The environment variable naming the signal a child expects.
const SIGNAL_VAR: &str = "IOX2_TEST_SIGNAL";
/// How long a parent gives a signalled child to finish: it should at once.
const SIGNALLED: Duration = Duration::from_secs(5);

/// The signal the parent names.
fn child_signal() -> i32 {
    std::env::var(SIGNAL_VAR).unwrap().parse().unwrap()
}

/// A listener of the service the parent names, which nobody notifies.
fn quiet_listener<P: HostPlatform>(node: &Node<P>) -> Listener<P> {
    let service = node
        .service_builder(&child_service())
        .unwrap()
        .event()
        .open_or_create()
        .unwrap();
    service.listener_builder().create().unwrap()
}

/// The child: a WaitSet waits on a listener that never fires, until the
/// signal ends the wait. With `raise_first`, the child raises the signal
/// itself before it waits.
fn terminated_waitset<P: HostPlatform>(raise_first: bool) {
    let flags = Flags::from_env();
    let expected = child_signal();
    let node = node::<P>("signalled-waitset");
    let listener = quiet_listener::<P>(&node);
    let waitset = WaitSetBuilder::new().create::<P>().unwrap();
    let _guard = waitset.attach_notification(&listener).unwrap();
    if raise_first {
        // SAFETY: `raise` takes no pointers; the handler is installed (the
        // WaitSet's creation), so the signal is recorded, not fatal.
        assert_eq!(unsafe { libc::raise(expected) }, 0);
        assert_eq!(signal::termination_requested(), Some(expected));
    }
    flags.set("waiting");
    let start = Instant::now();
    let result = waitset.wait_and_process(|fired| panic!("nothing fires, yet {fired:?}"));
    assert_eq!(result, Ok(WaitSetRunResult::TerminationRequest));
    assert_eq!(signal::termination_requested(), Some(expected));
    if raise_first {
        assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    }
    // The request stays: a later wait ends at once, too.
    let start = Instant::now();
    let again = waitset.wait_and_process_once_with_timeout(|fired| panic!("{fired:?}"), TIMEOUT);
    assert_eq!(again, Ok(WaitSetRunResult::TerminationRequest));
    assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    flags.set("terminated");
}

/// Starts the child of a signal test; returns it once it is about to wait.
fn start_signalled_child(test: &str, role: &str, signal: i32, children: &mut Children, flags: &Flags) -> usize {
    let name = unique_service("signal");
    let signal = signal.to_string();
    let env = [
        (SERVICE_VAR, name.as_str()),
        (FLAGS_VAR, flags.dir()),
        (SIGNAL_VAR, signal.as_str()),
    ];
    let child = children.spawn(test, role, &env);
    flags.wait("waiting", TIMEOUT);
    child
}

fn waitset_signalled<P: HostPlatform>(test: &str, signal: i32) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return terminated_waitset::<P>(false);
    }
    let _serial = serial();
    let flags = Flags::create();
    let mut children = Children::new();
    let child = start_signalled_child(test, "waitset", signal, &mut children, &flags);
    // Let it fall asleep.
    std::thread::sleep(Duration::from_millis(50));
    assert!(!flags.is_set("terminated"), "the wait ended by itself");
    children.signal(child, signal);
    children.wait(child, SIGNALLED);
    assert!(flags.is_set("terminated"));
}

#[test]
fn sigterm_ends_a_waitset_wait_linux() {
    waitset_signalled::<Linux>("sigterm_ends_a_waitset_wait_linux", libc::SIGTERM);
}

#[test]
fn sigterm_ends_a_waitset_wait_posix() {
    waitset_signalled::<Posix>("sigterm_ends_a_waitset_wait_posix", libc::SIGTERM);
}

#[test]
fn sigint_ends_a_waitset_wait_linux() {
    waitset_signalled::<Linux>("sigint_ends_a_waitset_wait_linux", libc::SIGINT);
}

#[test]
fn sigint_ends_a_waitset_wait_posix() {
    waitset_signalled::<Posix>("sigint_ends_a_waitset_wait_posix", libc::SIGINT);
}

fn signal_before_wait<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return terminated_waitset::<P>(true);
    }
    let _serial = serial();
    let flags = Flags::create();
    let mut children = Children::new();
    let child = start_signalled_child(test, "waitset-raise", libc::SIGTERM, &mut children, &flags);
    children.wait(child, SIGNALLED);
    assert!(flags.is_set("terminated"));
}

#[test]
fn sigterm_before_the_wait_is_not_lost_linux() {
    signal_before_wait::<Linux>("sigterm_before_the_wait_is_not_lost_linux");
}

#[test]
fn sigterm_before_the_wait_is_not_lost_posix() {
    signal_before_wait::<Posix>("sigterm_before_the_wait_is_not_lost_posix");
}

/// Children in the race test: one signal each.
const RACES: u32 = 10;

/// A SIGTERM sent while the child goes from its "waiting" flag into the
/// sleep (the parent spins on the flag, then waits 0 to 90 µs): wherever
/// it lands — before the WaitSet's check, between the check and the
/// sleep, or in the sleep — the wait ends.
fn signal_racing_the_sleep<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return terminated_waitset::<P>(false);
    }
    let _serial = serial();
    let mut children = Children::new();
    for race in 0..RACES {
        let flags = Flags::create();
        let name = unique_service("signal-race");
        let signal = libc::SIGTERM.to_string();
        let env = [
            (SERVICE_VAR, name.as_str()),
            (FLAGS_VAR, flags.dir()),
            (SIGNAL_VAR, signal.as_str()),
        ];
        let child = children.spawn(test, "waitset", &env);
        let deadline = Instant::now() + TIMEOUT;
        while !flags.is_set("waiting") {
            assert!(Instant::now() < deadline, "race {race}: the child never waited");
            core::hint::spin_loop();
        }
        let delay = Duration::from_micros(u64::from(race) * 10);
        let start = Instant::now();
        while start.elapsed() < delay {
            core::hint::spin_loop();
        }
        children.signal(child, libc::SIGTERM);
        children.wait(child, SIGNALLED);
        assert!(flags.is_set("terminated"), "race {race}");
    }
}

#[test]
fn sigterm_racing_the_sleep_is_not_lost_linux() {
    signal_racing_the_sleep::<Linux>("sigterm_racing_the_sleep_is_not_lost_linux");
}

#[test]
fn sigterm_racing_the_sleep_is_not_lost_posix() {
    signal_racing_the_sleep::<Posix>("sigterm_racing_the_sleep_is_not_lost_posix");
}

/// The child: a listener sleeps (its WaitSet, created first, installed the
/// handlers) until the signal interrupts it.
fn interrupted_listener<P: HostPlatform>() {
    let flags = Flags::from_env();
    let node = node::<P>("signalled-listener");
    let listener = quiet_listener::<P>(&node);
    drop(WaitSetBuilder::new().create::<P>().unwrap());
    flags.set("waiting");
    assert_eq!(listener.blocking_wait_one(), Err(ListenerWaitError::InterruptSignal));
    assert_eq!(signal::termination_requested(), Some(child_signal()));
    // The request stays: a later wait ends at once, too.
    let start = Instant::now();
    assert_eq!(
        listener.timed_wait_one(TIMEOUT),
        Err(ListenerWaitError::InterruptSignal)
    );
    assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    flags.set("terminated");
}

fn listener_signalled<P: HostPlatform>(test: &str) {
    if role().is_some() {
        child_watchdog(TIMEOUT);
        return interrupted_listener::<P>();
    }
    let _serial = serial();
    let flags = Flags::create();
    let mut children = Children::new();
    let child = start_signalled_child(test, "listener", libc::SIGTERM, &mut children, &flags);
    std::thread::sleep(Duration::from_millis(50));
    assert!(!flags.is_set("terminated"), "the wait ended by itself");
    children.signal(child, libc::SIGTERM);
    children.wait(child, SIGNALLED);
    assert!(flags.is_set("terminated"));
}

#[test]
fn sigterm_interrupts_a_blocking_listener_linux() {
    listener_signalled::<Linux>("sigterm_interrupts_a_blocking_listener_linux");
}

#[test]
fn sigterm_interrupts_a_blocking_listener_posix() {
    listener_signalled::<Posix>("sigterm_interrupts_a_blocking_listener_posix");
}
