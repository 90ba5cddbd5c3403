//! Static blackboards: a key-value store with keys fixed at compile time,
//! one [`Writer`] and up to `readers` [`Reader`]s, in a `static` reserved
//! with exactly the bytes the core's `const fn` layout computes, all zero
//! (so in `.bss`), created (keys and defaults written) on the first claim.
//!
//! Each value is the core's triple buffer (DESIGN.md "Blackboard"): a write
//! is wait-free, a read copies the published buffer and re-checks it, at
//! most [`READ_TRIES`](iox2_core::blackboard::READ_TRIES) times, and never
//! waits for the writer — a reader in an interrupt that preempted the
//! writer, or on a core whose writer was halted mid-write, reads the last
//! complete value at once. No torn value ever leaves a read.
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
//! const SPEED: u32 = 0;
//! const POSE: u32 = 1;
//!
//! // Keys are u32s; two readers; each key with its value type and default.
//! iox2_embedded::blackboard!(STATE: u32, Board, readers = 2;
//!     SPEED => u32 = 0,
//!     POSE => [i32; 3] = [0, 0, 0],
//! );
//!
//! let writer = STATE.writer().unwrap();
//! let reader = STATE.reader().unwrap();
//! let pose = writer.entry::<[i32; 3]>(POSE).unwrap();
//! let seen = reader.entry::<[i32; 3]>(POSE).unwrap();
//! assert_eq!(seen.get(), [0, 0, 0]);
//! pose.update_with_copy([10, -4, 90]); // an interrupt handler, typically
//! assert_eq!(seen.get(), [10, -4, 90]);
//! assert!(reader.entry::<u64>(SPEED).is_err()); // the value type is checked
//! ```
//!
//! # What the macro emits
//! [`blackboard!`](crate::blackboard!) declares a `static` of type
//! [`StaticBlackboard<C, BYTES>`](StaticBlackboard): `C` is a configuration
//! type (key type, board, name, settings and the entries:
//! [`BlackboardConfig`]) in a module of the static's name, and `BYTES` is
//! [`blackboard_bytes::<C>()`](blackboard_bytes), computed at compile time
//! from the core's [`blackboard_layout`]. The entry count and the arena
//! size follow from the entries listed. Settings keys: `readers`, `nodes`
//! (defaults in [`FIRMWARE_BLACKBOARD_QOS`]).
//!
//! # Handles
//! [`Writer`] and [`Reader`] are `Send`, not `Sync`; their entry handles
//! borrow them and stay in their context. Dropping one frees its port.

use crate::error::PortClaimError;
use crate::memory::{EMPTY, Memory, NODE, ensure_created};
use core::cell::Cell;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU32, Ordering};
use iox2_core::blackboard::{
    BlackboardControl, BlackboardInit, Entry, EntryError, EntryReadError, EntryValue, WriterPort, blackboard_layout,
    region_len,
};
use iox2_core::event::EventId;
use iox2_core::payload::{TypeDescriptor, ZeroCopySend};
use iox2_core::segment::Segment;
use iox2_core::service::{HeaderContent, PortKind, QosError, ServiceName, SlotId, layout_hash};
use iox2_platform::rmw::Rmw;
use iox2_platform::static_ram::StaticRamBoard;

pub use iox2_core::blackboard::BlackboardQos;

/// The settings [`blackboard!`](crate::blackboard!) starts from: one
/// reader, one node. The macro sets `entries` and `arena_len` from the
/// entries it is given.
pub const FIRMWARE_BLACKBOARD_QOS: BlackboardQos = BlackboardQos {
    max_readers: 1,
    max_nodes: 1,
    entries: 0,
    arena_len: 0,
};

/// What a static blackboard is: its key type, board, name, settings and
/// entries. [`blackboard!`](crate::blackboard!) implements it for a type
/// it declares.
pub trait BlackboardConfig: 'static {
    /// The key type (the service's payload type).
    type Key: ZeroCopySend + Copy + Eq;
    /// The board: its `Rmw` backend, wait hooks and clock.
    type Board: StaticRamBoard;
    /// The service's name (stored in its header; `A-Z a-z 0-9 . _ - /`).
    const NAME: &'static str;
    /// The settings, `entries` and `arena_len` included.
    const QOS: BlackboardQos;

    /// Adds every entry, in order, with its default value (called once,
    /// by the service's creator).
    fn add_entries<R: Rmw>(init: &mut BlackboardInit<'_, '_, R, Self::Key>) -> Result<(), QosError>;
}

