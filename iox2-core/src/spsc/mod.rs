//! A wait-free single-producer single-consumer queue of 31-bit values
//! (chunk indices), for a `static`, for shared memory, and for loom.
//!
//! # Algorithm
//! `slots` is a power of two; 32-bit positions `tail` (next push) and `head`
//! (next pop) wrap, and position `p` lives in slot `p % slots`. Each slot
//! word carries the value in bits 0..31 and, in bit 31, a *lap tag*: the
//! inverted parity of `p / slots`. The consumer polls the slot itself, not
//! the producer's `tail` (one cache line moves per hand-off instead of two;
//! ../shared/PERFORMANCE.md measured 1.10x vs 1.15-1.8x of the two-line
//! floor). A slot holds either the entry for the consumer's position or the
//! one a lap earlier, whose tag differs: one tag bit suffices, because the
//! producer never runs more than `capacity <= slots` positions ahead. All-zero
//! slots read as "lap -1": empty. So the all-zero state is a valid empty
//! queue and a `static` of it lands in `.bss`.
//!
//! Each side caches the other's position and reads the shared one only when
//! its cache says full (producer); the consumer never reads `tail` at all.
//! Producer-written and consumer-written words sit on separate cache lines.
//!
//! # Safe overflow
//! A queue created with `overflow = true` lets the producer evict the oldest
//! entry instead of failing ([`Producer::push_overflowing`]): it takes
//! position `head` by compare-and-swap on the `head` word, and the consumer
//! pops with the same compare-and-swap, so exactly one side owns each entry
//! (DESIGN.md "Data path" 2). Without overflow the `head` word is
//! single-writer and the consumer stores it plainly.
//!
//! # Progress
//! Without overflow both ends are wait-free. With overflow a pop is
//! lock-free (it retries only after the producer evicted an entry) and a
//! push takes at most two attempts before reporting `Full`.
//!
//! # Invariants
//! - INV-SPSC-WINDOW: `tail - head <= capacity` (wrapping), kept by the
//!   producer; a foreign `head` outside the window only makes pushes fail.
//! - INV-ONECONTEXT: each end is claimed by one handle at a time.
//! - INV-ORDER: a slot is published with Release after everything the
//!   producer wrote for its value; `head` is released after the consumer
//!   read the slot.

mod consumer;
mod producer;

pub use consumer::Consumer;
pub use producer::Producer;

use crate::error::{CapacityError, Endpoint, EndpointClaimError};
use crate::place::{MAX_CAPACITY, slots_for, words_layout};
use crate::sync::{AtomicU32, CachePadded, Ordering, atomic_u32, loom_const_fn, zeroed_words};
use core::alloc::Layout;
use core::marker::PhantomData;
use iox2_platform::rmw::Rmw;
#[cfg(not(iox2_loom))]
use {crate::error::PlaceError, crate::place::check_memory, core::ptr::NonNull};

/// The value bits of a slot word.
const VALUE_MASK: u32 = (1 << 31) - 1;
/// The lap-tag bit of a slot word.
const TAG_BIT: u32 = 1 << 31;
/// `config` word: the overflow flag; the low bits hold `slots - capacity`.
const CONFIG_OVERFLOW: u32 = 1 << 31;
/// `claims` word bits.
const CLAIM_PRODUCER: u32 = 1;
const CLAIM_CONSUMER: u32 = 2;

/// Words both ends read and (almost) never write: on a line of their own,
/// so that reading them on every operation moves no cache line.
#[repr(C)]
#[derive(Debug)]
struct SharedWords {
    /// `slots - capacity`, plus `CONFIG_OVERFLOW`. Written at creation only.
    config: AtomicU32,
    /// Which ends are claimed (`CLAIM_*`); multi-writer, through `Rmw`.
    claims: AtomicU32,
}

/// The words the producer writes.
#[repr(C)]
#[derive(Debug)]
struct ProducerWords {
    /// Next position to push; written by the producer only, read for `len`.
    tail: AtomicU32,
    /// The producer's last reading of `head`: private to the producer, kept
    /// here (on its own line) so that an end handle holds no state.
    cached_head: AtomicU32,
}

/// The words the consumer writes.
#[repr(C)]
#[derive(Debug)]
struct ConsumerWords {
    /// Next position to pop; single-writer without overflow, else both
    /// sides write it by compare-and-swap.
    head: AtomicU32,
}

