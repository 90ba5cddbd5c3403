//! An atomic bitset over 32-bit words: pending event ids, in-flight chunks.
//!
//! Bits of one set may be written two ways, chosen per set by its user:
//! - shared sets (several writers, e.g. event ids set by many notifiers and
//!   taken by one listener): [`AtomicBitsetView::insert`],
//!   [`AtomicBitsetView::remove`] and [`AtomicBitsetView::take_word`] go
//!   through the platform's [`Rmw`] (INV-ONEWRITER);
//! - single-writer sets (e.g. a publisher's in-flight bits): the
//!   `*_exclusive` methods use a plain load and store.
//!
//! Readers anywhere use [`AtomicBitsetView::contains`] and
//! [`AtomicBitsetView::for_each`].

use crate::error::{BitOutOfRangeError, CapacityError};
use crate::place::{MAX_CAPACITY, words_layout};
use crate::sync::{AtomicU32, Ordering, loom_const_fn, zeroed_words};
use core::alloc::Layout;
use iox2_platform::rmw::Rmw;
#[cfg(not(iox2_loom))]
use {crate::error::PlaceError, crate::place::check_memory, core::ptr::NonNull};

/// A bitset over `S` words (see [`AtomicBitset`] and [`AtomicBitsetView`]).
#[repr(transparent)]
pub struct AtomicBitsetBase<S: ?Sized> {
    words: S,
}

/// A bitset of `32 * WORDS` bits, all clear initially:
///
/// ```
/// use iox2_core::bitset::{words_for, AtomicBitset};
/// use iox2_platform::rmw::NativeRmw;
///
/// static PENDING: AtomicBitset<{ words_for(100) }> = AtomicBitset::new();
/// assert_eq!(PENDING.insert::<NativeRmw>(42), Ok(false));
/// let mut fired = [0u32; 4];
/// let mut n = 0;
/// PENDING.drain::<NativeRmw>(|bit| { fired[n] = bit; n += 1; });
/// assert_eq!(&fired[..n], &[42]);
/// ```
pub type AtomicBitset<const WORDS: usize> = AtomicBitsetBase<[AtomicU32; WORDS]>;

/// A bitset of any size: what [`AtomicBitset`] derefs to, and what
/// [`AtomicBitsetView::init_in`] places into shared memory.
pub type AtomicBitsetView = AtomicBitsetBase<[AtomicU32]>;

/// The words needed for `bits` bits.
#[inline]
pub const fn words_for(bits: u32) -> usize {
    bits.div_ceil(32) as usize
}

impl<S: ?Sized> core::fmt::Debug for AtomicBitsetBase<S>
where
    Self: core::ops::Deref<Target = AtomicBitsetView>,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let view: &AtomicBitsetView = self;
        f.debug_struct("AtomicBitset")
            .field("bits", &view.len())
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for AtomicBitsetView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AtomicBitset")
            .field("bits", &self.len())
            .finish_non_exhaustive()
    }
}

impl<const WORDS: usize> AtomicBitset<WORDS> {
    loom_const_fn! {
        /// A bitset with every bit clear (all zero bytes).
        pub fn new() -> Self {
            Self { words: zeroed_words::<WORDS>() }
        }
    }
}

impl<const WORDS: usize> Default for AtomicBitset<WORDS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const WORDS: usize> core::ops::Deref for AtomicBitset<WORDS> {
    type Target = AtomicBitsetView;

    fn deref(&self) -> &AtomicBitsetView {
        self
    }
}

impl AtomicBitsetView {
    /// The size and alignment of a bitset of `bits` bits in memory.
    #[inline]
    pub const fn layout(bits: u32) -> Result<Layout, CapacityError> {
        if bits == 0 {
            Err(CapacityError::Zero)
        } else if bits > MAX_CAPACITY {
            Err(CapacityError::TooLarge {
                requested: bits,
                max: MAX_CAPACITY,
            })
        } else {
            Ok(words_layout(0, words_for(bits) as u32, 4))
        }
    }

    /// Places a bitset of (at least) `bits` bits into memory, all clear.
    ///
    /// # Safety
    /// `len` bytes at `ptr` are valid for reads and writes for `'a`, and for
    /// that time are accessed by anyone only through atomics.
    #[cfg(not(iox2_loom))]
    pub unsafe fn init_in<'a>(ptr: NonNull<u8>, len: usize, bits: u32) -> Result<&'a Self, PlaceError> {
        // SAFETY: forwarded from the caller.
        let set = unsafe { Self::open_in(ptr, len, bits) }?;
        for word in &set.words {
            word.store(0, Ordering::Relaxed);
        }
        Ok(set)
    }

