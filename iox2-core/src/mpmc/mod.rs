//! A lock-free multi-producer multi-consumer queue of unique indices that
//! stays lock-free when any participant is preempted half-way (INV-PREEMPT).
//!
//! # Why not Vyukov's queue
//! Vyukov's bounded queue (and heapless' deprecated MPMC) first claims a
//! position by advancing a counter, then writes the slot. A consumer that
//! reaches the claimed position before the write spins — forever, if the
//! producer was an interrupted main loop and the consumer is the interrupt.
//!
//! # Algorithm
//! Here the *slot* is claimed and written in one compare-and-swap, and the
//! counters `tail`/`head` are only hints that anybody may advance ("help").
//! Positions are 32-bit and wrap; position `p` lives in slot `p % slots`
//! (`slots` a power of two, `2^s`). A slot word packs, from the low bits:
//! the index (`s` bits), a FULL flag, and a *lap* tag — bits `s..31` of the
//! position, i.e. `p / slots` modulo `2^(31-s)`:
//!
//! - EMPTY at lap `L`: ready for the push at position `p` with `p / slots = L`;
//! - FULL at lap `L` with index `i`: position `p` holds `i`;
//! - a pop of position `p` turns FULL(L) into EMPTY(L + 1), ready for `p + slots`.
//!
//! All-zero is EMPTY at lap 0 in every slot with `head = tail = 0`: a valid
//! empty queue. A push reads `tail`, then the slot:
//! EMPTY(lap of `tail`) -> CAS it to FULL(lap, index), then CAS `tail` on;
//! FULL(lap) or EMPTY(lap + 1) -> the push (and maybe pop) at `tail` is done,
//! help `tail` on and retry; FULL(lap - 1) with `tail` unchanged -> full. A
//! pop mirrors it over `head`. Nobody ever waits for another participant's
//! next step: a preempted one leaves the queue in a state every other can
//! complete.
//!
//! # ABA and the tag width
//! A stale participant could succeed with a CAS on a slot word that went
//! through exactly `2^(31-s)` laps while it slept. Because the index takes
//! `s` bits and the lap `31 - s`, that is `2^(31-s) * 2^s = 2^31`
//! operations on the queue during one preemption, whatever the capacity —
//! the same bound the 32-bit position counters themselves have. Capacities
//! are limited to 2^24 so that at least 7 lap bits remain and "next lap"
//! and "previous lap" can never be confused.
//!
//! # Progress and orderings
//! Lock-free: a retry happens only when another participant's CAS
//! succeeded. Slot CASes are AcqRel (Release publishes what the pusher
//! wrote for the index; Acquire gives it to the popper); counter loads are
//! Acquire and counter CASes Release, though correctness rests on the slots.
//!
//! Indices must be unique and below the capacity; the queue then never
//! overflows. A duplicated index makes a push report `Full`; a corrupted
//! slot reads as empty: never a hang, a panic or an out-of-range access.

use crate::error::{CapacityError, MpmcPushError};
use crate::place::{MAX_CAPACITY, slots_for, words_layout};
use crate::sync::{AtomicU32, CachePadded, Ordering, atomic_u32, loom_const_fn, zeroed_words};
use core::alloc::Layout;
use core::marker::PhantomData;
use iox2_platform::rmw::Rmw;
#[cfg(not(iox2_loom))]
use {crate::error::PlaceError, crate::place::check_memory, core::ptr::NonNull};

/// The words pushers write, and the once-written configuration.
#[repr(C)]
#[derive(Debug)]
struct PushWords {
    /// Hint: the next position to push. Multi-writer, through `Rmw`.
    tail: AtomicU32,
    /// `slots - capacity`. Written at creation only.
    config: AtomicU32,
}

/// An MPMC queue: a header and `S` slot words (`[AtomicU32; N]` for the
/// sized form [`MpmcQueue`], `[AtomicU32]` for the view [`MpmcQueueView`]).
#[repr(C)]
pub struct MpmcQueueBase<R, S: ?Sized> {
    push: CachePadded<PushWords>,
    /// Hint: the next position to pop. Multi-writer, through `Rmw`.
    head: CachePadded<AtomicU32>,
    _rmw: PhantomData<fn() -> R>,
    slots: S,
}

