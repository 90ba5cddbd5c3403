//! Static publish-subscribe services: the core's segments in a `static`,
//! reserved with exactly the bytes the core's `const fn` layouts compute,
//! all zero (so in `.bss`, not in flash), created on the first claim.
//!
//! ```
//! # use iox2_platform::{Instant, rmw::NativeRmw};
//! # use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};
//! # static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
//! # static NODES: NodeTable<NativeRmw, 1> = NodeTable::new();
//! # struct Board;
//! # impl StaticRamBoard for Board {
//! #     type Rmw = NativeRmw;
//! #     fn regions() -> Regions<'static, NativeRmw> { REGIONS.view() }
//! #     fn nodes() -> Nodes<'static, NativeRmw> { NODES.view() }
//! #     fn now() -> Instant { Instant::from_nanos(0) }
//! # }
//! use iox2_core::payload::ZeroCopySend;
//! use iox2_embedded::error::PortClaimError;
//!
//! #[derive(Debug, Clone, Copy, ZeroCopySend)]
//! #[repr(C)]
//! struct Reading {
//!     sequence: u32,
//!     millivolts: u32,
//! }
//!
//! iox2_embedded::pubsub!(TELEMETRY: Reading, Board, subscribers = 2, buffer = 4);
//!
//! // init: claim the ports (each claim is a typed error once all are taken)
//! let mut publisher = TELEMETRY.publisher().unwrap();
//! let subscriber = TELEMETRY.subscriber().unwrap();
//! assert!(matches!(TELEMETRY.publisher(), Err(PortClaimError::ExceedsMaxPorts { max: 1, .. })));
//!
//! // an interrupt handler that owns `publisher`:
//! publisher.send_copy(Reading { sequence: 1, millivolts: 3300 }).unwrap();
//!
//! // the main loop:
//! let sample = subscriber.receive().unwrap().unwrap();
//! assert_eq!(sample.millivolts, 3300);
//! ```
//!
//! # What the macro emits
//! [`pubsub!`](crate::pubsub!) declares a `static` of type
//! [`StaticPubSub<C, BYTES>`](StaticPubSub): `C` is a configuration type
//! (payload, board, name and settings: [`PubSubConfig`]) in a module of
//! the static's name, and `BYTES` is [`service_bytes::<C>()`](service_bytes),
//! a constant computed at compile time from the core's
//! [`control_layout`] and [`data_layout`] — stable Rust cannot
//! compute an array length from a generic type's constants, a macro at the
//! use site can. [`StaticPubSub::new`] checks with a const assertion that
//! `BYTES` is enough: a static too small for its service does not compile.
//! Settings keys: `publishers`, `subscribers`, `nodes`, `buffer`,
//! `history`, `loans`, `borrows`, `overflow` (a `bool`), defaults in
//! [`FIRMWARE_QOS`].
//!
//! # Memory shared between cores
//! One image for all cores: the static is in `.bss`, zeroed at boot before
//! the second core starts. Several images: put the static in a `NOLOAD`
//! section at the same address in each (`#[link_section = ".shared"]`,
//! attributes go before the name in the macro), and have the one
//! designated core call [`StaticPubSub::reset`] before any other starts.
//!
//! # Handles
//! [`Publisher`] and [`Subscriber`] know the payload type and the board,
//! not the service's size: they are `Send` (hand them to an interrupt
//! handler or keep them in main) and not `Sync`. Dropping one frees its
//! port for a later claim.

mod publisher;
mod subscriber;

pub use iox2_core::pubsub::{Delivery, LoanError, PubSubQos, ReceiveError};
pub use publisher::{Publisher, SampleMut, SampleMutUninit};
pub use subscriber::{Sample, Subscriber};

use crate::error::PortClaimError;
use crate::memory::{EMPTY, Memory, NODE, align_up, content_of, ensure_created, zero_segment};
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering};
use iox2_core::payload::{TypeDescriptor, ZeroCopySend};
use iox2_core::pool::DataLayout;
use iox2_core::pubsub::{Backpressure, Control, PublisherPort, SubscriberPort, control_layout, data_layout};
use iox2_core::segment::Segment;
use iox2_core::service::handshake::{DETACHED, NOT_READY};
use iox2_core::service::{HeaderContent, PortKind, QosError, ServiceName, layout_hash};
use iox2_platform::rmw::Rmw;
use iox2_platform::static_ram::StaticRamBoard;

