//! `RegionBuffer<N>`: N statically reserved, zeroed, 64-byte aligned bytes
//! that a region table hands out as a region.

#[allow(clippy::disallowed_types)] // see the note on `RegionBuffer::bytes`
use core::cell::UnsafeCell;

/// `N` bytes of static memory for one region.
///
/// All-zero at start, so a `static` of it lands in `.bss` (or in a `NOLOAD`
/// section for memory shared between images: `#[link_section = ".shared"]`),
/// aligned to 64 bytes, and `Sync`: after it is registered with a
/// [`super::RegionTable`], the table hands its bytes out as a region.
///
/// ```
/// use iox2_platform::static_ram::RegionBuffer;
/// static TELEMETRY: RegionBuffer<2048> = RegionBuffer::new();
/// assert_eq!(TELEMETRY.capacity(), 2048);
/// ```
#[repr(C, align(64))]
pub struct RegionBuffer<const N: usize> {
    /// The bytes. A plain `core` cell, not the loom-switchable one: the
    /// bytes are reached only through raw pointers handed out by the table
    /// (as every region's are), which loom could not track anyway.
    bytes: UnsafeCell<[u8; N]>,
}

// SAFETY: the buffer never hands out references to its bytes, only a raw
// pointer; every access through it goes through a region handle, whose
// users access the memory with atomics and raw pointers only (the contract
// of `crate::Region`), exactly as for memory shared between processes.
unsafe impl<const N: usize> Sync for RegionBuffer<N> {}

impl<const N: usize> RegionBuffer<N> {
    /// A zeroed buffer.
    pub const fn new() -> Self {
        Self {
            bytes: UnsafeCell::new([0; N]),
        }
    }

    /// The buffer's size in bytes.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The first byte.
    pub(crate) const fn as_mut_ptr(&self) -> *mut u8 {
        self.bytes.get().cast()
    }
}

impl<const N: usize> Default for RegionBuffer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> core::fmt::Debug for RegionBuffer<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RegionBuffer")
            .field("capacity", &N)
            .field("at", &self.as_mut_ptr())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_and_zeroed() {
        static BUFFER: RegionBuffer<100> = RegionBuffer::new();
        assert_eq!(BUFFER.as_mut_ptr() as usize % 64, 0);
        assert_eq!(core::mem::align_of::<RegionBuffer<1>>(), 64);
        // SAFETY: the buffer is not registered anywhere; this test is its
        // only user, and reads within its 100 bytes.
        let bytes = unsafe { core::slice::from_raw_parts(BUFFER.as_mut_ptr(), 100) };
        assert!(bytes.iter().all(|b| *b == 0));
    }
}
