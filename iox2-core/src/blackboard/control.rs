//! A blackboard service's control segment (its only segment): the header,
//! the registry of nodes, the writer and the readers, the keys, the table
//! of entries, and one [`TripleBufferView`] per entry in the arena.
//!
//! The creator writes everything, keys and defaults included, then READY
//! last (INV-READYLAST); keys and the table are never written again. An
//! opener checks the header, then the whole table against what a creator
//! writes ([`BlackboardControl::check_entries`]); every lookup checks its
//! entry again before it touches the arena (INV-DISTRUST), so a table a
//! peer corrupted later gives a typed error, never a panic.

use super::buffer::TripleBufferView;
use super::error::{CorruptedEntry, EntryError, EntryProblem, EntryReadError};
use super::layout::{
    BlackboardLayout, DESCRIPTOR_WORDS, ENTRY_RECORD, EVENT_WORD, OFFSET_WORD, SIZE_WORD, blackboard_layout,
    region_len, stride,
};
use super::qos::BlackboardQos;
use super::value::EntryValue;
use crate::event::EventId;
use crate::payload::{TypeDescriptor, TypeKind, ZeroCopySend};
use crate::segment::Segment;
use crate::service::{Header, HeaderContent, PortKind, QosError, Registry, ServiceOpenError, SlotId};
use crate::sync::{AtomicU32, CACHE_LINE, Ordering};
use core::cell::Cell;
use core::marker::PhantomData;
use iox2_platform::rmw::Rmw;

/// A checked table record.
#[derive(Debug, Clone, Copy)]
struct Record {
    descriptor: TypeDescriptor,
    offset: u32,
    size: u32,
}

/// The control segment of a blackboard whose keys are `K`s.
#[derive(Debug)]
pub struct BlackboardControl<'a, R, K> {
    segment: Segment<'a>,
    qos: BlackboardQos,
    layout: BlackboardLayout,
    _marker: PhantomData<fn() -> (R, K)>,
}

// Manual impls: a derive would demand `R: Clone` and `K: Clone`, but both
// are only markers here.
impl<R, K> Clone for BlackboardControl<'_, R, K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R, K> Copy for BlackboardControl<'_, R, K> {}

impl<'a, R: Rmw, K> BlackboardControl<'a, R, K> {
    /// The header.
    pub fn header(&self) -> Header<'a> {
        Header::new(self.segment)
    }

    /// The service's settings.
    pub fn qos(&self) -> &BlackboardQos {
        &self.qos
    }

    /// The layout.
    pub fn layout(&self) -> &BlackboardLayout {
        &self.layout
    }

    /// The node, writer and reader slots.
    pub fn registry(&self) -> Registry<'a, R> {
        Registry::new(self.segment, self.layout.registry)
    }

    /// The number of keys.
    pub fn entries(&self) -> u32 {
        self.qos.entries
    }
}

impl<'a, R: Rmw, K: ZeroCopySend + Copy + Eq> BlackboardControl<'a, R, K> {
    /// The control of `segment` laid out for `qos`, if the segment is long
    /// enough.
    fn with(segment: Segment<'a>, qos: BlackboardQos) -> Result<Self, ServiceOpenError> {
        let layout = blackboard_layout(&qos, size_of::<K>() as u32).map_err(ServiceOpenError::CorruptedQos)?;
        if segment.len() < layout.len {
            return Err(ServiceOpenError::TooShort {
                required: layout.len,
                available: segment.len(),
            });
        }
        Ok(Self {
            segment,
            qos,
            layout,
            _marker: PhantomData,
        })
    }

