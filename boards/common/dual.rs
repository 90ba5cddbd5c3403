//! The cross-core tests every dual-core QEMU board runs, shared by the
//! board crates (`#[path]`-included with `dual_reqres.rs`,
//! `dual_blackboard.rs`, `dual_halt.rs` and `tick.rs`; the board supplies
//! `crate::Board`, how to start the second core, and how to print).
//!
//! Both cores run this image from the same flash and share its RAM, so
//! the services are ordinary statics in `.bss`, zeroed by core 0 before it
//! starts core 1. Core 1 runs [`core1_main`]: one phase per test, in the
//! order core 0 runs them, reporting each phase's end (or its failure) in
//! `CORE1_STATE`.
//! - `pubsub_cross_core`: each core publishes 100,000 samples (sequence
//!   number and checksums) to the other through a static pub-sub service
//!   without safe overflow, while receiving the other's; both must get
//!   every sample, intact and in order. Neither ever waits for the other:
//!   a full buffer makes a send report `discarded` and it is tried again.
//! - `event_cross_core`: core 1 notifies a static `Event` 1,000 times, each
//!   time after core 0 saw the previous one; core 0 sleeps in
//!   `Listener::wait` and must be woken every time with the right id.
//! - `reqres_cross_core` (`dual_reqres.rs`): core 0's client sends 2,000
//!   requests; core 1's server answers each with a stream of 8 responses;
//!   one request is cancelled midway.
//! - `blackboard_cross_core` (`dual_blackboard.rs`): core 1 writes 100,000
//!   values to a static blackboard while core 0 reads them: never torn,
//!   never older than the last read.
//! - `halt_mid_stream` (`dual_halt.rs`, boards whose supervisor can halt
//!   core 1): core 1 is halted in the middle of its streams; every
//!   operation of core 0 still finishes; then the services are reset and
//!   core 1 restarted.

use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;

use iox2_core::event::WaitEnd;
use iox2_embedded::error::PortClaimError;
use iox2_embedded::event::Event;
use iox2_embedded::pubsub::{Publisher, Subscriber};
use iox2_platform::Instant;
use iox2_platform::static_ram::StaticRamBoard;

use crate::Board;
use crate::tick::Tick;

/// Samples each core sends to the other.
pub const SAMPLES: u32 = 100_000;
/// Notifications core 1 sends.
const NOTIFICATIONS: u32 = 1_000;
/// Loop turns without progress after which a core gives up (a hang).
pub const STALL_LIMIT: u32 = 20_000_000;
/// Board-clock time without progress after which a core gives up.
pub const STALL_TIME: Duration = Duration::from_secs(5);

iox2_embedded::pubsub!(TO_CORE1: Tick, Board, buffer = 8, overflow = false);
iox2_embedded::pubsub!(TO_CORE0: Tick, Board, buffer = 8, overflow = false);
static EVENT: Event<Board> = Event::new();

/// Core 1's progress, written by core 1 only: the phases in order, so
/// that core 0 can wait for "at least" a phase.
pub const CORE1_STARTED: u32 = 1;
pub const CORE1_PUBSUB_DONE: u32 = 2;
pub const CORE1_EVENTS_DONE: u32 = 3;
pub const CORE1_REQRES_DONE: u32 = 4;
pub const CORE1_BLACKBOARD_DONE: u32 = 5;
/// Core 1 streams on the halt test's services until it is halted.
pub const CORE1_STREAMING: u32 = 6;
/// Core 1, restarted, finished its exchange on the reset services.
pub const CORE1_RESTARTED_DONE: u32 = 7;
/// Core 1 failed (`CORE1_FAILURE` says why).
pub const CORE1_FAILED: u32 = 0xFF;
static CORE1_STATE: AtomicU32 = AtomicU32::new(0);
/// What core 1 found wrong (an index into `FAILURES`), written by core 1 only.
static CORE1_FAILURE: AtomicU32 = AtomicU32::new(0);
/// Core 1's count of samples it had to send again. Core 1 only.
static CORE1_RESENDS: AtomicU32 = AtomicU32::new(0);
/// Notifications core 0 has seen. Core 0 only.
static SEEN: AtomicU32 = AtomicU32::new(0);

