//! The conformance suite against `static_ram` on the host: a test board
//! with a pool of static buffers and a std-based clock.
#![cfg(not(iox2_loom))]

mod conformance;

use iox2_platform::Instant;
use iox2_platform::rmw::NativeRmw;
use iox2_platform::static_ram::{NodeTable, Nodes, RegionBuffer, RegionTable, Regions, StaticRam, StaticRamBoard};
use std::sync::{Once, OnceLock};

const BUFFERS: usize = 64;

static POOL: [RegionBuffer<16_384>; BUFFERS] = [const { RegionBuffer::new() }; BUFFERS];
static REGIONS: RegionTable<NativeRmw, BUFFERS> = RegionTable::new();
static NODES: NodeTable<NativeRmw, 64> = NodeTable::new();

/// A board on the host: tests run in parallel, so the pool is large.
struct HostBoard;

impl StaticRamBoard for HostBoard {
    type Rmw = NativeRmw;

    fn regions() -> Regions<'static, NativeRmw> {
        static REGISTERED: Once = Once::new();
        REGISTERED.call_once(|| {
            for buffer in &POOL {
                REGIONS.register(buffer).expect("register");
            }
        });
        REGIONS.view()
    }

    fn nodes() -> Nodes<'static, NativeRmw> {
        NODES.view()
    }

    fn now() -> Instant {
        static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
        let elapsed = ORIGIN.get_or_init(std::time::Instant::now).elapsed();
        Instant::from_nanos(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX))
    }

    fn wait_hook(_deadline: Option<Instant>) {
        // A host thread yields instead of spinning (a core would WFE).
        std::thread::yield_now();
    }
}

type P = StaticRam<HostBoard>;

conformance_tests!(P, rounds = 2_000);
