//! `PosixWaiter`: sleeping on words of mapped regions through named FIFOs
//! and `poll`; polling with backoff for any other word.

use super::clock::PosixClock;
use super::{fifo, registry};
use crate::clock::{Clock, Instant};
use crate::error::WaitError;
use crate::sync::{AtomicU32, Ordering};
use crate::wait::{WaitOutcome, WaitTarget, WaitWord};
use std::string::String;
use std::vec::Vec;

/// The most words `wait_any` takes (each costs two descriptors).
pub const MAX_WAIT_ANY: usize = 128;

/// Wait and wake without futexes.
///
/// A word inside a region this process mapped has a wake directory named
/// after the region and the word's offset, the same in every process; each
/// sleeper links its own FIFO into it (see [`super::fifo`] for why no wake
/// is lost). Other words (process-local
/// memory), and words whose FIFO cannot be opened, are polled with sleeps
/// from 1 µs to 1 ms: there only a change of the word ends the wait. A
/// signal during `poll` ends a wait with [`WaitOutcome::Interrupted`], and
/// so does a termination signal caught by
/// [`crate::signal::catch_termination`] at any time (its pipe is polled
/// with the FIFOs).
#[derive(Debug)]
pub struct PosixWaiter;

/// Whether any target differs from its expected value.
fn changed(targets: &[WaitTarget<'_>]) -> bool {
    // SYNC: Acquire pairs with the writer's Release of the word.
    targets.iter().any(|t| t.word.load(Ordering::Acquire) != t.expected)
}

/// The wake directory of `word`, if it lies in a mapped region.
fn channel(word: &AtomicU32) -> Option<String> {
    registry::find(core::ptr::from_ref(word) as usize).map(|(region, offset)| fifo::dir(&region, offset))
}

fn poll(targets: &[WaitTarget<'_>], deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
    Ok(crate::poll::poll_until(targets, deadline, PosixClock::now))
}

impl WaitWord for PosixWaiter {
    const MAX_WAIT_ANY: usize = MAX_WAIT_ANY;

    fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        Self::wait_any(&[WaitTarget { word, expected }], deadline)
    }

    fn wake(word: &AtomicU32, count: u32) -> Result<u32, WaitError> {
        match channel(word) {
            Some(dir) => fifo::ring(&dir, count).map_err(WaitError::Os),
            // Pollers see the change of the word itself.
            None => Ok(count),
        }
    }

    fn wait_any(targets: &[WaitTarget<'_>], deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        if targets.is_empty() {
            return Err(WaitError::NoWords);
        }
        if targets.len() > MAX_WAIT_ANY {
            return Err(WaitError::TooManyWords { max: MAX_WAIT_ANY });
        }
        if crate::signal::termination_requested().is_some() {
            return Ok(WaitOutcome::Interrupted);
        }
        if changed(targets) {
            return Ok(WaitOutcome::Woken);
        }
        let Some(mut dirs) = targets.iter().map(|t| channel(t.word)).collect::<Option<Vec<_>>>() else {
            return poll(targets, deadline);
        };
        dirs.sort_unstable();
        dirs.dedup();
        // Without a FIFO (no /tmp, no descriptors left...) polling still works.
        let Ok(listener) = fifo::listen(&dirs) else {
            return poll(targets, deadline);
        };
        // Listening now: a wake from here on reaches us (INV-FIFO).
        if changed(targets) {
            return Ok(WaitOutcome::Woken);
        }
        fifo::sleep(&listener, deadline, PosixClock::now).map_err(WaitError::Os)
    }
}
