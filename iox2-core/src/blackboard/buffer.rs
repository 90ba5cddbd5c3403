//! The value of one blackboard entry: a triple buffer with a published
//! index, one writer and any number of readers, none of which ever waits
//! for another. A `const`-constructible value (firmware: `static POSE:
//! TripleBuffer<{ buffer_words(12) }> = TripleBuffer::new();`) and a view
//! of any size (what a blackboard segment holds per entry).
//!
//! # Protocol
//! Words: `published`, one sequence word per live buffer, then four
//! buffers of `stride` words each: the three live ones and the entry's
//! default, written once before the buffer is shared and never again.
//! Every write has a generation `g` (30 bits, wrapping); `published` is
//! `g << 2 | index` of the latest complete write, and a live buffer's
//! sequence is `g << 1` once write `g` completed in it, `g << 1 | 1` while
//! write `g` fills it. The writer's words are single-writer
//! (INV-ONEWRITER): plain atomic loads and stores, no read-modify-write.
//!
//! - `write`: generation `g + 1` goes into the live buffer after the
//!   published one (`(index + 1) % 3`: the one published two writes ago,
//!   which readers left longest ago). Store its sequence odd, a Release
//!   fence, the value's words, the sequence even (Release), then publish
//!   (Release).
//! - `read`: load `published` (Acquire) and that buffer's sequence
//!   (Acquire); unless it is exactly the published generation's (complete,
//!   and not overwritten since), the try fails; copy the words, an Acquire
//!   fence, and load the sequence again: the copy is good if it did not
//!   change. At most [`READ_TRIES`] tries, then [`EntryReadError::Busy`]:
//!   the caller keeps its last good value.
//!
//! A read hands out exactly the generation it found published, so reads in
//! one context never go back in time (their loads of `published` are
//! coherent), even when a load finds an older index whose buffer was
//! written again since (the generation tells them apart; the index alone
//! would not). A try fails only when the writer, while the reader looked,
//! finished two writes and started a third (it must come round to the
//! buffer being read): a writer preempted or killed mid-write is inside
//! another buffer than the published one, so a reader that interrupts it
//! (an ISR) or outlives it reads at its first try. A writer that died
//! mid-write leaves that buffer's sequence odd; the next writer writes the
//! same generation into the same buffer (both follow the published word)
//! and makes it even.
//!
//! The value words are only ever touched atomically, so a reader racing
//! the writer performs no data race; it hands out a copy only after its
//! sequence check passed, so no torn value ever leaves a read, whatever
//! the value's type. (A reader that stays inside one copy for 2^30 writes
//! could mistake a wrapped generation for its own; no bound is that lax.)

use super::EntryValue;
use super::error::EntryReadError;
use crate::sync::{AtomicU32, Ordering, PUBLISH, atomic_u32, fence, loom_const_fn, spin_loop, zeroed_words};
use core::mem::MaybeUninit;

/// Tries a read makes before it reports [`EntryReadError::Busy`]. A try
/// fails only when the writer laps the reader (see the module's protocol),
/// so each one means two more complete writes happened meanwhile.
pub const READ_TRIES: u32 = 4;

/// The live buffers.
const LIVE: usize = 3;
/// All buffers: the live ones and the default.
pub(crate) const BUFFERS: usize = LIVE + 1;
/// The index of the default buffer.
const DEFAULT: usize = LIVE;
/// Bytes before the buffers: `published` and the sequences.
#[cfg_attr(iox2_loom, allow(dead_code))]
pub(crate) const BUFFER_HEADER: usize = 4 * (1 + LIVE);
/// The index bits of `published`.
const INDEX_MASK: u32 = 0b11;
/// A generation's bits (it is stored shifted by 2 in `published`, by 1 in
/// a sequence).
const GENERATION_MASK: u32 = (1 << 30) - 1;

/// The words of a [`TripleBuffer`] holding values of `value_size` bytes:
/// four buffers of the value rounded up to whole words.
pub const fn buffer_words(value_size: usize) -> usize {
    BUFFERS * value_size.div_ceil(4)
}

