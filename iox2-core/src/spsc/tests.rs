//! Unit tests of the SPSC queue (run natively and under Miri).

extern crate std;

use super::*;
use crate::error::SpscPushError;
use iox2_platform::rmw::{CriticalSectionRmw, NativeRmw};
use std::vec::Vec;

/// Memory aligned for any core structure, standing in for a shared region.
#[repr(C, align(128))]
struct Aligned([u8; 2048]);

#[test]
fn fifo_order_and_full_hands_value_back() {
    let mut queue = SpscQueue::<NativeRmw, 4>::new();
    let (mut p, mut c) = queue.split();
    assert_eq!(c.pop(), None);
    for v in 0..4 {
        p.push(v).unwrap();
    }
    assert_eq!(p.push(9), Err(SpscPushError::Full(9)));
    assert_eq!(p.len(), 4);
    for v in 0..4 {
        assert_eq!(c.pop(), Some(v));
    }
    assert_eq!(c.pop(), None);
    assert!(c.is_empty());
}

#[test]
fn requested_capacity_is_honoured_below_the_slot_count() {
    let queue = SpscQueue::<NativeRmw, { crate::place::slot_count(5) }>::with_config(5, false);
    assert_eq!(queue.capacity(), 5);
    let mut p = queue.producer().unwrap();
    let mut c = queue.consumer().unwrap();
    for round in 0..20u32 {
        for v in 0..5 {
            p.push(round * 5 + v).unwrap();
        }
        assert!(matches!(p.push(1), Err(SpscPushError::Full(1))));
        for v in 0..5 {
            assert_eq!(c.pop(), Some(round * 5 + v));
        }
    }
}

#[test]
fn values_above_31_bits_are_refused() {
    let queue = SpscQueue::<NativeRmw, 2>::new();
    let mut p = queue.producer().unwrap();
    assert_eq!(p.push(1 << 31), Err(SpscPushError::ValueTooLarge(1 << 31)));
    p.push((1 << 31) - 1).unwrap();
    assert_eq!(queue.consumer().unwrap().pop(), Some((1 << 31) - 1));
}

#[test]
fn an_end_is_claimed_once_and_released_on_drop() {
    let queue = SpscQueue::<CriticalSectionRmw, 2>::new();
    let p = queue.producer().unwrap();
    assert_eq!(
        queue.producer().unwrap_err(),
        crate::error::EndpointClaimError::AlreadyClaimed(crate::error::Endpoint::Producer)
    );
    let c = queue.consumer().unwrap();
    assert!(queue.consumer().is_err());
    drop(p);
    drop(c);
    let _again = (queue.producer().unwrap(), queue.consumer().unwrap());
}

#[test]
fn a_new_handle_continues_where_the_old_one_stopped() {
    let queue = SpscQueue::<NativeRmw, 4>::new();
    queue.producer().unwrap().push(1).unwrap();
    queue.producer().unwrap().push(2).unwrap();
    assert_eq!(queue.consumer().unwrap().pop(), Some(1));
    assert_eq!(queue.consumer().unwrap().pop(), Some(2));
    assert_eq!(queue.len(), 0);
}

#[test]
fn positions_wrap_around_u32() {
    let queue = SpscQueue::<NativeRmw, 4>::new();
    let start = u32::MAX - 5;
    queue.producer.tail.store(start, Ordering::Relaxed);
    queue.consumer.head.store(start, Ordering::Relaxed);
    // Slots hold the tag of the lap before `start`, as a real run leaves them.
    for pos in start.wrapping_sub(4)..start {
        queue.slot(pos).store(queue.tag(pos), Ordering::Relaxed);
    }
    let mut p = queue.producer().unwrap();
    let mut c = queue.consumer().unwrap();
    for v in 0..50 {
        p.push(v).unwrap();
        p.push(v + 100).unwrap();
        assert_eq!(c.pop(), Some(v));
        assert_eq!(c.pop(), Some(v + 100));
        assert_eq!(c.pop(), None);
    }
}

#[test]
fn overflow_evicts_the_oldest_and_the_consumer_sees_the_newest_in_order() {
    let queue = SpscQueue::<NativeRmw, 4>::with_config(3, true);
    let mut p = queue.producer().unwrap();
    let mut c = queue.consumer().unwrap();
    let mut evicted = Vec::new();
    for v in 0..10 {
        if let Some(old) = p.push_overflowing(v).unwrap() {
            evicted.push(old);
        }
    }
    assert_eq!(evicted, (0..7).collect::<Vec<_>>());
    assert_eq!((c.pop(), c.pop(), c.pop(), c.pop()), (Some(7), Some(8), Some(9), None));
}

#[test]
fn without_overflow_push_overflowing_reports_full() {
    let queue = SpscQueue::<NativeRmw, 2>::new();
    let mut p = queue.producer().unwrap();
    p.push_overflowing(1).unwrap();
    p.push_overflowing(2).unwrap();
    assert_eq!(p.push_overflowing(3), Err(SpscPushError::Full(3)));
}

