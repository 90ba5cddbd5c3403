//! The two-process ping-pong harness of the `pubsub`, `event` and `reqres`
//! suites.
//!
//! The bench process pins itself to CPU 0 and pings; each receiver is the
//! bench binary started again ([`child`]), pinned to CPU 1, and receiver 0
//! answers every ping. A [`Session`] keeps one [`Transport`]'s receivers
//! for a whole case and times each round trip with the fenced TSC
//! (one-way latency = half of it), or lets a suite drive the pinger itself
//! ([`Session::exchange`]). Idle receivers block on their control socket
//! ([`control`]), so only the implementation being measured uses the CPUs.
//! The floors, [`words`], are shared by every suite; [`entry`] runs a
//! case's sessions in interleaved rounds, under a [`watchdog`] where a wait
//! has no timeout.

pub mod child;
pub mod control;
pub mod entry;
pub mod session;
pub mod sys;
pub mod transport;
pub mod watchdog;
pub mod words;

pub use child::{ROLE_ARG, Serve, main as receiver_main, serve};
pub use entry::Entry;
pub use session::Session;
pub use transport::{NoPassive, Pinger, Ponger, Result, Spec, Transport};
pub use words::{Cacheline, Handoff, Words};
