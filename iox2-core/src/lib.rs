//! The allocation-free `no_std` core of iox2.
//!
//! Lock-free building blocks over 32-bit atomic words, each usable as a
//! `const`-constructed value (`static Q: SpscQueue<_, 8> = SpscQueue::new();`)
//! and as a view placed into raw (shared) memory with a `const fn` layout:
//!
//! - [`spsc`]: a wait-free single-producer single-consumer queue of indices,
//!   with optional safe overflow;
//! - [`mpmc`]: a lock-free multi-producer multi-consumer queue of unique
//!   indices that stays lock-free when a participant is preempted;
//! - [`free_list`]: a pool of chunk indices, handed out first-in first-out;
//! - [`bitset`]: an atomic bitset;
//! - [`event`]: event ids a notifier fires and a listener waits for;
//! - [`blackboard`]: keys fixed at creation, one writer, many readers, each
//!   value a triple buffer no reader ever waits on;
//! - [`service`] and [`pubsub`]: service names, and the settings of a
//!   publish-subscribe service with the sizes they imply.
//! - [`payload`]: the contract of a payload type ([`payload::ZeroCopySend`],
//!   its derive, and [`payload::AnyBitPattern`] for distrusted peers), and
//!   the type descriptor a service stores and checks on open.
//!
//! Multi-writer words are written only through the platform's
//! [`iox2_platform::rmw::Rmw`] backend (DESIGN.md "Atomics"), so the same
//! code runs on a Cortex-M0 without compare-and-swap.
#![no_std]

// The payload derives name `::iox2_core::payload::...`; this lets the core
// use them on its own types too.
extern crate self as iox2_core;

pub mod bitset;
pub mod blackboard;
pub mod error;
pub mod event;
pub mod free_list;
pub mod mpmc;
pub mod payload;
pub mod place;
#[cfg(not(iox2_loom))]
pub mod pool;
#[cfg(not(iox2_loom))]
pub mod pubsub;
#[cfg(not(iox2_loom))]
pub mod reqres;
#[cfg(not(iox2_loom))]
pub mod segment;
pub mod service;
pub mod spsc;
pub mod sync;
#[cfg(all(test, not(iox2_loom)))]
mod test_memory;
