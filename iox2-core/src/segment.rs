//! A region of memory shared with other processes, as the core sees it:
//! a base address and a length, touched only through atomics and through
//! the payload bytes the data path hands to users.
//!
//! Every offset a caller passes comes from a layout the caller computed
//! from validated settings, and the segment's length was checked against
//! that layout when it was opened; the asserts here guard the core's own
//! arithmetic, never input from another process.

use crate::bitset::AtomicBitsetView;
use crate::free_list::FreeListView;
use crate::place::slots_for;
use crate::spsc::SpscQueueView;
use crate::sync::AtomicU32;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// A shared region of `len` bytes at `ptr`, valid for `'a`.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    ptr: NonNull<u8>,
    len: usize,
    _memory: PhantomData<&'a [AtomicU32]>,
}

// SAFETY: a segment is only read and written through atomics (and payload
// bytes whose ownership the data path hands over with Acquire/Release), so
// sharing the handle between threads is as safe as sharing `&[AtomicU32]`.
unsafe impl Send for Segment<'_> {}
// SAFETY: as for `Send`.
unsafe impl Sync for Segment<'_> {}

impl<'a> Segment<'a> {
    /// The segment of `len` bytes at `ptr`.
    ///
    /// # Safety
    /// `ptr` is aligned to at least 64 bytes and valid for reads (and, if
    /// the segment is ever written, writes) of `len` bytes for `'a`; for
    /// that time every process accesses it only through atomics, or through
    /// payload bytes whose ownership the core's protocol hands over.
    pub unsafe fn new(ptr: NonNull<u8>, len: usize) -> Self {
        Self {
            ptr,
            len,
            _memory: PhantomData,
        }
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the segment has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The address `offset` bytes in, for `size` bytes that must fit.
    #[inline]
    pub fn at(&self, offset: usize, size: usize) -> NonNull<u8> {
        assert!(
            offset.checked_add(size).is_some_and(|end| end <= self.len),
            "offset beyond the segment"
        );
        // SAFETY: in bounds of the segment (checked above).
        unsafe { self.ptr.add(offset) }
    }

    /// The 32-bit word at `offset` (4-aligned).
    #[inline]
    pub fn word(&self, offset: usize) -> &'a AtomicU32 {
        assert!(offset.is_multiple_of(4), "unaligned word offset");
        let ptr = self.at(offset, 4).cast::<AtomicU32>();
        // SAFETY: in bounds and 4-aligned (the base is 64-aligned); the
        // memory is accessed only atomically for 'a (`new`'s contract).
        unsafe { ptr.as_ref() }
    }

    /// The SPSC queue of `capacity` at `offset`, as it is (not validated:
    /// a queue's words can hold anything without making it unsafe).
    #[inline]
    pub fn spsc<R>(&self, offset: usize, capacity: u32) -> &'a SpscQueueView<R> {
        let (slots, layout) = spsc_shape::<R>(capacity);
        let ptr = self.at(offset, layout);
        // SAFETY: in bounds for the queue's whole layout; alignment is the
        // caller's layout's job, checked in debug builds by `at`'s users'
        // tests; access is atomic only.
        unsafe { SpscQueueView::at(ptr, slots) }
    }

    /// Writes a fresh SPSC queue laid out for `room` values at `offset`,
    /// holding at most `capacity <= room` of them.
    pub fn init_spsc<R>(&self, offset: usize, room: u32, capacity: u32, overflow: bool) -> &'a SpscQueueView<R> {
        let (_, layout) = spsc_shape::<R>(room);
        let ptr = self.at(offset, layout);
        // SAFETY: in bounds; the caller owns the queue's words by protocol.
        match unsafe { SpscQueueView::init_in(ptr, layout, room, overflow) } {
            Ok(queue) => {
                queue.restrict_capacity(capacity);
                queue
            }
            Err(e) => panic!("a layout placed a queue badly: {e}"),
        }
    }

    /// Writes a fresh free list of `capacity` indices, all free, at `offset`.
    pub fn init_free_list<R>(&self, offset: usize, capacity: u32) -> &'a FreeListView<R> {
        let size = free_list_size::<R>(capacity);
        let ptr = self.at(offset, size);
        // SAFETY: in bounds; only the segment's owner writes it.
        match unsafe { FreeListView::init_in(ptr, size, capacity) } {
            Ok(list) => list,
            Err(e) => panic!("a layout placed a free list badly: {e}"),
        }
    }

    /// The free list of `capacity` indices at `offset`, checked.
    #[inline]
    pub fn free_list<R>(&self, offset: usize, capacity: u32) -> Result<&'a FreeListView<R>, crate::error::PlaceError> {
        let size = free_list_size::<R>(capacity);
        let ptr = self.at(offset, size);
        // SAFETY: in bounds; access is atomic only.
        unsafe { FreeListView::open_in(ptr, size, capacity) }
    }
}

impl<'a> Segment<'a> {
    /// The bitset of `bits` bits at `offset`.
    #[inline]
    pub fn bitset(&self, offset: usize, bits: u32) -> &'a AtomicBitsetView {
        let size = match AtomicBitsetView::layout(bits) {
            Ok(layout) => layout.size(),
            Err(_) => panic!("a layout holds a bitset of invalid size"),
        };
        let ptr = self.at(offset, size);
        // SAFETY: in bounds; access is atomic only.
        match unsafe { AtomicBitsetView::open_in(ptr, size, bits) } {
            Ok(set) => set,
            Err(e) => panic!("a layout placed a bitset badly: {e}"),
        }
    }
}

#[inline]
fn spsc_shape<R>(capacity: u32) -> (u32, usize) {
    match (slots_for(capacity), SpscQueueView::<R>::layout(capacity)) {
        (Ok(slots), Ok(layout)) => (slots, layout.size()),
        _ => panic!("a layout holds a queue of invalid capacity"),
    }
}

#[inline]
fn free_list_size<R>(capacity: u32) -> usize {
    match FreeListView::<R>::layout(capacity) {
        Ok(layout) => layout.size(),
        Err(_) => panic!("a layout holds a free list of invalid capacity"),
    }
}
