//! Placing a structure into raw memory: the checks every structure shares.
//!
//! Each structure of the core has a sized form (a `const`-constructible
//! value, e.g. in a `static`) and an unsized *view* form whose last field is
//! a slice. The view is what code in shared memory uses: its `layout(capacity)`
//! is a `const fn`, `init_in` writes a fresh structure into memory and
//! `open_in` checks one that another process wrote. Both forms run the same
//! code: the sized form derefs to the view.

use crate::error::CapacityError;
use core::alloc::Layout;
#[cfg(not(iox2_loom))]
use {crate::error::PlaceError, core::ptr::NonNull};

/// The largest capacity of any core structure: 2^24 entries.
///
/// Positions are 32-bit and wrap; the MPMC queue keeps `31 - log2(slots)`
/// bits of lap tag next to each index, and 24 index bits leave it 7.
pub const MAX_CAPACITY: u32 = 1 << 24;

/// The number of slots behind a capacity: the next power of two, so 32-bit
/// positions wrap onto the same slot.
#[inline]
pub const fn slots_for(capacity: u32) -> Result<u32, CapacityError> {
    if capacity == 0 {
        Err(CapacityError::Zero)
    } else if capacity > MAX_CAPACITY {
        Err(CapacityError::TooLarge {
            requested: capacity,
            max: MAX_CAPACITY,
        })
    } else {
        Ok(capacity.next_power_of_two())
    }
}

/// The slot count for a capacity, for use in type positions:
/// `SpscQueue<NativeRmw, { slot_count(5) }>` has 8 slots. Fails to compile
/// for an invalid capacity.
pub const fn slot_count(capacity: u32) -> usize {
    match slots_for(capacity) {
        Ok(slots) => slots as usize,
        Err(_) => panic!("capacity must be 1..=2^24"),
    }
}

/// The layout of a structure with a header of `header` bytes, followed by
/// `count` words of 4 bytes, aligned to `align`.
#[inline]
pub(crate) const fn words_layout(header: usize, count: u32, align: usize) -> Layout {
    let size = header + count as usize * 4;
    let size = size.div_ceil(align) * align;
    match Layout::from_size_align(size, align) {
        Ok(layout) => layout,
        // `align` is a power of two (a type's alignment) and `size` is at most
        // a header plus 2^26 bytes: this cannot fail.
        Err(_) => panic!("invalid layout"),
    }
}

/// Checks that `len` bytes at `ptr` can hold `layout`.
#[cfg(not(iox2_loom))]
#[inline]
pub(crate) fn check_memory(ptr: NonNull<u8>, len: usize, layout: Layout) -> Result<(), PlaceError> {
    let address = ptr.as_ptr().addr();
    if !address.is_multiple_of(layout.align()) {
        return Err(PlaceError::Misaligned {
            required: layout.align(),
            address,
        });
    }
    if len < layout.size() {
        return Err(PlaceError::TooSmall {
            required: layout.size(),
            available: len,
        });
    }
    Ok(())
}

/// `value` rounded up to a multiple of `align`.
#[cfg(not(iox2_loom))]
pub(crate) const fn round_up(value: usize, align: usize) -> usize {
    value.div_ceil(align) * align
}

/// The larger of `a` and `b`, in a `const fn`.
#[cfg(not(iox2_loom))]
pub(crate) const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}
