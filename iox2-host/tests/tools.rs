//! The library side of the tools: `RawSubscriber` (any publish-subscribe
//! service as bytes, with or without user headers and slices), node
//! records and the read-only views of `inspect`, `Node::cleanup_nodes`
//! after a node of every pattern was killed, and `Discovery` embedded in a
//! thread, seeing a service appear and disappear.
//!
//! The killed node is this test binary run again as a child ([`CHILD_VAR`]).

use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use iox2_host::core::payload::TypeKind;
use iox2_host::core::service::{Pattern, PortKind};
use iox2_host::discovery::{ChangeKind, Discovery, DiscoveryChange, DiscoveryClient};
use iox2_host::inspect::{find_service, list_nodes};
use iox2_host::node_record::NodeRecord;
use iox2_host::platform::{NodeState, WaitOutcome};
use iox2_host::prelude::*;
use iox2_host::{DiscoveryError, InspectError, RawSubscriber, RawSubscriberCreateError, ServiceError};
use std::sync::Arc;
use std::time::Instant;

mod common;

/// Set in a re-run of this binary: the prefix of the child's services.
const CHILD_VAR: &str = "IOX2_TOOLS_TEST_CHILD";

fn unique(tag: &str) -> String {
    common::unique("tools", tag)
}

#[test]
fn raw_subscriber_reads_any_payload_as_bytes() {
    let node = NodeBuilder::new().name("tools-raw").unwrap().create::<Linux>().unwrap();
    let name = unique("raw-slice");
    let service = node
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<[u16]>()
        .user_header::<u64>()
        .max_slice_len(8)
        .history(1)
        .open_or_create()
        .unwrap();
    let publisher = service.publisher_builder().create().unwrap();
    let raw = RawSubscriber::create(&node, &name).unwrap();
    assert_eq!(raw.payload_type().kind(), Some(TypeKind::Slice));
    assert_eq!(raw.payload_type().name().as_str(), "u16");
    assert_eq!(raw.user_header_type().size(), 8);
    assert_eq!(raw.qos().max_slice_len, 8, "the service's settings, not the byte view");
    for values in [&[1u16, 2, 3][..], &[0xabcd; 8][..], &[][..]] {
        let mut sample = publisher.loan_slice_uninit(values.len()).unwrap();
        sample.user_header_mut().write(7);
        sample.write_from_slice(values).send();
        let received = raw.receive().unwrap().expect("a sample");
        let expected: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
        assert_eq!(&*received, &expected[..]);
    }
    assert!(raw.receive().unwrap().is_none());

    let fixed = unique("raw-fixed");
    let service = node
        .service_builder(&fixed)
        .unwrap()
        .publish_subscribe::<[u32; 3]>()
        .send_times(true)
        .open_or_create()
        .unwrap();
    let publisher = service.publisher_builder().create().unwrap();
    let raw = RawSubscriber::create(&node, &fixed).unwrap();
    assert!(raw.has_publishers());
    publisher.send_copy([1, 2, 0xffff_ffff]).unwrap();
    assert_eq!(raw.wait(Some(Duration::from_secs(5))).unwrap(), WaitOutcome::Woken);
    let sample = raw.receive().unwrap().unwrap();
    assert_eq!(sample.len(), 12);
    assert_eq!(&sample[8..], &[0xff; 4]);
    assert_eq!(sample.sequence(), 0);
    assert_eq!(sample.chunk_header().sent_at_ns, 0, "nobody asked for send times");
    drop(sample);

    // A watcher that asks for send times gets them, until it leaves.
    let mut stamped = RawSubscriber::create(&node, &fixed).unwrap();
    stamped.request_send_times();
    publisher.send_copy([3, 4, 5]).unwrap();
    let sample = stamped.receive().unwrap().unwrap();
    assert_ne!(sample.chunk_header().sent_at_ns, 0);
    drop(sample);
    drop(stamped);
    publisher.send_copy([6, 7, 8]).unwrap();
    let earlier = raw.receive().unwrap().unwrap();
    assert_eq!(
        (&earlier[..4], earlier.chunk_header().sent_at_ns != 0),
        (&[3, 0, 0, 0][..], true)
    );
    drop(earlier);
    let sample = raw.receive().unwrap().unwrap();
    assert_eq!(&sample[..4], &[6, 0, 0, 0]);
    assert_eq!(sample.chunk_header().sent_at_ns, 0, "the watcher left");
}

