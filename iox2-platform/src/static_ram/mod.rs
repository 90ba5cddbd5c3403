//! `static_ram`: the bare-metal platform — regions from statically
//! reserved buffers, wait/wake through board hooks with a polling default,
//! liveness declared by a supervisor. `no_std`, no allocation, builds for
//! `thumbv6m-none-eabi` (no CAS: every claim goes through the board's
//! [`crate::Rmw`]).
//!
//! A board declares its tables as `static`s, registers its buffers at
//! init, and implements [`StaticRamBoard`]; [`StaticRam<Board>`] is then a
//! [`Platform`]:
//!
//! ```
//! use iox2_platform::rmw::NativeRmw;
//! use iox2_platform::static_ram::*;
//! use iox2_platform::{Instant, Platform, Region};
//!
//! static POOL: [RegionBuffer<1024>; 2] = [RegionBuffer::new(), RegionBuffer::new()];
//! static REGIONS: RegionTable<NativeRmw, 2> = RegionTable::new();
//! static NODES: NodeTable<NativeRmw, 4> = NodeTable::new();
//!
//! struct Board;
//! impl StaticRamBoard for Board {
//!     type Rmw = NativeRmw;
//!     fn regions() -> Regions<'static, NativeRmw> { REGIONS.view() }
//!     fn nodes() -> Nodes<'static, NativeRmw> { NODES.view() }
//!     fn now() -> Instant { Instant::from_nanos(0) }
//! }
//! type Firmware = StaticRam<Board>;
//!
//! for buffer in &POOL {
//!     REGIONS.register(buffer).unwrap();
//! }
//! let region = <Firmware as Platform>::Region::create("control", 512).unwrap();
//! assert_eq!(region.as_ptr().as_ptr() as usize % 64, 0);
//! ```
//!
//! Regions: a [`RegionTable`] slot is claimed once per buffer
//! (`register`, `register_named`, `register_existing`); a create binds a
//! name to the buffer reserved for it or to the best-fitting free pool
//! buffer, zero-fills it, and counts handles, so a removed region's buffer
//! is reused only after its last handle is dropped. Every claim is a
//! compare-and-swap through the board's `Rmw` and never waits on another
//! context (INV-PREEMPT).

mod board;
mod buffer;
mod clock;
mod create;
mod error;
mod liveness;
mod name;
mod node_slot;
mod node_table;
mod node_token;
mod nodes;
mod region;
mod region_handle;
mod region_slot;
mod region_table;
mod regions;
mod register;
mod supervisor;
mod update;
mod wait;

#[cfg(all(test, not(iox2_loom)))]
mod tests;

pub use board::StaticRamBoard;
pub use buffer::RegionBuffer;
pub use clock::StaticClock;
pub use error::{DeclareError, RegisterError};
pub use liveness::StaticLiveness;
pub use name::NAME_CAPACITY;
pub use node_table::NodeTable;
pub use node_token::NodeToken;
pub use nodes::Nodes;
pub use region::StaticRegion;
pub use region_handle::RegionHandle;
pub use region_table::RegionTable;
pub use regions::Regions;
pub use wait::{MAX_WAIT_ANY, StaticWaiter};

use crate::Platform;
use core::marker::PhantomData;

/// The bare-metal platform of the board `B`.
pub struct StaticRam<B>(PhantomData<fn() -> B>);

impl<B: StaticRamBoard> Platform for StaticRam<B> {
    type Region = StaticRegion<B>;
    type Waiter = StaticWaiter<B>;
    type Clock = StaticClock<B>;
    type Liveness = StaticLiveness<B>;
    type Rmw = B::Rmw;

    const NAME: &'static str = "static_ram";

    fn fence_system() {
        B::fence_system();
    }
}

impl<B> core::fmt::Debug for StaticRam<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StaticRam")
    }
}
