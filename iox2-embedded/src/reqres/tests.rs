//! Host tests of static request-response services: claims and slot
//! reuse, streams and their ends, cancels, typed errors that hand the value
//! back, backpressure and overflow, loans, and a threaded stream.

use super::*;
use crate::error::{ClientSendError, PortClaimError, ServerSendError};
use crate::test_board::Board;
use iox2_core::payload::ZeroCopySend;
use iox2_core::pubsub::LoanError;

/// A request: which stream, how many responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[repr(C)]
struct Ask {
    round: u32,
    count: u32,
}

/// A response: the round, its index in the stream, and a check word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[repr(C)]
struct Answer {
    round: u32,
    index: u32,
    check: u32,
}

impl Answer {
    fn new(round: u32, index: u32) -> Self {
        Self {
            round,
            index,
            check: round.wrapping_mul(0x9E37_79B9) ^ index,
        }
    }

    fn is_intact(&self) -> bool {
        self.check == self.round.wrapping_mul(0x9E37_79B9) ^ self.index
    }
}

/// Takes every response that is there, checking each is the next of `round`.
fn take_all<B: StaticRamBoard>(pending: &PendingResponse<'_, '_, Ask, Answer, B>, round: u32, next: &mut u32) {
    while let Some(response) = pending.receive().unwrap() {
        assert!(response.is_intact(), "{response:?}");
        assert_eq!((response.round, response.index), (round, *next));
        *next += 1;
    }
}

#[test]
fn the_static_is_exactly_as_large_as_the_layouts() {
    crate::reqres!(SERVICE: Ask => Answer, Board, clients = 2, active_requests = 3);
    let footprint = reqres_footprint::<Ask, Answer, iox2_platform::rmw::NativeRmw>(&SERVICE::Config::QOS).unwrap();
    assert_eq!(SERVICE.bytes(), footprint.total);
    assert_eq!(
        footprint.total,
        footprint.requests_offset + 2 * footprint.request_stride + footprint.response_stride
    );
    assert_eq!(footprint.responses_offset % SEGMENT_ALIGN, 0);
    assert_eq!(SERVICE::Config::QOS.max_clients, 2);
    assert_eq!(SERVICE::Config::QOS.max_active_requests, 3);
    assert_eq!(SERVICE::Config::QOS.max_servers, 1);
    assert_eq!(SERVICE::Config::NAME, "SERVICE");
    assert_eq!(core::mem::align_of_val(&SERVICE) % SEGMENT_ALIGN, 0);
}

#[test]
fn a_request_streams_responses_until_the_server_ends_it_and_everything_comes_back() {
    crate::reqres!(SERVICE: Ask => Answer, Board, response_buffer = 4, overflow = false);
    let client = SERVICE.client().unwrap();
    let server = SERVICE.server().unwrap();
    assert!(client.has_servers());
    // Many rounds: a chunk that leaked on either side would run a pool dry.
    let rounds = if cfg!(miri) { 20 } else { 500 };
    for round in 0..rounds {
        let pending = client.send_copy(Ask { round, count: 4 }).unwrap();
        assert_eq!(pending.stream_end(), None);
        let request = server.receive().unwrap().expect("the request");
        assert_eq!(*request, Ask { round, count: 4 });
        assert!(request.is_connected());
        for index in 0..request.count {
            request.send_copy(Answer::new(round, index)).unwrap();
        }
        let mut next = 0;
        take_all(&pending, round, &mut next);
        assert_eq!(next, 4);
        assert_eq!(pending.stream_end(), None, "not ended yet");
        drop(request);
        assert_eq!(pending.stream_end(), Some(StreamEnd::Completed));
        assert!(server.receive().unwrap().is_none());
    }
    assert_eq!((client.protocol_violations(), server.protocol_violations()), (0, 0));
}

#[test]
fn ports_that_exist_once_are_claimed_once() {
    crate::reqres!(SERVICE: Ask => Answer, Board);
    let client = SERVICE.client().unwrap();
    let server = SERVICE.server().unwrap();
    assert_eq!(
        SERVICE.client().unwrap_err(),
        PortClaimError::ExceedsMaxPorts {
            kind: PortKind::Client,
            max: 1
        }
    );
    assert_eq!(
        SERVICE.server().unwrap_err(),
        PortClaimError::ExceedsMaxPorts {
            kind: PortKind::Server,
            max: 1
        }
    );
    drop(client);
    let client = SERVICE.client().unwrap();
    drop(server);
    let server = SERVICE.server().unwrap();
    let pending = client.send_copy(Ask { round: 1, count: 1 }).unwrap();
    let request = server.receive().unwrap().unwrap();
    request.send_copy(Answer::new(1, 0)).unwrap();
    assert_eq!(pending.receive().unwrap().unwrap().index, 0);
}