#[test]
fn raw_subscriber_refuses_what_it_cannot_open() {
    let node = NodeBuilder::new().create::<Linux>().unwrap();
    let missing = RawSubscriber::create(&node, &unique("missing")).unwrap_err();
    assert_eq!(missing, RawSubscriberCreateError::Service(ServiceError::DoesNotExist));
    let name = unique("raw-event");
    let _event = node.service_builder(&name).unwrap().event().open_or_create().unwrap();
    assert!(matches!(
        RawSubscriber::create(&node, &name).unwrap_err(),
        RawSubscriberCreateError::Service(ServiceError::Incompatible(_))
    ));
    let full = unique("raw-full");
    let service = node
        .service_builder(&full)
        .unwrap()
        .publish_subscribe::<u8>()
        .max_subscribers(1)
        .open_or_create()
        .unwrap();
    let _only = service.subscriber_builder().create().unwrap();
    assert!(matches!(
        RawSubscriber::create(&node, &full).unwrap_err(),
        RawSubscriberCreateError::Port(_)
    ));
    assert!(matches!(
        RawSubscriber::create(&node, "bad name").unwrap_err(),
        RawSubscriberCreateError::Service(ServiceError::Name(_))
    ));
}

#[test]
fn records_and_views_describe_nodes_and_services() {
    let node = NodeBuilder::new()
        .name("tools-views")
        .unwrap()
        .create::<Linux>()
        .unwrap();
    let record = NodeRecord::read::<Linux>(node.id()).expect("written at creation");
    assert_eq!(record.name, "tools-views");
    assert_eq!(record.pid, std::process::id());
    assert_eq!(record.executable, std::env::current_exe().unwrap().to_str().unwrap());

    let name = unique("views");
    let service = node
        .service_builder(&name)
        .unwrap()
        .request_response::<u64, [u8; 3]>()
        .open_or_create()
        .unwrap();
    let server = service.server_builder().create().unwrap();
    let view = find_service::<Linux>(&name).unwrap();
    assert_eq!(view.pattern, Some(Pattern::RequestResponse));
    assert_eq!(view.payload.unwrap().name().as_str(), "u64");
    assert_eq!(view.user_header.unwrap().name().as_str(), "[u8; 3]");
    assert_eq!(view.nodes.len(), 1);
    assert_eq!((view.nodes[0].id, view.nodes[0].state), (node.id(), NodeState::Alive));
    assert_eq!(view.ports_of(view.nodes[0].slot), [(PortKind::Server, 0)]);
    assert!(view.errors.is_empty(), "{:?}", view.errors);

    let nodes = list_nodes::<Linux>(&node.config().shared_memory).unwrap();
    let mine = nodes.iter().find(|n| n.id == node.id()).unwrap();
    assert_eq!(mine.name(), "tools-views");
    assert_eq!(mine.pid(), Some(std::process::id()));
    assert_eq!(mine.services.len(), 1);
    assert_eq!(mine.services[0].service, name);

    assert_eq!(
        find_service::<Linux>(&unique("none")).unwrap_err(),
        InspectError::NoSuchService
    );
    assert!(matches!(
        find_service::<Linux>("a b").unwrap_err(),
        InspectError::Name(_)
    ));
    let id = node.id();
    drop((server, service, node));
    assert_eq!(NodeRecord::read::<Linux>(id), None, "removed with the node");
}

/// In a re-run of this binary ([`CHILD_VAR`] set): a node with ports in a
/// service of every pattern, until it is killed.
#[test]
fn child_node_of_every_pattern() {
    let Ok(prefix) = std::env::var(CHILD_VAR) else {
        return;
    };
    let node = NodeBuilder::new()
        .name("tools-victim")
        .unwrap()
        .create::<Linux>()
        .unwrap();
    let service = |pattern: &str| format!("{prefix}/{pattern}");
    let pubsub = node
        .service_builder(&service("pubsub"))
        .unwrap()
        .publish_subscribe::<u64>()
        .open_or_create()
        .unwrap();
    let _publisher = pubsub.publisher_builder().create().unwrap();
    let _subscriber = pubsub.subscriber_builder().create().unwrap();
    let event = node
        .service_builder(&service("event"))
        .unwrap()
        .event()
        .open_or_create()
        .unwrap();
    let _notifier = event.notifier_builder().create().unwrap();
    let _listener = event.listener_builder().create().unwrap();
    let reqres = node
        .service_builder(&service("reqres"))
        .unwrap()
        .request_response::<u32, u64>()
        .request_user_header::<u16>()
        .open_or_create()
        .unwrap();
    let _client = reqres.client_builder().create().unwrap();
    let _server = reqres.server_builder().create().unwrap();
    let blackboard = node
        .service_builder(&service("blackboard"))
        .unwrap()
        .blackboard_creator::<u32>()
        .add::<u64>(1, 0)
        .create()
        .unwrap();
    let _writer = blackboard.writer_builder().create().unwrap();
    common::ready_and_wait(node.id());
}

