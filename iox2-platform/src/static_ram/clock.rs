//! `StaticClock<B>`: the board's monotonic clock as a `Clock`.

use super::board::StaticRamBoard;
use crate::clock::{Clock, Instant};
use core::marker::PhantomData;

/// The clock of the board `B` ([`StaticRamBoard::now`]).
pub struct StaticClock<B>(PhantomData<fn() -> B>);

impl<B: StaticRamBoard> Clock for StaticClock<B> {
    fn now() -> Instant {
        B::now()
    }
}

impl<B> core::fmt::Debug for StaticClock<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StaticClock")
    }
}
