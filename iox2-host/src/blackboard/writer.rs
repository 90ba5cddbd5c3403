//! The blackboard's writer: one per service, claiming the writer slot, and
//! the entry handles it writes values through.

use super::BlackboardInner;
use crate::error::PortCreateError;
use crate::lock::HostPlatform;
use core::fmt::Debug;
use iox2_core::blackboard::{EntryError, EntryValue, WriterPort};
use iox2_core::event::EventId;
use iox2_core::payload::ZeroCopySend;
use std::fmt;
use std::sync::Arc;

/// Builds the [`Writer`].
pub struct WriterBuilder<P: HostPlatform, K> {
    service: Arc<BlackboardInner<P, K>>,
}

impl<P: HostPlatform, K> fmt::Debug for WriterBuilder<P, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriterBuilder")
            .field("service", &self.service.name)
            .finish()
    }
}

impl<P: HostPlatform, K: ZeroCopySend + Copy + Eq + Debug> WriterBuilder<P, K> {
    pub(crate) fn new(service: Arc<BlackboardInner<P, K>>) -> Self {
        Self { service }
    }

    /// Creates the writer: claims the service's one writer slot;
    /// [`PortCreateError::ExceedsMaxPorts`] while another writer (of any
    /// process, or a dead one not yet reaped) holds it.
    pub fn create(self) -> Result<Writer<P, K>, PortCreateError> {
        let port = WriterPort::claim(self.service.pattern.control, self.service.node_slot.index)
            .ok_or(PortCreateError::ExceedsMaxPorts)?;
        Ok(Writer {
            port: Some(port),
            service: self.service,
        })
    }
}

/// The writer of a blackboard: updates the values of its keys.
///
/// `Send`, not `Sync`: one thread writes at a time (INV-ONEWRITER); its
/// entry handles borrow it and stay in that thread.
pub struct Writer<P: HostPlatform, K> {
    /// `None` only while dropping.
    port: Option<WriterPort<'static, P::Rmw, K>>,
    /// Keeps the segment the port points into mapped.
    service: Arc<BlackboardInner<P, K>>,
}

impl<P: HostPlatform, K> fmt::Debug for Writer<P, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writer")
            .field("service", &self.service.name)
            .field("slot", &self.port.as_ref().map(WriterPort::slot))
            .finish()
    }
}

impl<P: HostPlatform, K: ZeroCopySend + Copy + Eq + Debug> Writer<P, K> {
    /// The handle to write `key`'s value, of type `V`:
    /// [`EntryError::UnknownKey`] if the blackboard has no such key,
    /// [`EntryError::WrongType`] if its value has another type.
    pub fn entry<V: EntryValue>(&self, key: K) -> Result<WriterEntry<'_, K, V>, EntryError> {
        let port = self.port.as_ref().expect("a writer has its port until dropped");
        Ok(WriterEntry {
            entry: port.entry::<V>(&key)?,
            key,
        })
    }
}

impl<P: HostPlatform, K> Drop for Writer<P, K> {
    fn drop(&mut self) {
        if let Some(port) = self.port.take() {
            port.leave();
        }
    }
}

/// Writes one key's value. Borrows its [`Writer`]: neither `Send` nor
/// `Sync`.
pub struct WriterEntry<'w, K, V> {
    entry: iox2_core::blackboard::WriterEntry<'w, 'static, V>,
    key: K,
}

impl<K: Debug, V> fmt::Debug for WriterEntry<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriterEntry").field("key", &self.key).finish()
    }
}

impl<K: Copy, V: EntryValue> WriterEntry<'_, K, V> {
    /// Writes `value` and publishes it: readers see it from their next
    /// read on. Wait-free: never waits for a reader.
    pub fn update_with_copy(&self, value: V) {
        self.entry.update(&value);
    }

    /// The key.
    pub fn key(&self) -> K {
        self.key
    }

    /// The key's event id (its position among the keys): fire it on an
    /// event service after an update so that readers learn of the change.
    pub fn entry_id(&self) -> EventId {
        self.entry.entry().event_id()
    }
}
