//! Region checks: create/open/remove/exists, typed errors, zero fill,
//! alignment, read-only views, removal with live mappings.

use super::{unique, word};
use iox2_platform::error::{NameError, RegionError};
use iox2_platform::sync::Ordering;
use iox2_platform::{Access, Platform, Region};

type RegionOf<P> = <P as Platform>::Region;

pub fn create_open_remove<P: Platform>() {
    let name = unique("region");
    assert_eq!(RegionOf::<P>::exists(&name), Ok(false));
    assert_eq!(
        RegionOf::<P>::open(&name, Access::ReadWrite).err(),
        Some(RegionError::NotFound)
    );
    let created = RegionOf::<P>::create(&name, 4096).expect("create");
    assert_eq!(created.len(), 4096);
    assert!(!created.is_empty());
    assert_eq!(created.access(), Access::ReadWrite);
    assert_eq!(RegionOf::<P>::exists(&name), Ok(true));
    assert_eq!(
        RegionOf::<P>::create(&name, 4096).err(),
        Some(RegionError::AlreadyExists)
    );
    let rw = RegionOf::<P>::open(&name, Access::ReadWrite).expect("open rw");
    let ro = RegionOf::<P>::open(&name, Access::ReadOnly).expect("open ro");
    assert_eq!((rw.len(), ro.len()), (4096, 4096));
    assert_eq!((rw.access(), ro.access()), (Access::ReadWrite, Access::ReadOnly));
    assert_eq!(RegionOf::<P>::remove(&name), Ok(()));
    assert_eq!(RegionOf::<P>::exists(&name), Ok(false));
    assert_eq!(
        RegionOf::<P>::open(&name, Access::ReadOnly).err(),
        Some(RegionError::NotFound)
    );
    assert_eq!(RegionOf::<P>::remove(&name), Err(RegionError::NotFound));
}

pub fn bad_names<P: Platform>() {
    let max = RegionOf::<P>::MAX_NAME_LEN;
    let too_long = "n".repeat(max + 1);
    let cases = [
        ("", NameError::Empty),
        (too_long.as_str(), NameError::TooLong { max }),
        ("a/b", NameError::ForbiddenCharacter { at: 1 }),
        (".hidden", NameError::ForbiddenCharacter { at: 0 }),
        ("sp ace", NameError::ForbiddenCharacter { at: 2 }),
        ("nul\0", NameError::ForbiddenCharacter { at: 3 }),
    ];
    for (name, error) in cases {
        let expected = Some(RegionError::Name(error));
        assert_eq!(RegionOf::<P>::create(name, 64).err(), expected, "create {name:?}");
        assert_eq!(
            RegionOf::<P>::open(name, Access::ReadOnly).err(),
            expected,
            "open {name:?}"
        );
        assert_eq!(RegionOf::<P>::remove(name).err(), expected, "remove {name:?}");
        assert_eq!(RegionOf::<P>::exists(name).err(), expected, "exists {name:?}");
    }
    // The longest allowed name works.
    let longest = format!("{}{}", unique("max"), "x".repeat(max))
        .chars()
        .take(max)
        .collect::<String>();
    let region = RegionOf::<P>::create(&longest, 64).expect("longest name");
    assert_eq!(RegionOf::<P>::remove(&longest), Ok(()));
    drop(region);
}

pub fn zero_size<P: Platform>() {
    let name = unique("zero");
    assert!(matches!(
        RegionOf::<P>::create(&name, 0).err(),
        Some(RegionError::InvalidSize { requested: 0, .. })
    ));
    assert_eq!(RegionOf::<P>::exists(&name), Ok(false));
}

pub fn zero_filled_and_aligned<P: Platform>() {
    for len in [64, 4096, 12_288] {
        let name = unique("fill");
        let region = RegionOf::<P>::create(&name, len).expect("create");
        assert_eq!(region.as_ptr().as_ptr() as usize % 64, 0, "alignment");
        assert!(
            (0..len / 4).all(|i| word(&region, i).load(Ordering::Relaxed) == 0),
            "zero fill"
        );
        // Dirty it, remove it, create it again: zero again.
        (0..len / 4).for_each(|i| word(&region, i).store(0xDEAD_BEEF, Ordering::Relaxed));
        drop(region);
        RegionOf::<P>::remove(&name).expect("remove");
        let again = RegionOf::<P>::create(&name, len).expect("create again");
        assert!(
            (0..len / 4).all(|i| word(&again, i).load(Ordering::Relaxed) == 0),
            "zero fill after reuse"
        );
        RegionOf::<P>::remove(&name).expect("remove");
    }
}

pub fn read_only_sees_writes<P: Platform>() {
    let name = unique("ro");
    let rw = RegionOf::<P>::create(&name, 4096).expect("create");
    let ro = RegionOf::<P>::open(&name, Access::ReadOnly).expect("open ro");
    for i in 0..1024 {
        word(&rw, i).store(i as u32 ^ 0x5A5A_0000, Ordering::Release);
    }
    assert!((0..1024).all(|i| word(&ro, i).load(Ordering::Acquire) == i as u32 ^ 0x5A5A_0000));
    RegionOf::<P>::remove(&name).expect("remove");
}

pub fn remove_keeps_mappings<P: Platform>() {
    let name = unique("keep");
    let first = RegionOf::<P>::create(&name, 4096).expect("create");
    let second = RegionOf::<P>::open(&name, Access::ReadWrite).expect("open");
    word(&first, 7).store(77, Ordering::Release);
    RegionOf::<P>::remove(&name).expect("remove");
    // Both mappings still work and still share their bytes.
    assert_eq!(word(&second, 7).load(Ordering::Acquire), 77);
    word(&second, 8).store(88, Ordering::Release);
    assert_eq!(word(&first, 8).load(Ordering::Acquire), 88);
    // The name is free: a new region of that name is a different, zeroed one.
    let fresh = RegionOf::<P>::create(&name, 4096).expect("create again");
    assert_eq!(word(&fresh, 7).load(Ordering::Acquire), 0);
    word(&fresh, 7).store(1, Ordering::Release);
    assert_eq!(word(&first, 7).load(Ordering::Acquire), 77);
    RegionOf::<P>::remove(&name).expect("remove");
}
