//! A board for the host tests: native read-modify-write, small tables, the
//! polling wait hook and `std`'s monotonic clock.

use iox2_platform::Instant;
use iox2_platform::rmw::NativeRmw;
use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};
use std::sync::OnceLock;

static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
static NODES: NodeTable<NativeRmw, 2> = NodeTable::new();

/// The host test board.
pub(crate) struct Board;

impl StaticRamBoard for Board {
    type Rmw = NativeRmw;

    fn regions() -> Regions<'static, NativeRmw> {
        REGIONS.view()
    }

    fn nodes() -> Nodes<'static, NativeRmw> {
        NODES.view()
    }

    fn now() -> Instant {
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        let elapsed = START.get_or_init(std::time::Instant::now).elapsed();
        Instant::from_nanos(elapsed.as_nanos() as u64)
    }

    fn wait_hook(_deadline: Option<Instant>) {
        std::thread::yield_now();
    }
}