/// What a core found wrong, by index.
pub const FAILURES: [&str; 12] = [
    "no failure",
    "a port claim failed",
    "a sample was corrupted",
    "a sample was lost or out of order",
    "a send or receive failed",
    "no progress (stalled)",
    "a request was corrupted",
    "a response send failed other than BufferFull or NotConnected",
    "the server did not see exactly one cancel",
    "a blackboard entry could not be opened",
    "core 0's reader did not come",
    "a protocol violation was counted",
];
pub const FAIL_CLAIM: u32 = 1;
pub const FAIL_CORRUPTED: u32 = 2;
pub const FAIL_ORDER: u32 = 3;
pub const FAIL_SEND: u32 = 4;
pub const FAIL_STALL: u32 = 5;
pub const FAIL_REQUEST: u32 = 6;
pub const FAIL_RESPONSE: u32 = 7;
pub const FAIL_CANCEL: u32 = 8;
pub const FAIL_ENTRY: u32 = 9;
pub const FAIL_NO_READER: u32 = 10;
pub const FAIL_VIOLATION: u32 = 11;

/// A failure's description.
pub fn failure(code: u32) -> &'static str {
    FAILURES[code as usize % FAILURES.len()]
}

/// Whether `STALL_TIME` passed on the board clock since `since`.
pub fn stalled_since(since: Instant) -> bool {
    Board::now() > since.saturating_add(STALL_TIME)
}

/// One core's half of an exchange: sends `samples` of stream `stream` and
/// receives `samples` of the other stream, interleaved; returns the number
/// of sends that found the buffer full, or a failure index.
pub fn exchange(
    stream: u32,
    samples: u32,
    publisher: &mut Publisher<'static, Tick, Board>,
    subscriber: &Subscriber<'static, Tick, Board>,
) -> Result<u32, u32> {
    let (mut sent, mut received, mut resends, mut stalled) = (0u32, 0u32, 0u32, 0u32);
    while sent < samples || received < samples {
        let mut progress = false;
        if sent < samples {
            match publisher.send_copy(Tick::new(stream, sent)) {
                Ok(delivery) if delivery.delivered == 1 => {
                    sent += 1;
                    progress = true;
                }
                Ok(_) => resends += 1,
                Err(_) => return Err(FAIL_SEND),
            }
        }
        match subscriber.receive() {
            Ok(Some(sample)) => {
                if !sample.is_intact() || sample.stream == stream {
                    return Err(FAIL_CORRUPTED);
                }
                if sample.sequence != received {
                    return Err(FAIL_ORDER);
                }
                received += 1;
                progress = true;
            }
            Ok(None) => {}
            Err(_) => return Err(FAIL_SEND),
        }
        stalled = if progress { 0 } else { stalled + 1 };
        if stalled > STALL_LIMIT {
            return Err(FAIL_STALL);
        }
    }
    Ok(resends)
}

/// Core 1's program: one phase per test, in core 0's order; each phase's
/// end goes to `CORE1_STATE`. With `arm_halt` (the board's function that
/// lets its supervisor's halt reach core 1), it ends streaming on the halt
/// test's services until the supervisor halts it (the board's handler
/// then parks it, and may restart it at [`core1_restarted`]); else it
/// returns and the board parks the core.
pub fn core1_main(arm_halt: Option<fn()>) {
    CORE1_STATE.store(CORE1_STARTED, Ordering::Release);
    if let Err(code) = core1_pubsub() {
        fail(code);
        return;
    }
    // SYNC: Release publishes the counters above to core 0's Acquire.
    CORE1_STATE.store(CORE1_PUBSUB_DONE, Ordering::Release);
    if let Err(code) = core1_events() {
        fail(code);
        return;
    }
    CORE1_STATE.store(CORE1_EVENTS_DONE, Ordering::Release);
    if let Err(code) = crate::dual_reqres::core1_serve() {
        fail(code);
        return;
    }
    CORE1_STATE.store(CORE1_REQRES_DONE, Ordering::Release);
    if let Err(code) = crate::dual_blackboard::core1_write() {
        fail(code);
        return;
    }
    CORE1_STATE.store(CORE1_BLACKBOARD_DONE, Ordering::Release);
    if let Some(arm_halt) = arm_halt {
        fail(crate::dual_halt::core1_stream_until_halted(arm_halt));
    }
}