/// Bytes of the arena region of a value of `V`, as a `u32` (what
/// [`BlackboardQos::arena_len`] adds up). Fails to compile for a value
/// too large for a blackboard.
pub const fn value_region<V: EntryValue>() -> u32 {
    let len = region_len(size_of::<V>() as u32);
    assert!(len <= u32::MAX as u64, "a blackboard value is too large");
    len as u32
}

/// The bytes the static blackboard `C` needs. Fails to compile for invalid
/// settings.
pub const fn blackboard_bytes<C: BlackboardConfig>() -> usize {
    match blackboard_layout(&C::QOS, size_of::<C::Key>() as u32) {
        Ok(layout) => layout.len,
        Err(QosError::Zero(_)) => panic!("a blackboard setting is zero (it needs at least one entry)"),
        Err(_) => panic!("a blackboard setting (or the key's size) is too large"),
    }
}

/// A blackboard `C` in `BYTES` bytes of static memory; all zero until the
/// first claim creates it. Declare it with [`blackboard!`](crate::blackboard!).
#[repr(C)]
pub struct StaticBlackboard<C, const BYTES: usize> {
    /// `EMPTY`, `CREATING` or `READY` (`crate::memory`).
    state: AtomicU32,
    memory: Memory<BYTES>,
    _config: PhantomData<fn() -> C>,
}

// SAFETY: the memory is touched only through the core's blackboard, which
// uses atomics for every word after creation (keys and the table are
// written once, before READY, by the one creator the state word picks);
// the state word is atomic.
unsafe impl<C, const BYTES: usize> Sync for StaticBlackboard<C, BYTES> {}

impl<C: BlackboardConfig, const BYTES: usize> StaticBlackboard<C, BYTES> {
    /// An empty blackboard: all zero, created on the first claim. Fails to
    /// compile when `BYTES` is less than [`blackboard_bytes::<C>()`](blackboard_bytes).
    pub const fn new() -> Self {
        const {
            assert!(
                BYTES >= blackboard_bytes::<C>(),
                "the static is too small for its blackboard: use blackboard_bytes::<C>() bytes"
            )
        };
        Self {
            state: AtomicU32::new(EMPTY),
            memory: Memory::new(),
            _config: PhantomData,
        }
    }

