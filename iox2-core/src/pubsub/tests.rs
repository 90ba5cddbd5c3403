//! In-process tests of the publish-subscribe data path: a control segment
//! and data segments in heap memory, publisher and subscriber ports driven
//! step by step.

extern crate std;

use super::*;
use crate::payload::TypeDescriptor;
use crate::service::{
    Header, HeaderContent, PortKind, SERVICE_NAME_ROOM, SegmentState, ServiceName, ServiceOpenError, layout_hash,
};
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

fn content(qos: PubSubQos, name: &str) -> HeaderContent<'_, PubSubQos> {
    let layout = control_layout::<R>(&qos).unwrap();
    let payload = TypeDescriptor::of::<u64>();
    let user_header = TypeDescriptor::of::<()>();
    HeaderContent {
        name: ServiceName::new(name).unwrap(),
        settings: qos,
        payload,
        user_header,
        layout_hash: layout_hash::<R, _>(&qos, &payload, &user_header, layout.len),
        len: layout.len,
    }
}

/// A service with one node, `publishers` data segments' memory, ready to use.
struct Service {
    control: Memory,
    data: Vec<Memory>,
}

impl Service {
    fn new(qos: PubSubQos) -> Self {
        let control = Memory::new(control_layout::<R>(&qos).unwrap().len);
        let data_len = data_layout::<R>(&qos, &CONTENT).unwrap().len;
        let data = (0..qos.max_publishers).map(|_| Memory::new(data_len)).collect();
        let mut service = Self { control, data };
        Control::<R>::create(service.control.segment(), &content(qos, "test/service")).unwrap();
        service
    }
}

fn write_payload(publisher: &PublisherPort<'_, R>, chunk: u32, value: u64) {
    let ptr = publisher.data().payload(chunk).unwrap().cast::<u64>();
    // SAFETY: a loaned chunk belongs to the publisher alone.
    unsafe { ptr.as_ptr().write(value) };
}

fn read_payload(data: &Data<'_, R>, received: Received) -> u64 {
    let ptr = data.payload(received.chunk).unwrap().cast::<u64>();
    // SAFETY: a received chunk is not written until it is returned.
    unsafe { ptr.as_ptr().read() }
}

#[test]
fn samples_flow_and_every_chunk_comes_back() {
    let qos = PubSubQos {
        subscriber_buffer: 4,
        ..PubSubQos::DEFAULT
    };
    let mut service = Service::new(qos);
    let control = Control::<R>::open(service.control.segment(), &content(qos, "test/service")).unwrap();
    let node = control.registry().claim_node(42, 1).unwrap();
    let layout = data_layout::<R>(&qos, &CONTENT).unwrap();
    let pub_slot = control.registry().claim_port(PortKind::Publisher, node.index).unwrap();
    let data = Data::<R>::create(service.data[0].segment(), layout, pub_slot.generation).unwrap();
    let mut publisher = PublisherPort::new(control, data, pub_slot, Backpressure::Discard);
    let sub_slot = control.registry().claim_port(PortKind::Subscriber, node.index).unwrap();
    let mut subscriber = SubscriberPort::new(control, sub_slot, layout.chunks, 0);

    let mut changes = Vec::new();
    subscriber.publishers_to_update(|p, wanted, attached| changes.push((p, wanted, attached)));
    assert_eq!(changes, [(0, Some(pub_slot.generation), None)]);
    let view = Data::<R>::open(publisher.data().clone_segment(), layout, pub_slot.generation).unwrap();
    subscriber.attach(0, pub_slot.generation);
    control.registry().topology_changed();

    for round in 0..100u64 {
        let chunk = publisher.loan().unwrap();
        write_payload(&publisher, chunk, round);
        assert_eq!(
            publisher.send::<W>(chunk, 8),
            Delivery {
                delivered: 1,
                discarded: 0
            }
        );
        let received = subscriber.receive().unwrap().unwrap();
        assert_eq!(read_payload(&view, received), round);
        assert_eq!(view.header(received.chunk).unwrap().sequence, round);
        subscriber.release(received);
    }
    assert_eq!(subscriber.receive(), Ok(None));
    subscriber.leave();
    publisher.update_connections();
    assert_eq!(
        publisher.data().free_list().free(),
        layout.chunks,
        "every chunk is free again"
    );
    assert_eq!(publisher.protocol_violations(), 0);
}