#[test]
fn a_refused_request_hands_its_value_back_with_a_typed_error() {
    crate::reqres!(SERVICE: Ask => Answer, Board, active_requests = 2);
    let client = SERVICE.client().unwrap();
    let ask = Ask { round: 7, count: 0 };
    let refused = client.send_copy(ask).unwrap_err();
    assert_eq!(refused.reason, ClientSendError::Request(RequestSendError::NoServer));
    assert_eq!(refused.value, ask);
    let server = SERVICE.server().unwrap();
    // A fresh server is attached to no client: the client connects on its
    // next look and may send at once (the server attaches when it looks).
    assert!(client.has_servers());
    let first = client.send_copy(Ask { round: 1, count: 0 }).unwrap();
    let second = client.send_copy(Ask { round: 2, count: 0 }).unwrap();
    let refused = client.send_copy(Ask { round: 3, count: 0 }).unwrap_err();
    // With one request loan, the pool holds 2 + 1 chunks: the third is
    // refused for the open requests, not for want of a chunk.
    assert_eq!(
        refused.reason,
        ClientSendError::Request(RequestSendError::ExceedsMaxActiveRequests { max: 2 })
    );
    assert_eq!(refused.value.round, 3);
    // A loan that is held blocks the next loan (one request loan).
    let loan = client.loan_uninit().unwrap();
    assert_eq!(
        client.send_copy(ask).unwrap_err().reason,
        ClientSendError::Loan(LoanError::ExceedsMaxLoans { max: 1 })
    );
    drop(loan);
    drop((first, second));
    // Cancelled, but the server has not ended them: the slots stay taken.
    assert!(client.send_copy(ask).is_err());
    while let Some(request) = server.receive().unwrap() {
        assert!(!request.is_connected());
    }
    assert!(client.send_copy(ask).is_ok());
}

#[test]
fn a_cancel_reaches_the_server_and_its_response_comes_back() {
    crate::reqres!(SERVICE: Ask => Answer, Board, response_buffer = 2);
    let client = SERVICE.client().unwrap();
    let server = SERVICE.server().unwrap();
    let pending = client.send_copy(Ask { round: 1, count: 10 }).unwrap();
    let request = server.receive().unwrap().unwrap();
    request.send_copy(Answer::new(1, 0)).unwrap();
    assert_eq!(pending.receive().unwrap().unwrap().index, 0);
    request.send_copy(Answer::new(1, 1)).unwrap();
    drop(pending);
    assert!(!request.is_connected(), "the server sees the cancel");
    let refused = request.send_copy(Answer::new(1, 2)).unwrap_err();
    assert_eq!(
        refused.reason,
        ServerSendError::Response(ResponseSendError::NotConnected)
    );
    assert_eq!(refused.value, Answer::new(1, 2));
    drop(request);
    // The slot, the request chunk and the queued response all came back:
    // many more rounds run without a pool running dry.
    let rounds = if cfg!(miri) { 12 } else { 200 };
    for round in 2..rounds {
        let pending = client.send_copy(Ask { round, count: 2 }).unwrap();
        let request = server.receive().unwrap().unwrap();
        request.send_copy(Answer::new(round, 0)).unwrap();
        request.send_copy(Answer::new(round, 1)).unwrap();
        drop(request);
        let mut next = 0;
        take_all(&pending, round, &mut next);
        assert_eq!((next, pending.stream_end()), (2, Some(StreamEnd::Completed)));
    }
}

#[test]
fn without_overflow_a_full_buffer_refuses_and_with_it_the_newest_stay() {
    crate::reqres!(STRICT: Ask => Answer, Board, response_buffer = 2, overflow = false);
    let client = STRICT.client().unwrap();
    let server = STRICT.server().unwrap();
    let pending = client.send_copy(Ask { round: 0, count: 3 }).unwrap();
    let request = server.receive().unwrap().unwrap();
    request.send_copy(Answer::new(0, 0)).unwrap();
    request.send_copy(Answer::new(0, 1)).unwrap();
    let refused = request.send_copy(Answer::new(0, 2)).unwrap_err();
    assert_eq!(refused.reason, ServerSendError::Response(ResponseSendError::BufferFull));
    assert_eq!(refused.value, Answer::new(0, 2));
    assert_eq!(pending.receive().unwrap().unwrap().index, 0);
    request.send_copy(refused.value).unwrap();
    let mut next = 1;
    take_all(&pending, 0, &mut next);
    assert_eq!(next, 3);

    crate::reqres!(LOSSY: Ask => Answer, Board, response_buffer = 2);
    let client = LOSSY.client().unwrap();
    let server = LOSSY.server().unwrap();
    let pending = client.send_copy(Ask { round: 0, count: 10 }).unwrap();
    let request = server.receive().unwrap().unwrap();
    for index in 0..10 {
        request.send_copy(Answer::new(0, index)).unwrap();
    }
    let mut next = 8;
    take_all(&pending, 0, &mut next);
    assert_eq!(next, 10);
}

