//! The one place every atomic, cell and spin hint of iox2 comes from.
//!
//! Normal builds re-export `core`'s types. Under `--cfg iox2_loom` the same
//! names come from [loom](https://docs.rs/loom), so the lock-free algorithms
//! of `iox2-core` are model-checked without a line of their code changing.
//! `cargo xtask test` (stage `lint`) fails if any other file names
//! `core::sync::atomic` or `std::sync::atomic`.
//!
//! Only 32-bit atomics are used in shared memory: they are native (for load
//! and store) on every target iox2 supports, `thumbv6m-none-eabi` included.
//! Read-modify-write goes through [`crate::rmw::Rmw`], never through these
//! types' own methods. [`AtomicPtr`] and [`AtomicUsize`] exist for
//! process-local tables only (e.g. the `static_ram` region table, which
//! records where each static buffer lives); they never appear in a shared
//! layout, and only their load and store are used.

#[cfg(not(iox2_loom))]
pub use core::{
    cell::UnsafeCell,
    hint::spin_loop,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering, fence},
};

#[cfg(iox2_loom)]
pub use loom::{
    cell::UnsafeCell,
    hint::spin_loop,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering, fence},
};

/// The ordering a producer uses to publish a value to a consumer.
///
/// It is `Release` in every real build. The test-only `--cfg
/// iox2_weaken_release` turns it into `Relaxed`, so that the loom models can
/// show that they catch a missing Release (see `iox2-core/tests/loom_*.rs`).
#[cfg(not(iox2_weaken_release))]
pub const PUBLISH: Ordering = Ordering::Release;
/// Weakened on purpose by `--cfg iox2_weaken_release`: the loom models must fail.
#[cfg(iox2_weaken_release)]
pub const PUBLISH: Ordering = Ordering::Relaxed;

/// Creates an `AtomicU32` in a `const` context where the build allows it.
///
/// Loom's atomics have no `const` constructor, so code that must run under
/// loom builds its atomics through this function instead of `AtomicU32::new`.
#[cfg(not(iox2_loom))]
pub const fn atomic_u32(value: u32) -> AtomicU32 {
    AtomicU32::new(value)
}

/// Creates an `AtomicU32` (loom build: not `const`).
#[cfg(iox2_loom)]
pub fn atomic_u32(value: u32) -> AtomicU32 {
    AtomicU32::new(value)
}
