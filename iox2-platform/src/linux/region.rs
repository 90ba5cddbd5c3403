//! `LinuxRegion`: named regions as POSIX shared-memory objects
//! (`/dev/shm/iox2_<name>`), reserved at creation with `fallocate`.

use super::errno::region_error;
use super::mapping::Mapping;
use crate::error::{RegionError, check_name};
use crate::region::{Access, Region};
use core::ptr::NonNull;
use rustix::fd::OwnedFd;
use rustix::fs::{FallocateFlags, Mode, fallocate, fstat, ftruncate};
use rustix::io::Errno;
use rustix::shm;
use std::string::String;

/// The prefix of every iox2 shared-memory object.
const PREFIX: &str = "/iox2_";

/// The longest region name: `shm_open` names are at most `NAME_MAX` (255)
/// bytes including the prefix.
pub const MAX_NAME_LEN: usize = 255 - PREFIX.len();

/// The largest region (`off_t` and `isize` bound it).
pub const MAX_LEN: usize = isize::MAX as usize;

/// The object name of region `name` (checked by the caller).
fn object_name(name: &str) -> String {
    let mut object = String::with_capacity(PREFIX.len() + name.len());
    object.push_str(PREFIX);
    object.push_str(name);
    object
}

/// A mapped POSIX shared-memory object.
///
/// `create` opens with `O_CREAT | O_EXCL` (mode 0600, `O_CLOEXEC`) and
/// reserves the pages with `fallocate`, so a full `/dev/shm` fails here
/// with [`RegionError::OutOfMemory`] (and the name is removed again) rather
/// than with SIGBUS at first touch. `open` of an object whose creator has
/// not sized it yet fails with [`RegionError::Incomplete`].
#[derive(Debug)]
pub struct LinuxRegion {
    mapping: Mapping,
    access: Access,
}

impl Region for LinuxRegion {
    const MAX_NAME_LEN: usize = MAX_NAME_LEN;

    fn create(name: &str, len: usize) -> Result<Self, RegionError> {
        check_name(name, MAX_NAME_LEN)?;
        if len == 0 || len > MAX_LEN {
            return Err(RegionError::InvalidSize {
                requested: len,
                max: MAX_LEN,
            });
        }
        let object = object_name(name);
        let flags = shm::OFlags::CREATE | shm::OFlags::EXCL | shm::OFlags::RDWR;
        let fd = shm::open(object.as_str(), flags, Mode::RUSR | Mode::WUSR).map_err(region_error)?;
        match reserve(&fd, len).and_then(|()| Mapping::new(&fd, len, Access::ReadWrite)) {
            Ok(mapping) => Ok(Self {
                mapping,
                access: Access::ReadWrite,
            }),
            Err(e) => {
                // Nobody may find a region that failed to come into being.
                let _ = shm::unlink(object.as_str());
                Err(e)
            }
        }
    }

    fn open(name: &str, access: Access) -> Result<Self, RegionError> {
        check_name(name, MAX_NAME_LEN)?;
        let flags = match access {
            Access::ReadWrite => shm::OFlags::RDWR,
            Access::ReadOnly => shm::OFlags::RDONLY,
        };
        let fd = shm::open(object_name(name).as_str(), flags, Mode::empty()).map_err(region_error)?;
        let size = file_size(&fd)?;
        if size == 0 {
            return Err(RegionError::Incomplete);
        }
        let len = usize::try_from(size).map_err(|_| RegionError::InvalidSize {
            requested: usize::MAX,
            max: MAX_LEN,
        })?;
        Ok(Self {
            mapping: Mapping::new(&fd, len, access)?,
            access,
        })
    }

    fn remove(name: &str) -> Result<(), RegionError> {
        check_name(name, MAX_NAME_LEN)?;
        shm::unlink(object_name(name).as_str()).map_err(region_error)
    }

    fn exists(name: &str) -> Result<bool, RegionError> {
        check_name(name, MAX_NAME_LEN)?;
        match shm::open(object_name(name).as_str(), shm::OFlags::RDONLY, Mode::empty()) {
            Ok(_) | Err(Errno::ACCESS) => Ok(true),
            Err(Errno::NOENT) => Ok(false),
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

/// Sizes a new object to `len` bytes with every page reserved. File
/// systems without `fallocate` get `ftruncate` (sparse: the SIGBUS risk
/// the reservation avoids comes back there).
fn reserve(fd: &OwnedFd, len: usize) -> Result<(), RegionError> {
    let bytes = u64::try_from(len).map_err(|_| RegionError::InvalidSize {
        requested: len,
        max: MAX_LEN,
    })?;
    match fallocate(fd, FallocateFlags::empty(), 0, bytes) {
        Ok(()) => Ok(()),
        Err(Errno::OPNOTSUPP | Errno::NOSYS) => ftruncate(fd, bytes).map_err(region_error),
        Err(Errno::FBIG) => Err(RegionError::InvalidSize {
            requested: len,
            max: MAX_LEN,
        }),
        Err(e) => Err(region_error(e)),
    }
}

/// The object's size in bytes.
fn file_size(fd: &OwnedFd) -> Result<u64, RegionError> {
    let stat = fstat(fd).map_err(region_error)?;
    #[allow(clippy::useless_conversion)] // `st_size` is `i64` or `c_long` by architecture
    let size = i64::from(stat.st_size);
    u64::try_from(size).map_err(|_| RegionError::Incomplete)
}
