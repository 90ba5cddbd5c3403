//! Blackboard readers: a reader port (one of the service's `max_readers`)
//! and the entry handles it reads values through, each keeping its last
//! good value.

use super::BlackboardInner;
use crate::error::PortCreateError;
use crate::lock::HostPlatform;
use core::cell::Cell;
use core::fmt::Debug;
use core::marker::PhantomData;
use iox2_core::blackboard::{Entry, EntryError, EntryReadError, EntryValue};
use iox2_core::event::EventId;
use iox2_core::payload::ZeroCopySend;
use iox2_core::service::{PortKind, SlotId};
use std::fmt;
use std::sync::Arc;

/// Builds a [`Reader`].
pub struct ReaderBuilder<P: HostPlatform, K> {
    service: Arc<BlackboardInner<P, K>>,
}

impl<P: HostPlatform, K> fmt::Debug for ReaderBuilder<P, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReaderBuilder")
            .field("service", &self.service.name)
            .finish()
    }
}

impl<P: HostPlatform, K: ZeroCopySend + Copy + Eq + Debug> ReaderBuilder<P, K> {
    pub(crate) fn new(service: Arc<BlackboardInner<P, K>>) -> Self {
        Self { service }
    }

    /// Creates the reader: claims a reader slot;
    /// [`PortCreateError::ExceedsMaxPorts`] when `max_readers` readers exist.
    pub fn create(self) -> Result<Reader<P, K>, PortCreateError> {
        let slot = self
            .service
            .registry()
            .claim_port(PortKind::Reader, self.service.node_slot.index)
            .ok_or(PortCreateError::ExceedsMaxPorts)?;
        Ok(Reader {
            slot,
            service: self.service,
        })
    }
}

/// A reader of a blackboard: reads the values of its keys, never waiting
/// for the writer.
pub struct Reader<P: HostPlatform, K> {
    slot: SlotId,
    service: Arc<BlackboardInner<P, K>>,
}

impl<P: HostPlatform, K> fmt::Debug for Reader<P, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader")
            .field("service", &self.service.name)
            .field("slot", &self.slot)
            .finish()
    }
}

impl<P: HostPlatform, K: ZeroCopySend + Copy + Eq + Debug> Reader<P, K> {
    /// The handle to read `key`'s value, of type `V`:
    /// [`EntryError::UnknownKey`] if the blackboard has no such key,
    /// [`EntryError::WrongType`] if its value has another type.
    pub fn entry<V: EntryValue>(&self, key: K) -> Result<ReaderEntry<'_, K, V>, EntryError> {
        let entry = self.service.pattern.control.entry::<V>(&key)?;
        // The handle starts with the published value, or with the default
        // if the writer overtook every try (the default is always whole).
        let first = entry.read().unwrap_or_else(|_| entry.read_default());
        Ok(ReaderEntry {
            entry,
            last: Cell::new(first),
            key,
            _reader: PhantomData,
        })
    }
}

impl<P: HostPlatform, K> Drop for Reader<P, K> {
    fn drop(&mut self) {
        self.service.registry().release_port(PortKind::Reader, self.slot);
    }
}

/// Reads one key's value, keeping the last good one for when the writer
/// overtakes every try of a read. Not `Sync` (it updates that value);
/// borrows its [`Reader`].
pub struct ReaderEntry<'r, K, V> {
    entry: Entry<'static, V>,
    last: Cell<V>,
    key: K,
    _reader: PhantomData<&'r ()>,
}

impl<K: Debug, V> fmt::Debug for ReaderEntry<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReaderEntry").field("key", &self.key).finish()
    }
}

impl<K: Copy, V: EntryValue> ReaderEntry<'_, K, V> {
    /// The value: the published one, or — if the writer overtook each of
    /// the read's [`iox2_core::blackboard::READ_TRIES`] tries — the last
    /// one this handle read. Never torn; never waits for the writer.
    pub fn get(&self) -> V {
        self.try_get().unwrap_or_else(|_| self.last.get())
    }

    /// The published value, or why none was read: the writer overtook
    /// every try ([`EntryReadError::Busy`]), or the entry's words are
    /// corrupted. A value read becomes the handle's last good one.
    pub fn try_get(&self) -> Result<V, EntryReadError> {
        let value = self.entry.read()?;
        self.last.set(value);
        Ok(value)
    }

    /// The value the key was created with.
    pub fn default_value(&self) -> V {
        self.entry.read_default()
    }

    /// The key.
    pub fn key(&self) -> K {
        self.key
    }

    /// The key's event id (its position among the keys), which the writer's
    /// side fires on an event service of the application's choosing.
    pub fn entry_id(&self) -> EventId {
        self.entry.event_id()
    }

    /// Whether a write is under way, or was abandoned by a writer that died
    /// mid-write (until the next writer's next update). Diagnostics:
    /// [`ReaderEntry::get`] never needs it.
    pub fn write_in_progress(&self) -> bool {
        self.entry.write_in_progress()
    }
}