    /// Starts writing a new blackboard into a fresh, zero-filled `segment`
    /// of at least `content.len` bytes, whose payload type is the key type
    /// `K`: add every entry ([`BlackboardInit::add`]), then
    /// [`BlackboardInit::finish`] stores READY.
    pub fn create<'c>(
        segment: Segment<'a>,
        content: &'c HeaderContent<'c, BlackboardQos>,
    ) -> Result<BlackboardInit<'a, 'c, R, K>, ServiceOpenError> {
        content
            .payload
            .check(&TypeDescriptor::of::<K>())
            .map_err(ServiceOpenError::Payload)?;
        Ok(BlackboardInit {
            control: Self::with(segment, content.settings)?,
            content,
            added: 0,
            used: 0,
        })
    }

    /// Opens the blackboard in `segment`, checking its header against
    /// `expected` (whose payload type must be `K`). The table is checked by
    /// [`BlackboardControl::check_entries`].
    pub fn open(segment: Segment<'a>, expected: &HeaderContent<'_, BlackboardQos>) -> Result<Self, ServiceOpenError> {
        expected
            .payload
            .check(&TypeDescriptor::of::<K>())
            .map_err(ServiceOpenError::Payload)?;
        Header::new(segment).check(expected)?;
        Self::with(segment, expected.settings)
    }

    /// The key of entry `index`.
    ///
    /// # Panics
    /// If `index` is not below [`BlackboardControl::entries`].
    pub fn key(&self, index: u32) -> K {
        assert!(index < self.qos.entries, "entry index out of range");
        let size = self.layout.key_size;
        let ptr = self.segment.at(self.layout.keys + index as usize * size, size);
        // SAFETY: `size` is `size_of::<K>()` (the layout was computed from
        // it) and `at` checked the bytes lie in the segment; the creator
        // wrote them as a `K` before READY, which happens-before this read
        // (the opener's Acquire of the state), and nobody writes them
        // again, so the read races with nothing. They are a valid `K` by
        // the key type's contract (INV-DISTRUST: payload bytes are the
        // type's promise). Unaligned: keys are packed.
        unsafe { ptr.as_ptr().cast::<K>().read_unaligned() }
    }

    /// The keys, in the order they were added.
    pub fn keys(&self) -> impl Iterator<Item = K> + 'a
    where
        R: 'a,
        K: 'a,
    {
        let this = *self;
        (0..self.qos.entries).map(move |index| this.key(index))
    }

    /// The index of `key`'s entry, if the blackboard has that key.
    pub fn find(&self, key: &K) -> Option<u32> {
        (0..self.qos.entries).find(|&index| self.key(index) == *key)
    }

    /// Word `word` of entry `index`'s table record.
    fn record_word(&self, index: u32, word: usize) -> &'a AtomicU32 {
        self.segment
            .word(self.layout.table + index as usize * ENTRY_RECORD + 4 * word)
    }

    /// Where the creator puts entry `index`'s region: after the regions
    /// of the entries before it, as their stored sizes say.
    fn expected_offset(&self, index: u32) -> u64 {
        (0..index)
            .map(|before| region_len(self.record_word(before, SIZE_WORD).load(Ordering::Relaxed)))
            .sum()
    }

    /// Entry `index`'s record, checked: a descriptor iox2 writes, of a
    /// fixed-size type, with the size stored beside it, a region inside the
    /// arena right after the previous entries' (`expected`, from
    /// [`Self::expected_offset`]), and the entry's own event id.
    fn record(&self, index: u32, expected: u64) -> Result<Record, CorruptedEntry> {
        let corrupted = |problem| CorruptedEntry { index, problem };
        let mut bytes = [0u8; TypeDescriptor::ENCODED_LEN];
        for (i, chunk) in bytes.chunks_exact_mut(4).enumerate() {
            let word = self.record_word(index, i).load(Ordering::Relaxed);
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        let descriptor = TypeDescriptor::from_bytes(&bytes).ok_or(corrupted(EntryProblem::Descriptor))?;
        if descriptor.kind() != Some(TypeKind::Fixed) {
            return Err(corrupted(EntryProblem::NotFixed));
        }
        let size = self.record_word(index, SIZE_WORD).load(Ordering::Relaxed);
        if size != descriptor.size() {
            return Err(corrupted(EntryProblem::Size {
                stored: size,
                described: descriptor.size(),
            }));
        }
        let offset = self.record_word(index, OFFSET_WORD).load(Ordering::Relaxed);
        let len = region_len(size);
        if !(offset as usize).is_multiple_of(CACHE_LINE) || u64::from(offset) + len > self.layout.arena_len as u64 {
            return Err(corrupted(EntryProblem::OutOfBounds { offset, len }));
        }
        if u64::from(offset) != expected {
            return Err(corrupted(EntryProblem::Misplaced {
                stored: offset,
                // Saturated: an `expected` beyond 32 bits cannot match anyway.
                expected: u32::try_from(expected).unwrap_or(u32::MAX),
            }));
        }
        let stored = self.record_word(index, EVENT_WORD).load(Ordering::Relaxed);
        if stored != index {
            return Err(corrupted(EntryProblem::EventId { stored }));
        }
        Ok(Record {
            descriptor,
            offset,
            size,
        })
    }

    /// Entry `index`'s record, checked as a lookup does.
    fn lookup(&self, index: u32) -> Result<Record, CorruptedEntry> {
        self.record(index, self.expected_offset(index))
    }

    /// Checks the whole table: every record (as a lookup does) and the
    /// regions filling the arena exactly.
    pub fn check_entries(&self) -> Result<(), CorruptedEntry> {
        let mut used = 0u64;
        for index in 0..self.qos.entries {
            used += region_len(self.record(index, used)?.size);
        }
        if used != u64::from(self.qos.arena_len) {
            return Err(CorruptedEntry {
                index: self.qos.entries,
                problem: EntryProblem::ArenaLength {
                    used,
                    stored: self.qos.arena_len,
                },
            });
        }
        Ok(())
    }

    /// The triple buffer of a checked record.
    fn buffer(&self, record: &Record) -> &'a TripleBufferView {
        TripleBufferView::in_segment(
            self.segment,
            self.layout.arena + record.offset as usize,
            stride(record.size),
        )
    }

    /// The value type descriptor of `key`'s entry.
    pub fn value_type(&self, key: &K) -> Result<TypeDescriptor, EntryError> {
        let index = self.find(key).ok_or(EntryError::UnknownKey)?;
        Ok(self.lookup(index).map_err(EntryError::Corrupted)?.descriptor)
    }

    /// `key`'s entry, holding values of `V`.
    pub fn entry<V: EntryValue>(&self, key: &K) -> Result<Entry<'a, V>, EntryError> {
        let index = self.find(key).ok_or(EntryError::UnknownKey)?;
        let record = self.lookup(index).map_err(EntryError::Corrupted)?;
        record
            .descriptor
            .check(&TypeDescriptor::of::<V>())
            .map_err(EntryError::WrongType)?;
        Ok(Entry {
            buffer: self.buffer(&record),
            index,
            _value: PhantomData,
        })
    }
}

