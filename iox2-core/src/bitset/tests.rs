//! Unit tests of the atomic bitset.

extern crate std;

use super::*;
use iox2_platform::rmw::{CriticalSectionRmw, NativeRmw};
use std::vec::Vec;

#[test]
fn insert_remove_contains() {
    let set = AtomicBitset::<2>::new();
    assert_eq!(set.len(), 64);
    assert_eq!(set.insert::<NativeRmw>(63), Ok(false));
    assert_eq!(set.insert::<NativeRmw>(63), Ok(true));
    assert_eq!(set.contains(63), Ok(true));
    assert_eq!(set.remove::<CriticalSectionRmw>(63), Ok(true));
    assert_eq!(set.contains(63), Ok(false));
    assert_eq!(
        set.insert::<NativeRmw>(64),
        Err(BitOutOfRangeError { bit: 64, len: 64 })
    );
}

#[test]
fn exclusive_writes_and_iteration() {
    let set = AtomicBitset::<3>::new();
    for bit in [0, 31, 32, 95] {
        assert_eq!(set.insert_exclusive(bit), Ok(false));
    }
    assert_eq!(set.remove_exclusive(31), Ok(true));
    let mut seen = Vec::new();
    set.for_each(|b| seen.push(b));
    assert_eq!(seen, [0, 32, 95]);
}

#[test]
fn drain_takes_every_bit_once() {
    let set = AtomicBitset::<{ words_for(40) }>::new();
    set.insert::<NativeRmw>(3).unwrap();
    set.insert::<NativeRmw>(39).unwrap();
    let mut seen = Vec::new();
    set.drain::<NativeRmw>(|b| seen.push(b));
    assert_eq!(seen, [3, 39]);
    set.drain::<NativeRmw>(|_| panic!("drained twice"));
}

#[test]
fn placed_in_memory() {
    let mut words = [u32::MAX; 4];
    let ptr = NonNull::new(words.as_mut_ptr().cast::<u8>()).unwrap();
    // SAFETY: `words` outlives the view and is only used through it.
    let set = unsafe { AtomicBitsetView::init_in(ptr, 16, 100) }.unwrap();
    assert_eq!(set.len(), 128);
    assert_eq!(set.contains(5), Ok(false));
    // SAFETY: as above.
    let too_small = unsafe { AtomicBitsetView::open_in(ptr, 8, 100) };
    assert!(matches!(too_small, Err(PlaceError::TooSmall { .. })));
}
