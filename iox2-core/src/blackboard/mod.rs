//! The blackboard: a key-value store with keys fixed when the service is
//! created (each with a default value), one writer and any number of
//! readers (DESIGN.md "Blackboard").
//!
//! Each value is a [`TripleBuffer`]: the writer fills the buffer after the
//! published one and publishes its index with the write's generation; a
//! reader copies the published buffer and re-checks that the buffer still
//! holds that generation, with at most [`READ_TRIES`] tries, and otherwise
//! keeps its last good value. Nobody
//! waits for anybody (INV-PREEMPT): a write is wait-free, a read is
//! bounded, and a reader that interrupts a preempted writer (an ISR) reads
//! at its first try, since the writer is inside another buffer. No torn
//! value ever leaves a read, and a writer killed mid-write leaves the last
//! complete value published. See [`buffer`](TripleBufferView) for the
//! protocol and its ordering.
//!
//! Values cross the segment as 32-bit atomic words, so value types are
//! [`EntryValue`]s: `ZeroCopySend + Copy` without padding.
//!
//! The service in shared memory ([`BlackboardControl`], [`BlackboardQos`],
//! [`blackboard_layout`]) is one control segment: header, registry (one
//! writer slot, `max_readers` reader slots), the keys, a table of entries
//! (value type descriptor, region offset and size, event id) and the
//! arena of triple buffers. The key type is the service's payload type.
//! Each entry's event id is its index: [`Entry::event_id`].

mod buffer;
#[cfg(not(iox2_loom))]
mod control;
mod error;
#[cfg(not(iox2_loom))]
mod layout;
mod qos;
mod value;

pub use buffer::{READ_TRIES, TripleBuffer, TripleBufferBase, TripleBufferView, buffer_words};
#[cfg(not(iox2_loom))]
pub use control::{BlackboardControl, BlackboardInit, Entry, WriterEntry, WriterPort};
pub use error::{CorruptedEntry, EntryError, EntryProblem, EntryReadError};
#[cfg(not(iox2_loom))]
pub use layout::{BlackboardLayout, ENTRY_RECORD, blackboard_layout, region_len};
pub use qos::BlackboardQos;
pub use value::EntryValue;

#[cfg(all(test, not(iox2_loom)))]
mod tests;
