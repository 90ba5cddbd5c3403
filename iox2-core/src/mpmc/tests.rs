//! Unit tests of the MPMC queue (run natively and under Miri).

extern crate std;

use super::*;
use iox2_platform::rmw::{CriticalSectionRmw, NativeRmw};
use std::vec::Vec;

#[repr(C, align(128))]
struct Aligned([u8; 1024]);

#[test]
fn fifo_of_unique_indices() {
    let queue = MpmcQueue::<NativeRmw, 8>::new();
    assert_eq!(queue.pop(), None);
    for i in [5, 1, 7, 0] {
        queue.push(i).unwrap();
    }
    assert_eq!(queue.len(), 4);
    for i in [5, 1, 7, 0] {
        assert_eq!(queue.pop(), Some(i));
    }
    assert_eq!(queue.pop(), None);
}

#[test]
fn out_of_range_and_duplicates_are_typed_errors() {
    let queue = MpmcQueue::<CriticalSectionRmw, 4>::with_capacity(3);
    assert_eq!(
        queue.push(3),
        Err(MpmcPushError::IndexOutOfRange { index: 3, capacity: 3 })
    );
    let full = MpmcQueue::<NativeRmw, 2>::with_all_indices(2);
    assert_eq!(full.push(1), Err(MpmcPushError::Full(1)));
    assert_eq!((full.pop(), full.pop(), full.pop()), (Some(0), Some(1), None));
}

#[test]
fn many_laps_keep_order() {
    let queue = MpmcQueue::<NativeRmw, 4>::new();
    for lap in 0..1000u32 {
        queue.push(lap % 4).unwrap();
        queue.push((lap + 1) % 4).unwrap();
        assert_eq!(queue.pop(), Some(lap % 4));
        assert_eq!(queue.pop(), Some((lap + 1) % 4));
    }
}

#[test]
fn positions_wrap_around_u32() {
    let queue = MpmcQueue::<NativeRmw, 4>::new();
    let start = u32::MAX - 9;
    let shift = 2;
    queue.push.tail.store(start, Ordering::Relaxed);
    queue.head.store(start, Ordering::Relaxed);
    for pos in start..start.wrapping_add(4) {
        queue
            .slot(pos)
            .store(encode(pos >> shift, false, 0, shift), Ordering::Relaxed);
    }
    for i in 0..100 {
        queue.push(i % 4).unwrap();
        queue.push((i + 2) % 4).unwrap();
        assert_eq!(queue.pop(), Some(i % 4));
        assert_eq!(queue.pop(), Some((i + 2) % 4));
    }
}

#[test]
fn a_preempted_pusher_blocks_nobody() {
    // Simulate a pusher that filled slot 0 and was preempted before moving
    // `tail`: others help `tail` on and go on pushing and popping.
    let queue = MpmcQueue::<NativeRmw, 4>::new();
    queue.slot(0).store(encode(0, true, 2, 2), Ordering::Release);
    queue.push(1).unwrap();
    assert_eq!(queue.pop(), Some(2));
    assert_eq!(queue.pop(), Some(1));
    // A popper preempted after emptying slot 2 but before moving `head`.
    queue.push(3).unwrap();
    let head = queue.head.load(Ordering::Relaxed);
    queue
        .slot(head)
        .store(encode((head >> 2) + 1, false, 0, 2), Ordering::Release);
    queue.push(0).unwrap();
    assert_eq!(queue.pop(), Some(0));
}

#[test]
fn corrupted_slots_never_hang() {
    let queue = MpmcQueue::<NativeRmw, 4>::new();
    for slot in &queue.slots {
        slot.store(0xDEAD_BEEF, Ordering::Relaxed);
    }
    queue.head.store(7, Ordering::Relaxed);
    queue.push.tail.store(3, Ordering::Relaxed);
    assert_eq!(queue.pop(), None);
    assert!(queue.push(1).is_err());
}

#[test]
fn placed_in_memory_and_opened_again() {
    let mut memory = Aligned([0x55; 1024]);
    let ptr = NonNull::new(memory.0.as_mut_ptr()).unwrap();
    // SAFETY: `memory` outlives the views and is only used through them.
    let queue = unsafe { MpmcQueueView::<NativeRmw>::init_in(ptr, 1024, 6, true) }.unwrap();
    assert_eq!(queue.capacity(), 6);
    assert_eq!(queue.pop(), Some(0));
    // SAFETY: as above.
    let again = unsafe { MpmcQueueView::<NativeRmw>::open_in(ptr, 1024, 6) }.unwrap();
    assert_eq!(again.pop(), Some(1));
    // SAFETY: as above.
    assert!(unsafe { MpmcQueueView::<NativeRmw>::open_in(ptr, 1024, 5) }.is_err());
}

#[test]
fn threads_move_every_index_exactly_once() {
    const N: usize = 16;
    let rounds: u32 = if cfg!(miri) { 100 } else { 50_000 };
    let free = MpmcQueue::<NativeRmw, N>::with_all_indices(N as u32);
    let full = MpmcQueue::<NativeRmw, N>::new();
    let moved = std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let mut done = 0;
                while done < rounds {
                    if let Some(i) = free.pop() {
                        full.push(i).unwrap();
                        done += 1;
                    }
                }
            });
        }
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut done = 0;
                    while done < rounds {
                        if let Some(i) = full.pop() {
                            free.push(i).unwrap();
                            done += 1;
                        }
                    }
                    done
                })
            })
            .collect();
        consumers.into_iter().map(|c| c.join().unwrap()).sum::<u32>()
    });
    assert_eq!(moved, 2 * rounds);
    let mut left: Vec<u32> = core::iter::from_fn(|| free.pop()).collect();
    left.sort_unstable();
    assert_eq!(left, (0..N as u32).collect::<Vec<_>>());
    assert_eq!(full.pop(), None);
}