/// The settings [`pubsub!`](crate::pubsub!) starts from: one publisher, one
/// subscriber, one node, a buffer of 2 samples, no history, one loan, one
/// borrowed sample, safe overflow on. With a payload of 32 bytes that is a
/// pool of 4 chunks.
pub const FIRMWARE_QOS: PubSubQos = PubSubQos {
    max_publishers: 1,
    max_subscribers: 1,
    max_nodes: 1,
    subscriber_buffer: 2,
    history: 0,
    max_loaned: 1,
    max_borrowed: 1,
    safe_overflow: 1,
    max_slice_len: 1,
    send_times: 0,
};

pub use crate::memory::SEGMENT_ALIGN;

/// What a static service is: its payload, its board, its name and its
/// settings. [`pubsub!`](crate::pubsub!) implements it for a type it
/// declares; implement it by hand to name the type yourself.
pub trait PubSubConfig: 'static {
    /// The payload type.
    type Payload: ZeroCopySend;
    /// The board: its `Rmw` backend, wait hooks and clock.
    type Board: StaticRamBoard;
    /// The service's name (stored in its header; `A-Z a-z 0-9 . _ - /`).
    const NAME: &'static str;
    /// The settings.
    const QOS: PubSubQos;
}

/// Where a static service's segments lie, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceFootprint {
    /// The control segment (header, slots, connections, queues).
    pub control: usize,
    /// One publisher's data segment (its pool of chunks).
    pub data: usize,
    /// Offset of the first data segment: `control` rounded up to
    /// [`SEGMENT_ALIGN`].
    pub data_offset: usize,
    /// Bytes from one data segment to the next: `data` rounded up.
    pub data_stride: usize,
    /// All of it: `data_offset + publishers * data_stride`.
    pub total: usize,
}

/// The footprint of a service of `T` with `qos` on `Rmw` backend `R`.
pub const fn service_footprint<T: ZeroCopySend, R: Rmw>(qos: &PubSubQos) -> Result<ServiceFootprint, QosError> {
    if align_of::<T>() > SEGMENT_ALIGN {
        return Err(QosError::TooLarge("the payload's alignment (at most SEGMENT_ALIGN)"));
    }
    let control = match control_layout::<R>(qos) {
        Ok(layout) => layout.len,
        Err(e) => return Err(e),
    };
    let data = match data_layout::<R>(qos, &content_of::<T>()) {
        Ok(layout) => layout.len,
        Err(e) => return Err(e),
    };
    let data_offset = align_up(control);
    let data_stride = align_up(data);
    let total = match data_stride.checked_mul(qos.max_publishers as usize) {
        Some(pools) => match data_offset.checked_add(pools) {
            Some(total) => total,
            None => return Err(QosError::TooLarge("the service")),
        },
        None => return Err(QosError::TooLarge("the service")),
    };
    Ok(ServiceFootprint {
        control,
        data,
        data_offset,
        data_stride,
        total,
    })
}

/// The bytes the static service `C` needs. Fails to compile (in a
/// `const` or a type) for invalid settings.
pub const fn service_bytes<C: PubSubConfig>() -> usize {
    match service_footprint::<C::Payload, <C::Board as StaticRamBoard>::Rmw>(&C::QOS) {
        Ok(footprint) => footprint.total,
        Err(QosError::Zero(_)) => panic!("a pub-sub setting is zero"),
        Err(QosError::HistoryExceedsBuffer { .. }) => panic!("the pub-sub history exceeds the buffer"),
        Err(_) => panic!("a pub-sub setting (or the payload's size or alignment) is too large"),
    }
}

/// A publish-subscribe service `C` in `BYTES` bytes of static memory; all
/// zero until the first claim creates it. Declare it with
/// [`pubsub!`](crate::pubsub!).
#[repr(C)]
pub struct StaticPubSub<C, const BYTES: usize> {
    /// `EMPTY`, `CREATING` or `READY`; moved from `EMPTY` by RMW only.
    state: AtomicU32,
    memory: Memory<BYTES>,
    _config: PhantomData<fn() -> C>,
}