/// A triple buffer over `S` buffer words (see [`TripleBuffer`] and
/// [`TripleBufferView`]).
#[repr(C)]
pub struct TripleBufferBase<S: ?Sized> {
    /// `g << 2 | index` of the latest complete write `g`: the live buffer
    /// (0, 1 or 2) readers take. Written by the writer alone.
    published: AtomicU32,
    /// Per live buffer: `g << 1` holding write `g`, `g << 1 | 1` while the
    /// writer fills it with write `g`. Written by the writer alone.
    seq: [AtomicU32; LIVE],
    /// Four buffers of `words.len() / 4` words: live 0, 1, 2, the default.
    words: S,
}

/// A triple buffer with `WORDS / 4` words per value; all zero (the default
/// and the published value are zero bytes until [`TripleBufferView::init`]).
///
/// ```
/// use iox2_core::blackboard::{TripleBuffer, buffer_words};
///
/// static SPEED: TripleBuffer<{ buffer_words(8) }> = TripleBuffer::new();
/// // SAFETY: one context writes SPEED (here, this one), and only `f64`s.
/// unsafe {
///     SPEED.init(&0.0f64);
///     SPEED.write(&12.5f64);
///     assert_eq!(SPEED.read::<f64>(), Ok(12.5));
///     assert_eq!(SPEED.read_default::<f64>(), 0.0);
/// }
/// ```
pub type TripleBuffer<const WORDS: usize> = TripleBufferBase<[AtomicU32; WORDS]>;

/// A triple buffer of any size: what [`TripleBuffer`] derefs to, and what a
/// blackboard segment holds for each entry.
pub type TripleBufferView = TripleBufferBase<[AtomicU32]>;

impl<S: ?Sized> core::fmt::Debug for TripleBufferBase<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TripleBuffer")
            .field("published", &self.published)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl<const WORDS: usize> TripleBuffer<WORDS> {
    loom_const_fn! {
        /// A buffer of zero bytes, buffer 0 published. `WORDS` must be a
        /// multiple of 4 ([`buffer_words`]).
        pub fn new() -> Self {
            assert!(WORDS.is_multiple_of(BUFFERS), "a triple buffer holds four buffers of whole words");
            Self {
                published: atomic_u32(0),
                seq: [atomic_u32(0), atomic_u32(0), atomic_u32(0)],
                words: zeroed_words::<WORDS>(),
            }
        }
    }
}

impl<const WORDS: usize> Default for TripleBuffer<WORDS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const WORDS: usize> core::ops::Deref for TripleBuffer<WORDS> {
    type Target = TripleBufferView;

    fn deref(&self) -> &TripleBufferView {
        self
    }
}

impl TripleBufferView {
    /// Words per buffer.
    #[inline]
    pub fn stride(&self) -> usize {
        self.words.len() / BUFFERS
    }

    #[inline]
    fn word(&self, buffer: usize, k: usize) -> &AtomicU32 {
        &self.words[buffer * self.stride() + k]
    }

    /// Panics unless a `V` fits one buffer: the caller sized the buffer
    /// for its value type (a layout's arithmetic, not a peer's word).
    #[inline]
    fn check_fits<V>(&self) {
        assert!(
            size_of::<V>().div_ceil(4) <= self.stride(),
            "a blackboard value is larger than its buffer"
        );
    }

    /// Stores `value`'s bytes into `buffer` as words (Relaxed: the caller
    /// orders them with the sequence).
    fn store_value<V: EntryValue>(&self, buffer: usize, value: &V) {
        let size = size_of::<V>();
        let src = core::ptr::from_ref(value).cast::<u8>();
        for k in 0..size.div_ceil(4) {
            let n = (size - 4 * k).min(4);
            let mut bytes = [0u8; 4];
            // SAFETY: bytes `4k..4k + n` lie within `*value`; `V:
            // EntryValue` has no uninitialised bytes, so they may be read
            // as `u8`s; `bytes` has room for `n <= 4`.
            unsafe { core::ptr::copy_nonoverlapping(src.add(4 * k), bytes.as_mut_ptr(), n) };
            self.word(buffer, k).store(u32::from_ne_bytes(bytes), Ordering::Relaxed);
        }
    }

