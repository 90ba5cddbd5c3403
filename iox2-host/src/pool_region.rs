//! The regions of chunk pools: creating one's own (a publisher, client or
//! server), and mapping another port's read-only (a subscriber, client or
//! server receiving from it).

use crate::lock::HostPlatform;
use iox2_core::pool::{Data, DataLayout};
use iox2_core::segment::Segment;
use iox2_platform::error::RegionError;
use iox2_platform::{Access, Region};
use std::sync::Arc;

/// Creates a pool region, replacing a stale one a crashed port of the same
/// slot and generation left behind.
pub(crate) fn create_region<P: HostPlatform>(name: &str, len: usize) -> Result<P::Region, RegionError> {
    match P::Region::create(name, len) {
        Err(RegionError::AlreadyExists) => {
            P::Region::remove(name)?;
            P::Region::create(name, len)
        }
        other => other,
    }
}

/// Another port's pool, mapped read-only.
pub(crate) struct Mapping<P: HostPlatform> {
    pub(crate) data: Data<'static, P::Rmw>,
    /// Shared with what is read from this pool; dropped after `data`.
    pub(crate) region: Arc<P::Region>,
}

impl<P: HostPlatform> Mapping<P> {
    /// Maps pool region `name` of owner generation `generation`, checking
    /// its header against `layout`; `None` if it does not exist (yet) or
    /// does not match.
    pub(crate) fn open(name: &str, layout: DataLayout, generation: u32) -> Option<Self> {
        let region = Arc::new(P::Region::open(name, Access::ReadOnly).ok()?);
        // SAFETY: the mapping is kept alive by `Mapping::region` (and by
        // everything read from it, which holds a clone); it is only read.
        let segment: Segment<'static> = unsafe { Segment::new(region.as_ptr(), region.len()) };
        let data = Data::open(segment, layout, generation).ok()?;
        Some(Self { data, region })
    }
}