// SAFETY: the memory is reached only through `PubSubRef`, whose users touch
// it with atomics and with payload bytes whose ownership the core's
// protocol hands over (the same contract as memory shared between
// processes); the state word is atomic.
unsafe impl<C, const BYTES: usize> Sync for StaticPubSub<C, BYTES> {}

impl<C: PubSubConfig, const BYTES: usize> StaticPubSub<C, BYTES> {
    /// An empty service: all zero, created on the first claim. Fails to
    /// compile when `BYTES` is less than [`service_bytes::<C>()`](service_bytes).
    pub const fn new() -> Self {
        const {
            assert!(
                BYTES >= service_bytes::<C>(),
                "the static is too small for its service: use service_bytes::<C>() bytes"
            )
        };
        Self {
            state: AtomicU32::new(EMPTY),
            memory: Memory::new(),
            _config: PhantomData,
        }
    }

    /// The service without its size: what handles keep.
    pub fn service(&self) -> PubSubRef<'_, C::Payload, C::Board> {
        PubSubRef {
            state: &self.state,
            base: self.memory.base(),
            len: BYTES,
            name: C::NAME,
            qos: C::QOS,
            _memory: PhantomData,
            _types: PhantomData,
        }
    }

    /// Claims a publisher (creating the service on the first claim).
    pub fn publisher(&self) -> Result<Publisher<'_, C::Payload, C::Board>, PortClaimError> {
        self.service().publisher()
    }

    /// Claims a subscriber (creating the service on the first claim).
    pub fn subscriber(&self) -> Result<Subscriber<'_, C::Payload, C::Board>, PortClaimError> {
        self.service().subscriber()
    }

    /// Bytes of the service's memory.
    pub const fn bytes(&self) -> usize {
        BYTES
    }

    /// Zeroes the service, so that the next claim creates it afresh: for
    /// memory in a `NOLOAD` section (not zeroed at boot), or to recover
    /// after a core that used it was halted or reset (see the crate's
    /// "Recovery" section).
    ///
    /// # Safety
    /// No handle of the service exists — or the handles that exist belong
    /// to a core that is halted and will never use them again — and no
    /// other context (interrupt, core) uses it until this returns.
    pub unsafe fn reset(&self) {
        // SAFETY: the caller's contract.
        unsafe { crate::memory::reset(&self.state, &self.memory) };
    }
}

impl<C: PubSubConfig, const BYTES: usize> Default for StaticPubSub<C, BYTES> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C, const BYTES: usize> core::fmt::Debug for StaticPubSub<C, BYTES> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StaticPubSub")
            .field("bytes", &BYTES)
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// A static publish-subscribe service without its size: payload `T`,
/// board `B`, memory for `'a`.
pub struct PubSubRef<'a, T, B> {
    state: &'a AtomicU32,
    base: NonNull<u8>,
    len: usize,
    name: &'a str,
    qos: PubSubQos,
    _memory: PhantomData<&'a [AtomicU32]>,
    _types: PhantomData<fn() -> (T, B)>,
}

impl<T, B> Clone for PubSubRef<'_, T, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, B> Copy for PubSubRef<'_, T, B> {}

// SAFETY: as for `StaticPubSub`: the memory is touched through atomics and
// handed-over payload bytes only.
unsafe impl<T, B> Send for PubSubRef<'_, T, B> {}
// SAFETY: as for `Send`.
unsafe impl<T, B> Sync for PubSubRef<'_, T, B> {}

impl<T, B> core::fmt::Debug for PubSubRef<'_, T, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PubSubRef")
            .field("name", &self.name)
            .field("len", &self.len)
            .field("qos", &self.qos)
            .finish_non_exhaustive()
    }
}