    /// Claims the one writer (creating the blackboard on the first claim);
    /// [`PortClaimError::ExceedsMaxPorts`] while another writer exists.
    pub fn writer(&self) -> Result<Writer<'_, C::Key, C::Board>, PortClaimError> {
        let port = WriterPort::claim(self.control()?, NODE).ok_or(PortClaimError::ExceedsMaxPorts {
            kind: PortKind::Writer,
            max: 1,
        })?;
        Ok(Writer {
            port: Some(port),
            _board: PhantomData,
        })
    }

    /// Claims a reader (creating the blackboard on the first claim);
    /// [`PortClaimError::ExceedsMaxPorts`] once `readers` are claimed.
    pub fn reader(&self) -> Result<Reader<'_, C::Key, C::Board>, PortClaimError> {
        let control = self.control()?;
        let slot = control
            .registry()
            .claim_port(PortKind::Reader, NODE)
            .ok_or(PortClaimError::ExceedsMaxPorts {
                kind: PortKind::Reader,
                max: C::QOS.max_readers,
            })?;
        Ok(Reader {
            control,
            slot,
            _board: PhantomData,
            _not_sync: PhantomData,
        })
    }

    /// Bytes of the blackboard's memory.
    pub const fn bytes(&self) -> usize {
        BYTES
    }

    /// Zeroes the blackboard, so that the next claim creates it afresh
    /// with its defaults: for memory in a `NOLOAD` section, or to recover
    /// after a core that used it was halted or reset (see the crate's
    /// "Recovery" section; a blackboard rarely needs it: a halted writer
    /// leaves its last complete values published).
    ///
    /// # Safety
    /// No handle of the blackboard exists — or those that exist belong to
    /// a core that is halted and will never use them again — and no other
    /// context uses it until this returns.
    pub unsafe fn reset(&self) {
        // SAFETY: the caller's contract.
        unsafe { crate::memory::reset(&self.state, &self.memory) };
    }

    fn segment(&self) -> Segment<'_> {
        // SAFETY: the static's own BYTES bytes, aligned to SEGMENT_ALIGN
        // (`Memory`), valid for as long as `self`; after creation every
        // access goes through the core's blackboard (atomics), and keys
        // are written only by the creator before READY.
        unsafe { Segment::new(self.memory.base(), BYTES) }
    }

    /// The header: the key type as the payload, no user header.
    fn content(&self) -> Result<HeaderContent<'static, BlackboardQos>, PortClaimError> {
        let layout = blackboard_layout(&C::QOS, size_of::<C::Key>() as u32).map_err(PortClaimError::Qos)?;
        let (key, none) = (TypeDescriptor::of::<C::Key>(), TypeDescriptor::of::<()>());
        Ok(HeaderContent {
            name: ServiceName::new(C::NAME).map_err(PortClaimError::Name)?,
            settings: C::QOS,
            payload: key,
            user_header: none,
            layout_hash: layout_hash::<<C::Board as StaticRamBoard>::Rmw, _>(&C::QOS, &key, &none, layout.len),
            len: layout.len,
        })
    }

    /// The control segment, created by the first caller, checked by all
    /// (the header, then the whole table of entries).
    fn control(&self) -> Result<BlackboardControl<'_, <C::Board as StaticRamBoard>::Rmw, C::Key>, PortClaimError> {
        ensure_created::<<C::Board as StaticRamBoard>::Rmw>(&self.state, || self.create())?;
        let control = BlackboardControl::open(self.segment(), &self.content()?).map_err(PortClaimError::Open)?;
        control.check_entries().map_err(PortClaimError::Entries)?;
        Ok(control)
    }

    fn create(&self) -> Result<(), PortClaimError> {
        let content = self.content()?;
        let mut init = BlackboardControl::<<C::Board as StaticRamBoard>::Rmw, C::Key>::create(self.segment(), &content)
            .map_err(PortClaimError::Open)?;
        C::add_entries(&mut init).map_err(PortClaimError::Qos)?;
        let control = init.finish().map_err(PortClaimError::Qos)?;
        // A fresh registry always has node slot 0 (`max_nodes >= 1`).
        match control.registry().claim_node(0, 0) {
            Some(node) if node.index == NODE => Ok(()),
            _ => Err(PortClaimError::Qos(QosError::Zero("max_nodes"))),
        }
    }
}

impl<C: BlackboardConfig, const BYTES: usize> Default for StaticBlackboard<C, BYTES> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C, const BYTES: usize> core::fmt::Debug for StaticBlackboard<C, BYTES> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StaticBlackboard")
            .field("bytes", &BYTES)
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// The writer of a blackboard with keys `K` on board `B`: `Send`, not
/// `Sync` (one context writes, INV-ONEWRITER); dropping it frees the
/// writer slot.
pub struct Writer<'a, K, B: StaticRamBoard> {
    /// `None` only while dropping.
    port: Option<WriterPort<'a, B::Rmw, K>>,
    _board: PhantomData<fn() -> B>,
}

impl<'a, K: ZeroCopySend + Copy + Eq, B: StaticRamBoard> Writer<'a, K, B> {
    /// The handle to write `key`'s value, of type `V`:
    /// [`EntryError::UnknownKey`] if the blackboard has no such key,
    /// [`EntryError::WrongType`] if its value has another type.
    pub fn entry<V: EntryValue>(&self, key: K) -> Result<WriterEntry<'_, 'a, K, V>, EntryError> {
        let Some(port) = self.port.as_ref() else {
            // Only `drop` takes the port.
            return Err(EntryError::UnknownKey);
        };
        Ok(WriterEntry {
            entry: port.entry::<V>(&key)?,
            key,
        })
    }
}

