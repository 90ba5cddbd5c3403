//! Loom models of the SPSC queue: every interleaving (up to the preemption
//! bound) of a producer and a consumer, plain and with safe overflow.
//!
//! Run with `RUSTFLAGS="--cfg iox2_loom" cargo test -p iox2-core --release
//! --test loom_spsc`. Under `--cfg iox2_weaken_release` the producer
//! publishes with `Relaxed` instead of `Release`; the models must then
//! report the data race, which `should_panic` turns into a pass.
#![cfg(iox2_loom)]

use iox2_core::spsc::SpscQueue;
use iox2_core::sync::UnsafeCell;
use iox2_platform::rmw::NativeRmw;
use loom::sync::Arc;

/// Payload cells, one per value: what a chunk's bytes are to a real queue.
struct Payloads([UnsafeCell<u32>; 3]);

// SAFETY: access to a cell is ordered by the queue under test; loom checks
// exactly that.
unsafe impl Sync for Payloads {}

impl Payloads {
    fn new() -> Self {
        Self([UnsafeCell::new(0), UnsafeCell::new(0), UnsafeCell::new(0)])
    }

    fn write(&self, index: u32) {
        // SAFETY: the producer owns the cell until it pushes `index`.
        self.0[index as usize].with_mut(|p| unsafe { *p = index * 10 + 1 });
    }

    fn read(&self, index: u32) -> u32 {
        // SAFETY: the consumer owns the cell after popping `index`.
        self.0[index as usize].with(|p| unsafe { *p })
    }
}

fn pass_three_values(overflow: bool) {
    loom::model(move || {
        let queue = Arc::new(SpscQueue::<NativeRmw, 2>::with_config(2, overflow));
        let payloads = Arc::new(Payloads::new());
        let producer = {
            let (queue, payloads) = (queue.clone(), payloads.clone());
            loom::thread::spawn(move || {
                let mut producer = queue.producer().unwrap();
                let mut evicted = Vec::new();
                for value in 0..3 {
                    payloads.write(value);
                    if overflow {
                        evicted.extend(producer.push_overflowing(value).unwrap());
                    } else {
                        while producer.push(value).is_err() {
                            loom::thread::yield_now();
                        }
                    }
                }
                evicted
            })
        };
        let mut consumer = queue.consumer().unwrap();
        let mut received = Vec::new();
        for _ in 0..4 {
            if let Some(value) = consumer.pop() {
                assert_eq!(payloads.read(value), value * 10 + 1);
                received.push(value);
            }
            if received.len() == 3 {
                break;
            }
            loom::thread::yield_now();
        }
        let evicted = producer.join().unwrap();
        while let Some(value) = consumer.pop() {
            assert_eq!(payloads.read(value), value * 10 + 1);
            received.push(value);
        }
        assert!(received.windows(2).all(|w| w[0] < w[1]));
        let mut all: Vec<u32> = received.into_iter().chain(evicted).collect();
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2], "each value received or evicted exactly once");
    });
}

#[test]
#[cfg_attr(iox2_weaken_release, should_panic(expected = "Causality violation"))]
fn loom_spsc_hands_over_values_and_their_payloads() {
    pass_three_values(false);
}

#[test]
#[cfg_attr(iox2_weaken_release, should_panic(expected = "Causality violation"))]
fn loom_spsc_overflow_gives_each_value_one_owner() {
    pass_three_values(true);
}
