//! An event service's control segment: its header, the registry of nodes,
//! notifiers and listeners, the timestamps behind the deadline, and one
//! [`EventCellView`] per listener slot.
//!
//! A notifier fires an id into the cell of every active listener slot. A
//! cell is cleared when its slot is freed (the listener leaving, or a
//! reaper), before the release — never after a claim, which could wipe an
//! id fired at the new listener. A notify that saw the old listener's slot
//! active and lands after the clearing leaves the next listener one id
//! fired before it existed: spurious, never lost.

use super::cell::EventCellView;
use super::layout::{EventLayout, event_layout};
use super::qos::EventQos;
use super::stamp::Stamp;
use crate::error::BitOutOfRangeError;
use crate::segment::Segment;
use crate::service::{Header, HeaderContent, PortKind, Registry, ServiceOpenError, SlotState};
use crate::sync::CACHE_LINE;
use core::marker::PhantomData;
use iox2_platform::rmw::Rmw;
use iox2_platform::wait::WaitWord;

/// The control segment of an event service.
#[derive(Debug)]
pub struct EventControl<'a, R> {
    segment: Segment<'a>,
    qos: EventQos,
    layout: EventLayout,
    _rmw: PhantomData<fn() -> R>,
}

// Manual impls: a derive would demand `R: Clone`, but `R` is only a marker.
impl<R> Clone for EventControl<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for EventControl<'_, R> {}

impl<'a, R: Rmw> EventControl<'a, R> {
    /// Writes a new service into a fresh, zero-filled `segment` of at least
    /// `content.len` bytes, created at `now` (nanoseconds on the platform's
    /// clock); READY is stored last.
    pub fn create(
        segment: Segment<'a>,
        content: &HeaderContent<'_, EventQos>,
        now: u64,
    ) -> Result<Self, ServiceOpenError> {
        let layout = event_layout(&content.settings).map_err(ServiceOpenError::CorruptedQos)?;
        if segment.len() < layout.len {
            return Err(ServiceOpenError::TooShort {
                required: layout.len,
                available: segment.len(),
            });
        }
        let control = Self {
            segment,
            qos: content.settings,
            layout,
            _rmw: PhantomData,
        };
        control.stamp(content.settings.max_notifiers).write(now);
        Header::new(segment).write(content);
        Ok(control)
    }

    /// Opens the service in `segment`, checking its header against `expected`.
    pub fn open(segment: Segment<'a>, expected: &HeaderContent<'_, EventQos>) -> Result<Self, ServiceOpenError> {
        Header::new(segment).check(expected)?;
        let layout = event_layout(&expected.settings).map_err(ServiceOpenError::CorruptedQos)?;
        Ok(Self {
            segment,
            qos: expected.settings,
            layout,
            _rmw: PhantomData,
        })
    }

    /// The header.
    pub fn header(&self) -> Header<'a> {
        Header::new(self.segment)
    }

    /// The service's settings.
    pub fn qos(&self) -> &EventQos {
        &self.qos
    }

    /// The node, notifier and listener slots.
    pub fn registry(&self) -> Registry<'a, R> {
        Registry::new(self.segment, self.layout.registry)
    }

    /// The cell of listener slot `listener` (below `max_listeners`).
    pub fn cell(&self, listener: u32) -> &'a EventCellView {
        assert!(listener < self.qos.max_listeners, "listener slot out of range");
        let offset = self.layout.cells + listener as usize * self.layout.cell;
        EventCellView::in_segment(self.segment, offset, self.layout.pending_words)
    }

    /// Clears the cell of listener slot `listener`, which is being freed
    /// (its holder leaving, or a reaper), before the slot's release.
    pub fn reset_cell(&self, listener: u32) {
        self.cell(listener).reset::<R>();
    }

    /// Stamp `index`: notifier slots' first, the service's creation last.
    fn stamp(&self, index: u32) -> Stamp<'a> {
        let base = self.layout.stamps + index as usize * CACHE_LINE;
        Stamp {
            seq: self.segment.word(base),
            lo: self.segment.word(base + 4),
            hi: self.segment.word(base + 8),
        }
    }

    /// Records that notifier slot `notifier` notified at `now`; only that
    /// slot's holder (or its reaper) calls this.
    pub fn record_notification(&self, notifier: u32, now: u64) {
        assert!(notifier < self.qos.max_notifiers, "notifier slot out of range");
        self.stamp(notifier).write(now);
    }

    /// When the service was last notified (by any notifier, past or
    /// present), or created if never: the latest stamp that reads cleanly.
    pub fn last_notification(&self) -> u64 {
        (0..=self.qos.max_notifiers)
            .filter_map(|index| self.stamp(index).read())
            .max()
            .unwrap_or(0)
    }

    /// Fires `id` into every active listener's cell, waking sleepers;
    /// returns how many listeners it reached.
    pub fn notify_listeners<W: WaitWord>(&self, id: u32) -> Result<u32, BitOutOfRangeError> {
        if id > self.qos.event_id_max {
            return Err(BitOutOfRangeError {
                bit: id,
                len: self.qos.event_id_max + 1,
            });
        }
        let registry = self.registry();
        let mut reached = 0;
        for listener in 0..self.qos.max_listeners {
            if matches!(registry.port(PortKind::Listener, listener), SlotState::Active { .. }) {
                self.cell(listener).notify::<R, W>(id)?;
                reached += 1;
            }
        }
        Ok(reached)
    }
}