/// An MPMC queue of unique indices below `N` (a power of two up to 2^24):
///
/// ```
/// use iox2_core::mpmc::MpmcQueue;
/// use iox2_platform::rmw::NativeRmw;
///
/// static READY: MpmcQueue<NativeRmw, 4> = MpmcQueue::new();
/// READY.push(3).unwrap();
/// READY.push(1).unwrap();
/// assert_eq!(READY.pop(), Some(3));
/// assert!(READY.push(4).is_err()); // not below the capacity
/// ```
pub type MpmcQueue<R, const N: usize> = MpmcQueueBase<R, [AtomicU32; N]>;

/// An MPMC queue of any slot count: what [`MpmcQueue`] derefs to, and what
/// [`MpmcQueueView::init_in`] places into shared memory.
pub type MpmcQueueView<R> = MpmcQueueBase<R, [AtomicU32]>;

impl<R, S: ?Sized> core::fmt::Debug for MpmcQueueBase<R, S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MpmcQueue")
            .field("tail", &self.push.tail.load(Ordering::Relaxed))
            .field("head", &self.head.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<R, const N: usize> MpmcQueue<R, N> {
    loom_const_fn! {
        /// An empty queue for the indices `0..N`; all zero bytes.
        pub fn new() -> Self {
            Self::with_capacity(N as u32)
        }
    }

    loom_const_fn! {
        /// An empty queue for the indices `0..capacity`, `capacity <= N`.
        ///
        /// Fails to compile (in a `const`/`static`) or panics for a capacity
        /// of zero or above `N`, or an `N` that is not a power of two up to 2^24.
        pub fn with_capacity(capacity: u32) -> Self {
            assert!(N.is_power_of_two() && N <= MAX_CAPACITY as usize, "N must be a power of two up to 2^24");
            assert!(capacity > 0 && capacity as usize <= N, "capacity must be 1..=N");
            Self {
                push: CachePadded::new(PushWords { tail: atomic_u32(0), config: atomic_u32(N as u32 - capacity) }),
                head: CachePadded::new(atomic_u32(0)),
                _rmw: PhantomData,
                slots: zeroed_words::<N>(),
            }
        }
    }

    /// A queue for the indices `0..capacity` that holds all of them, in
    /// order: a full pool. Not all-zero, so a `static` of it is stored in
    /// flash and copied to RAM at start-up.
    #[cfg(not(iox2_loom))]
    pub const fn with_all_indices(capacity: u32) -> Self {
        let mut queue = Self::with_capacity(capacity);
        let shift = N.trailing_zeros();
        let mut index = 0;
        while index < capacity {
            queue.slots[index as usize] = atomic_u32(encode(0, true, index, shift));
            index += 1;
        }
        queue.push = CachePadded::new(PushWords {
            tail: atomic_u32(capacity),
            config: atomic_u32(N as u32 - capacity),
        });
        queue
    }
}

impl<R, const N: usize> Default for MpmcQueue<R, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R, const N: usize> core::ops::Deref for MpmcQueue<R, N> {
    type Target = MpmcQueueView<R>;

    fn deref(&self) -> &MpmcQueueView<R> {
        self
    }
}

/// A slot word: `lap` (truncated to its bits), the FULL flag, and `index`.
#[inline]
const fn encode(lap: u32, full: bool, index: u32, shift: u32) -> u32 {
    (lap << (shift + 1)) | ((full as u32) << shift) | index
}

/// What a participant at position `pos` sees in the slot word `word`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotState {
    /// EMPTY at the position's lap: a push may fill it.
    Ready,
    /// FULL at the position's lap, with this index.
    Holds(u32),
    /// EMPTY at the next lap: the position was pushed and popped.
    Consumed,
    /// FULL at the previous lap: the position a lap earlier is unpopped.
    Behind,
    /// Anything else: the caller's position is stale, or the slot corrupted.
    Other,
}

impl<R> MpmcQueueView<R> {
    /// Bytes of the header before the slots.
    const HEADER: usize = core::mem::offset_of!(MpmcQueueBase<(), [AtomicU32; 0]>, slots);
    /// Alignment of the whole structure.
    const ALIGN: usize = core::mem::align_of::<MpmcQueueBase<(), [AtomicU32; 0]>>();

    /// The size and alignment of a queue for `capacity` indices in memory.
    #[inline]
    pub const fn layout(capacity: u32) -> Result<Layout, CapacityError> {
        match slots_for(capacity) {
            Ok(slots) => Ok(words_layout(Self::HEADER, slots, Self::ALIGN)),
            Err(e) => Err(e),
        }
    }