/// A blackboard being created: entries are added in order, then
/// [`BlackboardInit::finish`] stores READY. Dropped unfinished, the
/// segment stays not READY: openers treat it as abandoned.
#[derive(Debug)]
pub struct BlackboardInit<'a, 'c, R, K> {
    control: BlackboardControl<'a, R, K>,
    content: &'c HeaderContent<'c, BlackboardQos>,
    added: u32,
    used: u64,
}

impl<'a, R: Rmw, K: ZeroCopySend + Copy + Eq> BlackboardInit<'a, '_, R, K> {
    /// Adds the next entry: `key` (distinct from the others: a lookup finds
    /// the first) with the value `default`. Returns its index, which is
    /// also its event id. Fails when the settings name fewer entries, or an
    /// arena too small for this value's region.
    pub fn add<V: EntryValue>(&mut self, key: K, default: &V) -> Result<u32, QosError> {
        let control = self.control;
        let index = self.added;
        if index >= control.qos.entries {
            return Err(QosError::TooLarge("entries"));
        }
        let descriptor = TypeDescriptor::of::<V>();
        let size = descriptor.size();
        let len = region_len(size);
        if self.used + len > u64::from(control.qos.arena_len) {
            return Err(QosError::TooLarge("arena_len"));
        }
        let key_size = control.layout.key_size;
        let key_at = control
            .segment
            .at(control.layout.keys + index as usize * key_size, key_size);
        // SAFETY: `key_size` bytes of the segment (checked by `at`) for a
        // `K` (the layout's key size is `size_of::<K>()`); the segment is
        // not READY, and nobody touches a segment's keys before it is
        // (openers check the state first; a host creator also holds the
        // service lock), so this write races with nothing. Unaligned: keys
        // are packed.
        unsafe { key_at.as_ptr().cast::<K>().write_unaligned(key) };
        let offset = self.used as u32;
        for (i, chunk) in descriptor.to_bytes().chunks_exact(4).enumerate() {
            let word = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            control.record_word(index, i).store(word, Ordering::Relaxed);
        }
        control.record_word(index, OFFSET_WORD).store(offset, Ordering::Relaxed);
        control.record_word(index, SIZE_WORD).store(size, Ordering::Relaxed);
        control.record_word(index, EVENT_WORD).store(index, Ordering::Relaxed);
        control
            .record_word(index, DESCRIPTOR_WORDS + 3)
            .store(0, Ordering::Relaxed);
        let buffer = control.buffer(&Record {
            descriptor,
            offset,
            size,
        });
        // SAFETY: the segment is not READY yet, so nobody else uses this
        // region, and it holds `V`s from now on: the record says so.
        unsafe { buffer.init(default) };
        self.used += len;
        self.added += 1;
        Ok(index)
    }

    /// Completes the blackboard: checks that every entry the settings name
    /// was added and the arena is filled, then writes the header, READY
    /// last (INV-READYLAST).
    pub fn finish(self) -> Result<BlackboardControl<'a, R, K>, QosError> {
        let qos = self.control.qos;
        if self.added != qos.entries {
            return Err(QosError::TooLarge("entries"));
        }
        if self.used != u64::from(qos.arena_len) {
            return Err(QosError::TooLarge("arena_len"));
        }
        Header::new(self.control.segment).write(self.content);
        Ok(self.control)
    }
}