    /// Copies `buffer`'s words into `out` (Relaxed: the caller checks the
    /// sequence before it trusts them).
    fn load_value<V>(&self, buffer: usize, out: &mut MaybeUninit<V>) {
        let size = size_of::<V>();
        let dst = out.as_mut_ptr().cast::<u8>();
        for k in 0..size.div_ceil(4) {
            let n = (size - 4 * k).min(4);
            let bytes = self.word(buffer, k).load(Ordering::Relaxed).to_ne_bytes();
            // SAFETY: bytes `4k..4k + n` lie within `*out`, a local of
            // `size` bytes that nothing else references; a `MaybeUninit`
            // may hold any bytes.
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), dst.add(4 * k), n) };
        }
    }

    /// Writes `default` as the default value and as generation 0 in
    /// buffer 0, published; before the buffer is shared (a blackboard
    /// creator, before READY; firmware, before handing it out).
    ///
    /// # Safety
    /// No other context uses the buffer meanwhile, and from now on it
    /// holds values of `V` alone (see [`TripleBufferView::read`]).
    ///
    /// # Panics
    /// If a `V` does not fit a buffer.
    pub unsafe fn init<V: EntryValue>(&self, default: &V) {
        self.check_fits::<V>();
        self.store_value(DEFAULT, default);
        self.store_value(0, default);
        for seq in &self.seq {
            seq.store(0, Ordering::Relaxed);
        }
        self.published.store(0, Ordering::Relaxed);
    }

    /// Writes `value`: fills the buffer after the published one and
    /// publishes it. Wait-free: never waits for a reader, whatever readers
    /// do (they write nothing here).
    ///
    /// # Safety
    /// One context writes at a time (the holder of the blackboard's writer
    /// slot, INV-ONEWRITER), and only values of the `V` the buffer was
    /// initialised with.
    ///
    /// # Panics
    /// If a `V` does not fit a buffer.
    pub unsafe fn write<V: EntryValue>(&self, value: &V) {
        self.check_fits::<V>();
        // Our own word (or a dead predecessor's): an index of 3 (corrupted)
        // means buffer 0 next, like 2.
        let published = self.published.load(Ordering::Relaxed);
        let next = match published & INDEX_MASK {
            0 => 1,
            1 => 2,
            _ => 0,
        };
        let generation = ((published >> 2) + 1) & GENERATION_MASK;
        let seq = &self.seq[next];
        // Odd: being written (the same odd value if a writer died inside it).
        seq.store(generation << 1 | 1, Ordering::Relaxed);
        // SYNC: Release fence, paired with the reader's Acquire fence after
        // its copy: a copy that saw any word stored below also sees the odd
        // sequence (or a later one) when it re-reads it, and is discarded.
        // It also makes the odd store visible to a reader that acquires any
        // later store of ours, `published` included.
        fence(Ordering::Release);
        self.store_value(next, value);
        // SYNC: Release pairs with the reader's Acquire load of the
        // sequence: a reader that finds it complete sees every word above.
        seq.store(generation << 1, Ordering::Release);
        // SYNC: PUBLISH (Release) pairs with the reader's Acquire load of
        // `published`: the words and the complete sequence happen-before
        // any look at the buffer through the new word.
        self.published.store(generation << 2 | next as u32, PUBLISH);
    }

    /// One try at the published value: `Busy` if the writer came round to
    /// that buffer while we looked, `Corrupted` if the index is not one a
    /// writer stores. Never waits.
    ///
    /// # Safety
    /// The buffer holds values of `V` ([`TripleBufferView::init`]).
    pub unsafe fn try_read_once<V: EntryValue>(&self) -> Result<V, EntryReadError> {
        self.check_fits::<V>();
        // SYNC: Acquire pairs with the writer's PUBLISH store.
        let published = self.published.load(Ordering::Acquire);
        let index = (published & INDEX_MASK) as usize;
        let Some(seq) = self.seq.get(index) else {
            return Err(EntryReadError::Corrupted { published });
        };
        // SYNC: Acquire pairs with the writer's Release store of a complete
        // sequence: the words of that write are visible to the copy.
        let before = seq.load(Ordering::Acquire);
        if before != (published >> 2) << 1 {
            // Being written, or written again since it was published.
            return Err(EntryReadError::Busy);
        }
        let mut copy = MaybeUninit::<V>::uninit();
        self.load_value(index, &mut copy);
        // SYNC: Acquire fence pairs with the writer's Release fence after
        // its odd store: a copy that read a newer write's word sees the
        // sequence changed below.
        fence(Ordering::Acquire);
        if seq.load(Ordering::Relaxed) != before {
            return Err(EntryReadError::Busy);
        }
        // SAFETY: the sequence said the published write was complete and
        // did not change across the copy, so every word came from that one
        // write (see the SYNC notes): the bytes of a `V` it stored (the
        // caller's contract). All `size_of::<V>()` bytes were written.
        Ok(unsafe { copy.assume_init() })
    }

    /// The published value, in at most [`READ_TRIES`] tries; never waits
    /// for the writer (bounded: wait-free).
    ///
    /// # Safety
    /// The buffer holds values of `V` ([`TripleBufferView::init`]).
    pub unsafe fn read<V: EntryValue>(&self) -> Result<V, EntryReadError> {
        for _ in 1..READ_TRIES {
            // SAFETY: the caller's contract.
            match unsafe { self.try_read_once::<V>() } {
                Err(EntryReadError::Busy) => spin_loop(),
                done => return done,
            }
        }
        // SAFETY: the caller's contract.
        unsafe { self.try_read_once::<V>() }
    }

    /// The default value, written before the buffer was shared and never
    /// since: always complete.
    ///
    /// # Safety
    /// The buffer holds values of `V` ([`TripleBufferView::init`]).
    pub unsafe fn read_default<V: EntryValue>(&self) -> V {
        self.check_fits::<V>();
        let mut copy = MaybeUninit::<V>::uninit();
        self.load_value(DEFAULT, &mut copy);
        // SAFETY: the default buffer holds the bytes `init` stored from a
        // `V` (the caller's contract), before the buffer was shared (so
        // they happen-before this load), and is never written again.
        unsafe { copy.assume_init() }
    }

    /// Whether a live buffer is being written: a write under way, or one a
    /// writer abandoned when it died (until the next writer's next write).
    /// Diagnostics: readers never need it.
    pub fn write_in_progress(&self) -> bool {
        self.seq.iter().any(|seq| seq.load(Ordering::Relaxed) & 1 == 1)
    }
}

