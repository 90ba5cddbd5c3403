//! In-process tests of request-response streams: a control segment and
//! pools in heap memory, client and server ports driven step by
//! step through the handshake, requests, responses, ends and cancels.

extern crate std;

use super::*;
use crate::payload::TypeDescriptor;
use crate::pool::{ChunkContent, Data};
use crate::service::{HeaderContent, PortKind, ServiceName, layout_hash};
use crate::test_memory::Memory;
use iox2_platform::rmw::NativeRmw;
use std::vec::Vec;

type R = NativeRmw;
type W = <iox2_platform::local::Local as iox2_platform::Platform>::Waiter;

const CONTENT: ChunkContent = ChunkContent {
    payload_size: 8,
    payload_align: 8,
    header_size: 0,
    header_align: 1,
};

const QOS: ReqResQos = ReqResQos {
    max_clients: 2,
    max_servers: 2,
    response_buffer: 4,
    ..ReqResQos::DEFAULT
};

/// The memory of one test: the control segment and one pool each for a
/// client and a server.
struct Rig {
    control: Memory,
    requests: Memory,
    responses: Memory,
}

impl Rig {
    fn new(qos: ReqResQos) -> Self {
        Self {
            control: Memory::new(reqres_layout::<R>(&qos).unwrap().len),
            requests: Memory::new(request_pool::<R>(&qos, &CONTENT).unwrap().len),
            responses: Memory::new(response_pool::<R>(&qos, &CONTENT).unwrap().len),
        }
    }

    /// A fresh service with `qos`, a client and a server.
    fn ports(&mut self, qos: ReqResQos) -> (ReqResControl<'_, R>, ClientPort<'_, R>, ServerPort<'_, R>) {
        let len = reqres_layout::<R>(&qos).unwrap().len;
        let unit = TypeDescriptor::of::<u64>();
        let content = HeaderContent {
            name: ServiceName::new("test/reqres").unwrap(),
            settings: qos,
            payload: unit,
            user_header: unit,
            layout_hash: layout_hash::<R, _>(&qos, &unit, &unit, len),
            len,
        };
        let control = ReqResControl::create(self.control.segment(), &content).unwrap();
        let node = control.registry().claim_node(1, 1).unwrap();
        let slot = control.registry().claim_port(PortKind::Client, node.index).unwrap();
        let layout = request_pool::<R>(&qos, &CONTENT).unwrap();
        let data = Data::create(self.requests.segment(), layout, slot.generation).unwrap();
        let client = ClientPort::new(control, data, slot);
        let slot = control.registry().claim_port(PortKind::Server, node.index).unwrap();
        let layout = response_pool::<R>(&qos, &CONTENT).unwrap();
        let data = Data::create(self.responses.segment(), layout, slot.generation).unwrap();
        (control, client, ServerPort::new(control, data, slot))
    }
}

/// Runs both sides' updates until neither has anything left to do (the
/// pools are all in this process: "mapping" one is a no-op).
fn connect(clients: &mut [&mut ClientPort<'_, R>], servers: &mut [&mut ServerPort<'_, R>]) {
    for _ in 0..4 {
        for server in servers.iter_mut() {
            let mut changes = Vec::new();
            server.clients_to_update(|c, wanted, attached| changes.push((c, wanted, attached)));
            for (client, wanted, attached) in changes {
                if attached.is_some() {
                    server.detach(client);
                }
                if let Some(generation) = wanted {
                    server.attach(client, generation);
                }
            }
        }
        for client in clients.iter_mut() {
            let mut changes = Vec::new();
            client.servers_to_update(|s, wanted, connected| changes.push((s, wanted, connected)));
            for (server, wanted, connected) in changes {
                if connected.is_some() {
                    client.disconnect(server);
                }
                if let Some(generation) = wanted {
                    client.connect(server, generation);
                }
            }
        }
    }
}

