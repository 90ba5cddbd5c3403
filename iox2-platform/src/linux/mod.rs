//! `linux`: the Linux platform over rustix (libc only for OFD locks).
//!
//! - regions: POSIX shared memory (`shm_open` `O_CREAT|O_EXCL`, mode 0600,
//!   `O_CLOEXEC`), reserved with `fallocate`, mapped `MAP_SHARED` and
//!   `MADV_DONTFORK`;
//! - wait/wake: shared futexes — `FUTEX_WAIT_BITSET` with absolute
//!   `CLOCK_MONOTONIC` deadlines, `futex_waitv` for up to 128 words;
//! - clock: `CLOCK_MONOTONIC`;
//! - liveness: token files held with OFD locks;
//! - RMW: the CPU's own atomics; `fence_system`: a `SeqCst` fence.

mod clock;
mod errno;
mod futex;
mod liveness;
mod mapping;
mod region;
mod wait;
mod waitv;

#[cfg(test)]
mod tests;

pub use clock::LinuxClock;
pub use liveness::{LinuxLiveness, LinuxToken, NODE_DIR};
pub use region::LinuxRegion;
pub use wait::LinuxWaiter;

use crate::Platform;
use crate::rmw::NativeRmw;
use crate::sync::{Ordering, fence};

/// The Linux platform.
#[derive(Debug)]
pub struct Linux;

impl Platform for Linux {
    type Region = LinuxRegion;
    type Waiter = LinuxWaiter;
    type Clock = LinuxClock;
    type Liveness = LinuxLiveness;
    type Rmw = NativeRmw;

    const NAME: &'static str = "linux";

    fn fence_system() {
        fence(Ordering::SeqCst);
    }
}
