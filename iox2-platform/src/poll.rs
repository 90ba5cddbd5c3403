//! Waiting by polling: re-check the words with sleeps that grow from 1 µs
//! to 1 ms, until one differs or the deadline passes. The fallback of the
//! host platforms for words they cannot sleep on (`linux` without
//! `futex_waitv`, `posix` for words outside a mapped region).

use crate::clock::Instant;
use crate::sync::Ordering;
use crate::wait::{WaitOutcome, WaitTarget};
use core::time::Duration;

/// The first sleep between two checks.
const FIRST_SLEEP: Duration = Duration::from_micros(1);
/// The longest sleep between two checks (the worst added latency).
const LONGEST_SLEEP: Duration = Duration::from_millis(1);

/// Polls `targets` until any differs from its expected value (`Woken`),
/// a termination signal was caught (`Interrupted`), or `now()` reaches
/// `deadline` (`TimedOut`). A wake that does not change a word is not
/// seen: callers of the fallback get value-change semantics.
pub(crate) fn poll_until(targets: &[WaitTarget<'_>], deadline: Option<Instant>, now: fn() -> Instant) -> WaitOutcome {
    let mut sleep = FIRST_SLEEP;
    loop {
        if crate::signal::termination_requested().is_some() {
            return WaitOutcome::Interrupted;
        }
        // SYNC: Acquire pairs with the writer's Release of the word.
        if targets.iter().any(|t| t.word.load(Ordering::Acquire) != t.expected) {
            return WaitOutcome::Woken;
        }
        let nap = match deadline {
            None => sleep,
            Some(deadline) => {
                let now = now();
                if now >= deadline {
                    return WaitOutcome::TimedOut;
                }
                sleep.min(Duration::from_nanos(deadline.nanos_since(now)))
            }
        };
        std::thread::sleep(nap);
        sleep = (sleep * 2).min(LONGEST_SLEEP);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::AtomicU32;

    fn clock() -> Instant {
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        let elapsed = ORIGIN.get_or_init(std::time::Instant::now).elapsed();
        Instant::from_nanos(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX))
    }

    #[test]
    fn polls_until_change_or_deadline() {
        let word = AtomicU32::new(3);
        let targets = [WaitTarget {
            word: &word,
            expected: 3,
        }];
        let deadline = clock().saturating_add(Duration::from_millis(5));
        assert_eq!(poll_until(&targets, Some(deadline), clock), WaitOutcome::TimedOut);
        assert!(clock() >= deadline);
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(5));
                word.store(4, Ordering::Release);
            });
            assert_eq!(poll_until(&targets, None, clock), WaitOutcome::Woken);
        });
    }
}
