//! A pool of chunk indices: take a free one, give it back.
//!
//! The free list is an [`MpmcQueue`](crate::mpmc::MpmcQueue) that starts out
//! holding every index, so it hands indices out first-in first-out. FIFO is
//! deliberate: ../shared/PERFORMANCE.md measured that a LIFO free list makes
//! the next loan reuse the chunk whose line the last return just touched,
//! putting a cache miss on the critical path (2.51x vs 1.95x of the floor).
//!
//! # ABA safety and the tag width
//! Every slot word carries a lap tag of `31 - log2(slots)` bits beside its
//! index (see [`crate::mpmc`]), so a compare-and-swap by a participant that
//! was preempted succeeds wrongly only if the very same slot went through
//! `2^(31 - log2(slots))` laps meanwhile: `2^31` operations on the list
//! during one preemption, whatever the capacity. A classic Treiber stack
//! with a tag in its 32-bit head would have left only `32 - log2(capacity)`
//! bits — 65,536 operations for a 65,536-chunk pool — and is LIFO besides.
//!
//! # Trust
//! A list in shared memory may be written by a faulty peer: an index it
//! hands out is below the capacity (masked) but maybe already in use; the
//! owner of the pool tracks chunk states and checks them (INV-REFCOUNT).

use crate::error::{CapacityError, MpmcPushError};
use crate::mpmc::MpmcQueueBase;
use crate::sync::{AtomicU32, loom_const_fn};
use core::alloc::Layout;
use core::fmt;
use iox2_platform::rmw::Rmw;
#[cfg(not(iox2_loom))]
use {crate::error::PlaceError, core::ptr::NonNull};

/// A free list over `S` words (see [`FreeList`] and [`FreeListView`]).
#[repr(transparent)]
pub struct FreeListBase<R, S: ?Sized> {
    queue: MpmcQueueBase<R, S>,
}

/// A free list of the chunk indices below `N` (a power of two up to 2^24):
///
/// ```
/// use iox2_core::free_list::FreeList;
/// use iox2_platform::rmw::NativeRmw;
///
/// static POOL: FreeList<NativeRmw, 4> = FreeList::with_all_free(4);
/// let a = POOL.acquire().unwrap();
/// assert_eq!(a, 0); // first in, first out
/// POOL.release(a).unwrap();
/// assert!(POOL.release(a).is_err()); // all four are free already
/// ```
pub type FreeList<R, const N: usize> = FreeListBase<R, [AtomicU32; N]>;

/// A free list of any size: what [`FreeList`] derefs to, and what
/// [`FreeListView::init_in`] places into shared memory.
pub type FreeListView<R> = FreeListBase<R, [AtomicU32]>;

impl<R, S: ?Sized> fmt::Debug for FreeListBase<R, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FreeList").field("queue", &&self.queue).finish()
    }
}

/// Why an index could not be given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FreeListReleaseError {
    /// The index is not below the list's capacity.
    IndexOutOfRange {
        /// The index given.
        index: u32,
        /// The list's capacity.
        capacity: u32,
    },
    /// Every slot of the list is taken: this index is given back twice.
    /// (Detected whenever the list holds as many indices as it has slots,
    /// i.e. always for a capacity that is a power of two; below that, the
    /// owner's chunk states catch a double release.)
    AlreadyFree(u32),
}

impl fmt::Display for FreeListReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IndexOutOfRange { index, capacity } => {
                write!(f, "chunk index {index} is out of range (capacity {capacity})")
            }
            Self::AlreadyFree(index) => write!(f, "chunk index {index} is released twice (every index is free)"),
        }
    }
}

impl core::error::Error for FreeListReleaseError {}

impl<R, const N: usize> FreeList<R, N> {
    loom_const_fn! {
        /// A list for the indices `0..N` with none of them free (all-zero
        /// bytes: a `static` lands in `.bss`); fill it with
        /// [`FreeListView::release`].
        pub fn new() -> Self {
            Self { queue: MpmcQueueBase::new() }
        }
    }

    /// A list for the indices `0..capacity` (`capacity <= N`), all free.
    #[cfg(not(iox2_loom))]
    pub const fn with_all_free(capacity: u32) -> Self {
        Self {
            queue: MpmcQueueBase::with_all_indices(capacity),
        }
    }
}

impl<R, const N: usize> Default for FreeList<R, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R, const N: usize> core::ops::Deref for FreeList<R, N> {
    type Target = FreeListView<R>;

    fn deref(&self) -> &FreeListView<R> {
        self
    }
}

impl<R> FreeListView<R> {
    /// The size and alignment of a list for `capacity` indices in memory.
    #[inline]
    pub const fn layout(capacity: u32) -> Result<Layout, CapacityError> {
        crate::mpmc::MpmcQueueView::<R>::layout(capacity)
    }

    /// Writes a fresh list for the indices `0..capacity` into memory, all free.
    ///
    /// # Safety
    /// As for [`crate::mpmc::MpmcQueueView::init_in`].
    #[cfg(not(iox2_loom))]
    pub unsafe fn init_in<'a>(ptr: NonNull<u8>, len: usize, capacity: u32) -> Result<&'a Self, PlaceError> {
        // SAFETY: forwarded from the caller.
        let queue = unsafe { crate::mpmc::MpmcQueueView::<R>::init_in(ptr, len, capacity, true) }?;
        Ok(Self::wrap(queue))
    }

    /// Finds the list that [`FreeListView::init_in`] placed into memory.
    ///
    /// # Safety
    /// As for [`crate::mpmc::MpmcQueueView::init_in`].
    #[cfg(not(iox2_loom))]
    #[inline]
    pub unsafe fn open_in<'a>(ptr: NonNull<u8>, len: usize, capacity: u32) -> Result<&'a Self, PlaceError> {
        // SAFETY: forwarded from the caller.
        let queue = unsafe { crate::mpmc::MpmcQueueView::<R>::open_in(ptr, len, capacity) }?;
        Ok(Self::wrap(queue))
    }

    #[cfg(not(iox2_loom))]
    #[inline]
    fn wrap(queue: &crate::mpmc::MpmcQueueView<R>) -> &Self {
        let raw = queue as *const crate::mpmc::MpmcQueueView<R> as *const Self;
        // SAFETY: `FreeListBase` is `repr(transparent)` over the queue, and
        // the cast keeps the slice metadata.
        unsafe { &*raw }
    }

    /// The number of indices the list manages.
    #[inline]
    pub fn capacity(&self) -> u32 {
        self.queue.capacity()
    }

    /// How many indices are free right now (a snapshot).
    #[inline]
    pub fn free(&self) -> u32 {
        self.queue.len()
    }
}

impl<R: Rmw> FreeListView<R> {
    /// Takes the free index that was given back longest ago. Lock-free.
    #[inline]
    pub fn acquire(&self) -> Option<u32> {
        self.queue.pop()
    }

    /// Gives `index` back. Lock-free.
    #[inline]
    pub fn release(&self, index: u32) -> Result<(), FreeListReleaseError> {
        self.queue.push(index).map_err(|e| match e {
            MpmcPushError::Full(index) => FreeListReleaseError::AlreadyFree(index),
            MpmcPushError::IndexOutOfRange { index, capacity } => {
                FreeListReleaseError::IndexOutOfRange { index, capacity }
            }
        })
    }
}