/// Core 1: says it reached phase `state`.
pub fn set_core1_state(state: u32) {
    // SYNC: Release publishes the phase's results to core 0's Acquire.
    CORE1_STATE.store(state, Ordering::Release);
}

/// Core 1 after a restart by the supervisor: its exchange on the reset
/// services, then `CORE1_RESTARTED_DONE` (or a failure).
pub fn core1_restarted() {
    match crate::dual_halt::core1_after_restart() {
        Ok(()) => CORE1_STATE.store(CORE1_RESTARTED_DONE, Ordering::Release),
        Err(code) => fail(code),
    }
}

fn core1_pubsub() -> Result<(), u32> {
    let (Ok(subscriber), Ok(mut publisher)) = (TO_CORE1.subscriber(), TO_CORE0.publisher()) else {
        return Err(FAIL_CLAIM);
    };
    let resends = exchange(1, SAMPLES, &mut publisher, &subscriber)?;
    CORE1_RESENDS.store(resends, Ordering::Relaxed);
    Ok(())
}

fn core1_events() -> Result<(), u32> {
    let mut stalled = 0u32;
    let mut notified = 0;
    while notified < NOTIFICATIONS {
        // One at a time: the next only after core 0 saw this one.
        // SYNC: Acquire pairs with core 0's Release of SEEN.
        if SEEN.load(Ordering::Acquire) != notified {
            stalled += 1;
            if stalled > STALL_LIMIT {
                return Err(FAIL_STALL);
            }
            core::hint::spin_loop();
            continue;
        }
        stalled = 0;
        EVENT.notify(notified % 32).map_err(|_| FAIL_SEND)?;
        notified += 1;
    }
    Ok(())
}

/// Claims a port, trying again (for at most `STALL_TIME`) while the other
/// core creates the service or still holds chunks of the slot's previous
/// holder: both are "try again" errors.
pub fn claim<T>(mut claim: impl FnMut() -> Result<T, PortClaimError>) -> Result<T, PortClaimError> {
    let since = Board::now();
    loop {
        match claim() {
            Err(PortClaimError::ServiceBeingCreated | PortClaimError::SlotBusy) if !stalled_since(since) => {
                core::hint::spin_loop();
            }
            other => return other,
        }
    }
}

/// Records core 1's failure `code`.
pub fn fail(code: u32) {
    CORE1_FAILURE.store(code, Ordering::Relaxed);
    // SYNC: Release publishes the failure to core 0's Acquire.
    CORE1_STATE.store(CORE1_FAILED, Ordering::Release);
}

/// Core 1's failure, if it reported one.
pub fn core1_failed() -> Option<&'static str> {
    // SYNC: Acquire pairs with core 1's Release of its state.
    (CORE1_STATE.load(Ordering::Acquire) == CORE1_FAILED).then(|| failure(CORE1_FAILURE.load(Ordering::Relaxed)))
}

