//! Zeroed, cache-line aligned heap memory standing in for a fresh region
//! in unit tests.

extern crate std;

use crate::segment::Segment;
use core::ptr::NonNull;
use std::vec;
use std::vec::Vec;

/// 128 bytes aligned to 128.
#[derive(Clone, Copy)]
#[repr(C, align(128))]
struct Block([u8; 128]);

/// Zeroed memory aligned to 128 bytes.
pub(crate) struct Memory(Vec<Block>);

impl Memory {
    /// At least `len` zeroed bytes.
    pub(crate) fn new(len: usize) -> Self {
        Self(vec![Block([0; 128]); len.div_ceil(128)])
    }

    /// The memory as a segment.
    pub(crate) fn segment(&mut self) -> Segment<'_> {
        let len = self.0.len() * 128;
        // SAFETY: the memory lives as long as the segment's borrow and is
        // used only through it.
        unsafe { Segment::new(NonNull::new(self.0.as_mut_ptr().cast::<u8>()).unwrap(), len) }
    }
}
