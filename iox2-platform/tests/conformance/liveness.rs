//! Liveness checks within one process (death across processes: see
//! `process`).

use super::unique;
use iox2_platform::error::{LivenessError, NameError};
use iox2_platform::{Liveness, NodeState, Platform};

type L<P> = <P as Platform>::Liveness;

pub fn acquire_probe_drop<P: Platform>() {
    let name = unique("node");
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Unknown));
    let token = L::<P>::acquire(&name).expect("acquire");
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Alive));
    assert_eq!(L::<P>::acquire(&name).err(), Some(LivenessError::InUse));
    // Probing does not disturb the holder.
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Alive));
    drop(token);
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Unknown));
    // The name can be taken again, and by another thread.
    let again = std::thread::spawn({
        let name = name.clone();
        move || L::<P>::acquire(&name).map(drop)
    })
    .join()
    .expect("thread");
    assert_eq!(again, Ok(()));
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Unknown));
    // Tokens move between threads.
    let token = L::<P>::acquire(&name).expect("acquire");
    std::thread::spawn(move || drop(token)).join().expect("thread");
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Unknown));
}

pub fn bad_names<P: Platform>() {
    let max = L::<P>::MAX_NAME_LEN;
    let too_long = "n".repeat(max + 1);
    let cases = [
        ("", NameError::Empty),
        (too_long.as_str(), NameError::TooLong { max }),
        ("a/b", NameError::ForbiddenCharacter { at: 1 }),
        ("..", NameError::ForbiddenCharacter { at: 0 }),
    ];
    for (name, error) in cases {
        let expected = Some(LivenessError::Name(error));
        assert_eq!(L::<P>::acquire(name).err(), expected, "acquire {name:?}");
        assert_eq!(L::<P>::probe(name).err(), expected, "probe {name:?}");
        assert_eq!(L::<P>::remove_stale(name).err(), expected, "remove_stale {name:?}");
    }
}

pub fn remove_stale_rules<P: Platform>() {
    let name = unique("stale");
    assert_eq!(L::<P>::remove_stale(&name), Ok(()));
    let token = L::<P>::acquire(&name).expect("acquire");
    assert_eq!(L::<P>::remove_stale(&name), Err(LivenessError::InUse));
    assert_eq!(L::<P>::probe(&name), Ok(NodeState::Alive));
    drop(token);
    assert_eq!(L::<P>::remove_stale(&name), Ok(()));
}