/// Reads chunk tags from one pool (clients' and servers' pools by slot).
fn tags<'p>(pools: &'p [(u32, Data<'_, R>)]) -> impl Fn(u32, u32) -> Option<u64> + 'p {
    move |slot, chunk| {
        let (_, data) = pools.iter().find(|(s, _)| *s == slot)?;
        data.header(chunk).map(|header| header.sequence)
    }
}

fn send(client: &mut ClientPort<'_, R>) -> Result<RequestId, RequestSendError> {
    let chunk = client.loan().unwrap();
    client.send::<W>(chunk, 8)
}

fn respond(server: &mut ServerPort<'_, R>, request: &ReceivedRequest) -> Result<(), ResponseSendError> {
    let chunk = server.loan().unwrap();
    server.send::<W>(request, chunk, 8)
}

#[test]
fn a_request_streams_responses_until_the_server_ends_it() {
    let mut rig = Rig::new(QOS);
    let (_, mut c, mut s) = rig.ports(QOS);
    connect(&mut [&mut c], &mut [&mut s]);
    let client_pools = [(c.slot().index, *c.data())];
    let server_pools = [(s.slot().index, *s.data())];

    let id = send(&mut c).unwrap();
    let request = s.receive(tags(&client_pools)).unwrap().expect("the request");
    assert_eq!((request.client, request.id), (c.slot().index, id));
    assert!(s.is_connected(&request));
    for _ in 0..3 {
        respond(&mut s, &request).unwrap();
    }
    assert_eq!(c.stream_end(id), None, "not ended yet");
    let mut got = 0;
    while let Some(response) = c.receive(id, tags(&server_pools)).unwrap() {
        c.release(response);
        got += 1;
    }
    assert_eq!(got, 3);
    assert!(c.is_connected(id));
    s.close::<W>(request);
    assert_eq!(c.stream_end(id), Some(StreamEnd::Completed));
    c.cancel(id);
    // The slot, the request chunk and the responses all came back.
    let again = send(&mut c).unwrap();
    assert_eq!(again.request, id.request);
    assert_ne!(again.generation, id.generation);
    assert_eq!((c.protocol_violations(), s.protocol_violations()), (0, 0));
}

#[test]
fn a_cancel_reaches_the_server_and_stale_responses_are_never_delivered() {
    let mut rig = Rig::new(QOS);
    let (control, mut c, mut s) = rig.ports(QOS);
    connect(&mut [&mut c], &mut [&mut s]);
    let client_pools = [(c.slot().index, *c.data())];
    let server_pools = [(s.slot().index, *s.data())];

    let first = send(&mut c).unwrap();
    let request = s.receive(tags(&client_pools)).unwrap().unwrap();
    respond(&mut s, &request).unwrap();
    c.cancel(first);
    assert!(!s.is_connected(&request), "the server sees the cancel");
    assert_eq!(respond(&mut s, &request), Err(ResponseSendError::NotConnected));
    s.close::<W>(request);

    // The slot is reused; a response tagged with the old generation that
    // arrives late is handed back, never delivered.
    let second = send(&mut c).unwrap();
    assert_eq!(second.request, first.request);
    let next = s.receive(tags(&client_pools)).unwrap().unwrap();
    assert_eq!(next.id, second);
    let stale = s.loan().unwrap();
    s.data().write_header(
        stale,
        &crate::pool::ChunkHeader {
            payload_len: 8,
            sequence: tag(first.request, first.generation),
            publisher_generation: 1,
            sent_at_ns: 0,
        },
    );
    let queue = control.response_queue(c.slot().index, second.request, s.slot().index);
    // SAFETY: the server port does not push while the test plays its part.
    unsafe { queue.producer_unchecked() }.push(stale).unwrap();
    respond(&mut s, &next).unwrap();
    let mut delivered = 0;
    while let Some(response) = c.receive(second, tags(&server_pools)).unwrap() {
        assert_eq!(
            tags(&server_pools)(response.server, response.chunk),
            Some(tag(second.request, second.generation))
        );
        c.release(response);
        delivered += 1;
    }
    assert_eq!(delivered, 1, "only the response to the current request");
    let returned = control.response_returns(c.slot().index, s.slot().index);
    // SAFETY: as above, for the return queue's consumer.
    let consumer = unsafe { returned.consumer_unchecked() };
    assert!(!consumer.is_empty(), "the stale one went back");
}

#[test]
fn limits_and_missing_servers_get_typed_errors() {
    let mut rig = Rig::new(QOS);
    let (_, mut c, mut s) = rig.ports(QOS);
    connect(&mut [&mut c], &mut [&mut s]);
    let ids: Vec<RequestId> = (0..QOS.max_active_requests).map(|_| send(&mut c).unwrap()).collect();
    assert_eq!(
        send(&mut c),
        Err(RequestSendError::ExceedsMaxActiveRequests {
            max: QOS.max_active_requests
        })
    );
    c.cancel(ids[0]);
    // Cancelled, but the server has not ended it: the slot stays taken.
    assert!(matches!(
        send(&mut c),
        Err(RequestSendError::ExceedsMaxActiveRequests { .. })
    ));
    let client_pools = [(c.slot().index, *c.data())];
    // Fire and forget: the cancelled request is still handed over.
    let first = s.receive(tags(&client_pools)).unwrap().unwrap();
    assert_eq!(first.id, ids[0]);
    assert!(!s.is_connected(&first));
    s.close::<W>(first);
    assert!(send(&mut c).is_ok());
}

#[test]
fn a_request_without_a_server_is_refused() {
    let mut rig = Rig::new(QOS);
    let (_, mut c, mut s) = rig.ports(QOS);
    s.leave::<W>();
    connect(&mut [&mut c], &mut []);
    assert_eq!(send(&mut c), Err(RequestSendError::NoServer));
    let mut rig = Rig::new(QOS);
    let (_, mut c, _s) = rig.ports(QOS);
    assert_eq!(
        send(&mut c),
        Err(RequestSendError::ServerNotReady),
        "a server exists but this client has not looked"
    );
    assert_eq!(c.loan().map(|_| ()), Ok(()), "the refused request's chunk came back");
}

#[test]
fn without_fire_and_forget_a_cancelled_request_is_never_handed_over() {
    let qos = ReqResQos {
        fire_and_forget: false,
        ..QOS
    };
    let mut rig = Rig::new(qos);
    let (_, mut c, mut s) = rig.ports(qos);
    connect(&mut [&mut c], &mut [&mut s]);
    let client_pools = [(c.slot().index, *c.data())];
    let id = send(&mut c).unwrap();
    c.cancel(id);
    assert_eq!(s.receive(tags(&client_pools)).unwrap(), None);
    assert!(send(&mut c).is_ok(), "the server ended it unseen: the slot is free");
}

#[test]
fn a_server_that_goes_without_ending_shows_as_gone() {
    let mut rig = Rig::new(QOS);
    let (_, mut c, mut s) = rig.ports(QOS);
    connect(&mut [&mut c], &mut [&mut s]);
    let client_pools = [(c.slot().index, *c.data())];
    let server_pools = [(s.slot().index, *s.data())];
    let id = send(&mut c).unwrap();
    let request = s.receive(tags(&client_pools)).unwrap().unwrap();
    respond(&mut s, &request).unwrap();
    s.leave::<W>();
    connect(&mut [&mut c], &mut []);
    // What it sent is still delivered, then the stream shows the loss.
    let response = c.receive(id, tags(&server_pools)).unwrap();
    assert!(response.is_some() || c.stream_end(id) == Some(StreamEnd::ServerGone));
    assert_eq!(c.stream_end(id), Some(StreamEnd::ServerGone));
}

#[test]
fn a_corrupted_request_index_is_a_typed_error() {
    let mut rig = Rig::new(QOS);
    let (control, mut c, mut s) = rig.ports(QOS);
    connect(&mut [&mut c], &mut [&mut s]);
    let queue = control.request_queue(c.slot().index, s.slot().index);
    // SAFETY: the client port is not used while the test plays its part.
    unsafe { queue.producer_unchecked() }.push(12_345).unwrap();
    let client_pools = [(c.slot().index, *c.data())];
    assert_eq!(
        s.receive(tags(&client_pools)),
        Err(RequestReceiveError::CorruptedRequest {
            client: c.slot().index,
            chunk: 12_345
        })
    );
}
