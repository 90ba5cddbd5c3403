//! Unit tests of events: merging, deadlines, and a wake across threads
//! through the `local` platform's futex-like waiter.

extern crate std;

use super::*;
use iox2_platform::local::Local;
use iox2_platform::rmw::NativeRmw;
use iox2_platform::{Clock, Platform};
use std::vec::Vec;

type W = <Local as Platform>::Waiter;
type C = <Local as Platform>::Clock;

#[test]
fn ids_merge_and_are_taken_once() {
    let cell = EventCell::<2>::new();
    for id in [5, 40, 5, 63] {
        cell.notify::<NativeRmw, W>(id).unwrap();
    }
    assert_eq!(
        cell.notify::<NativeRmw, W>(64),
        Err(BitOutOfRangeError { bit: 64, len: 64 })
    );
    let mut fired = Vec::new();
    assert_eq!(cell.try_wait::<NativeRmw>(|id| fired.push(id)), 3);
    assert_eq!(fired, [5, 40, 63]);
    assert_eq!(cell.try_wait::<NativeRmw>(|_| panic!("taken twice")), 0);
}

#[test]
fn a_wait_with_nothing_pending_times_out_at_its_deadline() {
    let cell = EventCell::<1>::new();
    let start = C::now();
    let deadline = C::deadline_after(core::time::Duration::from_millis(20));
    assert_eq!(cell.wait::<NativeRmw, W>(Some(deadline), |_| {}), Ok(WaitEnd::TimedOut));
    assert!(C::now().nanos_since(start) >= 20_000_000);
    assert_eq!(cell.word().load(Ordering::Relaxed) & SLEEPING, 0, "not left asleep");
}

#[test]
fn a_notify_from_another_thread_wakes_the_sleeper_every_time() {
    let rounds = if cfg!(miri) { 20 } else { 2_000 };
    let cell = EventCell::<1>::new();
    let back = EventCell::<1>::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            for round in 0..rounds {
                cell.notify::<NativeRmw, W>(round % 32).unwrap();
                assert_eq!(back.wait::<NativeRmw, W>(None, |_| {}), Ok(WaitEnd::Fired));
            }
        });
        for round in 0..rounds {
            let mut fired = Vec::new();
            assert_eq!(cell.wait::<NativeRmw, W>(None, |id| fired.push(id)), Ok(WaitEnd::Fired));
            assert_eq!(fired, [round % 32]);
            back.notify::<NativeRmw, W>(0).unwrap();
        }
    });
}
