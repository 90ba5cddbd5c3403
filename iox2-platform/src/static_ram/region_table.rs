//! `RegionTable<R, N>`: the `static` a board declares, holding up to `N`
//! registered buffers and the regions bound to them.

use super::buffer::RegionBuffer;
use super::error::RegisterError;
use super::region_slot::RegionSlot;
use super::regions::Regions;
use super::register::Registration;
use crate::rmw::Rmw;
use crate::sync::AtomicU32;
use core::marker::PhantomData;

/// A table of up to `N` static buffers that regions are made of; `R` is the
/// board's RMW backend (every claim in the table goes through it).
///
/// All-zero at start (`const fn new`), so it lives in `.bss`:
///
/// ```
/// use iox2_platform::rmw::NativeRmw;
/// use iox2_platform::static_ram::{RegionBuffer, RegionTable};
///
/// static SMALL: RegionBuffer<1024> = RegionBuffer::new();
/// static LARGE: RegionBuffer<8192> = RegionBuffer::new();
/// static CONTROL: RegionBuffer<512> = RegionBuffer::new();
/// static REGIONS: RegionTable<NativeRmw, 4> = RegionTable::new();
///
/// // Board init: pool buffers for any name, one buffer kept for a name.
/// REGIONS.register(&SMALL).unwrap();
/// REGIONS.register(&LARGE).unwrap();
/// REGIONS.register_named("control", &CONTROL).unwrap();
///
/// let regions = REGIONS.view();
/// let a = regions.create("a", 2000).unwrap(); // best fit: LARGE
/// assert_eq!(a.len(), 2000);
/// assert!(regions.create("b", 5000).is_err()); // LARGE is taken
/// ```
pub struct RegionTable<R, const N: usize> {
    /// Bumped by every wake (see `StaticWaiter`), so a wake that does not
    /// change the word still ends a wait.
    wake_epoch: AtomicU32,
    slots: [RegionSlot; N],
    _rmw: PhantomData<fn() -> R>,
}

impl<R: Rmw, const N: usize> RegionTable<R, N> {
    /// An empty table.
    #[cfg(not(iox2_loom))]
    pub const fn new() -> Self {
        Self {
            wake_epoch: AtomicU32::new(0),
            slots: [const { RegionSlot::new() }; N],
            _rmw: PhantomData,
        }
    }

    /// An empty table (loom build: not `const`).
    #[cfg(iox2_loom)]
    pub fn new() -> Self {
        Self {
            wake_epoch: AtomicU32::new(0),
            slots: core::array::from_fn(|_| RegionSlot::new()),
            _rmw: PhantomData,
        }
    }

    /// The table without its capacity, as a board returns it.
    pub fn view(&self) -> Regions<'_, R> {
        Regions::new(&self.slots, &self.wake_epoch)
    }

    /// Adds `buffer` to the pool: any create of a region that fits may
    /// bind its name to it. Register at board initialisation.
    pub fn register<const M: usize>(&self, buffer: &'static RegionBuffer<M>) -> Result<(), RegisterError> {
        self.view().register_raw(buffer.as_mut_ptr(), M, Registration::Pool)
    }

    /// Keeps `buffer` for the region `name` alone (e.g. a buffer in a
    /// linker section placed for that service). The region does not exist
    /// until it is created.
    pub fn register_named<const M: usize>(
        &self,
        name: &str,
        buffer: &'static RegionBuffer<M>,
    ) -> Result<(), RegisterError> {
        self.view()
            .register_raw(buffer.as_mut_ptr(), M, Registration::Named(name))
    }

    /// Keeps `buffer` for the region `name`, which exists from now on with
    /// all `M` bytes: memory that another core or image initialises (the
    /// one designated core creates it; the others register it this way and
    /// open it). Its bytes are not touched.
    pub fn register_existing<const M: usize>(
        &self,
        name: &str,
        buffer: &'static RegionBuffer<M>,
    ) -> Result<(), RegisterError> {
        self.view()
            .register_raw(buffer.as_mut_ptr(), M, Registration::Existing(name))
    }

    /// How many buffers the table can hold.
    pub const fn capacity(&self) -> usize {
        N
    }
}

impl<R: Rmw, const N: usize> Default for RegionTable<R, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R, const N: usize> core::fmt::Debug for RegionTable<R, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RegionTable").field("slots", &self.slots).finish()
    }
}
