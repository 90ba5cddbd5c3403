//! Loom models of the MPMC queue and the free list: concurrent pushes and
//! pops, helping, and handing payloads over with the indices.
//!
//! Run with `RUSTFLAGS="--cfg iox2_loom" cargo test -p iox2-core --release
//! --test loom_mpmc`.
#![cfg(iox2_loom)]

use iox2_core::free_list::FreeList;
use iox2_core::mpmc::MpmcQueue;
use iox2_core::sync::UnsafeCell;
use iox2_platform::rmw::NativeRmw;
use loom::sync::Arc;

/// Payload cells, one per index.
struct Payloads([UnsafeCell<u32>; 2]);

// SAFETY: access to a cell is ordered by the structure under test; loom
// checks exactly that.
unsafe impl Sync for Payloads {}

impl Payloads {
    fn new() -> Self {
        Self([UnsafeCell::new(0), UnsafeCell::new(0)])
    }

    fn write(&self, index: u32, value: u32) {
        // SAFETY: whoever holds `index` owns its cell.
        self.0[index as usize].with_mut(|p| unsafe { *p = value });
    }

    fn read(&self, index: u32) -> u32 {
        // SAFETY: whoever holds `index` owns its cell.
        self.0[index as usize].with(|p| unsafe { *p })
    }
}

fn pop_spinning(queue: &MpmcQueue<NativeRmw, 2>) -> u32 {
    loop {
        if let Some(index) = queue.pop() {
            return index;
        }
        loom::thread::yield_now();
    }
}

#[test]
fn loom_mpmc_two_pushers_one_popper() {
    loom::model(|| {
        let queue = Arc::new(MpmcQueue::<NativeRmw, 2>::new());
        let payloads = Arc::new(Payloads::new());
        let pushers: Vec<_> = (0..2)
            .map(|index| {
                let (queue, payloads) = (queue.clone(), payloads.clone());
                loom::thread::spawn(move || {
                    payloads.write(index, index + 100);
                    queue.push(index).unwrap();
                })
            })
            .collect();
        let mut seen = [pop_spinning(&queue), pop_spinning(&queue)];
        for index in seen {
            assert_eq!(payloads.read(index), index + 100);
        }
        seen.sort_unstable();
        assert_eq!(seen, [0, 1]);
        pushers.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(queue.pop(), None);
    });
}

#[test]
fn loom_mpmc_two_threads_pop_and_push_back() {
    loom::model(|| {
        let queue = Arc::new(MpmcQueue::<NativeRmw, 2>::new());
        queue.push(0).unwrap();
        queue.push(1).unwrap();
        let payloads = Arc::new(Payloads::new());
        let workers: Vec<_> = (0..2)
            .map(|worker| {
                let (queue, payloads) = (queue.clone(), payloads.clone());
                loom::thread::spawn(move || {
                    let index = pop_spinning(&queue);
                    payloads.write(index, worker);
                    assert_eq!(payloads.read(index), worker);
                    queue.push(index).unwrap();
                })
            })
            .collect();
        workers.into_iter().for_each(|t| t.join().unwrap());
        let mut left = [queue.pop().unwrap(), queue.pop().unwrap()];
        left.sort_unstable();
        assert_eq!(left, [0, 1]);
        assert_eq!(queue.pop(), None);
    });
}

#[test]
fn loom_free_list_hands_each_index_to_one_owner() {
    loom::model(|| {
        let pool = Arc::new(FreeList::<NativeRmw, 2>::new());
        pool.release(0).unwrap();
        pool.release(1).unwrap();
        let payloads = Arc::new(Payloads::new());
        let owners: Vec<_> = (0..2)
            .map(|owner| {
                let (pool, payloads) = (pool.clone(), payloads.clone());
                loom::thread::spawn(move || {
                    let index = pool.acquire().expect("two indices for two owners");
                    payloads.write(index, owner);
                    assert_eq!(payloads.read(index), owner);
                    pool.release(index).unwrap();
                })
            })
            .collect();
        owners.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(pool.free(), 2);
    });
}
