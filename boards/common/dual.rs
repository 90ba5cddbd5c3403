//! The cross-core tests every dual-core QEMU board runs, shared by the
//! board crates (`#[path]`-included; the board supplies `crate::Board`, how
//! to start the second core, and how to print).
//!
//! Both cores run this image from the same flash and share its RAM, so
//! the services are ordinary statics in `.bss`, zeroed by core 0 before it
//! starts core 1. Core 0 creates them (its claims come first); core 1
//! claims its ports once started.
//! - `pubsub_cross_core`: each core publishes 100,000 samples (sequence
//!   number and checksums) to the other through a static pub-sub service
//!   without safe overflow, while receiving the other's; both must get
//!   every sample, intact and in order. Neither ever waits for the other:
//!   a full buffer makes a send report `discarded` and it is tried again.
//! - `event_cross_core`: core 1 notifies a static `Event` 1,000 times, each
//!   time after core 0 saw the previous one; core 0 sleeps in
//!   `Listener::wait` and must be woken every time with the right id.

use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;

use iox2_core::event::WaitEnd;
use iox2_embedded::event::Event;
use iox2_embedded::pubsub::{Publisher, Subscriber};
use iox2_platform::static_ram::StaticRamBoard;

use crate::Board;
use crate::tick::Tick;

/// Samples each core sends to the other.
pub const SAMPLES: u32 = 100_000;
/// Notifications core 1 sends.
const NOTIFICATIONS: u32 = 1_000;
/// Loop turns without progress after which a core gives up (a hang).
const STALL_LIMIT: u32 = 20_000_000;

iox2_embedded::pubsub!(TO_CORE1: Tick, Board, buffer = 8, overflow = false);
iox2_embedded::pubsub!(TO_CORE0: Tick, Board, buffer = 8, overflow = false);
static EVENT: Event<Board> = Event::new();

/// Core 1's progress, written by core 1 only.
const CORE1_STARTED: u32 = 1;
const CORE1_PUBSUB_DONE: u32 = 2;
const CORE1_FAILED: u32 = 3;
const CORE1_EVENTS_DONE: u32 = 4;
static CORE1_STATE: AtomicU32 = AtomicU32::new(0);
/// What core 1 found wrong (an index into `FAILURES`), written by core 1 only.
static CORE1_FAILURE: AtomicU32 = AtomicU32::new(0);
/// Core 1's count of samples it had to send again. Core 1 only.
static CORE1_RESENDS: AtomicU32 = AtomicU32::new(0);
/// Notifications core 0 has seen. Core 0 only.
static SEEN: AtomicU32 = AtomicU32::new(0);

const FAILURES: [&str; 6] = [
    "no failure",
    "a port claim failed",
    "a sample was corrupted",
    "a sample was lost or out of order",
    "a send or receive failed",
    "no progress (stalled)",
];

/// One core's half of the exchange: sends `SAMPLES` of stream `stream` and
/// receives `SAMPLES` of the other stream, interleaved; returns the number
/// of sends that found the buffer full, or a failure index.
fn exchange(
    stream: u32,
    publisher: &mut Publisher<'static, Tick, Board>,
    subscriber: &Subscriber<'static, Tick, Board>,
) -> Result<u32, u32> {
    let (mut sent, mut received, mut resends, mut stalled) = (0u32, 0u32, 0u32, 0u32);
    while sent < SAMPLES || received < SAMPLES {
        let mut progress = false;
        if sent < SAMPLES {
            match publisher.send_copy(Tick::new(stream, sent)) {
                Ok(delivery) if delivery.delivered == 1 => {
                    sent += 1;
                    progress = true;
                }
                Ok(_) => resends += 1,
                Err(_) => return Err(4),
            }
        }
        match subscriber.receive() {
            Ok(Some(sample)) => {
                if !sample.is_intact() || sample.stream == stream {
                    return Err(2);
                }
                if sample.sequence != received {
                    return Err(3);
                }
                received += 1;
                progress = true;
            }
            Ok(None) => {}
            Err(_) => return Err(4),
        }
        stalled = if progress { 0 } else { stalled + 1 };
        if stalled > STALL_LIMIT {
            return Err(5);
        }
    }
    Ok(resends)
}

/// Core 1's program: claims its ports, exchanges samples with core 0, then
/// notifies core 0's event. Returns when done (or failed); the board then
/// parks the core.
pub fn core1_main() {
    CORE1_STATE.store(CORE1_STARTED, Ordering::Release);
    let (Ok(subscriber), Ok(mut publisher)) = (TO_CORE1.subscriber(), TO_CORE0.publisher()) else {
        fail(1);
        return;
    };
    match exchange(1, &mut publisher, &subscriber) {
        Ok(resends) => CORE1_RESENDS.store(resends, Ordering::Relaxed),
        Err(failure) => {
            fail(failure);
            return;
        }
    }
    // SYNC: Release publishes the counters above to core 0's Acquire.
    CORE1_STATE.store(CORE1_PUBSUB_DONE, Ordering::Release);
    let mut stalled = 0u32;
    let mut notified = 0;
    while notified < NOTIFICATIONS {
        // One at a time: the next only after core 0 saw this one.
        // SYNC: Acquire pairs with core 0's Release of SEEN.
        if SEEN.load(Ordering::Acquire) != notified {
            stalled += 1;
            if stalled > STALL_LIMIT {
                fail(5);
                return;
            }
            core::hint::spin_loop();
            continue;
        }
        stalled = 0;
        if EVENT.notify(notified % 32).is_err() {
            fail(4);
            return;
        }
        notified += 1;
    }
    CORE1_STATE.store(CORE1_EVENTS_DONE, Ordering::Release);
}

fn fail(failure: u32) {
    CORE1_FAILURE.store(failure, Ordering::Relaxed);
    // SYNC: Release publishes the failure to core 0's Acquire.
    CORE1_STATE.store(CORE1_FAILED, Ordering::Release);
}

/// Core 1's failure, if it reported one.
fn core1_failed() -> Option<&'static str> {
    // SYNC: Acquire pairs with core 1's Release of its state.
    (CORE1_STATE.load(Ordering::Acquire) == CORE1_FAILED)
        .then(|| FAILURES[CORE1_FAILURE.load(Ordering::Relaxed) as usize % FAILURES.len()])
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
    let outcome = exchange(0, &mut publisher, &subscriber);
    if let Some(failure) = core1_failed() {
        return Err(failure);
    }
    details.core0_resends = outcome.map_err(|failure| FAILURES[failure as usize % FAILURES.len()])?;
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
    let mut waited = 0u32;
    // SYNC: Acquire pairs with core 1's Release of its state.
    while CORE1_STATE.load(Ordering::Acquire) != CORE1_EVENTS_DONE {
        if let Some(failure) = core1_failed() {
            return Err(failure);
        }
        waited += 1;
        if waited > STALL_LIMIT {
            return Err("core 1 did not finish notifying");
        }
        core::hint::spin_loop();
    }
    Ok(())
}
