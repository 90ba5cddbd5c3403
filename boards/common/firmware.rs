//! The integration tests every single-core Cortex-M QEMU board runs, shared
//! by the board crates (`#[path]`-included; the board picks
//! `crate::BoardRmw`).
//!
//! A SysTick interrupt at a high rate plays a second execution context
//! that preempts the main loop at arbitrary instructions:
//! - `pubsub_isr`: the interrupt publishes 10,000 samples (sequence number
//!   and checksums) through a static `iox2_embedded::pubsub!` service; the
//!   main loop, idling in `Subscriber::wait` between samples, must receive
//!   every one, intact and in order.
//! - `event_wakes_main`: the interrupt notifies a static `Event` 1,000
//!   times, each time only after main saw the previous one; main sleeps in
//!   `Listener::wait` and must be woken every time with the right id; then
//!   timed waits end by the board clock and by an embedded-hal delay.
//! - `spsc_systick`: the same hand-off as `pubsub_isr` through the core's
//!   bare `SpscQueue`.
//! - `mpmc_preempt` (INV-PREEMPT): the interrupt and the main loop both move
//!   unique indices between two static MPMC queues (a free list and a used
//!   list), at least 100,000 queue operations in all; neither may hang, no
//!   index may be held twice, and every index is in exactly one queue at the end.
//! - `bad_input`: a second claim of a port that exists once (publisher,
//!   subscriber, listener, client, server, writer), an event id out of
//!   range, too many samples held, a request before any server, a full
//!   response buffer, a response to a cancelled request, an unknown
//!   blackboard key or value type: typed errors (a refused value handed
//!   back), no hang.
//!
//! State is shared through the services, atomics with a single writer each
//! (loads and stores only, so thumbv6m needs no CAS for them), and
//! `critical_section::Mutex`es that hand a port to the interrupt. The
//! verdicts go to stdout (compared with `expected.txt` by
//! `cargo xtask qemu`), timing-dependent details to stderr.

use core::cell::RefCell;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};
use core::time::Duration;

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;
use cortex_m_semihosting::{debug, heprintln, hprintln};
use critical_section::Mutex;
use iox2_core::blackboard::EntryError;
use iox2_core::event::WaitEnd;
use iox2_core::mpmc::MpmcQueue;
use iox2_core::service::PortKind;
use iox2_core::spsc::{Producer, SpscQueue};
use iox2_embedded::error::{ClientSendError, NotifyError, PortClaimError, ServerSendError};
use iox2_embedded::event::Event;
use iox2_embedded::pubsub::{Publisher, ReceiveError};
use iox2_embedded::reqres::{RequestSendError, ResponseSendError, StreamEnd};
use iox2_embedded::wait::{WaitHook, WfeSev};
use iox2_platform::Instant;
use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};

use crate::BoardRmw;
use crate::tick::Tick;

/// SysTick reload in core clock cycles: the interrupt rate.
const SYSTICK_RELOAD: u32 = 500;
/// Nanoseconds per SysTick period as QEMU runs it (about 24 kHz): the
/// board clock's unit. Only deadlines depend on it.
const TICK_NS: u64 = 41_667;

// ---- the board ---------------------------------------------------------------

static REGIONS: RegionTable<BoardRmw, 1> = RegionTable::new();
static NODES: NodeTable<BoardRmw, 1> = NodeTable::new();
/// SysTick periods since boot (while SysTick runs). SysTick only.
static TICKS: AtomicU32 = AtomicU32::new(0);

/// This board for iox2: its `Rmw`, `WFE`/`SEV` wait hooks, SysTick clock.
pub struct Board;

impl StaticRamBoard for Board {
    type Rmw = BoardRmw;

    fn regions() -> Regions<'static, BoardRmw> {
        REGIONS.view()
    }

    fn nodes() -> Nodes<'static, BoardRmw> {
        NODES.view()
    }

    fn now() -> Instant {
        Instant::from_nanos(u64::from(TICKS.load(Ordering::Relaxed)) * TICK_NS)
    }

    fn wait_hook(deadline: Option<Instant>) {
        WfeSev::idle(deadline);
    }

    fn wake_hook() {
        WfeSev::wake();
    }
}

