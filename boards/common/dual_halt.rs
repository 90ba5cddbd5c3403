//! `halt_mid_stream`, for dual-core boards whose supervisor can halt and
//! restart core 1 (`#[path]`-included beside `dual.rs`; the board
//! implements [`Supervisor`]).
//!
//! Core 1 streams on four services of its own at once — publishes samples
//! to core 0 and receives core 0's, answers a request with an endless
//! stream of responses, writes a blackboard value — when core 0's
//! supervisor halts it: an interrupt it never returns from, taken at
//! whatever instruction it was running (inside a send, a pop, a write).
//! Core 0 then checks that every operation of its own still finishes, with
//! the result the recovery documentation of `iox2-embedded` promises:
//! - sends to core 1's subscriber complete, `discarded` once its buffer
//!   is full; the samples core 1 had queued are received, then none;
//! - the pending response hands out what core 1 queued, then nothing; a
//!   wait ends at its deadline; the stream stays open (a halted core is not
//!   a departed one); dropping it (a cancel) returns; the request slot the
//!   halted server never ends is refused with `ExceedsMaxActiveRequests`;
//! - the blackboard reads a whole value, the last complete one, and never
//!   waits for the halted writer.
//!
//! Then the recovery: core 0 drops its handles, resets the four services
//! (core 1's handles are never used again) and restarts core 1, which
//! claims afresh; both exchange samples, a stream and a value again.

use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;

use iox2_embedded::error::{ClientSendError, ServerSendError};
use iox2_embedded::reqres::{ActiveRequest, RequestSendError, ResponseSendError, StreamEnd};
use iox2_platform::static_ram::StaticRamBoard;
use iox2_platform::wait::WaitOutcome;

use crate::Board;
use crate::dual::{
    CORE1_RESTARTED_DONE, CORE1_STREAMING, Details, FAIL_CLAIM, FAIL_CORRUPTED, FAIL_ENTRY, FAIL_ORDER, FAIL_REQUEST,
    FAIL_RESPONSE, FAIL_SEND, FAIL_STALL, await_core1, claim, exchange, failure, stalled_since,
};
use crate::dual_blackboard::{POSE, Pose, is_whole, pose};
use crate::dual_reqres::Ask;
use crate::tick::Tick;

/// What a board's supervisor can do to core 1.
pub trait Supervisor {
    /// On core 0: stops core 1 at whatever instruction it runs, for good
    /// (until [`Supervisor::restart_core1`]). Core 1 acknowledges through
    /// [`core1_halted`] before it parks.
    fn halt_core1();
    /// On core 0: starts the halted core 1 afresh — a fresh stack, its old
    /// frames (and handles) abandoned — at [`crate::dual::core1_restarted`].
    fn restart_core1();
}

iox2_embedded::pubsub!(LIVE_TO_CORE0: Tick, Board, buffer = 8, overflow = false);
iox2_embedded::pubsub!(LIVE_TO_CORE1: Tick, Board, buffer = 8, overflow = false);
iox2_embedded::reqres!(LIVE_STREAMS: Ask => Tick, Board, active_requests = 2, response_buffer = 4, overflow = false);
iox2_embedded::blackboard!(LIVE_STATE: u32, Board; POSE => Pose = pose(0));

/// Samples core 0 must have received before it halts core 1.
const BEFORE_HALT: u32 = 1_000;
/// Responses core 0 must have taken before it halts core 1.
const RESPONSES_BEFORE_HALT: u32 = 16;
/// Sends core 0 makes into the halted core's full buffer.
const SENDS_AFTER_HALT: u32 = 10_000;
/// Samples each way after the restart, and responses of the one stream.
const AFTER_RESTART: u32 = 1_000;
const RESPONSES_AFTER_RESTART: u32 = 8;
/// The value core 1 writes after its restart.
const RESTART_MARK: u32 = 0x00C0_FFEE;

/// 1 once core 1 took the halt (its handler's acknowledgement). Written by
/// core 1's halt handler, cleared by core 0 before a restart.
static CORE1_HALTED: AtomicU32 = AtomicU32::new(0);
/// 1 while core 0 asks the halted core 1 to restart. Core 0 only.
static CORE1_RESTART: AtomicU32 = AtomicU32::new(0);

/// Core 1's halt handler, first thing: says it is halted (a debugger's
/// halt status would say the same).
pub fn core1_halted() {
    // SYNC: Release pairs with core 0's Acquire while it waits for the halt.
    CORE1_HALTED.store(1, Ordering::Release);
}

