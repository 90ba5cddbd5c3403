//! Request-response streams within one process, on both host platforms:
//! a request gets a stream of responses until the server ends it, a cancel
//! reaches the server, user headers travel, and bad input gets typed errors.

use core::time::Duration;
use iox2_core::reqres::{RequestSendError, ResponseSendError, StreamEnd};
use iox2_core::service::ServiceOpenError;
use iox2_host::prelude::*;
use iox2_host::{ClientSendError, HostPlatform, ServerSendError, ServiceError};

fn unique(stem: &str) -> String {
    use core::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "test/reqres/{stem}/{}/{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn node<P: HostPlatform>() -> Node<P> {
    NodeBuilder::new().name("reqres-test").unwrap().create::<P>().unwrap()
}

fn a_request_streams_until_the_server_ends_it<P: HostPlatform>() {
    let node = node::<P>();
    let service = node
        .service_builder(&unique("stream"))
        .unwrap()
        .request_response::<u64, u64>()
        .open_or_create()
        .unwrap();
    let server = service.server_builder().create().unwrap();
    let client = service.client_builder().create().unwrap();
    let pending = client.send_copy(10).unwrap();
    assert!(pending.is_connected());
    let request = server.receive().unwrap().expect("the request");
    assert_eq!(*request, 10);
    assert!(request.is_connected());
    let mut got = Vec::new();
    for step in 0..5 {
        request.send_copy(*request + step).unwrap();
        let response = pending.receive().unwrap().expect("a response");
        got.push(*response);
    }
    assert_eq!(got, [10, 11, 12, 13, 14]);
    assert_eq!(pending.stream_end(), None);
    drop(request);
    assert_eq!(pending.stream_end(), Some(StreamEnd::Completed));
    assert!(!pending.is_connected());
    assert!(pending.blocking_receive().unwrap().is_none(), "ended: no wait");
    drop(pending);
    // Everything came back: the requests can go round many times.
    for round in 0..100 {
        let pending = client.send_copy(round).unwrap();
        let request = server.receive().unwrap().unwrap();
        request.send_copy(round * 2).unwrap();
        drop(request);
        assert_eq!(pending.receive().unwrap().map(|r| *r), Some(round * 2));
        assert_eq!(pending.stream_end(), Some(StreamEnd::Completed));
    }
    assert_eq!(server.protocol_violations(), 0);
}

#[test]
fn a_request_streams_until_the_server_ends_it_linux() {
    a_request_streams_until_the_server_ends_it::<Linux>();
}

#[test]
fn a_request_streams_until_the_server_ends_it_posix() {
    a_request_streams_until_the_server_ends_it::<Posix>();
}

fn a_cancel_reaches_the_server<P: HostPlatform>() {
    let node = node::<P>();
    let service = node
        .service_builder(&unique("cancel"))
        .unwrap()
        .request_response::<u32, u32>()
        .open_or_create()
        .unwrap();
    let server = service.server_builder().create().unwrap();
    let client = service.client_builder().create().unwrap();
    let pending = client.send_copy(1).unwrap();
    let request = server.receive().unwrap().unwrap();
    request.send_copy(1).unwrap();
    drop(pending);
    assert!(!request.is_connected(), "the server sees the cancel");
    assert_eq!(
        request.send_copy(2),
        Err(ServerSendError::Send(ResponseSendError::NotConnected))
    );
}

#[test]
fn a_cancel_reaches_the_server_linux() {
    a_cancel_reaches_the_server::<Linux>();
}

#[test]
fn a_cancel_reaches_the_server_posix() {
    a_cancel_reaches_the_server::<Posix>();
}