impl<'a, T: ZeroCopySend, B: StaticRamBoard> PubSubRef<'a, T, B> {
    /// A service in `len` bytes at `memory` that the caller reserved some
    /// other way (a linker symbol, a region of the board's table), with its
    /// state word `state`. [`PortClaimError::RegionTooSmall`] when `len` is
    /// less than the service's footprint.
    ///
    /// # Safety
    /// `memory` is aligned to [`SEGMENT_ALIGN`] and valid for reads and
    /// writes of `len` bytes for `'a`, zeroed (or holding this service) when
    /// `state` is 0; for `'a` it is accessed only through this service.
    pub unsafe fn from_raw(
        state: &'a AtomicU32,
        memory: NonNull<u8>,
        len: usize,
        name: &'a str,
        qos: PubSubQos,
    ) -> Result<Self, PortClaimError> {
        let required = service_footprint::<T, B::Rmw>(&qos).map_err(PortClaimError::Qos)?.total;
        if len < required || !(memory.as_ptr() as usize).is_multiple_of(SEGMENT_ALIGN) {
            return Err(PortClaimError::RegionTooSmall {
                required,
                available: len,
            });
        }
        ServiceName::new(name).map_err(PortClaimError::Name)?;
        Ok(Self {
            state,
            base: memory,
            len,
            name,
            qos,
            _memory: PhantomData,
            _types: PhantomData,
        })
    }

    /// The service's settings.
    pub fn qos(&self) -> &PubSubQos {
        &self.qos
    }

    /// Where the segments lie.
    pub fn footprint(&self) -> Result<ServiceFootprint, PortClaimError> {
        service_footprint::<T, B::Rmw>(&self.qos).map_err(PortClaimError::Qos)
    }