/// Whether core 0 asks the parked core 1 to restart.
pub fn restart_requested() -> bool {
    // SYNC: Acquire pairs with core 0's Release after it reset the services.
    CORE1_RESTART.load(Ordering::Acquire) == 1
}

/// Core 1's last phase: claims its ports, lets the halt in (`arm_halt`),
/// and streams on all four services until the halt stops it. Returns only
/// on a failure, with its code.
pub fn core1_stream_until_halted(arm_halt: fn()) -> u32 {
    let (Ok(mut publisher), Ok(subscriber), Ok(server), Ok(writer)) = (
        claim(|| LIVE_TO_CORE0.publisher()),
        claim(|| LIVE_TO_CORE1.subscriber()),
        claim(|| LIVE_STREAMS.server()),
        claim(|| LIVE_STATE.writer()),
    ) else {
        return FAIL_CLAIM;
    };
    let Ok(value) = writer.entry::<Pose>(POSE) else {
        return FAIL_ENTRY;
    };
    arm_halt();
    crate::dual::set_core1_state(CORE1_STREAMING);
    let (mut sent, mut received, mut written) = (0u32, 0u32, 0u32);
    let mut active: Option<ActiveRequest<'_, 'static, Ask, Tick, Board>> = None;
    let mut index = 0;
    loop {
        match publisher.send_copy(Tick::new(1, sent)) {
            Ok(delivery) if delivery.delivered == 1 => sent += 1,
            Ok(_) => {}
            Err(_) => return FAIL_SEND,
        }
        match subscriber.receive() {
            Ok(Some(sample)) if !sample.is_intact() => return FAIL_CORRUPTED,
            Ok(Some(sample)) if sample.sequence != received => return FAIL_ORDER,
            Ok(Some(_)) => received += 1,
            Ok(None) => {}
            Err(_) => return FAIL_SEND,
        }
        if active.is_none() {
            match server.receive() {
                Ok(request) => {
                    active = request;
                    index = 0;
                }
                Err(_) => return FAIL_REQUEST,
            }
        }
        if let Some(request) = &active {
            match request.send_copy(Tick::new(request.round, index)) {
                Ok(()) => index += 1,
                Err(e) if e.reason == ServerSendError::Response(ResponseSendError::BufferFull) => {}
                Err(e) if e.reason == ServerSendError::Response(ResponseSendError::NotConnected) => active = None,
                Err(_) => return FAIL_RESPONSE,
            }
        }
        written = written.wrapping_add(1) & 0x7FFF_FFFF;
        value.update_with_copy(pose(written));
    }
}

/// Core 1 after its restart: claims afresh on the reset services and
/// exchanges samples, one stream and one value with core 0.
pub fn core1_after_restart() -> Result<(), u32> {
    let (Ok(mut publisher), Ok(subscriber), Ok(server), Ok(writer)) = (
        claim(|| LIVE_TO_CORE0.publisher()),
        claim(|| LIVE_TO_CORE1.subscriber()),
        claim(|| LIVE_STREAMS.server()),
        claim(|| LIVE_STATE.writer()),
    ) else {
        return Err(FAIL_CLAIM);
    };
    writer
        .entry::<Pose>(POSE)
        .map_err(|_| FAIL_ENTRY)?
        .update_with_copy(pose(RESTART_MARK));
    exchange(1, AFTER_RESTART, &mut publisher, &subscriber)?;
    let since = Board::now();
    let request = loop {
        match server.receive() {
            Ok(Some(request)) => break request,
            Ok(None) if stalled_since(since) => return Err(FAIL_STALL),
            Ok(None) => core::hint::spin_loop(),
            Err(_) => return Err(FAIL_REQUEST),
        }
    };
    let mut index = 0;
    while index < request.count {
        match request.send_copy(Tick::new(request.round, index)) {
            Ok(()) => index += 1,
            Err(e) if e.reason == ServerSendError::Response(ResponseSendError::BufferFull) => {
                if stalled_since(since) {
                    return Err(FAIL_STALL);
                }
                core::hint::spin_loop();
            }
            Err(_) => return Err(FAIL_RESPONSE),
        }
    }
    Ok(())
}