    /// Finds a bitset of (at least) `bits` bits in memory. A bitset has no
    /// header: any content is a valid set.
    ///
    /// # Safety
    /// As for [`AtomicBitsetView::init_in`].
    #[cfg(not(iox2_loom))]
    #[inline]
    pub unsafe fn open_in<'a>(ptr: NonNull<u8>, len: usize, bits: u32) -> Result<&'a Self, PlaceError> {
        let layout = Self::layout(bits)?;
        check_memory(ptr, len, layout)?;
        let raw = core::ptr::slice_from_raw_parts(ptr.as_ptr().cast::<AtomicU32>(), words_for(bits)) as *const Self;
        // SAFETY: size and alignment checked; the view covers exactly
        // `words_for(bits)` words, valid and atomic-only by the caller's promise.
        Ok(unsafe { &*raw })
    }

    /// The bitset over `words` (32 bits each).
    #[inline]
    pub fn from_words(words: &[AtomicU32]) -> &Self {
        let raw = words as *const [AtomicU32] as *const Self;
        // SAFETY: `AtomicBitsetBase` is `repr(transparent)` over its words,
        // and the cast keeps the slice length.
        unsafe { &*raw }
    }

    /// The number of bits.
    pub fn len(&self) -> u32 {
        // At most 2^24 bits: `words` has at most 2^19 entries.
        (self.words.len() * 32) as u32
    }

    /// Whether the set has no bits at all (never, for a placed set).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    #[inline]
    fn locate(&self, bit: u32) -> Result<(&AtomicU32, u32), BitOutOfRangeError> {
        match self.words.get((bit / 32) as usize) {
            Some(word) => Ok((word, 1 << (bit % 32))),
            None => Err(BitOutOfRangeError { bit, len: self.len() }),
        }
    }

    /// Whether `bit` is set.
    #[inline]
    pub fn contains(&self, bit: u32) -> Result<bool, BitOutOfRangeError> {
        let (word, mask) = self.locate(bit)?;
        // SYNC: Acquire pairs with the Release of the write that set it.
        Ok(word.load(Ordering::Acquire) & mask != 0)
    }

    /// Sets `bit` in a single-writer set; returns whether it was set.
    #[inline]
    pub fn insert_exclusive(&self, bit: u32) -> Result<bool, BitOutOfRangeError> {
        let (word, mask) = self.locate(bit)?;
        let old = word.load(Ordering::Relaxed);
        // SYNC: Release orders the caller's earlier writes before the bit.
        word.store(old | mask, Ordering::Release);
        Ok(old & mask != 0)
    }

    /// Clears `bit` in a single-writer set; returns whether it was set.
    #[inline]
    pub fn remove_exclusive(&self, bit: u32) -> Result<bool, BitOutOfRangeError> {
        let (word, mask) = self.locate(bit)?;
        let old = word.load(Ordering::Relaxed);
        word.store(old & !mask, Ordering::Release);
        Ok(old & mask != 0)
    }

    /// Calls `f` with every set bit, in ascending order (a snapshot per word).
    pub fn for_each(&self, mut f: impl FnMut(u32)) {
        for (base, word) in (0u32..).step_by(32).zip(&self.words) {
            visit_bits(base, word.load(Ordering::Acquire), &mut f);
        }
    }

    /// Sets `bit` in a shared set; returns whether it was set.
    pub fn insert<R: Rmw>(&self, bit: u32) -> Result<bool, BitOutOfRangeError> {
        let (word, mask) = self.locate(bit)?;
        // SYNC: AcqRel — Release publishes the caller's writes with the bit.
        Ok(R::fetch_or(word, mask, Ordering::AcqRel) & mask != 0)
    }

    /// Clears `bit` in a shared set; returns whether it was set.
    pub fn remove<R: Rmw>(&self, bit: u32) -> Result<bool, BitOutOfRangeError> {
        let (word, mask) = self.locate(bit)?;
        Ok(R::fetch_and(word, !mask, Ordering::AcqRel) & mask != 0)
    }

    /// Clears word `index` (bits `32 * index ..`) of a shared set and returns
    /// what it held; `None` past the end.
    pub fn take_word<R: Rmw>(&self, index: usize) -> Option<u32> {
        // SYNC: Acquire pairs with the Release of the `insert`s taken.
        self.words.get(index).map(|word| R::swap(word, 0, Ordering::AcqRel))
    }

    /// Clears the whole shared set, calling `f` with every bit that was set.
    pub fn drain<R: Rmw>(&self, mut f: impl FnMut(u32)) {
        for (index, base) in (0..self.words.len()).zip((0u32..).step_by(32)) {
            if let Some(bits) = self.take_word::<R>(index) {
                visit_bits(base, bits, &mut f);
            }
        }
    }
}

/// Calls `f(base + i)` for every set bit `i` of `bits`, ascending.
fn visit_bits(base: u32, mut bits: u32, f: &mut impl FnMut(u32)) {
    while bits != 0 {
        let bit = bits.trailing_zeros();
        f(base + bit);
        bits &= bits - 1;
    }
}

#[cfg(all(test, not(iox2_loom)))]
mod tests;
