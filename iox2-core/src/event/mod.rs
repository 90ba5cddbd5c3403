//! Events: a notifier sets an event id and wakes a sleeping listener; a
//! listener takes every id that fired since it last looked, or sleeps until
//! one does (DESIGN.md "Events and WaitSet").
//!
//! # Protocol
//! A listener's cell is a pending bitset (one bit per event id) and a wait
//! word `seq << 1 | sleeping`.
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

use crate::bitset::AtomicBitsetView;
use crate::error::BitOutOfRangeError;
use crate::sync::{AtomicU32, Ordering};
use iox2_platform::clock::Instant;
use iox2_platform::error::WaitError;
use iox2_platform::rmw::Rmw;
use iox2_platform::wait::{WaitOutcome, WaitWord};

mod cell;

pub use cell::{EventCell, EventCellView};

/// The sleeping bit of a wait word.
const SLEEPING: u32 = 1;

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