// ---- what the interrupt does (written by main only) -------------------------

const MODE_IDLE: u8 = 0;
const MODE_SPSC: u8 = 1;
const MODE_MPMC: u8 = 2;
const MODE_PUBSUB: u8 = 3;
const MODE_EVENT: u8 = 4;
/// Which test the SysTick handler serves. Written by main only.
static MODE: AtomicU8 = AtomicU8::new(MODE_IDLE);

/// Samples the interrupt publishes (both hand-off tests).
const SAMPLES: u32 = 10_000;

// ---- pubsub_isr --------------------------------------------------------------

iox2_embedded::pubsub!(TICKS_SERVICE: Tick, Board, buffer = 8, overflow = false);

/// The publisher, lent to the interrupt for the test's duration.
static PUBLISHER: Mutex<RefCell<Option<Publisher<'static, Tick, Board>>>> = Mutex::new(RefCell::new(None));
/// The next sequence number to publish. Interrupt only.
static PUB_NEXT: AtomicU32 = AtomicU32::new(0);
/// Ticks whose sample found the buffer full (it is sent again). Interrupt only.
static PUB_FULL: AtomicU32 = AtomicU32::new(0);
/// Sends that failed otherwise. Interrupt only.
static PUB_ERRORS: AtomicU32 = AtomicU32::new(0);

fn pubsub_tick() {
    critical_section::with(|cs| {
        let mut publisher = PUBLISHER.borrow_ref_mut(cs);
        let Some(publisher) = publisher.as_mut() else { return };
        let sequence = PUB_NEXT.load(Ordering::Relaxed);
        if sequence >= SAMPLES {
            return;
        }
        match publisher.send_copy(Tick::new(0, sequence)) {
            Ok(delivery) if delivery.delivered == 1 => PUB_NEXT.store(sequence + 1, Ordering::Relaxed),
            Ok(_) => bump(&PUB_FULL),
            Err(_) => bump(&PUB_ERRORS),
        }
    });
}

fn pubsub_isr(syst: &mut SYST) -> Result<(), &'static str> {
    let subscriber = TICKS_SERVICE.subscriber().map_err(|_| "subscriber claim failed")?;
    let publisher = TICKS_SERVICE.publisher().map_err(|_| "publisher claim failed")?;
    critical_section::with(|cs| PUBLISHER.borrow_ref_mut(cs).replace(publisher));
    start(syst, MODE_PUBSUB);
    let mut expected = 0;
    let mut waits: u32 = 0;
    let outcome = loop {
        if expected == SAMPLES {
            break Ok(());
        }
        match subscriber.receive() {
            Ok(Some(sample)) => {
                if !sample.is_intact() || sample.stream != 0 {
                    break Err("corrupted sample");
                }
                if sample.sequence != expected {
                    break Err("sample lost or out of order");
                }
                expected += 1;
            }
            Ok(None) => {
                waits += 1;
                if waits > 1_000_000 {
                    break Err("no sample after 1,000,000 waits");
                }
                // Idle (WFE) until the interrupt sends; a 10 ms deadline on
                // the SysTick clock bounds a lost wake-up.
                let deadline = Board::now().saturating_add(Duration::from_millis(10));
                if subscriber.wait(Some(deadline)).is_err() {
                    break Err("wait failed");
                }
            }
            Err(_) => break Err("receive failed"),
        }
    };
    stop(syst);
    critical_section::with(|cs| PUBLISHER.borrow_ref_mut(cs).take());
    heprintln!(
        "pubsub_isr: received {} samples after {} waits; {} ticks found the buffer full",
        expected,
        waits,
        PUB_FULL.load(Ordering::Relaxed)
    );
    outcome?;
    if subscriber.receive().map_err(|_| "receive failed")?.is_some() {
        return Err("more samples than published");
    }
    if PUB_ERRORS.load(Ordering::Relaxed) != 0 {
        return Err("a send failed");
    }
    Ok(())
}

// ---- event_wakes_main --------------------------------------------------------

