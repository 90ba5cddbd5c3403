//! Events: a notifier sets an event id and wakes a sleeping listener; a
//! listener takes every id that fired since it last looked, or sleeps until
//! one does (DESIGN.md "Events and WaitSet").
//!
//! # Protocol
//! A listener's cell is a wait word `seq << 1 | sleeping` followed by a
//! pending bitset (one bit per event id), in the same cache line(s): a
//! notify and the listener's look move one line when the ids fit in it.
//! - `notify(id)`: RMW-set bit `id`; RMW-add 2 to the word (a new sequence);
//!   if the old word had the sleeping bit, clear it and wake the word's
//!   sleepers. Never blocks, never waits for the listener: wait-free where
//!   the backend's `fetch_or`/`fetch_add` are native.
//! - `wait`: take (swap to zero) the pending words; if empty, set the
//!   sleeping bit (AcqRel RMW), take the pending words again, and only if
//!   still empty sleep on the word while it holds the value it had when the
//!   bit was set. A notify between the second look and the sleep changed
//!   the word (its `+2`), so the sleep returns at once: no wake-up is lost.
//!
//! Ids that fire several times before the listener looks are merged (a
//! bitset); none is lost. One listener per cell (a cell's handle is not
//! `Sync`); any number of notifiers.
//!
//! An adaptive wait ([`EventCellView::wait_spinning`]) first watches the
//! word for a bounded time: a notify within that window costs a cache-line
//! hand-off instead of a kernel wake-up. A WaitSet sleeps on many cells at
//! once: [`EventCellView::prepare_sleep`] gives the word and value to sleep
//! on without taking the ids, which the listener's owner takes later.
//!
//! The event service in shared memory ([`EventControl`], [`EventQos`],
//! [`event_layout`]) gives every listener slot one cell.

use crate::bitset::AtomicBitsetView;
use crate::error::BitOutOfRangeError;
use crate::sync::{AtomicU32, Ordering};
use iox2_platform::clock::{Clock, Instant};
use iox2_platform::error::WaitError;
use iox2_platform::rmw::Rmw;
use iox2_platform::wait::{WaitOutcome, WaitWord};

mod cell;
#[cfg(not(iox2_loom))]
mod control;
#[cfg(not(iox2_loom))]
mod layout;
mod qos;
#[cfg(not(iox2_loom))]
mod stamp;

pub use cell::{EventCell, EventCellView};
#[cfg(not(iox2_loom))]
pub use control::EventControl;
#[cfg(not(iox2_loom))]
pub use layout::{EventLayout, event_layout};
pub use qos::{EventQos, NO_EVENT};

/// The sleeping bit of a wait word.
const SLEEPING: u32 = 1;

/// An event id: `0..=event_id_max` of its service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EventId(u32);

impl EventId {
    /// The id `value`.
    pub const fn new(value: u32) -> Self {
        Self(value)
    }

    /// The id's number.
    pub const fn as_value(self) -> u32 {
        self.0
    }
}

impl core::fmt::Display for EventId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a wait ended without an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WaitEnd {
    /// At least one event id fired (the callback saw them).
    Fired,
    /// The deadline passed first.
    TimedOut,
    /// A signal interrupted the sleep (hosts).
    Interrupted,
}

impl EventCellView {
    /// Fires event `id`: sets its bit and wakes the listener if it sleeps.
    pub fn notify<R: Rmw, W: WaitWord>(&self, id: u32) -> Result<(), BitOutOfRangeError> {
        // SYNC: Release (AcqRel) in the bit publishes what the notifier did
        // before to the listener's Acquire swap of the pending words.
        self.pending().insert::<R>(id)?;
        // SYNC: AcqRel orders the bit before the new sequence: a listener
        // that sees the sequence change finds the bit.
        let old = R::fetch_add(self.word(), 2, Ordering::AcqRel);
        if old & SLEEPING != 0 {
            R::fetch_and(self.word(), !SLEEPING, Ordering::AcqRel);
            // A failed wake leaves the listener to its deadline; the bit is
            // set either way, so nothing is lost.
            let _ = W::wake(self.word(), u32::MAX);
        }
        Ok(())
    }

    /// Calls `fired` with every id that fired since the last look, clearing
    /// them; returns how many there were. Never blocks.
    pub fn try_wait<R: Rmw>(&self, mut fired: impl FnMut(u32)) -> u32 {
        let mut count = 0;
        self.pending().drain::<R>(|id| {
            count += 1;
            fired(id);
        });
        count
    }

