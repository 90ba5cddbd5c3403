//! `local`: the in-process platform over `std`, for tests and for threads
//! of one program. Regions are heap blocks registered by name, waits park
//! on condition variables, liveness tokens live in a process-wide table.
//!
//! ```
//! use iox2_platform::local::Local;
//! use iox2_platform::{Platform, Region};
//! let region = <Local as Platform>::Region::create("doc.local", 4096).unwrap();
//! assert_eq!(region.as_ptr().as_ptr() as usize % 4096, 0);
//! <Local as Platform>::Region::remove("doc.local").unwrap();
//! ```

mod block;
mod clock;
mod liveness;
mod parking;
mod region;
mod wait;

#[cfg(test)]
mod tests;

pub use clock::LocalClock;
pub use liveness::{LocalLiveness, LocalToken};
pub use region::LocalRegion;
pub use wait::LocalWaiter;

use crate::Platform;
use crate::rmw::NativeRmw;
use crate::sync::{Ordering, fence};

/// The in-process platform.
#[derive(Debug)]
pub struct Local;

impl Platform for Local {
    type Region = LocalRegion;
    type Waiter = LocalWaiter;
    type Clock = LocalClock;
    type Liveness = LocalLiveness;
    type Rmw = NativeRmw;

    const NAME: &'static str = "local";

    fn fence_system() {
        fence(Ordering::SeqCst);
    }
}
