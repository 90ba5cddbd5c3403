//! Unit tests of the static platform on the host (tables, claims, waiter).

extern crate std;

use super::*;
use crate::error::{LivenessError, NameError, RegionError, WaitError};
use crate::liveness::{Liveness, NodeState};
use crate::region::{Access, Region};
use crate::rmw::NativeRmw;
use crate::sync::{AtomicU32, Ordering};
use crate::wait::{WaitOutcome, WaitTarget, WaitWord};
use crate::{Clock, Instant};
use std::sync::OnceLock;
use std::vec::Vec;

/// The critical-section backend where the feature is on (the dev-dependency
/// supplies a host implementation), else the native one.
#[cfg(feature = "critical-section")]
type AltRmw = crate::rmw::CriticalSectionRmw;
#[cfg(not(feature = "critical-section"))]
type AltRmw = NativeRmw;

fn host_now() -> Instant {
    static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
    let elapsed = ORIGIN.get_or_init(std::time::Instant::now).elapsed();
    Instant::from_nanos(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX))
}

fn read<'h>(handle: &'h RegionHandle<'_, impl crate::Rmw>) -> &'h [u8] {
    // SAFETY: the handle keeps its buffer reserved; this test is the only
    // writer and does not write while the slice lives.
    unsafe { core::slice::from_raw_parts(handle.as_ptr().as_ptr(), handle.len()) }
}

fn fill(handle: &RegionHandle<'_, impl crate::Rmw>, byte: u8) {
    // SAFETY: in bounds of the handle's region, which only this test uses.
    unsafe { core::ptr::write_bytes(handle.as_ptr().as_ptr(), byte, handle.len()) };
}

#[test]
fn registration_rules() {
    static A: RegionBuffer<256> = RegionBuffer::new();
    static B: RegionBuffer<256> = RegionBuffer::new();
    static C: RegionBuffer<256> = RegionBuffer::new();
    static TABLE: RegionTable<NativeRmw, 2> = RegionTable::new();
    assert_eq!(TABLE.register_named("", &A), Err(RegisterError::Name(NameError::Empty)));
    assert_eq!(TABLE.register(&A), Ok(()));
    assert_eq!(TABLE.register(&A), Err(RegisterError::DuplicateBuffer));
    assert_eq!(TABLE.register_named("x", &A), Err(RegisterError::DuplicateBuffer));
    assert_eq!(TABLE.register_named("x", &B), Ok(()));
    assert_eq!(TABLE.register(&C), Err(RegisterError::TableFull));
    assert_eq!(TABLE.capacity(), 2);
    assert_eq!(TABLE.view().largest_capacity(), 256);
}

#[test]
fn duplicate_reserved_name_is_refused() {
    static A: RegionBuffer<64> = RegionBuffer::new();
    static B: RegionBuffer<64> = RegionBuffer::new();
    static TABLE: RegionTable<NativeRmw, 4> = RegionTable::new();
    assert_eq!(TABLE.register_named("x", &A), Ok(()));
    assert_eq!(TABLE.register_named("x", &B), Err(RegisterError::DuplicateName));
    assert_eq!(TABLE.register_existing("x", &B), Err(RegisterError::DuplicateName));
    // The refused slot is free again.
    assert_eq!(TABLE.register(&B), Ok(()));
}

#[test]
fn create_picks_the_best_fit_and_reports_sizes() {
    static SMALL: RegionBuffer<128> = RegionBuffer::new();
    static LARGE: RegionBuffer<1024> = RegionBuffer::new();
    static TABLE: RegionTable<NativeRmw, 4> = RegionTable::new();
    TABLE.register(&LARGE).unwrap();
    TABLE.register(&SMALL).unwrap();
    let regions = TABLE.view();
    assert_eq!(
        regions.create("a", 0).err(),
        Some(RegionError::InvalidSize {
            requested: 0,
            max: 1024
        })
    );
    assert_eq!(
        regions.create("a", 2000).err(),
        Some(RegionError::InvalidSize {
            requested: 2000,
            max: 1024
        })
    );
    let a = regions.create("a", 100).unwrap();
    assert_eq!(a.as_ptr().as_ptr(), SMALL.as_mut_ptr());
    assert_eq!(a.len(), 100);
    assert_eq!(regions.create("a", 100).err(), Some(RegionError::AlreadyExists));
    // SMALL is taken: a second small region goes to LARGE, a third finds nothing.
    let b = regions.create("b", 100).unwrap();
    assert_eq!(b.as_ptr().as_ptr(), LARGE.as_mut_ptr());
    assert_eq!(regions.create("c", 1).err(), Some(RegionError::NoFreeSlot));
    assert_eq!(
        regions.create("bad/name", 1).err(),
        Some(RegionError::Name(NameError::ForbiddenCharacter { at: 3 }))
    );
}

