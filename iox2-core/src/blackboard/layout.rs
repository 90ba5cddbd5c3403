//! Where everything of a blackboard service lives in its control segment
//! (`iox2_<hash>_ctl`, the service's only segment), computed by a `const fn`
//! from the settings and the key type alone:
//! ```text
//! header                                  (service/header.rs)
//! nodes      [max_nodes]                  (service/registry.rs)
//! writer     [1]                          port slot
//! readers    [max_readers]                port slots
//! keys       [entries] × key size         the keys' bytes, unaligned, from a line of their own
//! table      [entries] × 104 bytes        { value descriptor (22 words), region offset,
//!                                           value size, event id, 0 } from a line of their own
//! arena      [entries] regions            per entry, from a cache line: { published, seq[3] }
//!                                           then four buffers (three live, the default)
//! ```
//! The regions follow each other in table order, so an opener can
//! recompute every offset from the descriptors and check the stored ones.

use super::buffer::{BUFFER_HEADER, BUFFERS};
use super::qos::BlackboardQos;
use crate::service::{PortKind, QosError, RegistryLayout};
use crate::sync::CACHE_LINE;

/// Words of a table record's value descriptor.
pub(crate) const DESCRIPTOR_WORDS: usize = crate::payload::TypeDescriptor::ENCODED_LEN / 4;
/// Word of a table record: the region's offset in the arena (bytes).
pub(crate) const OFFSET_WORD: usize = DESCRIPTOR_WORDS;
/// Word of a table record: the value's size (bytes).
pub(crate) const SIZE_WORD: usize = DESCRIPTOR_WORDS + 1;
/// Word of a table record: the entry's event id.
pub(crate) const EVENT_WORD: usize = DESCRIPTOR_WORDS + 2;
/// Bytes of a table record.
pub const ENTRY_RECORD: usize = 4 * (DESCRIPTOR_WORDS + 4);

/// Offsets in a blackboard service's control segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlackboardLayout {
    /// The node, writer and reader slots.
    pub registry: RegistryLayout,
    /// Offset of the keys.
    pub keys: usize,
    /// Bytes of one key.
    pub key_size: usize,
    /// Offset of the table.
    pub table: usize,
    /// Offset of the arena.
    pub arena: usize,
    /// Bytes of the arena.
    pub arena_len: usize,
    /// Total bytes.
    pub len: usize,
}

/// Words per buffer for a value of `value_size` bytes.
pub const fn stride(value_size: u32) -> usize {
    value_size.div_ceil(4) as usize
}

/// Bytes of the arena region of a value of `value_size` bytes: its triple
/// buffer, rounded up to a cache line (so no two entries' words share one).
/// 64-bit arithmetic: a huge size is refused by the caller, never wrapped.
pub const fn region_len(value_size: u32) -> u64 {
    let bytes = BUFFER_HEADER as u64 + (BUFFERS as u64) * 4 * (value_size as u64).div_ceil(4);
    bytes.div_ceil(CACHE_LINE as u64) * CACHE_LINE as u64
}

/// The control segment's layout for `qos` and keys of `key_size` bytes.
pub const fn blackboard_layout(qos: &BlackboardQos, key_size: u32) -> Result<BlackboardLayout, QosError> {
    if let Err(e) = qos.check() {
        return Err(e);
    }
    let (registry, keys) = RegistryLayout::after_header(
        qos.max_nodes,
        (PortKind::Writer, 1),
        (PortKind::Reader, qos.max_readers),
    );
    let line = CACHE_LINE as u64;
    let key_bytes = (qos.entries as u64 * key_size as u64).div_ceil(line) * line;
    let table = keys as u64 + key_bytes;
    let arena = table + (qos.entries as u64 * ENTRY_RECORD as u64).div_ceil(line) * line;
    let len = arena + qos.arena_len as u64;
    if len > u32::MAX as u64 {
        return Err(QosError::TooLarge("the control segment"));
    }
    Ok(BlackboardLayout {
        registry,
        keys,
        key_size: key_size as usize,
        table: table as usize,
        arena: arena as usize,
        arena_len: qos.arena_len as usize,
        len: len as usize,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::round_up;

    #[test]
    fn regions_follow_each_other_on_cache_lines() {
        let qos = BlackboardQos {
            max_readers: 8,
            max_nodes: 20,
            entries: 3,
            arena_len: 3 * CACHE_LINE as u32,
        };
        let l = blackboard_layout(&qos, 8).unwrap();
        let [writer, readers] = l.registry.ports;
        assert_eq!((writer.kind, writer.count), (PortKind::Writer, 1));
        assert_eq!((readers.kind, readers.count), (PortKind::Reader, 8));
        assert!(l.keys >= readers.offset + 8 * crate::service::PORT_SLOT);
        assert_eq!(l.table, l.keys + CACHE_LINE, "3 keys of 8 bytes fit a line");
        assert_eq!(l.arena, l.table + round_up(3 * ENTRY_RECORD, CACHE_LINE));
        assert_eq!(l.arena % CACHE_LINE, 0);
        assert_eq!(l.len, l.arena + 3 * CACHE_LINE);
        assert_eq!(ENTRY_RECORD, 104);
    }

    #[test]
    fn a_region_holds_four_buffers_after_its_words() {
        assert_eq!(stride(0), 0);
        assert_eq!(stride(7), 2);
        assert_eq!(region_len(0), CACHE_LINE as u64);
        assert_eq!(region_len(4), CACHE_LINE as u64, "16 + 16 bytes");
        let big = region_len(1000);
        assert!(big >= 16 + 4 * 1000 && big.is_multiple_of(CACHE_LINE as u64));
        assert!(region_len(u32::MAX) > u32::MAX as u64, "no wrap");
    }

    #[test]
    fn a_layout_beyond_32_bits_is_refused() {
        let qos = BlackboardQos {
            max_readers: 1,
            max_nodes: 1,
            entries: 1,
            arena_len: u32::MAX,
        };
        assert_eq!(
            blackboard_layout(&qos, 4),
            Err(QosError::TooLarge("the control segment"))
        );
        let keys = BlackboardQos {
            arena_len: 64,
            entries: 4096,
            ..qos
        };
        assert_eq!(
            blackboard_layout(&keys, u32::MAX),
            Err(QosError::TooLarge("the control segment"))
        );
    }
}
