//! Sleeping on a 32-bit word until it changes, and waking its sleepers.
//!
//! The contract is a futex's: [`WaitWord::wait`] sleeps only while the word
//! still holds the expected value — checked after the sleeper is registered,
//! so a wake between the caller's check and the sleep is never lost — and
//! may return spuriously. Callers re-check their condition in a loop.

use crate::clock::Instant;
use crate::error::WaitError;
use crate::sync::AtomicU32;

/// Why a wait returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WaitOutcome {
    /// Woken, or the word did not (or no longer) hold the expected value.
    /// May be spurious: re-check the condition.
    Woken,
    /// The deadline passed.
    TimedOut,
    /// A signal interrupted the sleep (hosts): the caller decides whether to
    /// go on waiting or to end (e.g. on SIGINT).
    Interrupted,
}

/// One word of a [`WaitWord::wait_any`]: sleep while `word == expected`.
#[derive(Debug, Clone, Copy)]
pub struct WaitTarget<'a> {
    /// The shared word.
    pub word: &'a AtomicU32,
    /// The value under which the caller wants to sleep.
    pub expected: u32,
}

/// Sleep and wake on shared 32-bit words.
pub trait WaitWord {
    /// The most words [`WaitWord::wait_any`] takes at once.
    const MAX_WAIT_ANY: usize;

    /// Sleeps while `word == expected`, until woken, a signal, or `deadline`
    /// (on the platform's [`crate::Clock`]; `None` waits without limit).
    fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> Result<WaitOutcome, WaitError>;

    /// Wakes up to `count` sleepers of `word` (`u32::MAX`: all); returns how
    /// many were woken where the platform knows, else `count`.
    fn wake(word: &AtomicU32, count: u32) -> Result<u32, WaitError>;

    /// Sleeps while every target holds its expected value; returns when any
    /// is woken or differs, on a signal, or at `deadline`.
    fn wait_any(targets: &[WaitTarget<'_>], deadline: Option<Instant>) -> Result<WaitOutcome, WaitError>;
}