/// An SPSC queue: a header and `S` slot words (`[AtomicU32; N]` for the
/// sized form [`SpscQueue`], `[AtomicU32]` for the view [`SpscQueueView`]).
///
/// `R` is the read-modify-write backend used for claims and overflow.
#[repr(C)]
pub struct SpscQueueBase<R, S: ?Sized> {
    shared: CachePadded<SharedWords>,
    producer: CachePadded<ProducerWords>,
    consumer: CachePadded<ConsumerWords>,
    _rmw: PhantomData<fn() -> R>,
    slots: S,
}

/// An SPSC queue with `N` slots (a power of two, at most 2^24), e.g. in a
/// `static`:
///
/// ```
/// use iox2_core::spsc::SpscQueue;
/// use iox2_platform::rmw::NativeRmw;
///
/// static QUEUE: SpscQueue<NativeRmw, 8> = SpscQueue::new();
///
/// let mut producer = QUEUE.producer().unwrap();
/// let mut consumer = QUEUE.consumer().unwrap();
/// assert!(QUEUE.producer().is_err()); // claimed once
/// producer.push(7).unwrap();
/// assert_eq!(consumer.pop(), Some(7));
/// ```
pub type SpscQueue<R, const N: usize> = SpscQueueBase<R, [AtomicU32; N]>;

/// An SPSC queue of any slot count: what [`SpscQueue`] derefs to, and what
/// [`SpscQueueView::init_in`] places into shared memory.
pub type SpscQueueView<R> = SpscQueueBase<R, [AtomicU32]>;