impl<K, B: StaticRamBoard> Drop for Writer<'_, K, B> {
    fn drop(&mut self) {
        if let Some(port) = self.port.take() {
            port.leave();
        }
    }
}

impl<K, B: StaticRamBoard> core::fmt::Debug for Writer<'_, K, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Writer")
            .field("slot", &self.port.as_ref().map(WriterPort::slot))
            .finish()
    }
}

/// Writes one key's value. Borrows its [`Writer`]: neither `Send` nor
/// `Sync`.
pub struct WriterEntry<'w, 'a, K, V> {
    entry: iox2_core::blackboard::WriterEntry<'w, 'a, V>,
    key: K,
}

impl<K: Copy, V: EntryValue> WriterEntry<'_, '_, K, V> {
    /// Writes `value` and publishes it: readers see it from their next
    /// read on. Wait-free: never waits for a reader.
    pub fn update_with_copy(&self, value: V) {
        self.entry.update(&value);
    }

    /// The key.
    pub fn key(&self) -> K {
        self.key
    }

    /// The key's event id (its position among the keys): notify it on an
    /// [`Event`](crate::event::Event) after an update so that readers learn
    /// of the change.
    pub fn entry_id(&self) -> EventId {
        self.entry.entry().event_id()
    }
}

impl<K: core::fmt::Debug, V> core::fmt::Debug for WriterEntry<'_, '_, K, V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WriterEntry").field("key", &self.key).finish()
    }
}

/// A reader of a blackboard with keys `K` on board `B`: `Send`, not
/// `Sync`; dropping it frees its reader slot.
pub struct Reader<'a, K, B: StaticRamBoard> {
    control: BlackboardControl<'a, B::Rmw, K>,
    slot: SlotId,
    _board: PhantomData<fn() -> B>,
    _not_sync: PhantomData<Cell<()>>,
}

impl<'a, K: ZeroCopySend + Copy + Eq, B: StaticRamBoard> Reader<'a, K, B> {
    /// The handle to read `key`'s value, of type `V`:
    /// [`EntryError::UnknownKey`] if the blackboard has no such key,
    /// [`EntryError::WrongType`] if its value has another type.
    pub fn entry<V: EntryValue>(&self, key: K) -> Result<ReaderEntry<'_, 'a, K, V>, EntryError> {
        let entry = self.control.entry::<V>(&key)?;
        // The handle starts with the published value, or with the default
        // if the writer overtook every try (the default is always whole).
        let first = entry.read().unwrap_or_else(|_| entry.read_default());
        Ok(ReaderEntry {
            entry,
            last: Cell::new(first),
            key,
            _reader: PhantomData,
        })
    }
}

impl<K, B: StaticRamBoard> Drop for Reader<'_, K, B> {
    fn drop(&mut self) {
        self.control.registry().release_port(PortKind::Reader, self.slot);
    }
}

impl<K, B: StaticRamBoard> core::fmt::Debug for Reader<'_, K, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Reader").field("slot", &self.slot).finish()
    }
}

/// Reads one key's value, keeping the last good one for when the writer
/// overtakes every try of a read. Borrows its [`Reader`]; not `Sync`.
pub struct ReaderEntry<'r, 'a, K, V> {
    entry: Entry<'a, V>,
    last: Cell<V>,
    key: K,
    _reader: PhantomData<&'r ()>,
}

impl<K: Copy, V: EntryValue> ReaderEntry<'_, '_, K, V> {
    /// The value: the published one, or — if the writer overtook each of
    /// the read's tries — the last one this handle read. Never torn; never
    /// waits for the writer (bounded: wait-free).
    pub fn get(&self) -> V {
        self.try_get().unwrap_or_else(|_| self.last.get())
    }

    /// The published value, or why none was read: the writer overtook
    /// every try ([`EntryReadError::Busy`]), or the entry's words are
    /// corrupted. A value read becomes the handle's last good one.
    pub fn try_get(&self) -> Result<V, EntryReadError> {
        let value = self.entry.read()?;
        self.last.set(value);
        Ok(value)
    }

    /// The value the key was created with.
    pub fn default_value(&self) -> V {
        self.entry.read_default()
    }

    /// The key.
    pub fn key(&self) -> K {
        self.key
    }