    /// Writes a fresh queue for the indices `0..capacity` into memory:
    /// empty, or holding all indices in order with `all_indices`.
    ///
    /// # Safety
    /// `len` bytes at `ptr` are valid for reads and writes for `'a`, and for
    /// that time are accessed by anyone only through an [`MpmcQueueView`] of
    /// the same capacity, never as plain bytes.
    #[cfg(not(iox2_loom))]
    pub unsafe fn init_in<'a>(
        ptr: NonNull<u8>,
        len: usize,
        capacity: u32,
        all_indices: bool,
    ) -> Result<&'a Self, PlaceError> {
        let slots = slots_for(capacity)?;
        check_memory(ptr, len, Self::layout(capacity)?)?;
        // SAFETY: size and alignment checked above; validity and atomic-only
        // access for 'a are the caller's promise.
        let queue = unsafe { Self::at(ptr, slots) };
        let shift = slots.trailing_zeros();
        for (index, slot) in (0..).zip(&queue.slots) {
            let full = all_indices && index < capacity;
            slot.store(if full { encode(0, true, index, shift) } else { 0 }, Ordering::Relaxed);
        }
        queue.head.store(0, Ordering::Relaxed);
        queue
            .push
            .tail
            .store(if all_indices { capacity } else { 0 }, Ordering::Relaxed);
        // SYNC: Release publishes the words above with the configuration;
        // `open_in` reads it with Acquire.
        queue.push.config.store(slots - capacity, Ordering::Release);
        Ok(queue)
    }

    /// Finds the queue that [`MpmcQueueView::init_in`] placed into memory,
    /// checking its configuration against `capacity`.
    ///
    /// # Safety
    /// As for [`MpmcQueueView::init_in`].
    #[cfg(not(iox2_loom))]
    #[inline]
    pub unsafe fn open_in<'a>(ptr: NonNull<u8>, len: usize, capacity: u32) -> Result<&'a Self, PlaceError> {
        let slots = slots_for(capacity)?;
        check_memory(ptr, len, Self::layout(capacity)?)?;
        // SAFETY: as in `init_in`.
        let queue = unsafe { Self::at(ptr, slots) };
        let found = queue.push.config.load(Ordering::Acquire);
        if found != slots - capacity {
            let offset = core::mem::offset_of!(PushWords, config);
            return Err(PlaceError::HeaderMismatch {
                offset,
                expected: slots - capacity,
                found,
            });
        }
        Ok(queue)
    }

    /// The view of `slots` slots at `ptr`.
    ///
    /// # Safety
    /// `ptr` is aligned for the queue and valid for `Self::layout` bytes for `'a`.
    #[cfg(not(iox2_loom))]
    #[inline]
    unsafe fn at<'a>(ptr: NonNull<u8>, slots: u32) -> &'a Self {
        let raw = core::ptr::slice_from_raw_parts(ptr.as_ptr().cast::<AtomicU32>(), slots as usize) as *const Self;
        // SAFETY: the slice metadata is the slot count, so the view covers
        // exactly HEADER + 4 * slots bytes, which the caller vouches for.
        unsafe { &*raw }
    }

    /// The number of distinct indices the queue is for.
    #[inline]
    pub fn capacity(&self) -> u32 {
        self.slot_count()
            .saturating_sub(self.push.config.load(Ordering::Relaxed))
    }

    /// How many indices the queue holds right now (a snapshot).
    #[inline]
    pub fn len(&self) -> u32 {
        let tail = self.push.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Relaxed);
        tail.wrapping_sub(head).min(self.capacity())
    }

    /// Whether the queue is empty right now (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn slot_count(&self) -> u32 {
        // A power of two <= 2^24 by construction (`with_capacity`'s assert
        // or `slots_for`).
        self.slots.len() as u32
    }

    #[inline]
    fn shift(&self) -> u32 {
        self.slot_count().trailing_zeros()
    }

    #[inline]
    fn slot(&self, pos: u32) -> &AtomicU32 {
        // The slot count is a power of two, so the masked index is in range.
        &self.slots[(pos & (self.slot_count() - 1)) as usize]
    }

    /// Classifies `word` as seen by a participant at position `pos`.
    #[inline]
    fn state(&self, word: u32, pos: u32) -> SlotState {
        let shift = self.shift();
        let lap_mask = (1u32 << (31 - shift)) - 1;
        let pos_lap = (pos >> shift) & lap_mask;
        let word_lap = word >> (shift + 1);
        let full = word & (1 << shift) != 0;
        let index = word & ((1 << shift) - 1);
        match (word_lap.wrapping_sub(pos_lap) & lap_mask, full) {
            (0, false) => SlotState::Ready,
            (0, true) => SlotState::Holds(index),
            (1, false) => SlotState::Consumed,
            (d, true) if d == lap_mask => SlotState::Behind,
            _ => SlotState::Other,
        }
    }
}

