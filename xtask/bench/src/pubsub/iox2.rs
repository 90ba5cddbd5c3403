//! `iox2`: the host publish-subscribe API over the `Linux` platform. Two
//! services per case, `iox2-bench/<tag>/ping` (payload `[u8; N]`, one
//! subscriber per receiver) and `.../pong` (one subscriber, the pinger's);
//! each side holds one publisher and one subscriber, both busy-poll
//! (`Iox2<N>`) or, in the `event` suite's `Iox2<N, true>`, sleep in
//! `Subscriber::wait(None)` whenever `receive` finds nothing.
//!
//! Both services are created with `subscriber_buffer(1)` and safe overflow
//! (a lock-step ping-pong never has two samples in flight; a passive
//! receiver that drains late only loses the older sample).
//!
//! A message is written in place through the loaned sample's pointer, never
//! on the stack: the 4-byte token, and in the `read` variant every byte.
//! The receiver reads the sample in place. Receiver 0 answers before it
//! drops the ping sample, so the chunk's return to the pinger's pool stays
//! off the critical path.

use std::os::fd::OwnedFd;

use iox2_host::ServiceBuilder;
use iox2_host::prelude::*;

use crate::pingpong::transport::{
    Passive, Pinger, Ponger, Result, Spec, Transport, read_message, spin_until, wait_until, write_message,
};

/// The payload type of a case with `N`-byte messages.
type Payload<const N: usize> = [u8; N];

/// A publisher of `N`-byte messages.
type Pub<const N: usize> = Publisher<Linux, Payload<N>>;

/// A subscriber of `N`-byte messages.
type Sub<const N: usize> = Subscriber<Linux, Payload<N>>;

/// A publish-subscribe service of `N`-byte messages.
type Service<const N: usize> = PubSubService<Linux, Payload<N>>;

/// iox2 with `N`-byte messages; receivers busy-poll, or sleep if `BLOCK`.
#[derive(Debug)]
pub struct Iox2<const N: usize, const BLOCK: bool = false>;

/// The transport's name.
pub const NAME: &str = "iox2";

/// The blocking transport's name.
pub const BLOCKING_NAME: &str = "iox2-blocking";

/// The services of a case: ping and pong.
fn services<const N: usize>(node: &Node<Linux>, spec: &Spec, create: bool) -> Result<(Service<N>, Service<N>)> {
    let open = |direction: &str, subscribers: usize| {
        service(node, spec, direction, create, |builder| {
            let builder = builder
                .publish_subscribe::<Payload<N>>()
                .max_subscribers(subscribers as u32)
                .subscriber_buffer(1)
                .safe_overflow(true);
            if create { builder.create() } else { builder.open() }
        })
    };
    Ok((open("ping", spec.subscribers)?, open("pong", 1)?))
}

/// Service `iox2-bench/<tag>/<direction>` of `node`: `build` picks its
/// pattern and settings, then creates it (`create`) or opens it.
pub fn service<S, E: core::fmt::Display>(
    node: &Node<Linux>,
    spec: &Spec,
    direction: &str,
    create: bool,
    build: impl FnOnce(ServiceBuilder<Linux>) -> core::result::Result<S, E>,
) -> Result<S> {
    let name = format!("iox2-bench/{}/{direction}", spec.tag);
    let builder = node
        .service_builder(&name)
        .map_err(|e| format!("bad service name {name}: {e}"))?;
    build(builder).map_err(|e| format!("cannot {} service {name}: {e}", if create { "create" } else { "open" }))
}

/// A node of the `Linux` platform named `name`.
pub fn node(name: &str) -> Result<Node<Linux>> {
    NodeBuilder::new()
        .name(name)
        .and_then(|builder| builder.create::<Linux>())
        .map_err(|e| format!("cannot create node {name}: {e}"))
}

fn publisher<const N: usize>(service: &Service<N>) -> Result<Pub<N>> {
    service
        .publisher_builder()
        .create()
        .map_err(|e| format!("cannot create a publisher on {}: {e}", service.name()))
}

fn subscriber<const N: usize>(service: &Service<N>) -> Result<Sub<N>> {
    service
        .subscriber_builder()
        .create()
        .map_err(|e| format!("cannot create a subscriber on {}: {e}", service.name()))
}

/// Loans a sample, writes the message carrying `token` into it in place,
/// and sends it; panics unless exactly `receivers` subscribers got it.
#[inline(always)]
fn send<const N: usize>(publisher: &Pub<N>, token: u32, read: bool, receivers: u32) {
    let mut sample = publisher.loan_uninit().expect("iox2 cannot loan a sample");
    let payload = sample.payload_mut().as_mut_ptr().cast::<u8>();
    // SAFETY: the loaned payload is `N` writable bytes (N >= 8), ours until sent.
    unsafe { write_message(payload, N, token, read) };
    // SAFETY: a `[u8; N]` is valid for any bytes. The bytes an `untouched`
    // message leaves unwritten are still initialised: the chunk lies in a
    // shared mapping that the kernel zero-filled when it was created and
    // that has only held bytes written by this publisher since. (The
    // API's `assume_init` contract asks for every byte to be written; this
    // benchmark deliberately does not, as iceoryx2's own benchmarks don't.)
    let sample = unsafe { sample.assume_init() };
    let delivery = sample.send();
    assert_eq!(
        delivery.delivered, receivers,
        "iox2 delivered message {token} to {} of {receivers} subscribers ({} discarded)",
        delivery.delivered, delivery.discarded
    );
}

