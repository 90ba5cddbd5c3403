//! `reqres_cross_core`, shared by the dual-core boards (`#[path]`-included
//! beside `dual.rs`): core 0's client sends [`ROUNDS`] requests through a
//! static request-response service; core 1's server answers each with a
//! stream of [`RESPONSES`] responses (`Tick`s: the round as the stream, the
//! index as the sequence, checksums). Core 0 checks every response —
//! intact, of its round, in order — and that each stream ends
//! `Completed` after exactly [`RESPONSES`]; at round [`CANCELLED_ROUND`] it
//! drops the pending response after two responses (a cancel), and core 1
//! must see exactly one stream whose client stopped waiting.
//!
//! Without safe overflow a full response buffer refuses the response
//! (`BufferFull`, the value handed back) and the server sends it again:
//! nothing waits for the peer. Idle sides sleep in the services' `wait`
//! (core 0 with a deadline on the board clock).

use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;

use iox2_core::payload::ZeroCopySend;
use iox2_embedded::error::{ClientSendError, ServerSendError};
use iox2_embedded::reqres::{RequestSendError, ResponseSendError, StreamEnd};
use iox2_platform::static_ram::StaticRamBoard;

use crate::Board;
use crate::dual::{
    CORE1_REQRES_DONE, Details, FAIL_CANCEL, FAIL_CLAIM, FAIL_ORDER, FAIL_REQUEST, FAIL_RESPONSE, FAIL_STALL,
    FAIL_VIOLATION, await_core1, claim, core1_failed, stalled_since,
};
use crate::tick::Tick;

/// Requests core 0 sends.
pub const ROUNDS: u32 = 2_000;
/// Responses per request.
pub const RESPONSES: u32 = 8;
/// The round whose pending response core 0 drops midway.
pub const CANCELLED_ROUND: u32 = 1_000;
/// Responses core 0 takes of the cancelled round before it drops it (the
/// server cannot have sent all: at most this plus the buffer of 4).
const READ_BEFORE_CANCEL: u32 = 2;

/// A request: its round and how many responses it asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[repr(C)]
pub struct Ask {
    /// 0, 1, 2, ...
    pub round: u32,
    /// Responses wanted.
    pub count: u32,
}

iox2_embedded::reqres!(STREAMS: Ask => Tick, Board, active_requests = 2, response_buffer = 4, overflow = false);

/// Responses core 1 sent again after a full buffer. Core 1 only.
static SERVER_RESENDS: AtomicU32 = AtomicU32::new(0);

/// Core 1's half: answers `ROUNDS` requests, each with its stream.
pub fn core1_serve() -> Result<(), u32> {
    let server = claim(|| STREAMS.server()).map_err(|_| FAIL_CLAIM)?;
    let (mut answered, mut cancels, mut resends) = (0u32, 0u32, 0u32);
    let mut since = Board::now();
    while answered < ROUNDS {
        let request = match server.receive() {
            Ok(Some(request)) => request,
            Ok(None) => {
                if stalled_since(since) {
                    return Err(FAIL_STALL);
                }
                // Sleeps until core 0's next request wakes it.
                let _ = server.wait(None);
                continue;
            }
            Err(_) => return Err(FAIL_REQUEST),
        };
        since = Board::now();
        let Ask { round, count } = *request;
        if round != answered || count != RESPONSES {
            return Err(FAIL_ORDER);
        }
        let mut index = 0;
        while index < count {
            match request.send_copy(Tick::new(round, index)) {
                Ok(()) => {
                    index += 1;
                    since = Board::now();
                }
                Err(e) if e.reason == ServerSendError::Response(ResponseSendError::BufferFull) => {
                    resends += 1;
                    if stalled_since(since) {
                        return Err(FAIL_STALL);
                    }
                    core::hint::spin_loop();
                }
                Err(e) if e.reason == ServerSendError::Response(ResponseSendError::NotConnected) => {
                    cancels += 1;
                    break;
                }
                Err(_) => return Err(FAIL_RESPONSE),
            }
        }
        // Dropping the request ends its stream.
        drop(request);
        answered += 1;
    }
    SERVER_RESENDS.store(resends, Ordering::Relaxed);
    if cancels != 1 {
        return Err(FAIL_CANCEL);
    }
    if server.protocol_violations() != 0 {
        return Err(FAIL_VIOLATION);
    }
    Ok(())
}

/// Core 0's `reqres_cross_core`.
pub fn reqres_cross_core(details: &mut Details) -> Result<(), &'static str> {
    let client = claim(|| STREAMS.client()).map_err(|_| "client claim failed")?;
    let mut round = 0;
    let mut since = Board::now();
    while round < ROUNDS {
        if let Some(failure) = core1_failed() {
            return Err(failure);
        }
        let pending = match client.send_copy(Ask {
            round,
            count: RESPONSES,
        }) {
            Ok(pending) => pending,
            // Before core 1's server exists or has taken us on: again.
            Err(e)
                if matches!(
                    e.reason,
                    ClientSendError::Request(RequestSendError::NoServer | RequestSendError::ServerNotReady)
                ) =>
            {
                if stalled_since(since) {
                    return Err("no server took the requests");
                }
                core::hint::spin_loop();
                continue;
            }
            Err(_) => return Err("a request failed"),
        };
        since = Board::now();
        let wanted = if round == CANCELLED_ROUND {
            READ_BEFORE_CANCEL
        } else {
            RESPONSES
        };
        let mut next = 0;
        loop {
            while next < wanted {
                match pending.receive() {
                    Ok(Some(response)) => {
                        if !response.is_intact() {
                            return Err("a response was corrupted");
                        }
                        if (response.stream, response.sequence) != (round, next) {
                            return Err("a response was lost, repeated or out of order");
                        }
                        next += 1;
                        since = Board::now();
                    }
                    Ok(None) => break,
                    Err(_) => return Err("a response receive failed"),
                }
            }
            if round == CANCELLED_ROUND && next == wanted {
                break; // dropping the pending response cancels the request
            }
            match pending.stream_end() {
                Some(StreamEnd::Completed) if next == RESPONSES => break,
                Some(_) => return Err("a stream ended early, or as gone"),
                None => {}
            }
            if stalled_since(since) {
                return Err("no response came");
            }
            let _ = pending.wait(Some(Board::now().saturating_add(Duration::from_millis(10))));
        }
        drop(pending);
        details.responses += next;
        round += 1;
    }
    if client.protocol_violations() != 0 {
        return Err("the client counted a protocol violation");
    }
    await_core1(CORE1_REQRES_DONE, "core 1 did not finish serving")?;
    details.response_resends = SERVER_RESENDS.load(Ordering::Relaxed);
    Ok(())
}
