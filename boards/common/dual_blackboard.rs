//! `blackboard_cross_core`, shared by the dual-core boards
//! (`#[path]`-included beside `dual.rs`): core 1 holds the writer of a
//! static blackboard and writes [`WRITES`] values of a 32-byte [`Pose`]
//! whose eight words all follow from its first, as fast as it can; core 0
//! reads the entry all the while. Every value core 0 reads must be whole
//! (no word of another write) and no older than the one before; the last
//! write must arrive. A read whose every try the writer overtook falls
//! back on the last good value (counted, never waited for).

use core::sync::atomic::{AtomicU32, Ordering};

use iox2_core::blackboard::EntryReadError;
use iox2_platform::static_ram::StaticRamBoard;

use crate::Board;
use crate::dual::{
    CORE1_BLACKBOARD_DONE, Details, FAIL_CLAIM, FAIL_ENTRY, FAIL_NO_READER, await_core1, claim, core1_failed,
    stalled_since,
};

/// Values core 1 writes.
pub const WRITES: u32 = 100_000;
/// The key of the pose.
pub const POSE: u32 = 1;
/// The key of the number of writes, written once at the end.
pub const COUNT: u32 = 2;

/// Eight words that all follow from the first: a torn value shows.
pub type Pose = [u32; 8];

/// Pose number `n`.
pub fn pose(n: u32) -> Pose {
    [
        n,
        !n,
        n.wrapping_mul(3),
        n ^ 0x5A5A_A5A5,
        n.rotate_left(7),
        n.wrapping_add(11),
        n.wrapping_mul(0x9E37_79B9),
        n.rotate_right(3) ^ 0xFFFF,
    ]
}

/// Whether every word of `p` agrees with its first.
pub fn is_whole(p: &Pose) -> bool {
    *p == pose(p[0])
}

iox2_embedded::blackboard!(STATE: u32, Board; POSE => Pose = pose(0), COUNT => u32 = 0);

/// 1 once core 0's reader reads. Core 0 only.
static READER_READY: AtomicU32 = AtomicU32::new(0);

/// Core 1's half: writes `WRITES` poses once core 0 reads, then the count.
pub fn core1_write() -> Result<(), u32> {
    let writer = claim(|| STATE.writer()).map_err(|_| FAIL_CLAIM)?;
    let pose_entry = writer.entry::<Pose>(POSE).map_err(|_| FAIL_ENTRY)?;
    let count = writer.entry::<u32>(COUNT).map_err(|_| FAIL_ENTRY)?;
    let since = Board::now();
    // SYNC: Acquire pairs with core 0's Release once its reader exists.
    while READER_READY.load(Ordering::Acquire) == 0 {
        if stalled_since(since) {
            return Err(FAIL_NO_READER);
        }
        core::hint::spin_loop();
    }
    for n in 1..=WRITES {
        pose_entry.update_with_copy(pose(n));
    }
    count.update_with_copy(WRITES);
    Ok(())
}

/// Core 0's `blackboard_cross_core`.
pub fn blackboard_cross_core(details: &mut Details) -> Result<(), &'static str> {
    let reader = claim(|| STATE.reader()).map_err(|_| "reader claim failed")?;
    let entry = reader.entry::<Pose>(POSE).map_err(|_| "pose entry failed")?;
    let count = reader.entry::<u32>(COUNT).map_err(|_| "count entry failed")?;
    if entry.default_value() != pose(0) {
        return Err("the default value is wrong");
    }
    // SYNC: Release pairs with core 1's Acquire before it writes.
    READER_READY.store(1, Ordering::Release);
    let mut last = entry.get();
    let mut since = Board::now();
    while last[0] < WRITES {
        let value = match entry.try_get() {
            Ok(value) => value,
            Err(EntryReadError::Busy) => {
                details.busy_reads += 1;
                entry.get()
            }
            Err(EntryReadError::Corrupted { .. }) => return Err("the entry's words are corrupted"),
        };
        details.reads += 1;
        if !is_whole(&value) {
            return Err("a torn value was read");
        }
        if value[0] < last[0] {
            return Err("a read went back to an older value");
        }
        if value[0] != last[0] {
            details.distinct_values += 1;
            since = Board::now();
        } else if stalled_since(since) {
            if let Some(failure) = core1_failed() {
                return Err(failure);
            }
            return Err("the writer stopped before its last value");
        }
        last = value;
    }
    await_core1(CORE1_BLACKBOARD_DONE, "core 1 did not finish writing")?;
    if count.get() != WRITES {
        return Err("the count entry is wrong");
    }
    Ok(())
}