#[test]
fn cleanup_reaps_a_killed_node_in_services_of_every_pattern() {
    let prefix = unique("victim");
    let (mut child, id) = common::spawn_ready_child("child_node_of_every_pattern", CHILD_VAR, &prefix);
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    let node = NodeBuilder::new()
        .name("tools-reaper")
        .unwrap()
        .create::<Linux>()
        .unwrap();
    let services = ["pubsub", "event", "reqres", "blackboard"].map(|p| format!("{prefix}/{p}"));
    for name in &services {
        let view = find_service::<Linux>(name).unwrap();
        assert_eq!(view.nodes.len(), 1, "{name}");
        assert_eq!((view.nodes[0].id, view.nodes[0].state), (id, NodeState::Dead), "{name}");
    }
    let report = node.cleanup_nodes(&[id]).unwrap();
    for name in &services {
        let cleaned = report
            .services
            .iter()
            .find(|s| &s.service == name)
            .unwrap_or_else(|| panic!("{name} not in {report:?}"));
        assert_eq!(cleaned.error, None, "{name}");
        assert!(cleaned.removed, "{name}: its only node died");
        assert_eq!(cleaned.reaped.len(), 1, "{name}");
        assert_eq!(cleaned.reaped[0].id, id);
        let expected_ports = if name.ends_with("blackboard") { 1 } else { 2 };
        assert_eq!(cleaned.reaped[0].ports.len(), expected_ports, "{name}: {cleaned:?}");
        assert_eq!(find_service::<Linux>(name).unwrap_err(), InspectError::NoSuchService);
    }
    assert!(report.nodes.contains(&id), "{report:?}");
    assert_eq!(NodeRecord::read::<Linux>(id), None);
    let again = node.cleanup_nodes(&[id]).unwrap();
    assert!(again.is_empty(), "{again:?}");
    // The pools of the dead publisher, client and server went with them.
    let leftovers: Vec<String> = std::fs::read_dir("/dev/shm")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for name in &services {
        let hash = format!(
            "{:016x}",
            iox2_host::core::service::ServiceName::new(name).unwrap().hash()
        );
        assert!(!leftovers.iter().any(|f| f.contains(&hash)), "{name}: {leftovers:?}");
    }
}

/// Takes changes from `client` until one of `service` comes.
fn change_of(client: &DiscoveryClient<Linux>, service: &str) -> DiscoveryChange {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(change) = client.next_change().unwrap() {
            if change.entry.name() == service {
                return change;
            }
            continue;
        }
        client.wait(Some(Duration::from_millis(100))).unwrap();
    }
    panic!("no change of {service}");
}

#[test]
fn embedded_discovery_sees_a_service_appear_and_disappear() {
    let node = NodeBuilder::new()
        .name("tools-discovery-client")
        .unwrap()
        .create::<Linux>()
        .unwrap();
    // Nobody runs discovery unless this test does (the CLI tests run in
    // another binary, never at the same time under `cargo test`); services
    // a killed one left are reaped by opening them.
    if let Ok(client) = DiscoveryClient::create(&node) {
        match client.snapshot(Duration::from_millis(500)) {
            Err(DiscoveryError::NotRunning) => {}
            other => {
                eprintln!("a discovery service runs on this machine ({other:?}): skipped");
                return;
            }
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let runner = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let node = NodeBuilder::new()
                .name("tools-discovery")
                .unwrap()
                .create::<Linux>()
                .unwrap();
            let mut discovery = Discovery::create(&node).unwrap();
            assert_eq!(
                Discovery::create(&node).unwrap_err(),
                DiscoveryError::AlreadyRunning,
                "one at a time"
            );
            ready_tx.send(()).unwrap();
            while !stop.load(Ordering::Relaxed) {
                discovery.update().unwrap();
                discovery.serve().unwrap();
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    ready_rx.recv().unwrap();
    let client = DiscoveryClient::create(&node).unwrap();
    let name = unique("discovered");
    let before = client.snapshot(Duration::from_secs(10)).unwrap();
    assert!(before.services.iter().any(|s| s.name() == "iox2/discovery/snapshot"));
    assert!(!before.services.iter().any(|s| s.name() == name));

    let creator = NodeBuilder::new().create::<Linux>().unwrap();
    let service = creator
        .service_builder(&name)
        .unwrap()
        .publish_subscribe::<[f32; 2]>()
        .open_or_create()
        .unwrap();
    let added = change_of(&client, &name);
    assert_eq!(added.kind(), Some(ChangeKind::Added));
    assert_eq!(added.entry.pattern(), Some(Pattern::PublishSubscribe));
    assert_eq!(added.entry.payload.name().as_str(), "[f32; 2]");
    assert!(added.generation > before.generation);
    let during = client.snapshot(Duration::from_secs(10)).unwrap();
    assert!(during.generation >= added.generation);
    assert!(during.services.iter().any(|s| s.name() == name));

    drop(service);
    let removed = change_of(&client, &name);
    assert_eq!(removed.kind(), Some(ChangeKind::Removed));
    assert!(removed.generation > added.generation);
    let after = client.snapshot(Duration::from_secs(10)).unwrap();
    assert!(!after.services.iter().any(|s| s.name() == name));

    stop.store(true, Ordering::Relaxed);
    runner.join().unwrap();
    drop(client);
    assert_eq!(
        DiscoveryClient::create(&node).unwrap_err(),
        DiscoveryError::NotRunning,
        "the discovery's services left with it"
    );
}
