//! Wait/wake checks: the futex contract on words in regions, between
//! threads (processes: see `process`).

use super::{unique, word};
use core::time::Duration;
use iox2_platform::error::WaitError;
use iox2_platform::rmw::{NativeRmw, Rmw};
use iox2_platform::sync::{AtomicU32, Ordering};
use iox2_platform::{Clock, Platform, Region, WaitOutcome, WaitTarget, WaitWord};

type W<P> = <P as Platform>::Waiter;

/// A generous deadline for waits that must be woken: reaching it is a
/// lost wake-up.
pub fn safety_deadline<P: Platform>() -> iox2_platform::Instant {
    P::Clock::deadline_after(Duration::from_secs(20))
}

/// A fresh region of 4 KiB, removed by name right away (mappings stay).
pub fn scratch<P: Platform>(tag: &str) -> P::Region {
    let name = unique(tag);
    let region = P::Region::create(&name, 4096).expect("create");
    P::Region::remove(&name).expect("remove");
    region
}

/// Waits until `word` leaves `value`, failing on a timeout.
pub fn wait_while<P: Platform>(word: &AtomicU32, value: u32) {
    let deadline = safety_deadline::<P>();
    while word.load(Ordering::Acquire) == value {
        match W::<P>::wait(word, value, Some(deadline)) {
            Ok(WaitOutcome::Woken | WaitOutcome::Interrupted) => {}
            other => panic!("lost wake-up: word stayed {value}: {other:?}"),
        }
    }
}

/// Stores `value` and wakes every sleeper.
pub fn set_and_wake<P: Platform>(word: &AtomicU32, value: u32) {
    word.store(value, Ordering::Release);
    W::<P>::wake(word, u32::MAX).expect("wake");
}

pub fn mismatch_is_woken<P: Platform>() {
    let region = scratch::<P>("mismatch");
    let in_region = word(&region, 3);
    in_region.store(5, Ordering::Release);
    let local = AtomicU32::new(5);
    for word in [in_region, &local] {
        assert_eq!(W::<P>::wait(word, 4, None), Ok(WaitOutcome::Woken));
        // Even with a deadline in the past, a mismatch is Woken.
        assert_eq!(
            W::<P>::wait(word, 4, Some(iox2_platform::Instant::from_nanos(0))),
            Ok(WaitOutcome::Woken)
        );
    }
}

pub fn times_out_not_early<P: Platform>() {
    let region = scratch::<P>("timeout");
    let in_region = word(&region, 0);
    let local = AtomicU32::new(0);
    for word in [in_region, &local] {
        // A past deadline times out at once.
        assert_eq!(
            W::<P>::wait(word, 0, Some(iox2_platform::Instant::from_nanos(0))),
            Ok(WaitOutcome::TimedOut)
        );
        let deadline = P::Clock::deadline_after(Duration::from_millis(20));
        let outcome = loop {
            match W::<P>::wait(word, 0, Some(deadline)) {
                // Spurious wake-ups are allowed; the deadline is not moved.
                Ok(WaitOutcome::Woken | WaitOutcome::Interrupted) => continue,
                other => break other,
            }
        };
        assert_eq!(outcome, Ok(WaitOutcome::TimedOut));
        let now = P::Clock::now();
        assert!(now >= deadline, "timed out {} ns early", deadline.nanos_since(now));
    }
}

pub fn woken_by_another_thread<P: Platform>() {
    let region = scratch::<P>("wake");
    let word = word(&region, 1);
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(20));
            set_and_wake::<P>(word, 1);
        });
        wait_while::<P>(word, 0);
    });
    assert_eq!(word.load(Ordering::Acquire), 1);
}

/// Two threads pass a counter back and forth `rounds` times through one
/// word, each sleeping while it is the other's turn: any lost wake-up
/// stalls the game until the safety deadline.
pub fn ping_pong<P: Platform>(rounds: u32) {
    let region = scratch::<P>("pingpong");
    let word = word(&region, 2);
    std::thread::scope(|s| {
        s.spawn(|| {
            for round in 0..rounds {
                wait_while::<P>(word, 2 * round);
                assert_eq!(word.load(Ordering::Acquire), 2 * round + 1);
                set_and_wake::<P>(word, 2 * round + 2);
            }
        });
        for round in 0..rounds {
            set_and_wake::<P>(word, 2 * round + 1);
            wait_while::<P>(word, 2 * round + 1);
        }
    });
    assert_eq!(word.load(Ordering::Acquire), 2 * rounds);
}