impl<R: Rmw> MpmcQueueView<R> {
    /// Pushes `index` (unique, below the capacity). Lock-free.
    #[inline]
    pub fn push(&self, index: u32) -> Result<(), MpmcPushError> {
        let capacity = self.capacity();
        if index >= capacity {
            return Err(MpmcPushError::IndexOutOfRange { index, capacity });
        }
        let shift = self.shift();
        loop {
            // SYNC: Acquire pairs with the Release of the CAS that set `tail`.
            let tail = self.push.tail.load(Ordering::Acquire);
            let slot = self.slot(tail);
            // SYNC: Acquire pairs with the AcqRel slot CAS of the pop that
            // emptied it: that pop's reads of the index's data happen-before.
            let word = slot.load(Ordering::Acquire);
            match self.state(word, tail) {
                SlotState::Ready => {
                    let lap = tail >> shift;
                    // SYNC: AcqRel — Release publishes what the caller wrote
                    // for `index` to the pop that takes it (INV-ORDER).
                    if R::compare_exchange(
                        slot,
                        word,
                        encode(lap, true, index, shift),
                        Ordering::AcqRel,
                        Ordering::Relaxed,
                    )
                    .is_ok()
                    {
                        self.advance(&self.push.tail, tail);
                        return Ok(());
                    }
                }
                SlotState::Holds(_) | SlotState::Consumed => self.advance(&self.push.tail, tail),
                SlotState::Behind | SlotState::Other => {
                    if self.push.tail.load(Ordering::Acquire) == tail {
                        // A lap-old entry is unpopped (the queue holds all
                        // slots: an index was pushed twice), or corruption.
                        return Err(MpmcPushError::Full(index));
                    }
                }
            }
        }
    }

    /// Pops the oldest index, or `None` if the queue is empty. Lock-free.
    #[inline]
    pub fn pop(&self) -> Option<u32> {
        let shift = self.shift();
        loop {
            // SYNC: Acquire pairs with the Release of the CAS that set `head`.
            let head = self.head.load(Ordering::Acquire);
            let slot = self.slot(head);
            // SYNC: Acquire pairs with the pushing CAS (AcqRel) of the slot.
            let word = slot.load(Ordering::Acquire);
            match self.state(word, head) {
                SlotState::Holds(index) => {
                    let next_lap = (head >> shift).wrapping_add(1);
                    // SYNC: AcqRel — Acquire takes what the pusher published;
                    // Release orders our use before the next lap's push.
                    if R::compare_exchange(
                        slot,
                        word,
                        encode(next_lap, false, 0, shift),
                        Ordering::AcqRel,
                        Ordering::Relaxed,
                    )
                    .is_ok()
                    {
                        self.advance(&self.head, head);
                        return Some(index);
                    }
                }
                SlotState::Consumed => self.advance(&self.head, head),
                // Position `head` was not pushed yet, and `head` cannot have
                // moved past it: the queue was empty when the slot was read.
                SlotState::Ready => return None,
                SlotState::Behind | SlotState::Other => {
                    if self.head.load(Ordering::Acquire) == head {
                        // Inconsistent slot (corruption): reads as empty.
                        return None;
                    }
                }
            }
        }
    }

    /// Moves a counter from `from` to `from + 1`, unless somebody did already.
    #[inline]
    fn advance(&self, counter: &AtomicU32, from: u32) {
        // SYNC: Release pairs with the Acquire loads of the counter. A failed
        // CAS means another participant advanced it: nothing to do.
        let _ = R::compare_exchange(
            counter,
            from,
            from.wrapping_add(1),
            Ordering::Release,
            Ordering::Relaxed,
        );
    }
}

#[cfg(all(test, not(iox2_loom)))]
mod tests;