    /// Waits until an id fires or `deadline` passes, then calls `fired` with
    /// every id that fired.
    pub fn wait<R: Rmw, W: WaitWord>(
        &self,
        deadline: Option<Instant>,
        mut fired: impl FnMut(u32),
    ) -> Result<WaitEnd, WaitError> {
        loop {
            if self.try_wait::<R>(&mut fired) > 0 {
                return Ok(WaitEnd::Fired);
            }
            // SYNC: AcqRel — Release announces the sleeper to notifiers'
            // fetch_add; Acquire orders our second look after it.
            let asleep = R::fetch_or(self.word(), SLEEPING, Ordering::AcqRel) | SLEEPING;
            if self.try_wait::<R>(&mut fired) > 0 {
                R::fetch_and(self.word(), !SLEEPING, Ordering::AcqRel);
                return Ok(WaitEnd::Fired);
            }
            match W::wait(self.word(), asleep, deadline)? {
                WaitOutcome::Woken => {}
                WaitOutcome::TimedOut => {
                    R::fetch_and(self.word(), !SLEEPING, Ordering::AcqRel);
                    return Ok(if self.try_wait::<R>(&mut fired) > 0 {
                        WaitEnd::Fired
                    } else {
                        WaitEnd::TimedOut
                    });
                }
                WaitOutcome::Interrupted => {
                    R::fetch_and(self.word(), !SLEEPING, Ordering::AcqRel);
                    return Ok(WaitEnd::Interrupted);
                }
            }
        }
    }

    /// Like [`EventCellView::wait`], but first watches the wait word for up
    /// to `spin_ns` nanoseconds on clock `C` (and never past `deadline`):
    /// an id fired within that window is taken without sleeping.
    pub fn wait_spinning<R: Rmw, W: WaitWord, C: Clock>(
        &self,
        spin_ns: u64,
        deadline: Option<Instant>,
        mut fired: impl FnMut(u32),
    ) -> Result<WaitEnd, WaitError> {
        // Read before the first look: a notify after it changes the word
        // (its `+2`), one before it left its bit for the look to take.
        // SYNC: Acquire orders the look after this read.
        let seen = self.word().load(Ordering::Acquire);
        if self.try_wait::<R>(&mut fired) > 0 {
            return Ok(WaitEnd::Fired);
        }
        let start = C::now();
        let spin_end = match deadline {
            Some(deadline) if deadline.nanos_since(start) < spin_ns => deadline,
            _ => Instant::from_nanos(start.as_nanos().saturating_add(spin_ns)),
        };
        let mut spins = 0u32;
        loop {
            // SYNC: Relaxed; a change is confirmed by the Acquire swap of
            // the pending words in `try_wait`.
            if self.word().load(Ordering::Relaxed) != seen {
                if self.try_wait::<R>(&mut fired) > 0 {
                    return Ok(WaitEnd::Fired);
                }
                break;
            }
            spins = spins.wrapping_add(1);
            // The clock is read every 16th turn only: the turn itself is
            // what keeps the hand-off short.
            if spins.is_multiple_of(16) && C::now().nanos_since(spin_end) > 0 {
                break;
            }
            core::hint::spin_loop();
        }
        self.wait::<R, W>(deadline, fired)
    }

    /// Whether an id is pending (without taking it).
    pub fn has_pending(&self) -> bool {
        let mut any = false;
        self.pending().for_each(|_| any = true);
        any
    }

    /// Announces a sleeper that will sleep elsewhere (a WaitSet): sets the
    /// sleeping bit and returns the value to sleep on, or `None` (the bit
    /// cleared again) when an id is pending already. After the sleep, call
    /// [`EventCellView::end_sleep`].
    pub fn prepare_sleep<R: Rmw>(&self) -> Option<u32> {
        if self.has_pending() {
            return None;
        }
        // SYNC: AcqRel, as in `wait`: the second look is ordered after the
        // announcement, so a notify either sees the bit or is seen here.
        let asleep = R::fetch_or(self.word(), SLEEPING, Ordering::AcqRel) | SLEEPING;
        if self.has_pending() {
            self.end_sleep::<R>();
            return None;
        }
        Some(asleep)
    }

    /// Clears the sleeping bit after a sleep prepared by
    /// [`EventCellView::prepare_sleep`], so notifiers stop waking.
    pub fn end_sleep<R: Rmw>(&self) {
        R::fetch_and(self.word(), !SLEEPING, Ordering::AcqRel);
    }

    /// The word a sleeper sleeps on.
    pub fn wait_word(&self) -> &AtomicU32 {
        self.word()
    }

    /// The highest event id plus one.
    pub fn ids(&self) -> u32 {
        self.pending().len()
    }
}

/// Word access shared by the cell's forms.
trait CellWords {
    fn word(&self) -> &AtomicU32;
    fn pending(&self) -> &AtomicBitsetView;
}

#[cfg(all(test, not(iox2_loom)))]
mod tests;