#[cfg(not(iox2_loom))]
impl TripleBufferView {
    /// The bytes of a triple buffer of `stride` words per value.
    pub(crate) const fn size(stride: usize) -> usize {
        BUFFER_HEADER + 4 * BUFFERS * stride
    }

    /// The buffer of `stride` words per value at `offset` of `segment`
    /// (4-aligned; the blackboard layout puts it on a cache line).
    pub(crate) fn in_segment<'a>(
        segment: crate::segment::Segment<'a>,
        offset: usize,
        stride: usize,
    ) -> &'a TripleBufferView {
        let ptr = segment.at(offset, Self::size(stride));
        assert!(
            ptr.as_ptr().addr().is_multiple_of(align_of::<AtomicU32>()),
            "a layout placed a triple buffer off a word"
        );
        let raw = core::ptr::slice_from_raw_parts(ptr.as_ptr().cast::<AtomicU32>(), BUFFERS * stride)
            as *const TripleBufferView;
        // SAFETY: in bounds for the whole buffer (checked by `at`), aligned
        // for its words (checked above); `TripleBufferBase` is `repr(C)`:
        // four words then the buffer words, which the slice length counts;
        // the memory is only accessed atomically (`Segment::new`'s contract).
        unsafe { &*raw }
    }

    /// The published index, the sequences and the buffer words, for tests
    /// that play a writer dying or a peer corrupting them.
    #[cfg(test)]
    pub(crate) fn raw_words(&self) -> (&AtomicU32, &[AtomicU32; LIVE], &[AtomicU32]) {
        (&self.published, &self.seq, &self.words)
    }
}
