//! The firmware side of iox2: services in `static`s, no allocator.
//!
//! - [`pubsub`]: [`pubsub!`] declares a publish-subscribe service in a
//!   `static` whose size the core's `const fn` layouts compute, all zero
//!   (`.bss`), created on the first claim; publishers and subscribers are
//!   claimed from it (a typed error once all are taken) and hide its size.
//! - [`event`]: [`event::Event`], a `static` event that interrupt handlers
//!   and other cores notify and one [`event::Listener`] waits for.
//! - [`wait`]: how a waiting context idles and a notifier wakes it —
//!   `WFE`/`SEV`, a pended interrupt, or polling — plugged into the board's
//!   [`StaticRamBoard`](iox2_platform::static_ram::StaticRamBoard) hooks;
//!   timed waits use the board's clock or an embedded-hal `DelayNs`.
//! - [`error`]: the typed errors (`defmt::Format` with the `defmt` feature).
//!
//! The board is a type implementing
//! [`StaticRamBoard`](iox2_platform::static_ram::StaticRamBoard): it picks
//! the read-modify-write backend (`NativeRmw` where the CPU has CAS,
//! `CriticalSectionRmw` on a single core without it, a hardware lock
//! across cores that cannot make each other's exclusives fail — a
//! single-core critical section is unsound across cores), the wait hooks
//! and the clock. Every operation a preempting context may call (notify,
//! send, receive, claims) finishes in a bounded number of its own steps,
//! whatever the preempted context was doing (INV-PREEMPT); a claim that
//! would have to wait for another context gets a typed error instead.
//!
//! Nodes on other cores: a node is declared dead only by a supervisor
//! that halted or reset its core
//! ([`Nodes::declare_dead`](iox2_platform::static_ram::Nodes::declare_dead));
//! a missed heartbeat makes it `Unknown`, never `Dead`.
#![no_std]

#[cfg(test)]
extern crate std;

pub mod error;
pub mod event;
pub mod pubsub;
pub mod wait;

#[cfg(test)]
mod test_board;

pub use iox2_core as core;
pub use iox2_platform as platform;