static EVENT: Event<Board> = Event::new();
/// Notifications the interrupt sends.
const NOTIFICATIONS: u32 = 1_000;
/// Notifications sent. Interrupt only.
static NOTIFIED: AtomicU32 = AtomicU32::new(0);
/// Notifications main has seen. Main only.
static SEEN: AtomicU32 = AtomicU32::new(0);
/// SysTick periods between a notification and the next.
const NOTIFY_EVERY: u32 = 3;

fn event_tick() {
    let notified = NOTIFIED.load(Ordering::Relaxed);
    // One at a time: the next only after main saw this one.
    if notified >= NOTIFICATIONS || SEEN.load(Ordering::Acquire) != notified {
        return;
    }
    if !TICKS.load(Ordering::Relaxed).is_multiple_of(NOTIFY_EVERY) {
        return;
    }
    if EVENT.notify(notified % 32).is_ok() {
        NOTIFIED.store(notified + 1, Ordering::Relaxed);
    }
}

/// A delay of about `ns` nanoseconds by counting cycles (QEMU runs the
/// core at no fixed speed; only the order of magnitude matters here).
struct CycleDelay;

impl embedded_hal::delay::DelayNs for CycleDelay {
    fn delay_ns(&mut self, ns: u32) {
        cortex_m::asm::delay(ns / 100 + 1);
    }
}

fn event_wakes_main(syst: &mut SYST) -> Result<(), &'static str> {
    let listener = EVENT.listener().map_err(|_| "listener claim failed")?;
    start(syst, MODE_EVENT);
    let mut outcome = Ok(());
    let mut spurious = 0u32;
    while SEEN.load(Ordering::Relaxed) < NOTIFICATIONS {
        let seen = SEEN.load(Ordering::Relaxed);
        let mut fired = None;
        match listener.wait(|id| fired = Some(id)) {
            Ok(WaitEnd::Fired) => {}
            Ok(_) => spurious += 1,
            Err(_) => {
                outcome = Err("wait failed");
                break;
            }
        }
        match fired {
            Some(id) if id == seen % 32 => SEEN.store(seen + 1, Ordering::Release),
            Some(_) => {
                outcome = Err("woken with the wrong event id");
                break;
            }
            None => spurious += 1,
        }
    }
    heprintln!(
        "event_wakes_main: {} wake-ups ({} without an id)",
        SEEN.load(Ordering::Relaxed),
        spurious
    );
    outcome?;
    // Nothing fires now: the waits end by their deadlines.
    MODE.store(MODE_IDLE, Ordering::Release);
    if listener.wait_for(Duration::from_millis(2), |_| {}) != Ok(WaitEnd::TimedOut) {
        stop(syst);
        return Err("a timed wait did not time out");
    }
    let step = Duration::from_micros(100);
    if listener.wait_with_delay(&mut CycleDelay, Duration::from_millis(1), step, |_| {}) != WaitEnd::TimedOut {
        stop(syst);
        return Err("a delay-timed wait did not time out");
    }
    stop(syst);
    EVENT.notify(7).map_err(|_| "notify failed")?;
    let mut fired = None;
    if listener.wait_with_delay(&mut CycleDelay, Duration::from_millis(1), step, |id| fired = Some(id))
        != WaitEnd::Fired
        || fired != Some(7)
    {
        return Err("a delay-timed wait missed a pending id");
    }
    Ok(())
}

// ---- spsc_systick ------------------------------------------------------------

/// All-zero: lands in `.bss`.
static SAMPLE_QUEUE: SpscQueue<BoardRmw, 64> = SpscQueue::new();
/// The producer end, lent to the interrupt for the test's duration.
static PRODUCER: Mutex<RefCell<Option<Producer<'static, BoardRmw>>>> = Mutex::new(RefCell::new(None));
/// The next sequence number to publish. Written by the interrupt only.
static NEXT_SEQ: AtomicU32 = AtomicU32::new(0);
/// Ticks that found the queue full (the sample is retried). Interrupt only.
static FULL_TICKS: AtomicU32 = AtomicU32::new(0);
/// Pushes that failed otherwise. Interrupt only.
static PUSH_ERRORS: AtomicU32 = AtomicU32::new(0);

