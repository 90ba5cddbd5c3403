//! `LocalRegion`: regions by name in a process-wide registry of heap
//! blocks.

use super::block::{Block, MAX_LEN};
use crate::error::{RegionError, check_name};
use crate::region::{Access, Region};
use core::ptr::NonNull;
use std::collections::BTreeMap;
use std::string::String;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The longest local region name, in bytes.
pub const MAX_NAME_LEN: usize = 255;

/// Name -> block of every existing local region of this process.
static REGISTRY: Mutex<BTreeMap<String, Arc<Block>>> = Mutex::new(BTreeMap::new());

/// The registry; a panic elsewhere cannot leave the map half-changed (each
/// change is one map call), so a poisoned lock is taken over.
fn registry() -> MutexGuard<'static, BTreeMap<String, Arc<Block>>> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A region of this process's memory: a zeroed, page-aligned heap block
/// shared by name between threads. It lives while it is registered or any
/// handle holds it, so `remove` keeps handles valid.
///
/// [`Access::ReadOnly`] is recorded but not enforced (heap memory).
#[derive(Debug)]
pub struct LocalRegion {
    block: Arc<Block>,
    access: Access,
}

impl Region for LocalRegion {
    const MAX_NAME_LEN: usize = MAX_NAME_LEN;

    fn create(name: &str, len: usize) -> Result<Self, RegionError> {
        check_name(name, MAX_NAME_LEN)?;
        if len == 0 {
            return Err(RegionError::InvalidSize {
                requested: 0,
                max: MAX_LEN,
            });
        }
        let mut map = registry();
        if map.contains_key(name) {
            return Err(RegionError::AlreadyExists);
        }
        let block = Arc::new(Block::zeroed(len)?);
        map.insert(String::from(name), Arc::clone(&block));
        Ok(Self {
            block,
            access: Access::ReadWrite,
        })
    }

    fn open(name: &str, access: Access) -> Result<Self, RegionError> {
        check_name(name, MAX_NAME_LEN)?;
        let block = registry().get(name).cloned().ok_or(RegionError::NotFound)?;
        Ok(Self { block, access })
    }

    fn remove(name: &str) -> Result<(), RegionError> {
        check_name(name, MAX_NAME_LEN)?;
        registry().remove(name).map(drop).ok_or(RegionError::NotFound)
    }

    fn exists(name: &str) -> Result<bool, RegionError> {
        check_name(name, MAX_NAME_LEN)?;
        Ok(registry().contains_key(name))
    }

    fn as_ptr(&self) -> NonNull<u8> {
        self.block.as_ptr()
    }

    fn len(&self) -> usize {
        self.block.len()
    }

    fn access(&self) -> Access {
        self.access
    }
}