fn a_blocked_client_wakes_on_a_response<P: HostPlatform>() {
    let node = node::<P>();
    let name = unique("wake");
    let service = node
        .service_builder(&name)
        .unwrap()
        .request_response::<u64, u64>()
        .open_or_create()
        .unwrap();
    let client = service.client_builder().create().unwrap();
    std::thread::scope(|s| {
        let (ready, until_ready) = std::sync::mpsc::channel();
        s.spawn(move || {
            let node = self::node::<P>();
            let service = node
                .service_builder(&name)
                .unwrap()
                .request_response::<u64, u64>()
                .open()
                .unwrap();
            let server = service.server_builder().create().unwrap();
            ready.send(()).unwrap();
            loop {
                server.wait(Some(Duration::from_secs(5))).unwrap();
                if let Some(request) = server.receive().unwrap() {
                    std::thread::sleep(Duration::from_millis(10));
                    request.send_copy(*request + 1).unwrap();
                    return;
                }
            }
        });
        until_ready.recv().unwrap();
        let pending = loop {
            match client.send_copy(41) {
                Err(ClientSendError::Send(RequestSendError::ServerNotReady)) => std::thread::yield_now(),
                other => break other.unwrap(),
            }
        };
        let response = pending.timed_receive(Duration::from_secs(5)).unwrap();
        assert_eq!(response.map(|r| *r), Some(42));
        assert!(pending.blocking_receive().unwrap().is_none(), "the server ended it");
    });
}

#[test]
fn a_blocked_client_wakes_on_a_response_linux() {
    a_blocked_client_wakes_on_a_response::<Linux>();
}

#[test]
fn a_blocked_client_wakes_on_a_response_posix() {
    a_blocked_client_wakes_on_a_response::<Posix>();
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[repr(C)]
struct Meta {
    id: u32,
}

fn user_headers_travel<P: HostPlatform>() {
    let node = node::<P>();
    let service = node
        .service_builder(&unique("headers"))
        .unwrap()
        .request_response::<u8, u8>()
        .request_user_header::<Meta>()
        .response_user_header::<Meta>()
        .open_or_create()
        .unwrap();
    let server = service.server_builder().create().unwrap();
    let client = service.client_builder().create().unwrap();
    let mut loan = client.loan_uninit().unwrap();
    loan.user_header_mut().write(Meta { id: 7 });
    let pending = loan.write_payload(1).send().unwrap();
    let request = server.receive().unwrap().unwrap();
    assert_eq!(*request.user_header(), Meta { id: 7 });
    let mut response = request.loan_uninit().unwrap();
    response.user_header_mut().write(Meta { id: 8 });
    response.write_payload(2).send().unwrap();
    let response = pending.receive().unwrap().unwrap();
    assert_eq!((*response, *response.user_header()), (2, Meta { id: 8 }));
}

#[test]
fn user_headers_travel_linux() {
    user_headers_travel::<Linux>();
}

#[test]
fn user_headers_travel_posix() {
    user_headers_travel::<Posix>();
}

fn bad_input_gets_typed_errors<P: HostPlatform>() {
    let node = node::<P>();
    let name = unique("bad");
    let service = node
        .service_builder(&name)
        .unwrap()
        .request_response::<u64, u64>()
        .max_active_requests(2)
        .open_or_create()
        .unwrap();
    assert!(matches!(
        node.service_builder(&name)
            .unwrap()
            .request_response::<u32, u64>()
            .open(),
        Err(ServiceError::Incompatible(ServiceOpenError::Payload(_)))
    ));
    assert!(matches!(
        node.service_builder(&name).unwrap().event().open(),
        Err(ServiceError::Incompatible(ServiceOpenError::Pattern { .. }))
    ));
    assert_eq!(
        node.service_builder(&name)
            .unwrap()
            .request_response::<u64, u64>()
            .max_active_requests(3)
            .open()
            .err()
            .map(|e| e.to_string()),
        Some(String::from(
            "the service offers max_active_requests = 2, 3 was requested"
        ))
    );
    let client = service.client_builder().create().unwrap();
    assert!(matches!(
        client.send_copy(1),
        Err(ClientSendError::Send(RequestSendError::NoServer))
    ));
    let _server = service.server_builder().create().unwrap();
    let _a = client.send_copy(1).unwrap();
    let _b = client.send_copy(2).unwrap();
    assert!(matches!(
        client.send_copy(3),
        Err(ClientSendError::Send(RequestSendError::ExceedsMaxActiveRequests {
            max: 2
        }))
    ));
}

#[test]
fn bad_input_gets_typed_errors_linux() {
    bad_input_gets_typed_errors::<Linux>();
}

#[test]
fn bad_input_gets_typed_errors_posix() {
    bad_input_gets_typed_errors::<Posix>();
}