/// `seq` (14 bits) with a 17-bit checksum above it: 31 bits.
fn encode(seq: u32) -> u32 {
    seq | (checksum(seq) << 14)
}

fn checksum(seq: u32) -> u32 {
    (seq.wrapping_mul(0x9E37_79B9) >> 15) & 0x1_FFFF
}

/// The sequence number, if the checksum matches.
fn decode(value: u32) -> Option<u32> {
    let seq = value & 0x3FFF;
    (value >> 14 == checksum(seq)).then_some(seq)
}

fn spsc_tick() {
    critical_section::with(|cs| {
        let mut producer = PRODUCER.borrow_ref_mut(cs);
        let Some(producer) = producer.as_mut() else { return };
        let seq = NEXT_SEQ.load(Ordering::Relaxed);
        if seq >= SAMPLES {
            return;
        }
        match producer.push(encode(seq)) {
            Ok(()) => NEXT_SEQ.store(seq + 1, Ordering::Relaxed),
            Err(iox2_core::error::SpscPushError::Full(_)) => bump(&FULL_TICKS),
            Err(_) => bump(&PUSH_ERRORS),
        }
    });
}

fn spsc_systick(syst: &mut SYST) -> Result<(), &'static str> {
    let mut consumer = SAMPLE_QUEUE.consumer().map_err(|_| "consumer already claimed")?;
    let producer = SAMPLE_QUEUE.producer().map_err(|_| "producer already claimed")?;
    critical_section::with(|cs| PRODUCER.borrow_ref_mut(cs).replace(producer));
    start(syst, MODE_SPSC);
    let mut expected = 0;
    let mut idle: u32 = 0;
    let outcome = loop {
        if expected == SAMPLES {
            break Ok(());
        }
        match consumer.pop() {
            Some(value) => {
                idle = 0;
                match decode(value) {
                    None => break Err("corrupted sample"),
                    Some(seq) if seq != expected => break Err("sample lost or out of order"),
                    Some(_) => expected += 1,
                }
            }
            None => {
                idle += 1;
                if idle > 50_000_000 {
                    break Err("no sample for 50M polls");
                }
            }
        }
    };
    stop(syst);
    critical_section::with(|cs| PRODUCER.borrow_ref_mut(cs).take());
    heprintln!(
        "spsc_systick: received {} samples; {} ticks found the queue full",
        expected,
        FULL_TICKS.load(Ordering::Relaxed)
    );
    outcome?;
    if consumer.pop().is_some() {
        return Err("more samples than published");
    }
    if PUSH_ERRORS.load(Ordering::Relaxed) != 0 {
        return Err("push failed other than Full");
    }
    Ok(())
}

// ---- mpmc_preempt ------------------------------------------------------------

const INDICES: u32 = 16;
/// Operations (successful pops and pushes) the interrupt performs.
const ISR_OPS_QUOTA: u32 = 20_000;
/// Operations the main loop performs at least.
const MAIN_OPS_QUOTA: u32 = 80_000;
/// Index moves (2 operations each) per interrupt.
const MOVES_PER_TICK: u32 = 4;

/// Starts holding every index; not all-zero, so copied from flash at start-up.
static FREE: MpmcQueue<BoardRmw, 16> = MpmcQueue::with_all_indices(INDICES);
static USED: MpmcQueue<BoardRmw, 16> = MpmcQueue::new();
/// 1 while some context holds the index out of both queues. Written by the
/// holder only; a queue that handed an index out twice trips the check.
static HELD: [AtomicU8; INDICES as usize] = [const { AtomicU8::new(0) }; INDICES as usize];
/// Interrupt only: its operations, its errors, and how many of its ticks
/// preempted the main loop in the middle of a queue operation.
static ISR_OPS: AtomicU32 = AtomicU32::new(0);
static ISR_ERRORS: AtomicU32 = AtomicU32::new(0);
static PREEMPTIONS: AtomicU32 = AtomicU32::new(0);
/// Main only: set around each of the main loop's queue operations.
static MAIN_IN_OP: AtomicBool = AtomicBool::new(false);

