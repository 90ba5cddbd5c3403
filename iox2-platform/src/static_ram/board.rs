//! The board trait: what firmware supplies so that `StaticRam<Board>` can
//! find its tables, its clock and its sleep hooks without a `self`.

use super::{Nodes, Regions};
use crate::clock::Instant;
use crate::rmw::Rmw;
use crate::sync::{Ordering, fence, spin_loop};

/// What a board supplies to [`super::StaticRam`].
///
/// [`crate::Region::create`] and friends are associated functions, so the
/// platform type must find its tables statically: the board returns views of
/// its `static` tables.
///
/// ```
/// use iox2_platform::rmw::NativeRmw;
/// use iox2_platform::static_ram::{
///     NodeTable, Nodes, RegionBuffer, RegionTable, Regions, StaticRam, StaticRamBoard,
/// };
/// use iox2_platform::{Instant, Platform, Region};
///
/// static BUFFER: RegionBuffer<4096> = RegionBuffer::new();
/// static REGIONS: RegionTable<NativeRmw, 4> = RegionTable::new();
/// static NODES: NodeTable<NativeRmw, 4> = NodeTable::new();
///
/// struct Board;
/// impl StaticRamBoard for Board {
///     type Rmw = NativeRmw;
///     fn regions() -> Regions<'static, NativeRmw> {
///         REGIONS.view()
///     }
///     fn nodes() -> Nodes<'static, NativeRmw> {
///         NODES.view()
///     }
///     fn now() -> Instant {
///         Instant::from_nanos(0) // a hardware timer on a real board
///     }
/// }
///
/// // At init, before any service is created:
/// REGIONS.register(&BUFFER).expect("a free table slot");
/// let region = <StaticRam<Board> as Platform>::Region::create("telemetry", 1024).unwrap();
/// assert_eq!(region.len(), 1024);
/// ```
pub trait StaticRamBoard: 'static {
    /// The read-modify-write backend of this board (DESIGN.md "Atomics"):
    /// `NativeRmw` where the CPU has CAS, `CriticalSectionRmw` on
    /// single-core parts without it, or the board's own hardware lock.
    type Rmw: Rmw;

    /// The board's region table.
    fn regions() -> Regions<'static, Self::Rmw>;

    /// The board's node liveness table.
    fn nodes() -> Nodes<'static, Self::Rmw>;

    /// The board's monotonic clock. Must never go backwards.
    fn now() -> Instant;

    /// Called by a waiter that found its word unchanged, before it checks
    /// the word and the clock again: the place for `WFE`, `WFI` or a
    /// low-power wait for a pended interrupt.
    ///
    /// May return at any time (the waiter re-checks), but a hook that can
    /// sleep must return when the board's [`StaticRamBoard::wake_hook`]
    /// fires, and — if `deadline` is `Some` — by the deadline (arm a timer).
    /// The default spins once, which is always correct.
    fn wait_hook(deadline: Option<Instant>) {
        let _ = deadline;
        spin_loop();
    }

    /// Called after a word changed and its sleepers should look again: the
    /// place for `SEV`, pending an interrupt on another core, or a mailbox
    /// write. The default does nothing (the polling waiter needs nothing).
    fn wake_hook() {}

    /// Orders this core's memory accesses towards other cores and bus
    /// masters ([`crate::Platform::fence_system`]). The default is a
    /// `SeqCst` fence; boards with caches or a second bus master may need
    /// more (e.g. `DSB`, cache maintenance).
    fn fence_system() {
        fence(Ordering::SeqCst);
    }
}
