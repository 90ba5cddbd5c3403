//! `PosixRegion`: named regions as POSIX shared-memory objects
//! (`shm_open`/`posix_fallocate`/`mmap`), libc only.

use super::mapping::Mapping;
use super::shm::{self, object_name, region_error};
use crate::error::{RegionError, check_name};
use crate::region::{Access, Region};
use core::ptr::NonNull;

/// The longest region name: the wake FIFO `<name>.<offset>` (offset up to
/// 20 digits) must fit `NAME_MAX` (255), which also bounds `/iox2_<name>`.
pub const MAX_NAME_LEN: usize = 255 - 1 - 20;

/// The largest region (`off_t` and `isize` bound it).
pub const MAX_LEN: usize = isize::MAX as usize;

/// A mapped POSIX shared-memory object (`/iox2_<name>`).
///
/// `create` uses `O_CREAT | O_EXCL`, mode 0600, and reserves the storage
/// with `posix_fallocate` (falling back to `ftruncate` where shared memory
/// cannot be reserved); a failed create removes the name again. `open` of
/// an object not sized yet fails with [`RegionError::Incomplete`]. Every
/// mapping is recorded in a process-local registry, which is how
/// `PosixWaiter` finds the wake FIFO of a word.
#[derive(Debug)]
pub struct PosixRegion {
    mapping: Mapping,
    access: Access,
}

impl Region for PosixRegion {
    const MAX_NAME_LEN: usize = MAX_NAME_LEN;

    fn create(name: &str, len: usize) -> Result<Self, RegionError> {
        check_name(name, MAX_NAME_LEN)?;
        if len == 0 || len > MAX_LEN {
            return Err(RegionError::InvalidSize {
                requested: len,
                max: MAX_LEN,
            });
        }
        let object = object_name(name)?;
        let fd = shm::open(&object, libc::O_CREAT | libc::O_EXCL | libc::O_RDWR).map_err(region_error)?;
        match shm::reserve(&fd, len, MAX_LEN).and_then(|()| Mapping::new(&fd, len, Access::ReadWrite, name)) {
            Ok(mapping) => Ok(Self {
                mapping,
                access: Access::ReadWrite,
            }),
            Err(e) => {
                let _ = shm::unlink(&object);
                Err(e)
            }
        }
    }

    fn open(name: &str, access: Access) -> Result<Self, RegionError> {
        check_name(name, MAX_NAME_LEN)?;
        let flags = match access {
            Access::ReadWrite => libc::O_RDWR,
            Access::ReadOnly => libc::O_RDONLY,
        };
        let fd = shm::open(&object_name(name)?, flags).map_err(region_error)?;
        let size = shm::size(&fd)?;
        if size == 0 {
            return Err(RegionError::Incomplete);
        }
        let len = usize::try_from(size).map_err(|_| RegionError::InvalidSize {
            requested: usize::MAX,
            max: MAX_LEN,
        })?;
        Ok(Self {
            mapping: Mapping::new(&fd, len, access, name)?,
            access,
        })
    }

    fn remove(name: &str) -> Result<(), RegionError> {
        check_name(name, MAX_NAME_LEN)?;
        shm::unlink(&object_name(name)?).map_err(region_error)
    }

    fn exists(name: &str) -> Result<bool, RegionError> {
        check_name(name, MAX_NAME_LEN)?;
        match shm::open(&object_name(name)?, libc::O_RDONLY) {
            Ok(_) | Err(libc::EACCES) => Ok(true),
            Err(libc::ENOENT) => Ok(false),
            Err(e) => Err(region_error(e)),
        }
    }

    fn as_ptr(&self) -> NonNull<u8> {
        self.mapping.as_ptr()
    }

    fn len(&self) -> usize {
        self.mapping.len()
    }

    fn access(&self) -> Access {
        self.access
    }
}