/// One entry of a blackboard, holding values of `V` (its type checked):
/// what readers read. Reading never waits for the writer.
#[derive(Debug)]
pub struct Entry<'a, V> {
    buffer: &'a TripleBufferView,
    index: u32,
    _value: PhantomData<fn() -> V>,
}

// Manual impls: a derive would demand `V: Clone`.
impl<V> Clone for Entry<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Entry<'_, V> {}

impl<V: EntryValue> Entry<'_, V> {
    /// The entry's index in the table.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The entry's event id: its index. Readers learn of changes when the
    /// writer's side fires it on an event service of their choosing.
    pub fn event_id(&self) -> EventId {
        EventId::new(self.index)
    }

    /// The published value in at most [`super::READ_TRIES`] tries;
    /// wait-free.
    pub fn read(&self) -> Result<V, EntryReadError> {
        // SAFETY: the record's descriptor matched `V`'s, so the creator
        // initialised this buffer with a `V` and writers store `V`s alone
        // (they pass the same check); the bytes are a valid `V` by the
        // value type's contract (INV-DISTRUST trust model).
        unsafe { self.buffer.read::<V>() }
    }

    /// One try at the published value.
    pub fn try_read_once(&self) -> Result<V, EntryReadError> {
        // SAFETY: as for `read`.
        unsafe { self.buffer.try_read_once::<V>() }
    }

    /// The value the entry was created with.
    pub fn read_default(&self) -> V {
        // SAFETY: as for `read`.
        unsafe { self.buffer.read_default::<V>() }
    }

    /// Whether a write is under way, or was abandoned by a writer that died.
    pub fn write_in_progress(&self) -> bool {
        self.buffer.write_in_progress()
    }
}

/// The blackboard's one writer: its claim of the writer slot, which makes
/// its entries writable. `Send`, not `Sync`: one context writes at a time
/// (INV-ONEWRITER, INV-ONECONTEXT).
///
/// The claim is released by [`WriterPort::leave`], or by a reaper once the
/// holder's process is dead; nobody else may release it (two writers of
/// one entry could pass a mix of two values as one).
#[derive(Debug)]
pub struct WriterPort<'a, R, K> {
    control: BlackboardControl<'a, R, K>,
    slot: SlotId,
    _not_sync: PhantomData<Cell<()>>,
}

impl<'a, R: Rmw, K> WriterPort<'a, R, K> {
    /// The slot held.
    pub fn slot(&self) -> SlotId {
        self.slot
    }

    /// The blackboard.
    pub fn control(&self) -> &BlackboardControl<'a, R, K> {
        &self.control
    }

    /// Leaves: frees the writer slot for the next writer.
    pub fn leave(self) -> bool {
        self.control.registry().release_port(PortKind::Writer, self.slot)
    }
}

impl<'a, R: Rmw, K: ZeroCopySend + Copy + Eq> WriterPort<'a, R, K> {
    /// Claims the writer slot for the node in slot `node`; `None` if a
    /// writer holds it.
    pub fn claim(control: BlackboardControl<'a, R, K>, node: u32) -> Option<Self> {
        let slot = control.registry().claim_port(PortKind::Writer, node)?;
        Some(Self {
            control,
            slot,
            _not_sync: PhantomData,
        })
    }

    /// `key`'s entry, to write values of `V` into.
    pub fn entry<V: EntryValue>(&self, key: &K) -> Result<WriterEntry<'_, 'a, V>, EntryError> {
        Ok(WriterEntry {
            entry: self.control.entry(key)?,
            _port: PhantomData,
        })
    }
}

/// An entry the writer writes. Borrows its [`WriterPort`], so it lives in
/// the port's context (neither `Send` nor `Sync`).
#[derive(Debug)]
pub struct WriterEntry<'p, 'a, V> {
    entry: Entry<'a, V>,
    _port: PhantomData<&'p Cell<()>>,
}

impl<'a, V: EntryValue> WriterEntry<'_, 'a, V> {
    /// Writes `value` and publishes it; wait-free, whatever readers do.
    pub fn update(&self, value: &V) {
        // SAFETY: the port this entry borrows holds the writer slot (one
        // writer per blackboard) and is not `Sync`, so this is the one
        // context writing (INV-ONEWRITER); the type was checked (`V` only).
        unsafe { self.entry.buffer.write(value) }
    }

    /// The entry, as readers see it.
    pub fn entry(&self) -> Entry<'a, V> {
        self.entry
    }
}