pub fn wake_without_sleepers<P: Platform>() {
    let region = scratch::<P>("nosleeper");
    let local = AtomicU32::new(0);
    for word in [word(&region, 0), &local] {
        assert!(W::<P>::wake(word, 1).is_ok());
        assert!(W::<P>::wake(word, u32::MAX).is_ok());
    }
}

pub fn wait_any_wakes_on_any<P: Platform>() {
    let region = scratch::<P>("any");
    let words: Vec<&AtomicU32> = (0..8).map(|i| word(&region, i * 16)).collect();
    for chosen in [0usize, 5, 7] {
        let targets: Vec<WaitTarget<'_>> = words
            .iter()
            .map(|w| WaitTarget {
                word: w,
                expected: w.load(Ordering::Acquire),
            })
            .collect();
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(10));
                NativeRmw::fetch_add(words[chosen], 1, Ordering::AcqRel);
                W::<P>::wake(words[chosen], u32::MAX).expect("wake");
            });
            let deadline = safety_deadline::<P>();
            loop {
                let changed = targets.iter().any(|t| t.word.load(Ordering::Acquire) != t.expected);
                if changed {
                    break;
                }
                match W::<P>::wait_any(&targets, Some(deadline)) {
                    Ok(WaitOutcome::Woken | WaitOutcome::Interrupted) => {}
                    other => panic!("wait_any lost the wake of word {chosen}: {other:?}"),
                }
            }
        });
    }
}

pub fn wait_any_counts<P: Platform>() {
    let word = AtomicU32::new(0);
    assert_eq!(W::<P>::wait_any(&[], None), Err(WaitError::NoWords));
    let max = W::<P>::MAX_WAIT_ANY;
    let too_many = vec![
        WaitTarget {
            word: &word,
            expected: 0
        };
        max + 1
    ];
    assert_eq!(W::<P>::wait_any(&too_many, None), Err(WaitError::TooManyWords { max }));
    // Exactly the maximum is accepted (and times out, nobody wakes).
    let region = scratch::<P>("anymax");
    let targets: Vec<WaitTarget<'_>> = (0..max)
        .map(|i| WaitTarget {
            word: word_in(&region, i),
            expected: 0,
        })
        .collect();
    let deadline = P::Clock::deadline_after(Duration::from_millis(5));
    let outcome = loop {
        match W::<P>::wait_any(&targets, Some(deadline)) {
            Ok(WaitOutcome::Woken | WaitOutcome::Interrupted) => continue,
            other => break other,
        }
    };
    assert_eq!(outcome, Ok(WaitOutcome::TimedOut));
}

/// Word `i` of a 4 KiB region, wrapping (the maximum may exceed 1024 words).
fn word_in<R: Region>(region: &R, i: usize) -> &AtomicU32 {
    word(region, i % (region.len() / 4))
}

pub fn wait_any_mismatch_and_timeout<P: Platform>() {
    let region = scratch::<P>("anytimeout");
    let (a, b) = (word(&region, 0), word(&region, 1));
    b.store(9, Ordering::Release);
    let targets = [WaitTarget { word: a, expected: 0 }, WaitTarget { word: b, expected: 8 }];
    assert_eq!(W::<P>::wait_any(&targets, None), Ok(WaitOutcome::Woken));
    let targets = [WaitTarget { word: a, expected: 0 }, WaitTarget { word: b, expected: 9 }];
    assert_eq!(
        W::<P>::wait_any(&targets, Some(iox2_platform::Instant::from_nanos(0))),
        Ok(WaitOutcome::TimedOut)
    );
    let deadline = P::Clock::deadline_after(Duration::from_millis(15));
    let outcome = loop {
        match W::<P>::wait_any(&targets, Some(deadline)) {
            Ok(WaitOutcome::Woken | WaitOutcome::Interrupted) => continue,
            other => break other,
        }
    };
    assert_eq!(outcome, Ok(WaitOutcome::TimedOut));
    assert!(P::Clock::now() >= deadline);
}