    /// The key's event id (its position among the keys).
    pub fn entry_id(&self) -> EventId {
        self.entry.event_id()
    }

    /// Whether a write is under way, or was abandoned by a writer whose
    /// core was halted mid-write (until the next writer's next update).
    /// Diagnostics: [`ReaderEntry::get`] never needs it.
    pub fn write_in_progress(&self) -> bool {
        self.entry.write_in_progress()
    }
}

impl<K: core::fmt::Debug, V> core::fmt::Debug for ReaderEntry<'_, '_, K, V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReaderEntry").field("key", &self.key).finish()
    }
}

/// Declares a static blackboard:
/// `blackboard!(NAME: Key, Board, key = value, ...; KEY => Type = default, ...)`.
///
/// Emits `static NAME: StaticBlackboard<NAME::Config, BYTES>` with `BYTES`
/// computed from the core's layout, and a module `NAME` holding the
/// configuration type. Settings (defaults in
/// [`FIRMWARE_BLACKBOARD_QOS`](crate::blackboard::FIRMWARE_BLACKBOARD_QOS)):
/// `readers`, `nodes`. After the `;`, every entry: its key (an expression
/// of the key type, distinct from the others), its value type (an
/// [`EntryValue`](iox2_core::blackboard::EntryValue)) and its default.
/// Attributes and a visibility may precede the name.
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
/// use iox2_embedded::blackboard::{BlackboardConfig, blackboard_bytes};
///
/// iox2_embedded::blackboard!(pub LIMITS: u8, Board; 1 => u16 = 3300, 2 => u16 = 2900);
/// assert_eq!(LIMITS::Config::QOS.entries, 2);
/// assert_eq!(LIMITS.bytes(), blackboard_bytes::<LIMITS::Config>());
/// ```
#[macro_export]
macro_rules! blackboard {
    ($(#[$attr:meta])* $vis:vis $name:ident : $key:ty, $board:ty $(, $setting:ident = $value:expr)* ;
     $($entry:expr => $ty:ty = $default:expr),+ $(,)?) => {
        #[doc = concat!("The configuration of the static blackboard [`", stringify!($name), "`].")]
        #[allow(non_snake_case)]
        $vis mod $name {
            #[doc = concat!("Keys, board, name, settings and entries of [`", stringify!($name), "`](static@super::", stringify!($name), ").")]
            #[derive(Debug)]
            pub(super) struct Config;
        }

        impl $crate::blackboard::BlackboardConfig for $name::Config {
            type Key = $key;
            type Board = $board;
            const NAME: &'static str = stringify!($name);
            const QOS: $crate::blackboard::BlackboardQos = {
                #[allow(unused_mut)]
                let mut qos = $crate::blackboard::FIRMWARE_BLACKBOARD_QOS;
                $( $crate::__blackboard_setting!(qos, $setting = $value); )*
                qos.entries = [$(stringify!($ty)),+].len() as u32;
                qos.arena_len = 0 $( + $crate::blackboard::value_region::<$ty>() )+;
                qos
            };

            fn add_entries<R: $crate::platform::rmw::Rmw>(
                init: &mut $crate::core::blackboard::BlackboardInit<'_, '_, R, $key>,
            ) -> ::core::result::Result<(), $crate::core::service::QosError> {
                $( init.add::<$ty>($entry, &$default)?; )+
                ::core::result::Result::Ok(())
            }
        }

        $(#[$attr])*
        #[allow(private_interfaces)]
        $vis static $name: $crate::blackboard::StaticBlackboard<
            $name::Config,
            { $crate::blackboard::blackboard_bytes::<$name::Config>() },
        > = $crate::blackboard::StaticBlackboard::new();
    };
}

/// One setting of [`blackboard!`]: maps a key to its `BlackboardQos` field.
#[doc(hidden)]
#[macro_export]
macro_rules! __blackboard_setting {
    ($qos:ident, readers = $v:expr) => {
        $qos.max_readers = $v;
    };
    ($qos:ident, nodes = $v:expr) => {
        $qos.max_nodes = $v;
    };
    ($qos:ident, $other:ident = $v:expr) => {
        compile_error!(concat!(
            "unknown blackboard setting `",
            stringify!($other),
            "` (readers, nodes)"
        ));
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_board::Board;

    const SPEED: u32 = 7;
    const POSE: u32 = 9;

    /// A value whose words must always agree: a torn read shows.
    type Pose = [u32; 6];

    fn pose(n: u32) -> Pose {
        [
            n,
            !n,
            n.wrapping_mul(3),
            n ^ 0x5555_5555,
            n.rotate_left(7),
            n.wrapping_add(11),
        ]
    }

    fn is_whole(p: &Pose) -> bool {
        *p == pose(p[0])
    }

    #[test]
    fn the_static_is_exactly_as_large_as_the_layout_and_keys_are_checked() {
        crate::blackboard!(BOARD: u32, Board, readers = 2; SPEED => u32 = 5, POSE => Pose = pose(0));
        assert_eq!(BOARD::Config::QOS.entries, 2);
        assert_eq!(
            BOARD::Config::QOS.arena_len,
            value_region::<u32>() + value_region::<Pose>()
        );
        assert_eq!(BOARD.bytes(), blackboard_layout(&BOARD::Config::QOS, 4).unwrap().len);
        let writer = BOARD.writer().unwrap();
        let reader = BOARD.reader().unwrap();
        let _second = BOARD.reader().unwrap();
        assert_eq!(
            BOARD.reader().unwrap_err(),
            PortClaimError::ExceedsMaxPorts {
                kind: PortKind::Reader,
                max: 2
            }
        );
        assert_eq!(
            BOARD.writer().unwrap_err(),
            PortClaimError::ExceedsMaxPorts {
                kind: PortKind::Writer,
                max: 1
            }
        );
        assert_eq!(reader.entry::<u32>(3).unwrap_err(), EntryError::UnknownKey);
        assert!(matches!(reader.entry::<u64>(SPEED), Err(EntryError::WrongType(_))));
        assert!(matches!(writer.entry::<Pose>(SPEED), Err(EntryError::WrongType(_))));
        let speed = reader.entry::<u32>(SPEED).unwrap();
        assert_eq!((speed.get(), speed.default_value(), speed.key()), (5, 5, SPEED));
        assert_eq!(speed.entry_id().as_value(), 0);
        writer.entry::<u32>(SPEED).unwrap().update_with_copy(40);
        assert_eq!(speed.get(), 40);
        assert_eq!(reader.entry::<Pose>(POSE).unwrap().get(), pose(0));
        drop(writer);
        assert!(BOARD.writer().is_ok(), "the slot is free again");
    }

    #[test]
    fn readers_on_other_threads_never_see_a_torn_or_older_value() {
        crate::blackboard!(BOARD: u32, Board, readers = 2; POSE => Pose = pose(0));
        const WRITES: u32 = if cfg!(miri) { 200 } else { 200_000 };
        let writer = BOARD.writer().unwrap();
        let readers: std::vec::Vec<_> = (0..2)
            .map(|_| {
                let reader = BOARD.reader().unwrap();
                std::thread::spawn(move || {
                    let entry = reader.entry::<Pose>(POSE).unwrap();
                    let (mut last, mut reads) = (0, 0u32);
                    while last < WRITES {
                        let value = entry.get();
                        assert!(is_whole(&value), "torn: {value:?}");
                        assert!(value[0] >= last, "went back from {last} to {}", value[0]);
                        last = value[0];
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        let entry = writer.entry::<Pose>(POSE).unwrap();
        for n in 1..=WRITES {
            entry.update_with_copy(pose(n));
        }
        for reader in readers {
            assert!(reader.join().unwrap() > 0);
        }
    }

    #[test]
    fn a_blackboard_reset_starts_again_from_its_defaults() {
        crate::blackboard!(BOARD: u32, Board; SPEED => u32 = 5);
        let writer = BOARD.writer().unwrap();
        writer.entry::<u32>(SPEED).unwrap().update_with_copy(6);
        drop(writer);
        // SAFETY: no handle exists and no other thread uses the blackboard.
        unsafe { BOARD.reset() };
        let reader = BOARD.reader().unwrap();
        assert_eq!(reader.entry::<u32>(SPEED).unwrap().get(), 5);
    }
}