/// Core 0's `halt_mid_stream`: streams with core 1, halts it, checks that
/// its own operations finish, recovers and restarts core 1.
pub fn halt_mid_stream<S: Supervisor>(details: &mut Details) -> Result<(), &'static str> {
    halted_peer_checks::<S>(details)?;
    // Recovery: no handle of core 0 is left (the checks' are dropped), core
    // 1's are never used again (it is halted, and restarts on a fresh
    // stack); so the services may be zeroed and created afresh.
    // SAFETY: no handle of these services exists on core 0; core 1 is
    // halted (it acknowledged) and will never use its handles again; no
    // interrupt uses them.
    unsafe {
        LIVE_TO_CORE0.reset();
        LIVE_TO_CORE1.reset();
        LIVE_STREAMS.reset();
        LIVE_STATE.reset();
    }
    // SYNC: Release publishes the zeroed services to the restarted core.
    CORE1_RESTART.store(1, Ordering::Release);
    S::restart_core1();
    after_restart()
}

/// Streams with core 1, halts it, and checks every operation of core 0.
fn halted_peer_checks<S: Supervisor>(details: &mut Details) -> Result<(), &'static str> {
    let (Ok(mut publisher), Ok(subscriber), Ok(client), Ok(reader)) = (
        claim(|| LIVE_TO_CORE1.publisher()),
        claim(|| LIVE_TO_CORE0.subscriber()),
        claim(|| LIVE_STREAMS.client()),
        claim(|| LIVE_STATE.reader()),
    ) else {
        return Err("a claim failed");
    };
    let value = reader.entry::<Pose>(POSE).map_err(|_| "pose entry failed")?;
    await_core1(CORE1_STREAMING, "core 1 did not start streaming")?;
    let since = Board::now();
    let pending = loop {
        match client.send_copy(Ask {
            round: 7,
            count: u32::MAX,
        }) {
            Ok(pending) => break pending,
            Err(e)
                if matches!(
                    e.reason,
                    ClientSendError::Request(RequestSendError::NoServer | RequestSendError::ServerNotReady)
                ) && !stalled_since(since) =>
            {
                core::hint::spin_loop()
            }
            Err(_) => return Err("the endless request failed"),
        }
    };
    // Stream a while, in both directions and on all services at once.
    let (mut sent, mut received, mut responses) = (0u32, 0u32, 0u32);
    let mut last_value = 0;
    while received < BEFORE_HALT || responses < RESPONSES_BEFORE_HALT || last_value == 0 {
        if stalled_since(since) {
            return Err("core 1 did not stream");
        }
        if let Ok(delivery) = publisher.send_copy(Tick::new(0, sent)) {
            sent += delivery.delivered;
        }
        match subscriber.receive() {
            Ok(Some(sample)) if !sample.is_intact() || sample.sequence != received => {
                return Err("a sample before the halt was wrong");
            }
            Ok(Some(_)) => received += 1,
            Ok(None) => {}
            Err(_) => return Err("a receive failed"),
        }
        match pending.receive() {
            Ok(Some(response)) if !response.is_intact() || response.sequence != responses => {
                return Err("a response before the halt was wrong");
            }
            Ok(Some(_)) => responses += 1,
            Ok(None) => {}
            Err(_) => return Err("a response receive failed"),
        }
        let read = value.get();
        if !is_whole(&read) || read[0] < last_value {
            return Err("a value before the halt was torn or older");
        }
        last_value = read[0];
    }

    S::halt_core1();
    let since = Board::now();
    // SYNC: Acquire pairs with the Release of core 1's halt handler.
    while CORE1_HALTED.load(Ordering::Acquire) == 0 {
        if stalled_since(since) {
            return Err("core 1 did not halt");
        }
        core::hint::spin_loop();
    }

    // Publish-subscribe: every send returns; once core 1's buffer is full
    // each one reports the sample discarded.
    for n in 0..SENDS_AFTER_HALT {
        match publisher.send_copy(Tick::new(0, sent + n)) {
            Ok(delivery) if delivery.delivered + delivery.discarded == 1 => {
                details.discarded_after_halt += delivery.discarded;
            }
            _ => return Err("a send after the halt failed"),
        }
        details.sends_after_halt += 1;
    }
    if details.discarded_after_halt == 0 {
        return Err("the halted core's buffer never filled");
    }
    // What core 1 queued before the halt arrives (at most its buffer),
    // intact and in order; then nothing.
    let mut queued = 0;
    while let Some(sample) = subscriber.receive().map_err(|_| "a receive after the halt failed")? {
        if !sample.is_intact() || sample.sequence != received {
            return Err("a sample queued before the halt was wrong");
        }
        received += 1;
        queued += 1;
    }
    if queued > 8 {
        return Err("more samples than the buffer holds arrived after the halt");
    }
    for _ in 0..1_000 {
        if subscriber
            .receive()
            .map_err(|_| "a receive after the halt failed")?
            .is_some()
        {
            return Err("a sample arrived from the halted core");
        }
    }

    // Request-response: the responses queued before the halt, then none;
    // a wait ends at its deadline; the stream stays open.
    while let Some(response) = pending.receive().map_err(|_| "a response receive failed")? {
        if !response.is_intact() || response.sequence != responses {
            return Err("a response queued before the halt was wrong");
        }
        responses += 1;
    }
    let deadline = Board::now().saturating_add(Duration::from_millis(5));
    match pending.wait(Some(deadline)) {
        Ok(WaitOutcome::TimedOut | WaitOutcome::Woken) => {}
        _ => return Err("a wait for the halted server failed"),
    }
    if pending.receive().map_err(|_| "a response receive failed")?.is_some() {
        return Err("a response arrived from the halted core");
    }
    if pending.stream_end().is_some() {
        return Err("the halted server's stream ended (a halted core is not a departed one)");
    }
    drop(pending);
    // The halted server never ends the cancelled stream: its request slot
    // stays taken, and the client says so instead of waiting.
    let mut refused = false;
    for round in 8..11 {
        match client.send_copy(Ask { round, count: 1 }) {
            Ok(pending) => drop(pending),
            Err(e)
                if matches!(
                    e.reason,
                    ClientSendError::Request(RequestSendError::ExceedsMaxActiveRequests { .. })
                ) =>
            {
                refused = true;
                break;
            }
            Err(_) => return Err("a request after the halt failed otherwise"),
        }
    }
    if !refused {
        return Err("requests to the halted server were never refused");
    }

    // Blackboard: a whole value, the last the writer completed; reads never
    // wait for it, and it no longer changes.
    let last = value.get();
    if !is_whole(&last) || last[0] < last_value {
        return Err("the value after the halt is torn or older");
    }
    for _ in 0..1_000 {
        if value.try_get() != Ok(last) {
            return Err("the value changed, or a read failed, after the halt");
        }
    }
    Ok(())
}