    /// Claims a publisher (creating the service on the first claim).
    ///
    /// [`PortClaimError::ExceedsMaxPorts`] once `publishers` are claimed,
    /// [`PortClaimError::SlotBusy`] while a subscriber may still read the
    /// pool of the slot's previous publisher.
    pub fn publisher(&self) -> Result<Publisher<'a, T, B>, PortClaimError> {
        let control = self.control()?;
        let registry = control.registry();
        let slot = registry
            .claim_port(PortKind::Publisher, NODE)
            .ok_or(PortClaimError::ExceedsMaxPorts {
                kind: PortKind::Publisher,
                max: self.qos.max_publishers,
            })?;
        // The slot's pool is reused in place (a host maps a new region per
        // publisher): no subscriber may still read the previous one. A
        // subscriber that attaches to the old generation after this look
        // re-checks the slot and lets go before it reads (the topology
        // word's RMWs order the two; see `Subscriber::update_publishers`).
        for subscriber in 0..self.qos.max_subscribers {
            // SYNC: Acquire pairs with the subscriber's Release of its attachment.
            let attached = control.sub_attached(subscriber, slot.index).load(Ordering::Acquire);
            if attached != NOT_READY && attached != DETACHED && attached != slot.generation {
                registry.release_port(PortKind::Publisher, slot);
                return Err(PortClaimError::SlotBusy);
            }
        }
        let layout = self.data_layout()?;
        let segment = self.data_segment(slot.index);
        zero_segment(segment);
        let data = iox2_core::pubsub::Data::create(segment, layout, slot.generation).map_err(|e| {
            registry.release_port(PortKind::Publisher, slot);
            PortClaimError::Data(e)
        })?;
        Ok(Publisher::new(PublisherPort::new(
            control,
            data,
            slot,
            Backpressure::Discard,
        )))
    }

    /// Claims a subscriber (creating the service on the first claim);
    /// [`PortClaimError::ExceedsMaxPorts`] once `subscribers` are claimed.
    pub fn subscriber(&self) -> Result<Subscriber<'a, T, B>, PortClaimError> {
        let control = self.control()?;
        let slot =
            control
                .registry()
                .claim_port(PortKind::Subscriber, NODE)
                .ok_or(PortClaimError::ExceedsMaxPorts {
                    kind: PortKind::Subscriber,
                    max: self.qos.max_subscribers,
                })?;
        let layout = self.data_layout()?;
        let port = SubscriberPort::new(control, slot, layout.chunks, 0);
        Ok(Subscriber::new(*self, control, layout, port))
    }

    /// The data segment of publisher slot `slot`.
    pub(crate) fn data_segment(&self, slot: u32) -> Segment<'a> {
        let footprint = self.footprint_unchecked();
        let offset = footprint.data_offset + slot as usize * footprint.data_stride;
        assert!(offset + footprint.data <= self.len, "publisher slot beyond the service");
        // SAFETY: in bounds of the service's memory (checked above), which
        // is valid for 'a; the offset is a multiple of SEGMENT_ALIGN from a
        // SEGMENT_ALIGN-aligned base; accessed atomically (our contract).
        unsafe { Segment::new(self.base.add(offset), footprint.data) }
    }

    /// The data layout (the settings were checked when the ref was made).
    pub(crate) fn data_layout(&self) -> Result<DataLayout, PortClaimError> {
        data_layout::<B::Rmw>(&self.qos, &content_of::<T>()).map_err(PortClaimError::Qos)
    }

    fn footprint_unchecked(&self) -> ServiceFootprint {
        match service_footprint::<T, B::Rmw>(&self.qos) {
            Ok(footprint) => footprint,
            // Checked by `StaticPubSub::new` (at compile time) or `from_raw`.
            Err(_) => panic!("settings were checked"),
        }
    }

    fn control_segment(&self) -> Result<Segment<'a>, PortClaimError> {
        let len = control_layout::<B::Rmw>(&self.qos).map_err(PortClaimError::Qos)?.len;
        // SAFETY: the control segment is the first `len <= self.len` bytes
        // of the memory (the footprint was checked against `self.len`);
        // aligned and accessed atomically as above.
        Ok(unsafe { Segment::new(self.base, len) })
    }

    fn content(&self) -> Result<HeaderContent<'a, PubSubQos>, PortClaimError> {
        let layout = control_layout::<B::Rmw>(&self.qos).map_err(PortClaimError::Qos)?;
        let payload = TypeDescriptor::of::<T>();
        let user_header = TypeDescriptor::of::<()>();
        Ok(HeaderContent {
            name: ServiceName::new(self.name).map_err(PortClaimError::Name)?,
            settings: self.qos,
            payload,
            user_header,
            layout_hash: layout_hash::<B::Rmw, _>(&self.qos, &payload, &user_header, layout.len),
            len: layout.len,
        })
    }

    /// The control segment, created by the first caller, checked by all.
    fn control(&self) -> Result<Control<'a, B::Rmw>, PortClaimError> {
        self.ensure_created()?;
        Control::open(self.control_segment()?, &self.content()?).map_err(PortClaimError::Open)
    }

    /// Creates the service if nobody has (see `crate::memory`).
    fn ensure_created(&self) -> Result<(), PortClaimError> {
        ensure_created::<B::Rmw>(self.state, || self.create())
    }

    fn create(&self) -> Result<(), PortClaimError> {
        let control =
            Control::<B::Rmw>::create(self.control_segment()?, &self.content()?).map_err(PortClaimError::Open)?;
        // A fresh registry always has node slot 0 (`max_nodes >= 1`).
        match control.registry().claim_node(0, 0) {
            Some(node) if node.index == NODE => Ok(()),
            _ => Err(PortClaimError::Qos(QosError::Zero("max_nodes"))),
        }
    }
}