#[test]
fn open_remove_exists_and_handle_counting() {
    static BUF: RegionBuffer<256> = RegionBuffer::new();
    static TABLE: RegionTable<NativeRmw, 1> = RegionTable::new();
    TABLE.register(&BUF).unwrap();
    let regions = TABLE.view();
    assert_eq!(regions.open("r").err(), Some(RegionError::NotFound));
    assert_eq!(regions.exists("r"), Ok(false));
    let created = regions.create("r", 64).unwrap();
    fill(&created, 0xAB);
    let opened = regions.open("r").unwrap();
    assert_eq!(opened.as_ptr(), created.as_ptr());
    assert_eq!(opened.len(), 64);
    assert_eq!(regions.exists("r"), Ok(true));
    assert_eq!(regions.remove("r"), Ok(()));
    assert_eq!(regions.remove("r"), Err(RegionError::NotFound));
    assert_eq!(regions.exists("r"), Ok(false));
    // Handles stay valid and the buffer is not handed out again.
    assert!(read(&opened).iter().all(|b| *b == 0xAB));
    assert_eq!(regions.create("s", 64).err(), Some(RegionError::NoFreeSlot));
    drop(created);
    assert_eq!(regions.create("s", 64).err(), Some(RegionError::NoFreeSlot));
    drop(opened);
    // Last handle gone: the buffer is reused, zero-filled again.
    let again = regions.create("s", 128).unwrap();
    assert!(read(&again).iter().all(|b| *b == 0));
}

#[test]
fn region_outlives_its_handles_until_removed() {
    static BUF: RegionBuffer<64> = RegionBuffer::new();
    static TABLE: RegionTable<NativeRmw, 1> = RegionTable::new();
    TABLE.register(&BUF).unwrap();
    let regions = TABLE.view();
    drop(regions.create("keep", 8).unwrap());
    assert_eq!(regions.exists("keep"), Ok(true));
    assert!(regions.open("keep").is_ok());
    assert_eq!(regions.remove("keep"), Ok(()));
    assert!(regions.create("next", 8).is_ok());
}

#[test]
fn reserved_buffers() {
    static POOL: RegionBuffer<512> = RegionBuffer::new();
    static CONTROL: RegionBuffer<128> = RegionBuffer::new();
    static SHARED: RegionBuffer<64> = RegionBuffer::new();
    static TABLE: RegionTable<AltRmw, 3> = RegionTable::new();
    TABLE.register(&POOL).unwrap();
    TABLE.register_named("control", &CONTROL).unwrap();
    TABLE.register_existing("shared", &SHARED).unwrap();
    let regions = TABLE.view();
    assert_eq!(regions.exists("control"), Ok(false));
    // A reserved name never lands in the pool, even when it does not fit.
    assert_eq!(
        regions.create("control", 200).err(),
        Some(RegionError::InvalidSize {
            requested: 200,
            max: 128
        })
    );
    let control = regions.create("control", 100).unwrap();
    assert_eq!(control.as_ptr().as_ptr(), CONTROL.as_mut_ptr());
    fill(&control, 1);
    assert_eq!(regions.remove("control"), Ok(()));
    // Removed with a handle open: the one reserved buffer is still in use.
    assert_eq!(regions.create("control", 100).err(), Some(RegionError::NoFreeSlot));
    drop(control);
    let control = regions.create("control", 100).unwrap();
    assert!(read(&control).iter().all(|b| *b == 0));
    // An existing region opens at once, with all its bytes.
    let shared = regions.open("shared").unwrap();
    assert_eq!(shared.len(), 64);
    assert_eq!(regions.create("shared", 8).err(), Some(RegionError::AlreadyExists));
}

