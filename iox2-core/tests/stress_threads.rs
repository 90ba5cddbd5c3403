//! Thread stress tests: millions of operations between two threads through
//! the SPSC queue, the MPMC queue and the free list, with checksums; no value
//! may be lost, duplicated or reordered.
#![cfg(not(iox2_loom))]

use core::sync::atomic::{AtomicU64, Ordering};
use iox2_core::free_list::FreeList;
use iox2_core::mpmc::MpmcQueue;
use iox2_core::spsc::SpscQueue;
use iox2_platform::rmw::NativeRmw;

/// Operations per test (each push and each pop counts as one).
const OPERATIONS: u32 = 10_000_000;

/// A checksum that notices a lost, duplicated or swapped value.
fn mix(sum: u64, value: u32) -> u64 {
    sum.rotate_left(5) ^ u64::from(value).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[test]
#[cfg_attr(miri, ignore = "10M operations")]
fn spsc_two_threads_ten_million_operations() {
    let values = OPERATIONS / 2;
    let mut queue = SpscQueue::<NativeRmw, 64>::new();
    let (mut producer, mut consumer) = queue.split();
    let (sent, received) = std::thread::scope(|s| {
        let sender = s.spawn(move || {
            let mut sum = 0;
            for value in 0..values {
                let value = value & 0x7FFF_FFFF;
                while producer.push(value).is_err() {
                    core::hint::spin_loop();
                }
                sum = mix(sum, value);
            }
            sum
        });
        let mut sum = 0;
        let mut next = 0;
        while next < values {
            if let Some(value) = consumer.pop() {
                assert_eq!(value, next, "out of order or lost");
                sum = mix(sum, value);
                next += 1;
            }
        }
        assert_eq!(consumer.pop(), None, "a value beyond the last one");
        (sender.join().unwrap(), sum)
    });
    assert_eq!(sent, received);
}

#[test]
#[cfg_attr(miri, ignore = "10M operations")]
fn mpmc_two_threads_each_pushing_and_popping_ten_million_operations() {
    // Two pools of indices; each thread moves indices from one queue to the
    // other, so both threads push and pop both queues concurrently.
    const N: usize = 64;
    let a = MpmcQueue::<NativeRmw, N>::with_all_indices(N as u32);
    let b = MpmcQueue::<NativeRmw, N>::new();
    // Payload words: the thread that holds an index owns its word.
    let payload: Vec<AtomicU64> = (0..N).map(|_| AtomicU64::new(0)).collect();
    let moves_per_thread = OPERATIONS / 4;
    std::thread::scope(|s| {
        for (from, to) in [(&a, &b), (&b, &a)] {
            let payload = &payload;
            s.spawn(move || {
                let mut moved = 0;
                while moved < moves_per_thread {
                    if let Some(index) = from.pop() {
                        let word = &payload[index as usize];
                        // Relaxed is enough: the queues order the handover.
                        let seen = word.load(Ordering::Relaxed);
                        word.store(seen + 1, Ordering::Relaxed);
                        to.push(index).expect("unique indices never overflow");
                        moved += 1;
                    }
                }
            });
        }
    });
    let total: u64 = payload.iter().map(|w| w.load(Ordering::Relaxed)).sum();
    assert_eq!(
        total,
        u64::from(2 * moves_per_thread),
        "a handover was lost or duplicated"
    );
    let mut left: Vec<u32> = core::iter::from_fn(|| a.pop())
        .chain(core::iter::from_fn(|| b.pop()))
        .collect();
    left.sort_unstable();
    assert_eq!(left, (0..N as u32).collect::<Vec<_>>(), "every index exactly once");
}

#[test]
#[cfg_attr(miri, ignore = "millions of operations")]
fn free_list_two_threads_never_hand_out_an_index_twice() {
    const N: usize = 16;
    let pool = FreeList::<NativeRmw, N>::with_all_free(N as u32);
    let owner: Vec<AtomicU64> = (0..N).map(|_| AtomicU64::new(0)).collect();
    let cycles = OPERATIONS / 4;
    std::thread::scope(|s| {
        for me in 1..=2u64 {
            let (pool, owner) = (&pool, &owner);
            s.spawn(move || {
                let mut done = 0;
                while done < cycles {
                    if let Some(index) = pool.acquire() {
                        let slot = &owner[index as usize];
                        assert_eq!(slot.swap(me, Ordering::Relaxed), 0, "index {index} handed out twice");
                        assert_eq!(slot.swap(0, Ordering::Relaxed), me);
                        pool.release(index).unwrap();
                        done += 1;
                    }
                }
            });
        }
    });
    assert_eq!(pool.free(), N as u32);
}