/// Declares a static publish-subscribe service:
/// `pubsub!(NAME: Payload, Board, key = value, ...)`.
///
/// Emits `static NAME: StaticPubSub<NAME::Config, BYTES>` with `BYTES`
/// computed from the core's layouts, and a module `NAME` holding the
/// configuration type. Keys (defaults in [`FIRMWARE_QOS`](crate::pubsub::FIRMWARE_QOS)):
/// `publishers`, `subscribers`, `nodes`, `buffer`, `history`, `loans`,
/// `borrows`, `overflow` (`bool`). Attributes (`#[link_section = ...]`) and
/// a visibility may precede the name.
///
/// ```
/// # use iox2_platform::{Instant, rmw::NativeRmw};
/// # use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};
/// # static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
/// # static NODES: NodeTable<NativeRmw, 1> = NodeTable::new();
/// # struct Board;
/// # impl StaticRamBoard for Board {
/// #     type Rmw = NativeRmw;
/// #     fn regions() -> Regions<'static, NativeRmw> { REGIONS.view() }
/// #     fn nodes() -> Nodes<'static, NativeRmw> { NODES.view() }
/// #     fn now() -> Instant { Instant::from_nanos(0) }
/// # }
/// iox2_embedded::pubsub!(pub SAMPLES: [u32; 8], Board, buffer = 8, overflow = false);
/// assert_eq!(SAMPLES.bytes(), iox2_embedded::pubsub::service_bytes::<SAMPLES::Config>());
/// ```
///
/// A static too small for its service does not compile:
/// ```compile_fail
/// # use iox2_platform::{Instant, rmw::NativeRmw};
/// # use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};
/// # static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
/// # static NODES: NodeTable<NativeRmw, 1> = NodeTable::new();
/// # struct Board;
/// # impl StaticRamBoard for Board {
/// #     type Rmw = NativeRmw;
/// #     fn regions() -> Regions<'static, NativeRmw> { REGIONS.view() }
/// #     fn nodes() -> Nodes<'static, NativeRmw> { NODES.view() }
/// #     fn now() -> Instant { Instant::from_nanos(0) }
/// # }
/// # use iox2_embedded::pubsub::*;
/// struct Tiny;
/// impl PubSubConfig for Tiny {
///     type Payload = u32;
///     type Board = Board;
///     const NAME: &'static str = "tiny";
///     const QOS: PubSubQos = FIRMWARE_QOS;
/// }
/// static TINY: StaticPubSub<Tiny, 64> = StaticPubSub::new();
/// # let _ = TINY.publisher();
/// ```
#[macro_export]
macro_rules! pubsub {
    ($(#[$attr:meta])* $vis:vis $name:ident : $payload:ty, $board:ty $(, $key:ident = $value:expr)* $(,)?) => {
        #[doc = concat!("The configuration of the static service [`", stringify!($name), "`].")]
        #[allow(non_snake_case)]
        $vis mod $name {
            #[doc = concat!("Payload, board, name and settings of [`", stringify!($name), "`](static@super::", stringify!($name), ").")]
            #[derive(Debug)]
            pub(super) struct Config;
        }

        impl $crate::pubsub::PubSubConfig for $name::Config {
            type Payload = $payload;
            type Board = $board;
            const NAME: &'static str = stringify!($name);
            const QOS: $crate::pubsub::PubSubQos = {
                #[allow(unused_mut)]
                let mut qos = $crate::pubsub::FIRMWARE_QOS;
                $( $crate::__pubsub_setting!(qos, $key = $value); )*
                qos
            };
        }

        $(#[$attr])*
        #[allow(private_interfaces)]
        $vis static $name: $crate::pubsub::StaticPubSub<
            $name::Config,
            { $crate::pubsub::service_bytes::<$name::Config>() },
        > = $crate::pubsub::StaticPubSub::new();
    };
}

/// One setting of [`pubsub!`]: maps a key to its `PubSubQos` field.
#[doc(hidden)]
#[macro_export]
macro_rules! __pubsub_setting {
    ($qos:ident, publishers = $v:expr) => {
        $qos.max_publishers = $v;
    };
    ($qos:ident, subscribers = $v:expr) => {
        $qos.max_subscribers = $v;
    };
    ($qos:ident, nodes = $v:expr) => {
        $qos.max_nodes = $v;
    };
    ($qos:ident, buffer = $v:expr) => {
        $qos.subscriber_buffer = $v;
    };
    ($qos:ident, history = $v:expr) => {
        $qos.history = $v;
    };
    ($qos:ident, loans = $v:expr) => {
        $qos.max_loaned = $v;
    };
    ($qos:ident, borrows = $v:expr) => {
        $qos.max_borrowed = $v;
    };
    ($qos:ident, overflow = $v:expr) => {
        $qos.safe_overflow = $v as u32;
    };
    ($qos:ident, $other:ident = $v:expr) => {
        compile_error!(concat!(
            "unknown pub-sub setting `",
            stringify!($other),
            "` (publishers, subscribers, nodes, buffer, history, loans, borrows, overflow)"
        ));
    };
}

#[cfg(test)]
mod tests;