/// Pops an index from `from` and pushes it to `to`: `Ok(false)` if `from`
/// was empty.
fn move_one(from: &MpmcQueue<BoardRmw, 16>, to: &MpmcQueue<BoardRmw, 16>) -> Result<bool, ()> {
    let Some(index) = from.pop() else { return Ok(false) };
    let held = HELD.get(index as usize).ok_or(())?;
    if held.load(Ordering::Relaxed) != 0 {
        return Err(());
    }
    held.store(1, Ordering::Relaxed);
    held.store(0, Ordering::Relaxed);
    to.push(index).map_err(|_| ())?;
    Ok(true)
}

/// One move in the preferred direction, else the other; 2 operations or none.
fn move_either(forward: bool) -> Result<u32, ()> {
    let (a, b) = if forward { (&FREE, &USED) } else { (&USED, &FREE) };
    if move_one(a, b)? || move_one(b, a)? {
        Ok(2)
    } else {
        Ok(0)
    }
}

fn mpmc_tick() {
    let mut ops = ISR_OPS.load(Ordering::Relaxed);
    if ops >= ISR_OPS_QUOTA {
        return;
    }
    if MAIN_IN_OP.load(Ordering::Relaxed) {
        bump(&PREEMPTIONS);
    }
    for n in 0..MOVES_PER_TICK {
        match move_either((ops / 2 + n).is_multiple_of(2)) {
            Ok(done) => ops += done,
            Err(()) => bump(&ISR_ERRORS),
        }
    }
    ISR_OPS.store(ops, Ordering::Relaxed);
}

fn mpmc_preempt(syst: &mut SYST) -> Result<(), &'static str> {
    start(syst, MODE_MPMC);
    let mut ops: u32 = 0;
    let mut errors = 0;
    let mut rounds: u32 = 0;
    while ops < MAIN_OPS_QUOTA || ISR_OPS.load(Ordering::Relaxed) < ISR_OPS_QUOTA {
        MAIN_IN_OP.store(true, Ordering::Relaxed);
        let moved = move_either(rounds.is_multiple_of(2));
        MAIN_IN_OP.store(false, Ordering::Relaxed);
        match moved {
            Ok(done) => ops += done,
            Err(()) => errors += 1,
        }
        rounds += 1;
        if rounds > 50_000_000 {
            break;
        }
    }
    stop(syst);
    let isr_ops = ISR_OPS.load(Ordering::Relaxed);
    heprintln!(
        "mpmc_preempt: {} ops in main, {} in SysTick; {} ticks preempted a main-loop operation",
        ops,
        isr_ops,
        PREEMPTIONS.load(Ordering::Relaxed)
    );
    if ops + isr_ops < MAIN_OPS_QUOTA + ISR_OPS_QUOTA {
        return Err("fewer than 100,000 operations (indices lost, or the interrupt starved)");
    }
    if errors != 0 || ISR_ERRORS.load(Ordering::Relaxed) != 0 {
        return Err("an index was handed out twice, out of range, or a push failed");
    }
    if PREEMPTIONS.load(Ordering::Relaxed) == 0 {
        return Err("the interrupt never preempted a main-loop operation");
    }
    // Every index in exactly one queue, none held.
    let mut seen: u32 = 0;
    for queue in [&FREE, &USED] {
        while let Some(index) = queue.pop() {
            if index >= INDICES || seen & (1 << index) != 0 {
                return Err("an index is duplicated or out of range");
            }
            seen |= 1 << index;
        }
    }
    if seen != (1 << INDICES) - 1 {
        return Err("an index is missing");
    }
    if HELD.iter().any(|held| held.load(Ordering::Relaxed) != 0) {
        return Err("an index is still marked held");
    }
    Ok(())
}

// ---- bad_input ---------------------------------------------------------------

iox2_embedded::pubsub!(ONCE: Tick, Board, buffer = 2);

