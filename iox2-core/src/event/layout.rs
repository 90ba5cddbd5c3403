//! Where everything of an event service lives in its control segment
//! (`iox2_<hash>_ctl`), computed by a `const fn` from the settings alone:
//! ```text
//! header                                  (service/header.rs)
//! nodes      [max_nodes]                  (service/registry.rs)
//! notifiers  [max_notifiers]              port slots
//! listeners  [max_listeners]              port slots
//! stamps     [max_notifiers + 1]          { seq, lo, hi } one line each: each notifier's
//!                                         last notification, then the service's creation
//! cells      [max_listeners]              { wait word, pending bits } from a line of their own
//! ```

use super::qos::EventQos;
use crate::bitset::words_for;
use crate::place::round_up;
use crate::service::{PortKind, QosError, RegistryLayout};
use crate::sync::CACHE_LINE;

/// Offsets in an event service's control segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventLayout {
    /// The node, notifier and listener slots.
    pub registry: RegistryLayout,
    /// Offset of the timestamps (one cache line each).
    pub stamps: usize,
    /// Offset of the listeners' cells.
    pub cells: usize,
    /// Bytes of one cell.
    pub cell: usize,
    /// Pending words per cell.
    pub pending_words: usize,
    /// Total bytes.
    pub len: usize,
}

/// Bytes of a cell with `pending_words` pending words, rounded to cache lines.
pub(crate) const fn cell_size(pending_words: usize) -> usize {
    round_up(4 + pending_words * 4, CACHE_LINE)
}

/// The control segment's layout for `qos`.
pub const fn event_layout(qos: &EventQos) -> Result<EventLayout, QosError> {
    if let Err(e) = qos.check() {
        return Err(e);
    }
    let (registry, stamps) = RegistryLayout::after_header(
        qos.max_nodes,
        (PortKind::Notifier, qos.max_notifiers),
        (PortKind::Listener, qos.max_listeners),
    );
    let cells = stamps + (qos.max_notifiers as usize + 1) * CACHE_LINE;
    let pending_words = words_for(qos.event_id_max + 1);
    let cell = cell_size(pending_words);
    let len = cells + qos.max_listeners as usize * cell;
    if len > u32::MAX as usize {
        return Err(QosError::TooLarge("the control segment"));
    }
    Ok(EventLayout {
        registry,
        stamps,
        cells,
        cell,
        pending_words,
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_follow_each_other_on_cache_lines() {
        let qos = EventQos::DEFAULT;
        let l = event_layout(&qos).unwrap();
        let [notifiers, listeners] = l.registry.ports;
        assert_eq!((notifiers.count, listeners.count), (16, 16));
        assert!(l.stamps >= listeners.offset + 16 * crate::service::PORT_SLOT);
        assert_eq!(l.cells, l.stamps + 17 * CACHE_LINE);
        assert_eq!(l.pending_words, 8);
        assert_eq!(l.cell % CACHE_LINE, 0);
        assert_eq!(l.len, l.cells + 16 * l.cell);
    }
}