#[test]
fn concurrent_creates_of_one_name_have_one_winner() {
    static BUFS: [RegionBuffer<64>; 8] = [const { RegionBuffer::new() }; 8];
    static TABLE: RegionTable<NativeRmw, 8> = RegionTable::new();
    for buf in &BUFS {
        TABLE.register(buf).unwrap();
    }
    let regions = TABLE.view();
    for round in 0..200 {
        let name = std::format!("n{round}");
        let winners = AtomicU32::new(0);
        let handles: Vec<_> = std::thread::scope(|s| {
            let joins: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        let created = regions.create(&name, 16);
                        if created.is_ok() {
                            winners.fetch_add(1, Ordering::Relaxed);
                        }
                        created.ok()
                    })
                })
                .collect();
            joins.into_iter().filter_map(|j| j.join().ok().flatten()).collect()
        });
        assert!(winners.load(Ordering::Relaxed) <= 1, "round {round}");
        drop(handles);
        let _ = regions.remove(&name);
    }
}

#[test]
fn node_tokens_and_supervisor() {
    static NODES: NodeTable<NativeRmw, 2> = NodeTable::new();
    let nodes = NODES.view();
    assert_eq!(nodes.probe("a"), Ok(NodeState::Unknown));
    let a = nodes.acquire("a").unwrap();
    assert_eq!(nodes.acquire("a").err(), Some(LivenessError::InUse));
    assert_eq!(nodes.probe("a"), Ok(NodeState::Alive));
    assert_eq!(nodes.remove_stale("a"), Err(LivenessError::InUse));
    // Missed heartbeats: Unknown, never Dead; a beat lifts the suspicion.
    assert_eq!(nodes.declare_unknown("a"), Ok(()));
    assert_eq!(nodes.probe("a"), Ok(NodeState::Unknown));
    assert_eq!(nodes.acquire("a").err(), Some(LivenessError::InUse));
    a.heartbeat();
    assert_eq!(nodes.heartbeats("a"), Some(1));
    assert_eq!(nodes.probe("a"), Ok(NodeState::Alive));
    nodes.declare_unknown("a").unwrap();
    assert_eq!(nodes.declare_alive("a"), Ok(()));
    assert_eq!(nodes.probe("a"), Ok(NodeState::Alive));
    // Only the supervisor makes a node dead, and dead stays dead.
    assert_eq!(nodes.declare_dead("a"), Ok(()));
    assert_eq!(nodes.declare_dead("a"), Ok(()));
    assert_eq!(nodes.probe("a"), Ok(NodeState::Dead));
    assert_eq!(nodes.declare_alive("a"), Err(DeclareError::Dead));
    a.heartbeat();
    assert_eq!(nodes.probe("a"), Ok(NodeState::Dead));
    drop(a);
    assert_eq!(nodes.probe("a"), Ok(NodeState::Dead));
    assert_eq!(nodes.remove_stale("a"), Ok(()));
    assert_eq!(nodes.probe("a"), Ok(NodeState::Unknown));
    assert_eq!(nodes.remove_stale("a"), Ok(()));
    assert_eq!(nodes.declare_dead("a"), Err(DeclareError::NotFound));
    assert_eq!(nodes.heartbeats("a"), None);
}

#[test]
fn dead_tokens_are_taken_over_and_old_tokens_stay_out() {
    static NODES: NodeTable<AltRmw, 1> = NodeTable::new();
    let nodes = NODES.view();
    let old = nodes.acquire("n").unwrap();
    nodes.declare_dead("n").unwrap();
    let new = nodes.acquire("n").unwrap();
    assert_eq!(nodes.probe("n"), Ok(NodeState::Alive));
    // The old token's drop must not free the new holder's slot.
    drop(old);
    assert_eq!(nodes.probe("n"), Ok(NodeState::Alive));
    assert_eq!(nodes.acquire("m").err(), Some(LivenessError::NoFreeSlot));
    drop(new);
    assert_eq!(nodes.probe("n"), Ok(NodeState::Unknown));
    assert!(nodes.acquire("m").is_ok());
}