#[test]
fn overflow_keeps_the_newest_and_a_leaving_subscriber_returns_everything() {
    let qos = PubSubQos {
        subscriber_buffer: 3,
        max_borrowed: 1,
        ..PubSubQos::DEFAULT
    };
    let mut service = Service::new(qos);
    let control = Control::<R>::open(service.control.segment(), &content(qos, "test/service")).unwrap();
    let layout = data_layout::<R>(&qos, &CONTENT).unwrap();
    let pub_slot = control.registry().claim_port(PortKind::Publisher, 0).unwrap();
    let data = Data::<R>::create(service.data[0].segment(), layout, pub_slot.generation).unwrap();
    let mut publisher = PublisherPort::new(control, data, pub_slot, Backpressure::Discard);
    let sub_slot = control.registry().claim_port(PortKind::Subscriber, 0).unwrap();
    let mut subscriber = SubscriberPort::new(control, sub_slot, layout.chunks, 0);
    subscriber.attach(0, pub_slot.generation);
    control.registry().topology_changed();
    let view = Data::<R>::open(publisher.data().clone_segment(), layout, pub_slot.generation).unwrap();

    let held = {
        let chunk = publisher.loan().unwrap();
        write_payload(&publisher, chunk, 1000);
        publisher.send::<W>(chunk, 8);
        subscriber.receive().unwrap().unwrap()
    };
    for value in 0..50u64 {
        let chunk = publisher.loan().expect("overflow never exhausts the pool");
        write_payload(&publisher, chunk, value);
        publisher.send::<W>(chunk, 8);
    }
    assert_eq!(subscriber.receive(), Err(ReceiveError::ExceedsMaxBorrows { max: 1 }));
    assert_eq!(read_payload(&view, held), 1000, "a held sample is never overwritten");
    subscriber.release(held);
    let newest: Vec<u64> = core::iter::from_fn(|| {
        let received = subscriber.receive().unwrap()?;
        let value = read_payload(&view, received);
        subscriber.release(received);
        Some(value)
    })
    .collect();
    assert_eq!(newest, [47, 48, 49]);
    let _kept = subscriber.receive();
    subscriber.leave();
    publisher.update_connections();
    assert_eq!(publisher.data().free_list().free(), layout.chunks);
}

#[test]
fn a_late_joiner_gets_the_history_and_backpressure_discards() {
    let qos = PubSubQos {
        subscriber_buffer: 2,
        history: 2,
        safe_overflow: 0,
        ..PubSubQos::DEFAULT
    };
    let mut service = Service::new(qos);
    let control = Control::<R>::open(service.control.segment(), &content(qos, "test/service")).unwrap();
    let layout = data_layout::<R>(&qos, &CONTENT).unwrap();
    let pub_slot = control.registry().claim_port(PortKind::Publisher, 0).unwrap();
    let data = Data::<R>::create(service.data[0].segment(), layout, pub_slot.generation).unwrap();
    let mut publisher = PublisherPort::new(control, data, pub_slot, Backpressure::Retry { attempts: 3 });
    for value in 0..5u64 {
        let chunk = publisher.loan().unwrap();
        write_payload(&publisher, chunk, value);
        assert_eq!(publisher.send::<W>(chunk, 8).delivered, 0);
    }
    let sub_slot = control.registry().claim_port(PortKind::Subscriber, 0).unwrap();
    let mut subscriber = SubscriberPort::new(control, sub_slot, layout.chunks, 0);
    subscriber.attach(0, pub_slot.generation);
    control.registry().topology_changed();
    let chunk = publisher.loan().unwrap();
    write_payload(&publisher, chunk, 5);
    assert_eq!(
        publisher.send::<W>(chunk, 8),
        Delivery {
            delivered: 0,
            discarded: 1
        },
        "the history filled the buffer"
    );
    // The discarded sample went into the history and was never freed:
    // chunks of values 3 and 4 (buffer, history) and 5 (history) are in use.
    assert_eq!(publisher.data().free_list().free(), layout.chunks - 3);
    let view = Data::<R>::open(publisher.data().clone_segment(), layout, pub_slot.generation).unwrap();
    let first = subscriber.receive().unwrap().unwrap();
    let second = subscriber.receive().unwrap().unwrap();
    assert_eq!((read_payload(&view, first), read_payload(&view, second)), (3, 4));
}

