//! `posix`: the "QNX-like" profile — libc (and `std`) only: no futex, no
//! OFD locks, no Linux-only call. It runs on Linux as on any POSIX system.
//!
//! - regions: `shm_open` `O_CREAT|O_EXCL` (mode 0600), `posix_fallocate`,
//!   `mmap` `MAP_SHARED`;
//! - wait/wake: a named FIFO per (region, offset) of a word and `poll`;
//!   polling with backoff for words outside mapped regions;
//! - clock: `clock_gettime(CLOCK_MONOTONIC)`;
//! - liveness: one write-locked process lock file per process; node tokens
//!   name it;
//! - RMW: the CPU's own atomics; `fence_system`: a `SeqCst` fence.
//!
//! Files live under `/tmp/iox2/` (FIFOs in [`FIFO_DIR`], process locks in
//! [`PROCESS_DIR`], tokens in [`NODES_DIR`]).

mod clock;
mod fifo;
mod liveness;
mod mapping;
mod os;
mod process_lock;
mod region;
mod registry;
mod shm;
mod token_file;
mod wait;

pub use clock::PosixClock;
pub use fifo::FIFO_DIR;
pub use liveness::{PosixLiveness, PosixToken};
pub use process_lock::PROCESS_DIR;
pub use region::PosixRegion;
pub use token_file::NODES_DIR;
pub use wait::PosixWaiter;

use crate::Platform;
use crate::error::{RegionError, check_name};
use crate::rmw::NativeRmw;
use crate::sync::{Ordering, fence};

/// The POSIX platform.
#[derive(Debug)]
pub struct Posix;

impl Platform for Posix {
    type Region = PosixRegion;
    type Waiter = PosixWaiter;
    type Clock = PosixClock;
    type Liveness = PosixLiveness;
    type Rmw = NativeRmw;

    const NAME: &'static str = "posix";

    fn fence_system() {
        fence(Ordering::SeqCst);
    }
}

impl PosixRegion {
    /// Removes the wake FIFOs of region `name` (they outlive the region:
    /// `remove` keeps existing mappings, and their waits, working). Call it
    /// once no process waits on the region's words any more; a sleeper on a
    /// removed FIFO would not be woken.
    pub fn remove_wake_channels(name: &str) -> Result<(), RegionError> {
        check_name(name, region::MAX_NAME_LEN)?;
        fifo::remove_all(name).map_err(RegionError::Os)
    }
}