fn bad_input(_syst: &mut SYST) -> Result<(), &'static str> {
    let mut publisher = ONCE.publisher().map_err(|_| "first publisher claim failed")?;
    let subscriber = ONCE.subscriber().map_err(|_| "first subscriber claim failed")?;
    let once = |kind| Err(PortClaimError::ExceedsMaxPorts { kind, max: 1 });
    if ONCE.publisher().map(|_| ()) != once(PortKind::Publisher) {
        return Err("a second publisher claim was not refused");
    }
    if ONCE.subscriber().map(|_| ()) != once(PortKind::Subscriber) {
        return Err("a second subscriber claim was not refused");
    }
    let listener = EVENT.listener().map_err(|_| "listener claim failed")?;
    if EVENT.listener().map(|_| ()) != once(PortKind::Listener) {
        return Err("a second listener claim was not refused");
    }
    drop(listener);
    if EVENT.notify(32) != Err(NotifyError::EventIdOutOfRange { id: 32, ids: 32 }) {
        return Err("an event id out of range was not refused");
    }
    // One borrow: the second sample held is refused until the first goes back.
    for sequence in 0..2 {
        publisher.send_copy(Tick::new(1, sequence)).map_err(|_| "send failed")?;
    }
    let first = subscriber.receive().map_err(|_| "receive failed")?.ok_or("no sample")?;
    if !matches!(subscriber.receive(), Err(ReceiveError::ExceedsMaxBorrows { max: 1 })) {
        return Err("a second borrow was not refused");
    }
    drop(first);
    let second = subscriber.receive().map_err(|_| "receive failed")?.ok_or("no sample")?;
    if second.sequence != 1 {
        return Err("the second sample is wrong");
    }
    reqres_bad_input()?;
    blackboard_bad_input()
}

iox2_embedded::reqres!(ECHO: Tick => Tick, Board, response_buffer = 2, overflow = false);

/// Request-response: a request before any server is refused and handed
/// back, ports are claimed once, a full response buffer refuses and hands
/// back, a cancel reaches the server.
fn reqres_bad_input() -> Result<(), &'static str> {
    let client = ECHO.client().map_err(|_| "client claim failed")?;
    if ECHO.client().map(|_| ())
        != Err(PortClaimError::ExceedsMaxPorts {
            kind: PortKind::Client,
            max: 1,
        })
    {
        return Err("a second client claim was not refused");
    }
    let refused = client
        .send_copy(Tick::new(2, 0))
        .err()
        .ok_or("a request without a server was sent")?;
    if refused.reason != ClientSendError::Request(RequestSendError::NoServer) || refused.value != Tick::new(2, 0) {
        return Err("a request without a server was not handed back");
    }
    let server = ECHO.server().map_err(|_| "server claim failed")?;
    if ECHO.server().map(|_| ())
        != Err(PortClaimError::ExceedsMaxPorts {
            kind: PortKind::Server,
            max: 1,
        })
    {
        return Err("a second server claim was not refused");
    }
    let pending = client.send_copy(Tick::new(2, 1)).map_err(|_| "request failed")?;
    let request = server
        .receive()
        .map_err(|_| "request receive failed")?
        .ok_or("no request")?;
    for sequence in 0..2 {
        request
            .send_copy(Tick::new(3, sequence))
            .map_err(|_| "response failed")?;
    }
    let full = request
        .send_copy(Tick::new(3, 2))
        .err()
        .ok_or("a full response buffer took more")?;
    if full.reason != ServerSendError::Response(ResponseSendError::BufferFull) || full.value != Tick::new(3, 2) {
        return Err("a full response buffer did not refuse and hand back");
    }
    let response = pending
        .receive()
        .map_err(|_| "response receive failed")?
        .ok_or("no response")?;
    if *response != Tick::new(3, 0) {
        return Err("the response is wrong");
    }
    drop(response);
    drop(pending);
    if request.is_connected() {
        return Err("the server did not see the cancel");
    }
    let gone = request
        .send_copy(Tick::new(3, 3))
        .err()
        .ok_or("a response to a cancelled request was sent")?;
    if gone.reason != ServerSendError::Response(ResponseSendError::NotConnected) {
        return Err("a response to a cancelled request was not refused");
    }
    drop(request);
    let pending = client
        .send_copy(Tick::new(2, 2))
        .map_err(|_| "request after the cancel failed")?;
    drop(
        server
            .receive()
            .map_err(|_| "request receive failed")?
            .ok_or("no request")?,
    );
    if pending.stream_end() != Some(StreamEnd::Completed) {
        return Err("an ended stream did not say so");
    }
    Ok(())
}

