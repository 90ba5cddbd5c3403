//! A zeroed, page-aligned block of heap memory: the backing of one local
//! region, freed when its last owner lets go.

use crate::error::RegionError;
use core::alloc::Layout;
use core::ptr::NonNull;

/// The alignment of local regions: a page, as on the shared-memory platforms.
pub(crate) const ALIGN: usize = 4096;

/// The largest block the allocator could describe.
pub(crate) const MAX_LEN: usize = isize::MAX as usize - (ALIGN - 1);

/// `len` zeroed bytes aligned to [`ALIGN`], owned until dropped.
///
/// INV-BLOCK: `ptr` came from `alloc_zeroed(layout)` and is freed exactly
/// once, in `drop`.
#[derive(Debug)]
pub(crate) struct Block {
    ptr: NonNull<u8>,
    layout: Layout,
}

// SAFETY: the block is plain memory owned by this value (INV-BLOCK); users
// reach its bytes only through raw pointers and atomics (the `Region`
// contract), from any thread.
unsafe impl Send for Block {}
// SAFETY: as for `Send`; `&Block` only hands out the pointer.
unsafe impl Sync for Block {}

impl Block {
    /// Allocates `len` (>= 1) zeroed bytes.
    pub(crate) fn zeroed(len: usize) -> Result<Self, RegionError> {
        if len == 0 || len > MAX_LEN {
            return Err(RegionError::InvalidSize {
                requested: len,
                max: MAX_LEN,
            });
        }
        let layout = Layout::from_size_align(len, ALIGN).map_err(|_| RegionError::InvalidSize {
            requested: len,
            max: MAX_LEN,
        })?;
        // SAFETY: the layout has a non-zero size (checked above).
        let raw = unsafe { std::alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(raw).ok_or(RegionError::OutOfMemory)?;
        Ok(Self { ptr, layout })
    }

    pub(crate) fn as_ptr(&self) -> NonNull<u8> {
        self.ptr
    }

    pub(crate) fn len(&self) -> usize {
        self.layout.size()
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: INV-BLOCK: allocated with this layout, freed only here.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), self.layout) };
    }
}
