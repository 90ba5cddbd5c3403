//! Read-modify-write on shared 32-bit words: the one operation the core
//! cannot assume from the hardware.
//!
//! DESIGN.md "Atomics": every shared word is either single-writer (plain
//! atomic load/store, native everywhere) or multi-writer, and every write of a
//! multi-writer word goes through an [`Rmw`] backend chosen by the board:
//!
//! - [`NativeRmw`]: the CPU's own compare-and-swap (every host, Cortex-M3 and
//!   up, RISC-V with the A extension);
//! - [`CriticalSectionRmw`] (feature `critical-section`): a load and a store
//!   inside a `critical_section::with`, for single-core parts without CAS
//!   such as the Cortex-M0. Unsound between cores: never pick it for a
//!   dual-core board unless its critical-section implementation takes a
//!   hardware lock shared by both cores;
//! - a board's own type (e.g. around RP2040's SIO spinlocks) implementing the
//!   trait.
//!
//! Every method is a single atomic step towards other users of the *same
//! backend*. Mixing backends on one word is a bug.

use crate::sync::{AtomicU32, Ordering};

/// A read-modify-write backend over shared 32-bit words.
///
/// The methods are associated functions: a backend is a type-level choice
/// (recorded by the service that uses it), not a value to pass around.
///
/// # Progress
/// [`NativeRmw`] is lock-free (wait-free for `fetch_*` and `swap` where the
/// CPU has them natively). [`CriticalSectionRmw`] masks interrupts for a
/// few instructions: it never waits on another context.
pub trait Rmw {
    /// A short name of the backend, recorded in service headers.
    const NAME: &'static str;

    /// Stores `new` if the word holds `current`; returns the previous value
    /// (`Ok` when the store happened).
    fn compare_exchange(
        word: &AtomicU32,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32>;

    /// Adds `value` (wrapping) and returns the previous value.
    fn fetch_add(word: &AtomicU32, value: u32, order: Ordering) -> u32;

    /// Subtracts `value` (wrapping) and returns the previous value.
    fn fetch_sub(word: &AtomicU32, value: u32, order: Ordering) -> u32;

    /// Bitwise-ors `value` into the word and returns the previous value.
    fn fetch_or(word: &AtomicU32, value: u32, order: Ordering) -> u32;

    /// Bitwise-ands `value` into the word and returns the previous value.
    fn fetch_and(word: &AtomicU32, value: u32, order: Ordering) -> u32;

    /// Stores `value` and returns the previous value.
    fn swap(word: &AtomicU32, value: u32, order: Ordering) -> u32;
}

/// Read-modify-write by the CPU's own atomic instructions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg(any(target_has_atomic = "32", iox2_loom))]
pub struct NativeRmw;

#[cfg(any(target_has_atomic = "32", iox2_loom))]
impl Rmw for NativeRmw {
    const NAME: &'static str = "native";

    #[inline]
    fn compare_exchange(
        word: &AtomicU32,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32> {
        word.compare_exchange(current, new, success, failure)
    }

    #[inline]
    fn fetch_add(word: &AtomicU32, value: u32, order: Ordering) -> u32 {
        word.fetch_add(value, order)
    }

    #[inline]
    fn fetch_sub(word: &AtomicU32, value: u32, order: Ordering) -> u32 {
        word.fetch_sub(value, order)
    }

    #[inline]
    fn fetch_or(word: &AtomicU32, value: u32, order: Ordering) -> u32 {
        word.fetch_or(value, order)
    }

    #[inline]
    fn fetch_and(word: &AtomicU32, value: u32, order: Ordering) -> u32 {
        word.fetch_and(value, order)
    }

    #[inline]
    fn swap(word: &AtomicU32, value: u32, order: Ordering) -> u32 {
        word.swap(value, order)
    }
}

/// Read-modify-write as a load and a store inside a critical section.
///
/// Correct only when every context that writes the word runs on the core
/// whose critical section this is (single-core parts), or when the board's
/// `critical-section` implementation takes a lock shared by all cores.
#[cfg(feature = "critical-section")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CriticalSectionRmw;

#[cfg(feature = "critical-section")]
impl CriticalSectionRmw {
    /// Applies `f` to the word inside a critical section; returns the old value.
    #[inline]
    fn update(word: &AtomicU32, order: Ordering, f: impl FnOnce(u32) -> u32) -> u32 {
        critical_section::with(|_| {
            // SYNC: inside the critical section no other user of this backend
            // runs, so load+store is one step for them. The orderings keep
            // the same Acquire/Release meaning as a native RMW would.
            let old = word.load(load_order(order));
            word.store(f(old), store_order(order));
            old
        })
    }
}

/// The load half of a read-modify-write ordering.
#[cfg(feature = "critical-section")]
const fn load_order(order: Ordering) -> Ordering {
    match order {
        Ordering::Acquire | Ordering::AcqRel | Ordering::SeqCst => Ordering::Acquire,
        _ => Ordering::Relaxed,
    }
}

/// The store half of a read-modify-write ordering.
#[cfg(feature = "critical-section")]
const fn store_order(order: Ordering) -> Ordering {
    match order {
        Ordering::Release | Ordering::AcqRel | Ordering::SeqCst => Ordering::Release,
        _ => Ordering::Relaxed,
    }
}

#[cfg(feature = "critical-section")]
impl Rmw for CriticalSectionRmw {
    const NAME: &'static str = "critical-section";

    fn compare_exchange(
        word: &AtomicU32,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32> {
        critical_section::with(|_| {
            let old = word.load(load_order(success));
            if old == current {
                word.store(new, store_order(success));
                Ok(old)
            } else {
                // The failure ordering is at most as strong as a load.
                let _ = failure;
                Err(old)
            }
        })
    }

    fn fetch_add(word: &AtomicU32, value: u32, order: Ordering) -> u32 {
        Self::update(word, order, |old| old.wrapping_add(value))
    }

    fn fetch_sub(word: &AtomicU32, value: u32, order: Ordering) -> u32 {
        Self::update(word, order, |old| old.wrapping_sub(value))
    }

    fn fetch_or(word: &AtomicU32, value: u32, order: Ordering) -> u32 {
        Self::update(word, order, |old| old | value)
    }

    fn fetch_and(word: &AtomicU32, value: u32, order: Ordering) -> u32 {
        Self::update(word, order, |old| old & value)
    }

    fn swap(word: &AtomicU32, value: u32, order: Ordering) -> u32 {
        Self::update(word, order, |_| value)
    }
}