iox2_embedded::blackboard!(LIMITS: u32, Board; 1 => u32 = 3300, 2 => [u16; 2] = [10, 20]);

/// Blackboard: one writer, an unknown key, a wrong value type: typed errors.
fn blackboard_bad_input() -> Result<(), &'static str> {
    let writer = LIMITS.writer().map_err(|_| "writer claim failed")?;
    if LIMITS.writer().map(|_| ())
        != Err(PortClaimError::ExceedsMaxPorts {
            kind: PortKind::Writer,
            max: 1,
        })
    {
        return Err("a second writer claim was not refused");
    }
    let reader = LIMITS.reader().map_err(|_| "reader claim failed")?;
    if reader.entry::<u32>(3).err() != Some(EntryError::UnknownKey) {
        return Err("an unknown key was not refused");
    }
    if !matches!(reader.entry::<u16>(1), Err(EntryError::WrongType(_))) {
        return Err("a wrong value type was not refused");
    }
    let limit = reader.entry::<u32>(1).map_err(|_| "entry failed")?;
    if limit.get() != 3300 {
        return Err("the default value is wrong");
    }
    writer
        .entry::<u32>(1)
        .map_err(|_| "entry failed")?
        .update_with_copy(3600);
    if limit.get() != 3600 || reader.entry::<[u16; 2]>(2).map_err(|_| "entry failed")?.get() != [10, 20] {
        return Err("a value read back is wrong");
    }
    Ok(())
}

// ---- harness -----------------------------------------------------------------

/// `+= 1` on a word this context alone writes (no read-modify-write needed).
fn bump(counter: &AtomicU32) {
    counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

fn start(syst: &mut SYST, mode: u8) {
    MODE.store(mode, Ordering::Release);
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(SYSTICK_RELOAD);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

fn stop(syst: &mut SYST) {
    syst.disable_interrupt();
    syst.disable_counter();
    MODE.store(MODE_IDLE, Ordering::Release);
}

#[exception]
fn SysTick() {
    TICKS.store(TICKS.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    match MODE.load(Ordering::Acquire) {
        MODE_SPSC => spsc_tick(),
        MODE_MPMC => mpmc_tick(),
        MODE_PUBSUB => pubsub_tick(),
        MODE_EVENT => event_tick(),
        _ => {}
    }
}

/// A test: `Err` names what went wrong.
type Test = fn(&mut SYST) -> Result<(), &'static str>;

/// Runs every test, prints `N passed, N failed`, and exits QEMU with
/// status 0 only if all passed.
pub fn run() -> ! {
    let Some(mut peripherals) = cortex_m::Peripherals::take() else {
        hprintln!("core peripherals already taken");
        debug::exit(debug::EXIT_FAILURE);
        halt()
    };
    let syst = &mut peripherals.SYST;
    let tests: [(&str, Test); 5] = [
        ("pubsub_isr", pubsub_isr),
        ("event_wakes_main", event_wakes_main),
        ("spsc_systick", spsc_systick),
        ("mpmc_preempt", mpmc_preempt),
        ("bad_input", bad_input),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        match test(syst) {
            Ok(()) => {
                passed += 1;
                hprintln!("test {} ... ok", name);
            }
            Err(why) => {
                failed += 1;
                hprintln!("test {} ... FAILED: {}", name, why);
            }
        }
    }
    hprintln!("{} passed, {} failed", passed, failed);
    let status = if failed == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    };
    debug::exit(status);
    halt()
}

/// Where the firmware rests if the semihosting exit returned (no debugger).
fn halt() -> ! {
    loop {
        cortex_m::asm::wfi();
    }
}