impl<R, S: ?Sized> core::fmt::Debug for SpscQueueBase<R, S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SpscQueue")
            .field("tail", &self.producer.tail.load(Ordering::Relaxed))
            .field("head", &self.consumer.head.load(Ordering::Relaxed))
            .field("config", &self.shared.config.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<R, const N: usize> SpscQueue<R, N> {
    loom_const_fn! {
        /// An empty queue of capacity `N`, without overflow; all zero bytes.
        pub fn new() -> Self {
            Self::with_config(N as u32, false)
        }
    }

    loom_const_fn! {
        /// An empty queue holding at most `capacity <= N` values; with
        /// `overflow`, a full queue lets the producer evict the oldest value.
        ///
        /// Fails to compile (in a `const`/`static`) or panics for a capacity
        /// of zero or above `N`, or an `N` that is not a power of two up to 2^24.
        pub fn with_config(capacity: u32, overflow: bool) -> Self {
            assert!(N.is_power_of_two() && N <= MAX_CAPACITY as usize, "N must be a power of two up to 2^24");
            assert!(capacity > 0 && capacity as usize <= N, "capacity must be 1..=N");
            let config = (N as u32 - capacity) | if overflow { CONFIG_OVERFLOW } else { 0 };
            Self {
                shared: CachePadded::new(SharedWords { config: atomic_u32(config), claims: atomic_u32(0) }),
                producer: CachePadded::new(ProducerWords { tail: atomic_u32(0), cached_head: atomic_u32(0) }),
                consumer: CachePadded::new(ConsumerWords { head: atomic_u32(0) }),
                _rmw: PhantomData,
                slots: zeroed_words::<N>(),
            }
        }
    }

    /// Splits an exclusively borrowed queue into its two ends, without
    /// touching the claim word's read-modify-write: nobody else can hold an
    /// end while `self` is borrowed mutably.
    pub fn split(&mut self) -> (Producer<'_, R>, Consumer<'_, R>)
    where
        R: Rmw,
    {
        let view: &SpscQueueView<R> = self;
        view.shared
            .claims
            .store(CLAIM_PRODUCER | CLAIM_CONSUMER, Ordering::Relaxed);
        (Producer::new(view, true), Consumer::new(view, true))
    }
}

impl<R, const N: usize> Default for SpscQueue<R, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R, const N: usize> core::ops::Deref for SpscQueue<R, N> {
    type Target = SpscQueueView<R>;

    fn deref(&self) -> &SpscQueueView<R> {
        self
    }
}

impl<R> SpscQueueView<R> {
    /// Bytes of the header before the slots.
    const HEADER: usize = core::mem::offset_of!(SpscQueueBase<(), [AtomicU32; 0]>, slots);
    /// Alignment of the whole structure.
    const ALIGN: usize = core::mem::align_of::<SpscQueueBase<(), [AtomicU32; 0]>>();

    /// The size and alignment of a queue of `capacity` values in memory.
    ///
    /// ```
    /// use iox2_core::spsc::SpscQueueView;
    /// use iox2_platform::rmw::NativeRmw;
    /// let layout = SpscQueueView::<NativeRmw>::layout(5).unwrap(); // 8 slots
    /// assert!(layout.size() >= 8 * 4);
    /// ```
    #[inline]
    pub const fn layout(capacity: u32) -> Result<Layout, CapacityError> {
        match slots_for(capacity) {
            Ok(slots) => Ok(words_layout(Self::HEADER, slots, Self::ALIGN)),
            Err(e) => Err(e),
        }
    }

    /// Writes a fresh, empty queue of `capacity` values into memory.
    ///
    /// # Safety
    /// `len` bytes at `ptr` are valid for reads and writes for `'a`, and for
    /// that time are accessed by anyone (any process) only through an
    /// [`SpscQueueView`] of the same capacity, never as plain bytes.
    #[cfg(not(iox2_loom))]
    pub unsafe fn init_in<'a>(
        ptr: NonNull<u8>,
        len: usize,
        capacity: u32,
        overflow: bool,
    ) -> Result<&'a Self, PlaceError> {
        let slots = slots_for(capacity)?;
        check_memory(ptr, len, Self::layout(capacity)?)?;
        // SAFETY: checked above that the memory is large and aligned enough;
        // the caller guarantees validity and atomic-only access for 'a.
        let queue = unsafe { Self::at(ptr, slots) };
        queue.producer.tail.store(0, Ordering::Relaxed);
        queue.producer.cached_head.store(0, Ordering::Relaxed);
        queue.shared.claims.store(0, Ordering::Relaxed);
        queue.consumer.head.store(0, Ordering::Relaxed);
        for slot in &queue.slots {
            slot.store(0, Ordering::Relaxed);
        }
        let config = (slots - capacity) | if overflow { CONFIG_OVERFLOW } else { 0 };
        // SYNC: Release publishes the zeroed words with the configuration;
        // `open_in` reads it with Acquire. Services publish the whole
        // segment with their own READY word on top of this.
        queue.shared.config.store(config, Ordering::Release);
        Ok(queue)
    }

    /// Finds the queue that [`SpscQueueView::init_in`] placed into memory,
    /// checking its configuration against `capacity` and `overflow`.
    ///
    /// # Safety
    /// As for [`SpscQueueView::init_in`].
    #[cfg(not(iox2_loom))]
    pub unsafe fn open_in<'a>(
        ptr: NonNull<u8>,
        len: usize,
        capacity: u32,
        overflow: bool,
    ) -> Result<&'a Self, PlaceError> {
        let slots = slots_for(capacity)?;
        check_memory(ptr, len, Self::layout(capacity)?)?;
        // SAFETY: as in `init_in`.
        let queue = unsafe { Self::at(ptr, slots) };
        let expected = (slots - capacity) | if overflow { CONFIG_OVERFLOW } else { 0 };
        let found = queue.shared.config.load(Ordering::Acquire);
        if found != expected {
            let offset = core::mem::offset_of!(SpscQueueBase<(), [AtomicU32; 0]>, shared);
            return Err(PlaceError::HeaderMismatch {
                offset,
                expected,
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
    pub(crate) unsafe fn at<'a>(ptr: NonNull<u8>, slots: u32) -> &'a Self {
        let raw = core::ptr::slice_from_raw_parts(ptr.as_ptr().cast::<AtomicU32>(), slots as usize) as *const Self;
        // SAFETY: the slice metadata is the slot count, so the view covers
        // exactly HEADER + 4 * slots bytes, which the caller vouches for.
        unsafe { &*raw }
    }

    /// The most values the queue holds. A corrupted configuration word
    /// reads as capacity 0: every push fails, nothing is out of range.
    #[inline]
    pub fn capacity(&self) -> u32 {
        self.slot_count()
            .saturating_sub(self.shared.config.load(Ordering::Relaxed) & !CONFIG_OVERFLOW)
    }

    /// Lowers the capacity to `capacity` (at least 1, at most the slot
    /// count), keeping the slots: for an owner whose peers lay the queue out
    /// for a larger capacity (a subscriber that asked for a smaller buffer).
    /// Only while no end is in use, e.g. right after `init_in`.
    #[cfg(not(iox2_loom))]
    pub(crate) fn restrict_capacity(&self, capacity: u32) {
        let capacity = capacity.clamp(1, self.slot_count());
        let overflow = self.shared.config.load(Ordering::Relaxed) & CONFIG_OVERFLOW;
        self.shared
            .config
            .store((self.slot_count() - capacity) | overflow, Ordering::Release);
    }

    /// Whether a full queue lets the producer evict its oldest value.
    pub fn overflows(&self) -> bool {
        self.shared.config.load(Ordering::Relaxed) & CONFIG_OVERFLOW != 0
    }

    /// How many values the queue holds right now (a snapshot).
    pub fn len(&self) -> u32 {
        let tail = self.producer.tail.load(Ordering::Relaxed);
        let head = self.consumer.head.load(Ordering::Relaxed);
        tail.wrapping_sub(head).min(self.capacity())
    }

    /// Whether the queue is empty right now (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of slots (a power of two).
    #[inline]
    fn slot_count(&self) -> u32 {
        // The slot count is a power of two <= 2^24 by construction: for the
        // sized form by `with_config`'s assert, for a placed view by `slots_for`.
        self.slots.len() as u32
    }

    /// The slot of position `pos`.
    #[inline]
    fn slot(&self, pos: u32) -> &AtomicU32 {
        let index = (pos & (self.slot_count() - 1)) as usize;
        // `slots.len()` is a power of two, so the masked index is in range
        // (an empty slice cannot occur: capacity >= 1).
        &self.slots[index]
    }

    /// The lap tag a slot carries when it holds the entry for `pos`.
    #[inline]
    fn tag(&self, pos: u32) -> u32 {
        let lap = pos >> self.slot_count().trailing_zeros();
        ((!lap) & 1) << 31
    }
}

impl<R: Rmw> SpscQueueView<R> {
    /// Claims the producer end; a second claim, from any process, fails
    /// until the first handle is dropped.
    pub fn producer(&self) -> Result<Producer<'_, R>, EndpointClaimError> {
        self.claim(CLAIM_PRODUCER, Endpoint::Producer)?;
        Ok(Producer::new(self, true))
    }

    /// Claims the consumer end; a second claim, from any process, fails
    /// until the first handle is dropped.
    pub fn consumer(&self) -> Result<Consumer<'_, R>, EndpointClaimError> {
        self.claim(CLAIM_CONSUMER, Endpoint::Consumer)?;
        Ok(Consumer::new(self, true))
    }

    /// The producer end without a claim: for owners that guarantee by
    /// their own protocol that one context at a time pushes (a publisher
    /// port owns the submission queues of its connections). Cheap: a handle
    /// holds no state of its own.
    ///
    /// # Safety
    /// No other producer handle of this queue is used while this one lives
    /// (INV-ONECONTEXT); a second producer would corrupt the queue's
    /// positions (never memory outside it).
    #[inline]
    pub unsafe fn producer_unchecked(&self) -> Producer<'_, R> {
        Producer::new(self, false)
    }

    /// The consumer end without a claim; see [`SpscQueueView::producer_unchecked`].
    ///
    /// # Safety
    /// No other consumer handle of this queue is used while this one lives.
    #[inline]
    pub unsafe fn consumer_unchecked(&self) -> Consumer<'_, R> {
        Consumer::new(self, false)
    }

    fn claim(&self, bit: u32, endpoint: Endpoint) -> Result<(), EndpointClaimError> {
        // SYNC: Acquire pairs with the Release of the previous holder's
        // `release`, so its last position stores are visible to us.
        let old = R::fetch_or(&self.shared.claims, bit, Ordering::AcqRel);
        if old & bit != 0 {
            return Err(EndpointClaimError::AlreadyClaimed(endpoint));
        }
        Ok(())
    }

    fn release(&self, bit: u32) {
        // SYNC: Release pairs with the next claimant's Acquire.
        R::fetch_and(&self.shared.claims, !bit, Ordering::Release);
    }
}

#[cfg(all(test, not(iox2_loom)))]
mod tests;
