//! The regions of chunk pools: creating one's own (a publisher, client or
//! server), and mapping another port's read-only (a subscriber, client or
//! server receiving from it).

use crate::error::PortCreateError;
use crate::lock::HostPlatform;
use iox2_core::pool::{Data, DataLayout};
use iox2_core::segment::Segment;
use iox2_core::service::{PortKind, Registry, SlotId};
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

/// A port's own pool, just created: its slot, region (and name) and view.
pub(crate) struct OwnedPool<P: HostPlatform> {
    pub(crate) slot: SlotId,
    pub(crate) name: String,
    pub(crate) region: P::Region,
    pub(crate) data: Data<'static, P::Rmw>,
}

/// Claims a port slot of `kind` for node slot `node` in `registry`, and
/// creates its pool region (named by `name_of` from the claim) laid out as
/// `layout`; the slot is released again if the pool cannot be made.
pub(crate) fn claim_with_pool<P: HostPlatform>(
    registry: Registry<'static, P::Rmw>,
    kind: PortKind,
    node: u32,
    layout: DataLayout,
    name_of: impl FnOnce(SlotId) -> String,
) -> Result<OwnedPool<P>, PortCreateError> {
    let slot = registry
        .claim_port(kind, node)
        .ok_or(PortCreateError::ExceedsMaxPorts)?;
    let name = name_of(slot);
    let created = create_region::<P>(&name, layout.len)
        .map_err(PortCreateError::Region)
        .and_then(|region| {
            // SAFETY: the region is owned by the port (in `OwnedPool`, then
            // the port's handle) and outlives every view made from it.
            let segment: Segment<'static> = unsafe { Segment::new(region.as_ptr(), region.len()) };
            let data = Data::create(segment, layout, slot.generation).map_err(PortCreateError::Data)?;
            Ok((region, data))
        });
    match created {
        Ok((region, data)) => Ok(OwnedPool {
            slot,
            name,
            region,
            data,
        }),
        Err(e) => {
            registry.release_port(kind, slot);
            let _ = P::Region::remove(&name);
            Err(e)
        }
    }
}
