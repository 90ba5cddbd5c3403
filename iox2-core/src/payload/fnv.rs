//! FNV-1a in `const fn`: 32 bits for type descriptors and layout hashes,
//! 64 bits for service names (the stem of their region names). Small, the same on every target and in
//! every language, and not meant to resist an adversary (a hash only tells
//! mismatches early; the fields themselves are compared too).

/// The 32-bit FNV-1a hash of `bytes`.
///
/// ```
/// use iox2_core::payload::fnv1a32;
/// assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
/// ```
pub const fn fnv1a32(bytes: &[u8]) -> u32 {
    Fnv1a32::new().write(bytes).finish()
}

/// The 64-bit FNV-1a hash of `bytes`.
///
/// ```
/// use iox2_core::payload::fnv1a64;
/// assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
/// assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
/// ```
pub const fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// A 32-bit FNV-1a hash fed in pieces, for hashes over several values
/// (a layout hash: a type descriptor, then capacities and offsets).
///
/// ```
/// use iox2_core::payload::{Fnv1a32, TypeDescriptor, fnv1a32};
/// let descriptor = TypeDescriptor::of::<u64>();
/// let layout = Fnv1a32::new().write(&descriptor.to_bytes()).write_u32(64).finish();
/// assert_ne!(layout, descriptor.fingerprint());
/// assert_eq!(Fnv1a32::new().write(b"ab").finish(), fnv1a32(b"ab"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a32 {
    state: u32,
}

impl Fnv1a32 {
    const OFFSET_BASIS: u32 = 0x811c_9dc5;
    const PRIME: u32 = 0x0100_0193;

    /// The hash of nothing.
    pub const fn new() -> Self {
        Self {
            state: Self::OFFSET_BASIS,
        }
    }

    /// Feeds `bytes`.
    pub const fn write(mut self, bytes: &[u8]) -> Self {
        let mut i = 0;
        while i < bytes.len() {
            self.state ^= bytes[i] as u32;
            self.state = self.state.wrapping_mul(Self::PRIME);
            i += 1;
        }
        self
    }

    /// Feeds `value` as 4 little-endian bytes, whatever the target's byte
    /// order.
    pub const fn write_u32(self, value: u32) -> Self {
        self.write(&value.to_le_bytes())
    }

    /// The hash so far.
    pub const fn finish(self) -> u32 {
        self.state
    }
}

impl Default for Fnv1a32 {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_vectors() {
        // The published FNV-1a 32-bit test vectors.
        assert_eq!(fnv1a32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a32(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn pieces_hash_like_the_whole() {
        let whole = fnv1a32(b"foobar\x01\x00\x00\x00");
        let pieces = Fnv1a32::default().write(b"foo").write(b"bar").write_u32(1);
        assert_eq!(pieces.finish(), whole);
    }
}