/// Takes the next sample from `subscriber`: spinning on `receive`, or if
/// `BLOCK` sleeping in `wait(None)` whenever there is none.
#[inline(always)]
fn take<'s, const N: usize, const BLOCK: bool>(subscriber: &'s Sub<N>, what: &str) -> Sample<'s, Linux, Payload<N>> {
    let receive = || {
        subscriber
            .receive()
            .unwrap_or_else(|e| panic!("iox2 cannot receive {what}: {e}"))
    };
    if !BLOCK {
        return spin_until(what, receive);
    }
    loop {
        if let Some(sample) = receive() {
            return sample;
        }
        subscriber
            .wait(None)
            .unwrap_or_else(|e| panic!("iox2 cannot wait for {what}: {e}"));
    }
}

/// The parent's end.
pub struct Iox2Pinger<const N: usize, const BLOCK: bool> {
    publisher: Pub<N>,
    subscriber: Sub<N>,
    _services: (Service<N>, Service<N>),
    _node: Node<Linux>,
    read: bool,
    receivers: u32,
}

impl<const N: usize, const BLOCK: bool> core::fmt::Debug for Iox2Pinger<N, BLOCK> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Iox2Pinger")
            .field("publisher", &self.publisher)
            .finish()
    }
}

impl<const N: usize, const BLOCK: bool> Pinger for Iox2Pinger<N, BLOCK> {
    #[inline]
    fn ping(&mut self, token: u32) {
        send(&self.publisher, token, self.read, self.receivers);
    }

    #[inline]
    fn wait_pong(&mut self) -> u32 {
        let sample = take::<N, BLOCK>(&self.subscriber, "iox2's pong");
        read_message(&sample[..], self.read)
    }
}

/// Receiver 0's end.
pub struct Iox2Ponger<const N: usize, const BLOCK: bool> {
    publisher: Pub<N>,
    subscriber: Sub<N>,
    _services: (Service<N>, Service<N>),
    _node: Node<Linux>,
    read: bool,
}

impl<const N: usize, const BLOCK: bool> core::fmt::Debug for Iox2Ponger<N, BLOCK> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Iox2Ponger")
            .field("subscriber", &self.subscriber)
            .finish()
    }
}

impl<const N: usize, const BLOCK: bool> Ponger for Iox2Ponger<N, BLOCK> {
    #[inline]
    fn echo(&mut self) -> u32 {
        let sample = take::<N, BLOCK>(&self.subscriber, "iox2's ping");
        let token = read_message(&sample[..], self.read);
        send(&self.publisher, token, self.read, 1);
        drop(sample);
        token
    }
}

/// Another receiver's end.
pub struct Iox2Passive<const N: usize> {
    subscriber: Sub<N>,
    _services: (Service<N>, Service<N>),
    _node: Node<Linux>,
    read: bool,
}

impl<const N: usize> core::fmt::Debug for Iox2Passive<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Iox2Passive")
            .field("subscriber", &self.subscriber)
            .finish()
    }
}

impl<const N: usize> Passive for Iox2Passive<N> {
    fn drain(&mut self) -> usize {
        let mut messages = 0;
        while let Some(sample) = self.subscriber.receive().expect("iox2 cannot receive a ping") {
            read_message(&sample[..], self.read);
            messages += 1;
        }
        messages
    }
}

/// Waits until `subscriber` has mapped its service's publisher (and so is
/// attached: the publisher connects it on its next loan).
fn attach<const N: usize>(subscriber: &Sub<N>, what: &str) -> Result<()> {
    wait_until(what, || subscriber.has_publishers())
}

impl<const N: usize, const BLOCK: bool> Transport for Iox2<N, BLOCK> {
    const NAME: &'static str = if BLOCK { BLOCKING_NAME } else { NAME };
    type Pinger = Iox2Pinger<N, BLOCK>;
    type Ponger = Iox2Ponger<N, BLOCK>;
    type Passive = Iox2Passive<N>;

    fn setup(spec: &Spec) -> Result<(Iox2Pinger<N, BLOCK>, Vec<Vec<OwnedFd>>)> {
        assert_eq!(spec.payload, N, "iox2's payload type does not match the case");
        let node = node("iox2-bench-pinger")?;
        let services = services::<N>(&node, spec, true)?;
        let pinger = Iox2Pinger {
            publisher: publisher(&services.0)?,
            subscriber: subscriber(&services.1)?,
            _services: services,
            _node: node,
            read: spec.read,
            receivers: spec.subscribers as u32,
        };
        Ok((pinger, (0..spec.subscribers).map(|_| Vec::new()).collect()))
    }

    fn connect_ponger(spec: &Spec, _: Vec<OwnedFd>) -> Result<Iox2Ponger<N, BLOCK>> {
        let node = node("iox2-bench-ponger")?;
        let services = services::<N>(&node, spec, false)?;
        let subscriber = subscriber(&services.0)?;
        let publisher = publisher(&services.1)?;
        attach(&subscriber, "the ping publisher")?;
        Ok(Iox2Ponger {
            publisher,
            subscriber,
            _services: services,
            _node: node,
            read: spec.read,
        })
    }

    fn connect_passive(spec: &Spec, _: Vec<OwnedFd>) -> Result<Iox2Passive<N>> {
        let node = node("iox2-bench-passive")?;
        let services = services::<N>(&node, spec, false)?;
        let subscriber = subscriber(&services.0)?;
        attach(&subscriber, "the ping publisher")?;
        Ok(Iox2Passive {
            subscriber,
            _services: services,
            _node: node,
            read: spec.read,
        })
    }

    fn finish(pinger: &mut Iox2Pinger<N, BLOCK>) -> Result<()> {
        attach(&pinger.subscriber, "the pong publisher")
    }
}