#[test]
fn samples_of_a_replaced_publisher_never_reach_the_new_one() {
    let qos = PubSubQos::DEFAULT;
    let mut service = Service::new(qos);
    let control = Control::<R>::open(service.control.segment(), &content(qos, "test/service")).unwrap();
    let layout = data_layout::<R>(&qos, &CONTENT).unwrap();
    let (old_memory, rest) = service.data.split_at_mut(1);
    let old_slot = control.registry().claim_port(PortKind::Publisher, 0).unwrap();
    let old_data = Data::<R>::create(old_memory[0].segment(), layout, old_slot.generation).unwrap();
    let mut old = PublisherPort::new(control, old_data, old_slot, Backpressure::Discard);
    let sub_slot = control.registry().claim_port(PortKind::Subscriber, 0).unwrap();
    let mut subscriber = SubscriberPort::new(control, sub_slot, layout.chunks, 0);
    subscriber.attach(0, old_slot.generation);
    control.registry().topology_changed();
    let chunk = old.loan().unwrap();
    old.send::<W>(chunk, 8);
    let stale = subscriber.receive().unwrap().unwrap();
    old.leave();

    let new_slot = control.registry().claim_port(PortKind::Publisher, 0).unwrap();
    assert_eq!((new_slot.index, new_slot.generation), (0, old_slot.generation + 1));
    let new_data = Data::<R>::create(rest[0].segment(), layout, new_slot.generation).unwrap();
    let mut new = PublisherPort::new(control, new_data, new_slot, Backpressure::Discard);
    new.update_connections();
    assert_eq!(
        control
            .pub_ready(0, sub_slot.index)
            .load(crate::sync::Ordering::Relaxed),
        pack_connection(old_slot.generation, sub_slot.generation),
        "the old publisher's entry stays (for draining); the new one does not connect before the detach"
    );
    subscriber.publishers_to_update(|p, wanted, attached| assert_eq!((p, wanted, attached), (0, Some(2), Some(1))));
    subscriber.detach(0);
    subscriber.release(stale);
    subscriber.attach(0, new_slot.generation);
    control.registry().topology_changed();
    let chunk = new.loan().unwrap();
    assert_eq!(new.send::<W>(chunk, 8).delivered, 1);
    let fresh = subscriber.receive().unwrap().unwrap();
    assert_eq!(fresh.generation, new_slot.generation);
    subscriber.release(fresh);
    new.loan().unwrap();
    assert_eq!(
        new.protocol_violations(),
        0,
        "the stale index was never handed to the new publisher"
    );
}

#[test]
fn opening_names_the_first_mismatch() {
    let qos = PubSubQos::DEFAULT;
    let mut service = Service::new(qos);
    let segment = service.control.segment();
    assert!(Control::<R>::open(segment, &content(qos, "test/service")).is_ok());
    let mut room = [0u8; SERVICE_NAME_ROOM];
    assert_eq!(Header::new(segment).service_name(&mut room), "test/service");
    assert_eq!(
        Control::<R>::open(segment, &content(qos, "test/other")).unwrap_err(),
        ServiceOpenError::NameMismatch
    );
    let mut wrong_type = content(qos, "test/service");
    wrong_type.payload = TypeDescriptor::of::<u32>();
    assert!(matches!(
        Control::<R>::open(segment, &wrong_type),
        Err(ServiceOpenError::Payload(_))
    ));
    let other_qos = PubSubQos { history: 1, ..qos };
    let mut other = content(other_qos, "test/service");
    other.settings = other_qos;
    assert!(matches!(
        Control::<R>::open(segment, &other),
        Err(ServiceOpenError::LayoutHash { .. })
    ));
    segment.word(0).store(0xDEAD, crate::sync::Ordering::Relaxed);
    assert_eq!(
        Control::<R>::open(segment, &content(qos, "test/service")).unwrap_err(),
        ServiceOpenError::WrongMagic { found: 0xDEAD }
    );
    let mut empty = Memory::new(4096);
    assert_eq!(
        Control::<R>::open(empty.segment(), &content(qos, "test/service")).unwrap_err(),
        ServiceOpenError::NotReady(SegmentState::Empty)
    );
}

#[test]
fn a_corrupted_index_from_a_publisher_is_a_typed_error() {
    let qos = PubSubQos::DEFAULT;
    let mut service = Service::new(qos);
    let control = Control::<R>::open(service.control.segment(), &content(qos, "test/service")).unwrap();
    let layout = data_layout::<R>(&qos, &CONTENT).unwrap();
    let sub_slot = control.registry().claim_port(PortKind::Subscriber, 0).unwrap();
    let mut subscriber = SubscriberPort::new(control, sub_slot, layout.chunks, 0);
    let pub_slot = control.registry().claim_port(PortKind::Publisher, 0).unwrap();
    subscriber.attach(0, pub_slot.generation);
    control.reset_connection(0, sub_slot.index);
    let ready = pack_connection(pub_slot.generation, sub_slot.generation);
    control
        .pub_ready(0, sub_slot.index)
        .store(ready, crate::sync::Ordering::Release);
    // A hostile publisher pushes an index beyond its pool.
    // SAFETY: the test is the queue's only producer.
    unsafe { control.submission_queue(0, sub_slot.index).producer_unchecked() }
        .push(layout.chunks + 7)
        .unwrap();
    assert_eq!(
        subscriber.receive(),
        Err(ReceiveError::CorruptedIndex {
            publisher: 0,
            index: layout.chunks + 7
        })
    );
    assert_eq!(subscriber.receive(), Ok(None));
}