#[test]
fn loans_are_written_in_place_and_given_back_unsent() {
    crate::reqres!(SERVICE: Ask => Answer, Board, response_borrows = 2);
    let client = SERVICE.client().unwrap();
    let server = SERVICE.server().unwrap();
    drop(client.loan_uninit().unwrap());
    let mut loan = client.loan_uninit().unwrap();
    loan.payload_mut().write(Ask { round: 4, count: 2 });
    // SAFETY: written just above.
    let mut request = unsafe { loan.assume_init() };
    request.count = 3;
    let pending = request.send().unwrap();
    let active = server.receive().unwrap().unwrap();
    assert_eq!(*active, Ask { round: 4, count: 3 });
    drop(active.loan_uninit().unwrap());
    for index in 0..3 {
        let mut response = active.loan_uninit().unwrap().write_payload(Answer::new(4, 0));
        *response = Answer::new(4, index);
        response.send().unwrap();
    }
    // Two held at once, then the limit.
    let first = pending.receive().unwrap().unwrap();
    let second = pending.receive().unwrap().unwrap();
    assert_eq!((first.index, second.index), (0, 1));
    assert_eq!(
        pending.receive().unwrap_err(),
        ResponseReceiveError::ExceedsMaxBorrows { max: 2 }
    );
    drop((first, second));
    assert_eq!(pending.receive().unwrap().unwrap().index, 2);
}

#[test]
fn a_slot_is_rewritten_only_once_its_peer_let_go() {
    crate::reqres!(SERVICE: Ask => Answer, Board);
    let client = SERVICE.client().unwrap();
    let server = SERVICE.server().unwrap();
    let pending = client.send_copy(Ask { round: 1, count: 1 }).unwrap();
    let request = server.receive().unwrap().unwrap();
    request.send_copy(Answer::new(1, 0)).unwrap();
    let response = pending.receive().unwrap().unwrap();
    // The server holds the client's request: a new client in that slot
    // would rewrite it.
    drop(response);
    drop(pending);
    drop(client);
    assert_eq!(SERVICE.client().unwrap_err(), PortClaimError::SlotBusy);
    assert_eq!(request.round, 1, "still readable");
    drop(request);
    assert!(server.receive().unwrap().is_none());
    let client = SERVICE.client().unwrap();
    // The client holds a response of the server: a new server in that slot
    // would rewrite it.
    let pending = client.send_copy(Ask { round: 2, count: 1 }).unwrap();
    let request = server.receive().unwrap().unwrap();
    request.send_copy(Answer::new(2, 0)).unwrap();
    drop(request);
    let response = pending.receive().unwrap().unwrap();
    drop(server);
    assert_eq!(SERVICE.server().unwrap_err(), PortClaimError::SlotBusy);
    assert_eq!(response.round, 2, "still readable");
    drop(response);
    assert_eq!(pending.stream_end(), Some(StreamEnd::Completed));
    drop(pending);
    assert!(!client.has_servers());
    let server = SERVICE.server().unwrap();
    assert!(client.has_servers());
    let pending = client.send_copy(Ask { round: 3, count: 1 }).unwrap();
    let request = server.receive().unwrap().unwrap();
    assert_eq!(request.round, 3);
    drop(request);
    assert_eq!(pending.stream_end(), Some(StreamEnd::Completed));
}

#[test]
fn a_server_that_goes_without_ending_shows_as_gone() {
    crate::reqres!(SERVICE: Ask => Answer, Board);
    let client = SERVICE.client().unwrap();
    let server = SERVICE.server().unwrap();
    let pending = client.send_copy(Ask { round: 1, count: 5 }).unwrap();
    let request = server.receive().unwrap().unwrap();
    request.send_copy(Answer::new(1, 0)).unwrap();
    // A server that leaves without ending: its handle is forgotten (as on
    // a core that was halted), then its port is released by hand.
    core::mem::forget(request);
    drop(server);
    // What it sent is still delivered, then the stream shows the loss.
    assert_eq!(pending.receive().unwrap().unwrap().index, 0);
    assert_eq!(pending.stream_end(), Some(StreamEnd::ServerGone));
    assert_eq!(
        pending.wait(Some(Board::now())).unwrap(),
        iox2_platform::wait::WaitOutcome::Woken,
        "an ended stream never idles"
    );
}

