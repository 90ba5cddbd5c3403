//! A name of up to [`NAME_CAPACITY`] bytes kept in atomic words, so a
//! table slot can be renamed while other contexts compare names.

use crate::sync::{AtomicU32, Ordering};

/// The longest name a `static_ram` table stores, in bytes.
pub const NAME_CAPACITY: usize = 64;

/// Words of four bytes holding a name.
const WORDS: usize = NAME_CAPACITY / 4;

/// A zero-padded name in atomic words.
///
/// Names never contain a NUL byte (`check_name` allows only
/// `[A-Za-z0-9._-]`), so two names are equal exactly when all their padded
/// words are.
///
/// INV-NAME-PUBLISH: the words are written only by the context that holds
/// the slot exclusively, and read only after the slot word was seen in a
/// state that was stored after the writes (Release/Acquire on the slot word);
/// a read that races a rename is harmless because the caller re-validates
/// the slot word afterwards.
#[derive(Debug)]
pub(crate) struct SlotName {
    words: [AtomicU32; WORDS],
}

impl SlotName {
    /// An empty name (all zero).
    #[cfg(not(iox2_loom))]
    pub(crate) const fn new() -> Self {
        Self {
            words: [const { AtomicU32::new(0) }; WORDS],
        }
    }

    /// An empty name (loom build: not `const`).
    #[cfg(iox2_loom)]
    pub(crate) fn new() -> Self {
        Self {
            words: core::array::from_fn(|_| AtomicU32::new(0)),
        }
    }

    /// Stores `name` (at most [`NAME_CAPACITY`] bytes, checked by the caller;
    /// longer names are cut, which `check_name` rules out).
    pub(crate) fn store(&self, name: &str) {
        for (index, word) in self.words.iter().enumerate() {
            // SYNC: Relaxed; published by the caller's Release on the slot
            // word (INV-NAME-PUBLISH).
            word.store(pack(name.as_bytes(), index), Ordering::Relaxed);
        }
    }

    /// Clears the name.
    pub(crate) fn clear(&self) {
        for word in &self.words {
            // SYNC: as in `store`.
            word.store(0, Ordering::Relaxed);
        }
    }

    /// Whether the stored name is `name`.
    pub(crate) fn matches(&self, name: &str) -> bool {
        if name.len() > NAME_CAPACITY {
            return false;
        }
        self.words
            .iter()
            .enumerate()
            // SYNC: Relaxed; ordered after the caller's Acquire of the slot
            // word (INV-NAME-PUBLISH).
            .all(|(index, word)| word.load(Ordering::Relaxed) == pack(name.as_bytes(), index))
    }
}

/// Bytes `4 * index .. 4 * index + 4` of `bytes`, zero-padded, little-endian.
fn pack(bytes: &[u8], index: usize) -> u32 {
    let mut quad = [0u8; 4];
    for (offset, byte) in quad.iter_mut().enumerate() {
        if let Some(b) = bytes.get(index * 4 + offset) {
            *byte = *b;
        }
    }
    u32::from_le_bytes(quad)
}

#[cfg(all(test, not(iox2_loom)))]
mod tests {
    use super::*;

    #[test]
    fn stores_and_matches() {
        let name = SlotName::new();
        assert!(!name.matches("camera.frames"));
        name.store("camera.frames");
        assert!(name.matches("camera.frames"));
        assert!(!name.matches("camera.frame"));
        assert!(!name.matches("camera.framesx"));
        name.clear();
        assert!(!name.matches("camera.frames"));
    }

    #[test]
    fn full_capacity_names() {
        let long = "a".repeat(NAME_CAPACITY);
        let name = SlotName::new();
        name.store(&long);
        assert!(name.matches(&long));
        assert!(!name.matches(&"a".repeat(NAME_CAPACITY + 1)));
        assert!(!name.matches(&"a".repeat(NAME_CAPACITY - 1)));
    }
}
