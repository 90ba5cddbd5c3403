//! The process-local registry of mapped regions: which region (and offset
//! in it) a word's address belongs to, so that a waiter and a waker in
//! different processes find the same FIFO.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

/// One mapping of this process.
#[derive(Debug)]
struct Entry {
    base: usize,
    len: usize,
    name: Arc<str>,
}

static MAPPINGS: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// The registry; every change is one `Vec` call, so a poisoned lock is
/// taken over.
fn mappings() -> MutexGuard<'static, Vec<Entry>> {
    MAPPINGS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Records the mapping of region `name` at `base..base + len`.
pub(crate) fn insert(base: usize, len: usize, name: Arc<str>) {
    mappings().push(Entry { base, len, name });
}

/// Forgets the mapping at `base`.
pub(crate) fn remove(base: usize) {
    let mut mappings = mappings();
    if let Some(index) = mappings.iter().position(|e| e.base == base) {
        mappings.swap_remove(index);
    }
}

/// The region and byte offset of `address`, if it lies in a mapping.
pub(crate) fn find(address: usize) -> Option<(Arc<str>, usize)> {
    mappings()
        .iter()
        .find(|e| address >= e.base && address - e.base < e.len)
        .map(|e| (Arc::clone(&e.name), address - e.base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_region_of_an_address() {
        // Addresses no real mapping of this test process can have.
        insert(16, 32, Arc::from("registry.a"));
        assert_eq!(
            find(20).map(|(n, o)| (n.to_string(), o)),
            Some(("registry.a".into(), 4))
        );
        assert_eq!(find(48), None);
        assert_eq!(find(15), None);
        remove(16);
        assert_eq!(find(20), None);
    }
}