#[test]
fn a_service_reset_is_created_afresh() {
    crate::reqres!(SERVICE: Ask => Answer, Board);
    let client = SERVICE.client().unwrap();
    let server = SERVICE.server().unwrap();
    let pending = client.send_copy(Ask { round: 1, count: 1 }).unwrap();
    drop(pending);
    drop((client, server));
    // SAFETY: no handle exists and no other thread uses the service.
    unsafe { SERVICE.reset() };
    let client = SERVICE.client().unwrap();
    let server = SERVICE.server().unwrap();
    assert!(server.receive().unwrap().is_none());
    let pending = client.send_copy(Ask { round: 2, count: 0 }).unwrap();
    drop(server.receive().unwrap().unwrap());
    assert_eq!(pending.stream_end(), Some(StreamEnd::Completed));
}

#[test]
fn memory_reserved_elsewhere_is_checked() {
    static STATE: AtomicU32 = AtomicU32::new(0);
    #[repr(C, align(128))]
    struct Buffer([u8; 256]);
    let mut buffer = Buffer([0; 256]);
    let memory = NonNull::new(buffer.0.as_mut_ptr()).unwrap();
    // SAFETY: the buffer is aligned, zeroed and used by nothing else.
    let refused =
        unsafe { ReqResRef::<Ask, Answer, Board>::from_raw(&STATE, memory, 256, "small", FIRMWARE_REQRES_QOS) };
    let required = reqres_footprint::<Ask, Answer, iox2_platform::rmw::NativeRmw>(&FIRMWARE_REQRES_QOS)
        .unwrap()
        .total;
    assert_eq!(
        refused.unwrap_err(),
        PortClaimError::RegionTooSmall {
            required,
            available: 256
        }
    );
    let bad = ReqResQos {
        max_servers: 0,
        ..FIRMWARE_REQRES_QOS
    };
    // SAFETY: as above.
    let refused = unsafe { ReqResRef::<Ask, Answer, Board>::from_raw(&STATE, memory, 256, "small", bad) };
    assert_eq!(refused.unwrap_err(), PortClaimError::Qos(QosError::Zero("max_servers")));
}

#[test]
fn a_thousand_streams_cross_threads_intact_and_in_order_with_a_cancel() {
    crate::reqres!(SERVICE: Ask => Answer, Board, response_buffer = 4, overflow = false);
    const ROUNDS: u32 = if cfg!(miri) { 20 } else { 1_000 };
    const RESPONSES: u32 = 8;
    const CANCELLED: u32 = ROUNDS / 2;
    let client = SERVICE.client().unwrap();
    let server = SERVICE.server().unwrap();
    let answering = std::thread::spawn(move || {
        let mut answered = 0;
        let mut stopped_early = 0;
        while answered < ROUNDS {
            let Some(request) = server.receive().unwrap() else {
                let _ = server.wait(Some(Board::now().saturating_add(core::time::Duration::from_millis(10))));
                continue;
            };
            let mut index = 0;
            while index < request.count {
                match request.send_copy(Answer::new(request.round, index)) {
                    Ok(()) => index += 1,
                    Err(e) if e.reason == ServerSendError::Response(ResponseSendError::BufferFull) => {
                        std::thread::yield_now();
                    }
                    Err(e) if e.reason == ServerSendError::Response(ResponseSendError::NotConnected) => {
                        stopped_early += 1;
                        break;
                    }
                    Err(e) => panic!("response failed: {e}"),
                }
            }
            answered += 1;
        }
        (server, stopped_early)
    });
    let mut round = 0;
    while round < ROUNDS {
        let pending = match client.send_copy(Ask {
            round,
            count: RESPONSES,
        }) {
            Ok(pending) => pending,
            Err(e) if e.reason == ClientSendError::Request(RequestSendError::ServerNotReady) => {
                std::thread::yield_now();
                continue;
            }
            Err(e) => panic!("request failed: {e}"),
        };
        let mut next = 0;
        if round == CANCELLED {
            // Two responses, then the pending response is dropped midway:
            // a cancel. The server cannot have sent all eight (four fit the
            // buffer), so one of its sends finds the client gone.
            while next < 2 {
                match pending.receive().unwrap() {
                    Some(response) => {
                        assert_eq!((response.round, response.index), (round, next));
                        next += 1;
                    }
                    None => std::thread::yield_now(),
                }
            }
            drop(pending);
            round += 1;
            continue;
        }
        loop {
            take_all(&pending, round, &mut next);
            if let Some(end) = pending.stream_end() {
                assert_eq!((end, next), (StreamEnd::Completed, RESPONSES), "round {round}");
                break;
            }
            let _ = pending.wait(Some(Board::now().saturating_add(core::time::Duration::from_millis(10))));
        }
        round += 1;
    }
    let (server, stopped_early) = answering.join().unwrap();
    assert_eq!(stopped_early, 1, "the server saw the one cancel");
    assert_eq!((client.protocol_violations(), server.protocol_violations()), (0, 0));
}