#[test]
fn concurrent_acquires_of_one_name_have_one_winner() {
    static NODES: NodeTable<NativeRmw, 8> = NodeTable::new();
    let nodes = NODES.view();
    for round in 0..200 {
        let name = std::format!("n{round}");
        let winners = AtomicU32::new(0);
        std::thread::scope(|s| {
            let joins: Vec<_> = (0..4).map(|_| s.spawn(|| nodes.acquire(&name).ok())).collect();
            let tokens: Vec<_> = joins.into_iter().filter_map(|j| j.join().ok().flatten()).collect();
            winners.store(u32::try_from(tokens.len()).unwrap_or(u32::MAX), Ordering::Relaxed);
        });
        assert!(winners.load(Ordering::Relaxed) <= 1, "round {round}");
        assert_eq!(nodes.probe(&name), Ok(NodeState::Unknown));
    }
}

/// A host board for the platform-level tests.
struct Board;

static BOARD_BUFFERS: [RegionBuffer<4096>; 4] = [const { RegionBuffer::new() }; 4];
static BOARD_REGIONS: RegionTable<NativeRmw, 4> = RegionTable::new();
static BOARD_NODES: NodeTable<NativeRmw, 4> = NodeTable::new();

impl StaticRamBoard for Board {
    type Rmw = NativeRmw;
    fn regions() -> Regions<'static, NativeRmw> {
        static REGISTERED: std::sync::Once = std::sync::Once::new();
        REGISTERED.call_once(|| {
            for buf in &BOARD_BUFFERS {
                let _ = BOARD_REGIONS.register(buf);
            }
        });
        BOARD_REGIONS.view()
    }
    fn nodes() -> Nodes<'static, NativeRmw> {
        BOARD_NODES.view()
    }
    fn now() -> Instant {
        host_now()
    }
}

type P = StaticRam<Board>;

#[test]
fn platform_region_and_liveness() {
    let region = <P as Platform>::Region::create("board.r", 100).unwrap();
    assert_eq!(region.access(), Access::ReadWrite);
    let ro = <P as Platform>::Region::open("board.r", Access::ReadOnly).unwrap();
    assert_eq!(ro.access(), Access::ReadOnly);
    assert_eq!(ro.as_ptr(), region.as_ptr());
    assert_eq!(<P as Platform>::Region::remove("board.r"), Ok(()));
    let token = <P as Platform>::Liveness::acquire("board.n").unwrap();
    assert_eq!(<P as Platform>::Liveness::probe("board.n"), Ok(NodeState::Alive));
    drop(token);
    assert_eq!(<P as Platform>::Liveness::probe("board.n"), Ok(NodeState::Unknown));
    <P as Platform>::fence_system();
    assert_eq!(<P as Platform>::NAME, "static_ram");
}

#[test]
fn waiter_semantics() {
    type W = <P as Platform>::Waiter;
    type C = <P as Platform>::Clock;
    let word = AtomicU32::new(1);
    assert_eq!(W::wait(&word, 0, None), Ok(WaitOutcome::Woken));
    let deadline = C::deadline_after(core::time::Duration::from_millis(5));
    assert_eq!(W::wait(&word, 1, Some(deadline)), Ok(WaitOutcome::TimedOut));
    assert!(C::now() >= deadline);
    assert_eq!(W::wait_any(&[], None), Err(WaitError::NoWords));
    let many = [WaitTarget {
        word: &word,
        expected: 1,
    }; MAX_WAIT_ANY + 1];
    assert_eq!(
        W::wait_any(&many, None),
        Err(WaitError::TooManyWords { max: MAX_WAIT_ANY })
    );
    // A wake that does not change the word still ends a wait.
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(core::time::Duration::from_millis(10));
            W::wake(&word, 1)
        });
        let deadline = C::deadline_after(core::time::Duration::from_secs(10));
        assert_eq!(W::wait(&word, 1, Some(deadline)), Ok(WaitOutcome::Woken));
    });
}