#[test]
fn a_foreign_head_outside_the_window_reads_as_full_not_as_room() {
    let queue = SpscQueue::<NativeRmw, 4>::with_config(4, true);
    let mut p = queue.producer().unwrap();
    p.push(1).unwrap();
    // A hostile consumer writes a head ahead of the tail. The producer fills
    // the room its cache knows of, then sees the foreign head: full, and
    // nothing to evict.
    queue.consumer.head.store(1000, Ordering::Relaxed);
    for v in 0..3 {
        assert_eq!(p.push_overflowing(v), Ok(None));
    }
    for v in 0..8 {
        assert_eq!(p.push_overflowing(v), Err(SpscPushError::Full(v)));
    }
}

#[test]
fn placed_in_memory_and_opened_again() {
    let mut memory = Aligned([0xAA; 2048]);
    let ptr = NonNull::new(memory.0.as_mut_ptr()).unwrap();
    let layout = SpscQueueView::<NativeRmw>::layout(5).unwrap();
    assert!(layout.size() <= 2048);
    // SAFETY: `memory` outlives the views and is only used through them.
    let queue = unsafe { SpscQueueView::<NativeRmw>::init_in(ptr, 2048, 5, false) }.unwrap();
    assert_eq!(queue.capacity(), 5);
    queue.producer().unwrap().push(77).unwrap();
    // SAFETY: as above.
    let again = unsafe { SpscQueueView::<NativeRmw>::open_in(ptr, 2048, 5, false) }.unwrap();
    assert_eq!(again.consumer().unwrap().pop(), Some(77));
    // SAFETY: as above.
    let wrong = unsafe { SpscQueueView::<NativeRmw>::open_in(ptr, 2048, 6, false) };
    assert!(matches!(
        wrong,
        Err(PlaceError::HeaderMismatch {
            expected: 2,
            found: 3,
            ..
        })
    ));
}

#[test]
fn bad_memory_and_capacities_are_typed_errors() {
    let mut memory = Aligned([0; 2048]);
    let base = memory.0.as_mut_ptr();
    let ptr = NonNull::new(base).unwrap();
    let odd = NonNull::new(base.wrapping_add(4)).unwrap();
    // SAFETY: `memory` outlives the calls; nothing else uses it.
    unsafe {
        assert!(matches!(
            SpscQueueView::<NativeRmw>::init_in(odd, 2000, 4, false),
            Err(PlaceError::Misaligned { .. })
        ));
        assert!(matches!(
            SpscQueueView::<NativeRmw>::init_in(ptr, 64, 4, false),
            Err(PlaceError::TooSmall { .. })
        ));
        assert!(matches!(
            SpscQueueView::<NativeRmw>::init_in(ptr, 2048, 0, false),
            Err(PlaceError::Capacity(CapacityError::Zero))
        ));
    }
    assert_eq!(
        SpscQueueView::<NativeRmw>::layout(MAX_CAPACITY + 1),
        Err(CapacityError::TooLarge {
            requested: MAX_CAPACITY + 1,
            max: MAX_CAPACITY
        })
    );
}

#[test]
fn threads_pass_every_value_in_order() {
    let count: u32 = if cfg!(miri) { 500 } else { 200_000 };
    let mut queue = SpscQueue::<NativeRmw, 8>::new();
    let (mut p, mut c) = queue.split();
    std::thread::scope(|s| {
        s.spawn(move || {
            for v in 0..count {
                while p.push(v).is_err() {
                    core::hint::spin_loop();
                }
            }
        });
        let mut expected = 0;
        while expected < count {
            if let Some(v) = c.pop() {
                assert_eq!(v, expected);
                expected += 1;
            }
        }
    });
}

#[test]
fn threads_with_overflow_lose_nothing_and_keep_order() {
    let count: u32 = if cfg!(miri) { 300 } else { 100_000 };
    let queue = SpscQueue::<NativeRmw, 4>::with_config(4, true);
    let mut p = queue.producer().unwrap();
    let mut c = queue.consumer().unwrap();
    let (evicted, received) = std::thread::scope(|s| {
        let producer = s.spawn(move || {
            let mut evicted = Vec::new();
            for v in 0..count {
                if let Some(old) = p.push_overflowing(v).unwrap() {
                    evicted.push(old);
                }
            }
            evicted
        });
        let mut received = Vec::new();
        while !producer.is_finished() {
            if let Some(v) = c.pop() {
                received.push(v);
            }
        }
        // `is_finished` does not synchronize; `join` does: only after it are
        // the producer's last pushes guaranteed visible.
        let evicted = producer.join().unwrap();
        while let Some(v) = c.pop() {
            received.push(v);
        }
        (evicted, received)
    });
    assert!(received.windows(2).all(|w| w[0] < w[1]), "received out of order");
    let mut all: Vec<u32> = evicted.iter().chain(&received).copied().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..count).collect::<Vec<_>>(),
        "every value is either received or evicted, once"
    );
}
