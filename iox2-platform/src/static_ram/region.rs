//! `StaticRegion<B>`: the `Region` of `StaticRam<B>`, a handle of the
//! board's region table.

use super::board::StaticRamBoard;
use super::name::NAME_CAPACITY;
use super::region_handle::RegionHandle;
use crate::error::RegionError;
use crate::region::{Access, Region};
use core::ptr::NonNull;

/// A region of the board `B`'s static table.
///
/// There is no MMU: [`Access::ReadOnly`] is recorded (and reported by
/// [`Region::access`]) but not enforced; a board with an MPU may enforce it.
pub struct StaticRegion<B: StaticRamBoard> {
    handle: RegionHandle<'static, B::Rmw>,
    access: Access,
}

impl<B: StaticRamBoard> Region for StaticRegion<B> {
    const MAX_NAME_LEN: usize = NAME_CAPACITY;

    fn create(name: &str, len: usize) -> Result<Self, RegionError> {
        let handle = B::regions().create(name, len)?;
        Ok(Self {
            handle,
            access: Access::ReadWrite,
        })
    }

    fn open(name: &str, access: Access) -> Result<Self, RegionError> {
        let handle = B::regions().open(name)?;
        Ok(Self { handle, access })
    }

    fn remove(name: &str) -> Result<(), RegionError> {
        B::regions().remove(name)
    }

    fn exists(name: &str) -> Result<bool, RegionError> {
        B::regions().exists(name)
    }

    fn as_ptr(&self) -> NonNull<u8> {
        self.handle.as_ptr()
    }

    fn len(&self) -> usize {
        self.handle.len()
    }

    fn access(&self) -> Access {
        self.access
    }
}

impl<B: StaticRamBoard> core::fmt::Debug for StaticRegion<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StaticRegion")
            .field("handle", &self.handle)
            .field("access", &self.access)
            .finish()
    }
}
