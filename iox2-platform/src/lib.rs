//! What iox2's core needs from the world around it, and nothing more.
//!
//! A [`Platform`] bundles five small capabilities as associated types
//! (DESIGN.md "Platform"):
//!
//! | capability | trait | job |
//! |---|---|---|
//! | memory | [`Region`] | create, open and remove a named region of bytes |
//! | sleeping | [`WaitWord`] | sleep on a 32-bit word until woken or a deadline; wake sleepers |
//! | time | [`Clock`] | monotonic nanoseconds |
//! | death | [`Liveness`] | a token a node holds while it lives; probe anyone's token |
//! | atomics | [`Rmw`] | read-modify-write on shared words |
//!
//! plus [`Platform::fence_system`]. Implementations:
//!
//! - [`static_ram`] (always, `no_std`): regions from statically reserved
//!   buffers, wait/wake through board hooks with a polling default,
//!   liveness declared by a supervisor;
//! - `linux` (feature `linux`): `shm_open`/`mmap`, shared futex,
//!   `futex_waitv`, open-file-description locks;
//! - `posix` (feature `posix`): libc only, no futex and no Linux-only call;
//! - `local` (feature `local`): in-process, over `std`.
//!
//! Without host features the crate is `#![no_std]` and allocation-free.
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(test)]
extern crate std;

pub mod clock;
pub mod error;
pub mod liveness;
pub mod region;
pub mod rmw;
pub mod static_ram;
pub mod sync;
pub mod wait;

#[cfg(any(feature = "linux", feature = "posix"))]
mod record_lock;

#[cfg(feature = "linux")]
pub mod linux;
#[cfg(feature = "local")]
pub mod local;
#[cfg(feature = "posix")]
pub mod posix;
#[cfg(any(feature = "linux", feature = "posix"))]
pub mod signal;

#[cfg(any(feature = "linux", feature = "posix"))]
mod poll;

pub use clock::{Clock, Instant};
pub use liveness::{Liveness, NodeState};
pub use region::{Access, Region};
pub use rmw::Rmw;
pub use wait::{WaitOutcome, WaitTarget, WaitWord};

/// Everything a platform supplies to the core, as one type-level bundle.
///
/// ```
/// use iox2_platform::{Platform, Clock};
/// fn elapsed<P: Platform>(since: iox2_platform::Instant) -> u64 {
///     P::Clock::now().nanos_since(since)
/// }
/// ```
pub trait Platform: 'static {
    /// Named regions of memory (shared memory on a host, static buffers on bare metal).
    type Region: Region;
    /// Sleeping on and waking 32-bit words.
    type Waiter: WaitWord;
    /// The monotonic clock.
    type Clock: Clock;
    /// Node liveness tokens.
    type Liveness: Liveness;
    /// The read-modify-write backend for multi-writer shared words.
    type Rmw: Rmw;

    /// A short name of the platform (`"linux"`, `"posix"`, ...).
    const NAME: &'static str;

    /// Orders this context's memory accesses towards other cores and agents
    /// (other processes, DMA, a second core) beyond what the language's
    /// atomics already promise. A `SeqCst` fence on hosts.
    fn fence_system();
}