/// Core 0's side after core 1's restart.
fn after_restart() -> Result<(), &'static str> {
    let (Ok(mut publisher), Ok(subscriber), Ok(client), Ok(reader)) = (
        claim(|| LIVE_TO_CORE1.publisher()),
        claim(|| LIVE_TO_CORE0.subscriber()),
        claim(|| LIVE_STREAMS.client()),
        claim(|| LIVE_STATE.reader()),
    ) else {
        return Err("a claim after the restart failed");
    };
    exchange(0, AFTER_RESTART, &mut publisher, &subscriber).map_err(failure)?;
    let since = Board::now();
    let pending = loop {
        match client.send_copy(Ask {
            round: 1,
            count: RESPONSES_AFTER_RESTART,
        }) {
            Ok(pending) => break pending,
            Err(e)
                if matches!(
                    e.reason,
                    ClientSendError::Request(RequestSendError::NoServer | RequestSendError::ServerNotReady)
                ) && !stalled_since(since) =>
            {
                core::hint::spin_loop()
            }
            Err(_) => return Err("a request after the restart failed"),
        }
    };
    let mut next = 0;
    loop {
        while let Some(response) = pending.receive().map_err(|_| "a response receive failed")? {
            if !response.is_intact() || (response.stream, response.sequence) != (1, next) {
                return Err("a response after the restart was wrong");
            }
            next += 1;
        }
        match pending.stream_end() {
            Some(StreamEnd::Completed) if next == RESPONSES_AFTER_RESTART => break,
            Some(_) => return Err("the stream after the restart ended early"),
            None if stalled_since(since) => return Err("no response after the restart"),
            None => core::hint::spin_loop(),
        }
    }
    drop(pending);
    await_core1(CORE1_RESTARTED_DONE, "the restarted core 1 did not finish")?;
    let value = reader.entry::<Pose>(POSE).map_err(|_| "pose entry failed")?.get();
    if value != pose(RESTART_MARK) {
        return Err("the value after the restart is wrong");
    }
    Ok(())
}
