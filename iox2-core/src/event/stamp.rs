//! A 64-bit timestamp in three 32-bit words with one writer: a sequence
//! word (odd while a write is under way) and the two halves. Readers never
//! wait for the writer: a read that keeps meeting a write in progress —
//! or a writer that died mid-write — gives up after a few tries and
//! reports nothing (INV-PREEMPT).

use crate::sync::{AtomicU32, Ordering, fence};

/// Tries a reader makes before it gives up on a stamp being written.
const READ_TRIES: usize = 8;

/// A stamp's three words, in shared memory.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stamp<'a> {
    pub(crate) seq: &'a AtomicU32,
    pub(crate) lo: &'a AtomicU32,
    pub(crate) hi: &'a AtomicU32,
}

impl Stamp<'_> {
    /// Stores `value`; only the stamp's one writer calls this.
    pub(crate) fn write(&self, value: u64) {
        let seq = self.seq.load(Ordering::Relaxed) | 1;
        self.seq.store(seq, Ordering::Relaxed);
        // SYNC: Release fence: a reader that sees a half below also sees
        // the odd sequence (it re-reads the sequence after an Acquire fence).
        fence(Ordering::Release);
        self.lo.store(value as u32, Ordering::Relaxed);
        self.hi.store((value >> 32) as u32, Ordering::Relaxed);
        // SYNC: Release publishes both halves with the even sequence.
        self.seq.store(seq.wrapping_add(1), Ordering::Release);
    }

    /// The stored value; `None` if every try met a write in progress.
    pub(crate) fn read(&self) -> Option<u64> {
        for _ in 0..READ_TRIES {
            // SYNC: Acquire pairs with the writer's final Release.
            let before = self.seq.load(Ordering::Acquire);
            if before & 1 == 1 {
                core::hint::spin_loop();
                continue;
            }
            let value = u64::from(self.lo.load(Ordering::Relaxed)) | (u64::from(self.hi.load(Ordering::Relaxed)) << 32);
            // SYNC: Acquire fence pairs with the writer's Release fence: a
            // torn read is followed by a changed sequence.
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == before {
                return Some(value);
            }
        }
        None
    }
}

#[cfg(all(test, not(iox2_loom)))]
mod tests {
    use super::*;
    use crate::sync::atomic_u32;

    #[test]
    fn a_written_value_reads_back_and_a_stuck_write_reads_as_none() {
        let words = [atomic_u32(0), atomic_u32(0), atomic_u32(0)];
        let stamp = Stamp {
            seq: &words[0],
            lo: &words[1],
            hi: &words[2],
        };
        assert_eq!(stamp.read(), Some(0));
        stamp.write(0x1_2345_6789);
        assert_eq!(stamp.read(), Some(0x1_2345_6789));
        words[0].store(7, Ordering::Relaxed);
        assert_eq!(stamp.read(), None, "a writer died mid-write");
        stamp.write(5);
        assert_eq!(stamp.read(), Some(5), "the next write repairs it");
    }
}