/// Core 0: waits until core 1 reached phase `state` or a later one (or
/// failed), for at most `STALL_TIME` on the board clock.
pub fn await_core1(state: u32, what: &'static str) -> Result<(), &'static str> {
    let since = Board::now();
    // SYNC: Acquire pairs with core 1's Release of its state.
    while CORE1_STATE.load(Ordering::Acquire) < state {
        if let Some(failure) = core1_failed() {
            return Err(failure);
        }
        if stalled_since(since) {
            return Err(what);
        }
        core::hint::spin_loop();
    }
    Ok(())
}

/// What the tests found beyond their verdicts (timing-dependent: for stderr).
#[derive(Debug, Default, Clone, Copy)]
pub struct Details {
    /// Sends core 0 made again after a full buffer.
    pub core0_resends: u32,
    /// Sends core 1 made again after a full buffer.
    pub core1_resends: u32,
    /// Wake-ups core 0 saw.
    pub wakeups: u32,
    /// Request-response: responses core 0 took, and sends core 1 made
    /// again after a full response buffer.
    pub responses: u32,
    pub response_resends: u32,
    /// Blackboard: reads core 0 made, distinct values among them, and
    /// reads that fell back on the last good value (writer overtook them).
    pub reads: u32,
    pub distinct_values: u32,
    pub busy_reads: u32,
    /// Halt test: sends and receives core 0 made after the halt, and how
    /// many sends found core 1's buffer full.
    pub sends_after_halt: u32,
    pub discarded_after_halt: u32,
}

/// Core 0's `pubsub_cross_core`: creates both services, claims its ports,
/// starts core 1 (`start_core1`), exchanges samples with it.
pub fn pubsub_cross_core(start_core1: impl FnOnce(), details: &mut Details) -> Result<(), &'static str> {
    let mut publisher = TO_CORE1.publisher().map_err(|_| "publisher claim failed")?;
    let subscriber = TO_CORE0.subscriber().map_err(|_| "subscriber claim failed")?;
    start_core1();
    let mut waited = 0u32;
    // SYNC: Acquire pairs with core 1's Release of its state.
    while CORE1_STATE.load(Ordering::Acquire) == 0 {
        waited += 1;
        if waited > STALL_LIMIT {
            return Err("core 1 did not start");
        }
        core::hint::spin_loop();
    }
    let outcome = exchange(0, SAMPLES, &mut publisher, &subscriber);
    if let Some(failure) = core1_failed() {
        return Err(failure);
    }
    details.core0_resends = outcome.map_err(failure)?;
    let mut waited = 0u32;
    // SYNC: Acquire pairs with core 1's Release of its state.
    while CORE1_STATE.load(Ordering::Acquire) == CORE1_STARTED {
        waited += 1;
        if waited > STALL_LIMIT {
            return Err("core 1 did not finish");
        }
        core::hint::spin_loop();
    }
    if let Some(failure) = core1_failed() {
        return Err(failure);
    }
    details.core1_resends = CORE1_RESENDS.load(Ordering::Relaxed);
    Ok(())
}

/// Core 0's `event_cross_core`: sleeps on the event until core 1 has
/// notified it `NOTIFICATIONS` times.
pub fn event_cross_core(details: &mut Details) -> Result<(), &'static str> {
    let listener = EVENT.listener().map_err(|_| "listener claim failed")?;
    let mut timeouts = 0u32;
    while SEEN.load(Ordering::Relaxed) < NOTIFICATIONS {
        if let Some(failure) = core1_failed() {
            return Err(failure);
        }
        let seen = SEEN.load(Ordering::Relaxed);
        let mut fired = None;
        // A deadline on the board clock bounds the wait if core 1 stopped.
        let deadline = Board::now().saturating_add(Duration::from_millis(100));
        match listener.wait_until(deadline, |id| fired = Some(id)) {
            Ok(WaitEnd::Fired) => {}
            Ok(_) => {
                timeouts += 1;
                if timeouts > 100 {
                    return Err("no notification for 100 deadlines");
                }
                continue;
            }
            Err(_) => return Err("wait failed"),
        }
        match fired {
            // SYNC: Release pairs with core 1's Acquire before its next notify.
            Some(id) if id == seen % 32 => SEEN.store(seen + 1, Ordering::Release),
            Some(_) => return Err("woken with the wrong event id"),
            None => {}
        }
    }
    details.wakeups = SEEN.load(Ordering::Relaxed);
    await_core1(CORE1_EVENTS_DONE, "core 1 did not finish notifying")
}
