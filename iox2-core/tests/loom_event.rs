//! Loom model of the event protocol: no wake-up is ever lost.
//!
//! The waiter is a futex stand-in built from a loom mutex and condition
//! variable: `wait` checks the word and sleeps atomically with respect to
//! `wake`, exactly the futex contract. A lost wake-up leaves the listener
//! asleep forever, which loom reports as a deadlock.
#![cfg(iox2_loom)]

use iox2_core::event::{EventCell, WaitEnd};
use iox2_core::sync::{AtomicU32, Ordering};
use iox2_platform::clock::Instant;
use iox2_platform::error::WaitError;
use iox2_platform::rmw::NativeRmw;
use iox2_platform::wait::{WaitOutcome, WaitTarget, WaitWord};
use loom::sync::{Arc, Condvar, Mutex};

loom::lazy_static! {
    static ref PARK: (Mutex<()>, Condvar) = (Mutex::new(()), Condvar::new());
}

/// Futex semantics on loom's primitives (one park for all words: a wake may
/// wake more sleepers than needed, which the futex contract allows).
struct LoomFutex;

impl WaitWord for LoomFutex {
    const MAX_WAIT_ANY: usize = 1;

    fn wait(word: &AtomicU32, expected: u32, _deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        let guard = PARK.0.lock().unwrap();
        if word.load(Ordering::SeqCst) == expected {
            drop(PARK.1.wait(guard).unwrap());
        }
        Ok(WaitOutcome::Woken)
    }

    fn wake(_word: &AtomicU32, count: u32) -> Result<u32, WaitError> {
        let _guard = PARK.0.lock().unwrap();
        PARK.1.notify_all();
        Ok(count)
    }

    fn wait_any(_targets: &[WaitTarget<'_>], _deadline: Option<Instant>) -> Result<WaitOutcome, WaitError> {
        Err(WaitError::NoWords)
    }
}

#[test]
fn loom_event_a_notify_always_wakes_the_listener() {
    loom::model(|| {
        let cell = Arc::new(EventCell::<1>::new());
        let notifier = {
            let cell = cell.clone();
            loom::thread::spawn(move || cell.notify::<NativeRmw, LoomFutex>(7).unwrap())
        };
        let mut fired = Vec::new();
        assert_eq!(
            cell.wait::<NativeRmw, LoomFutex>(None, |id| fired.push(id)),
            Ok(WaitEnd::Fired)
        );
        assert_eq!(fired, [7]);
        notifier.join().unwrap();
    });
}

#[test]
fn loom_event_two_notifiers_nothing_lost() {
    loom::model(|| {
        let cell = Arc::new(EventCell::<1>::new());
        let notifiers: Vec<_> = [1, 2]
            .into_iter()
            .map(|id| {
                let cell = cell.clone();
                loom::thread::spawn(move || cell.notify::<NativeRmw, LoomFutex>(id).unwrap())
            })
            .collect();
        let mut seen = 0u32;
        while seen != 0b110 {
            assert_eq!(
                cell.wait::<NativeRmw, LoomFutex>(None, |id| seen |= 1 << id),
                Ok(WaitEnd::Fired)
            );
        }
        notifiers.into_iter().for_each(|t| t.join().unwrap());
    });
}

/// The WaitSet's side of the protocol: announce with `prepare_sleep`,
/// sleep elsewhere on the returned value, `end_sleep`, look again. The ids
/// are never taken by the sleeper, only seen.
#[test]
fn loom_event_a_prepared_sleep_always_sees_the_notify() {
    loom::model(|| {
        let cell = Arc::new(EventCell::<1>::new());
        let notifier = {
            let cell = cell.clone();
            loom::thread::spawn(move || cell.notify::<NativeRmw, LoomFutex>(3).unwrap())
        };
        while let Some(asleep) = cell.prepare_sleep::<NativeRmw>() {
            LoomFutex::wait(cell.wait_word(), asleep, None).unwrap();
            cell.end_sleep::<NativeRmw>();
        }
        assert!(cell.has_pending());
        notifier.join().unwrap();
    });
}
