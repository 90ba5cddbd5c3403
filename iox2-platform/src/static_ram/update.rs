//! A compare-and-swap loop over one slot word, through the board's `Rmw`.

use crate::rmw::Rmw;
use crate::sync::{AtomicU32, Ordering};

/// Applies `step` to `word` atomically through `R`: reads the word, asks
/// `step` for its successor, and stores it if the word did not change in
/// between, retrying otherwise.
///
/// Returns `Ok((old, new))` once a successor was stored, or `Err(current)`
/// as soon as `step` declines (returns `None`) for the value it was given.
///
/// Lock-free: a retry happens only because another context's step
/// succeeded.
pub(crate) fn update<R: Rmw>(word: &AtomicU32, mut step: impl FnMut(u32) -> Option<u32>) -> Result<(u32, u32), u32> {
    let mut old = word.load(Ordering::Acquire);
    loop {
        let new = step(old).ok_or(old)?;
        // SYNC: AcqRel pairs each transition with the transitions before
        // and after it on the same slot word (release sequence through RMWs).
        match R::compare_exchange(word, old, new, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return Ok((old, new)),
            Err(actual) => old = actual,
        }
    }
}

/// Reads `word` with a read-modify-write that changes nothing.
///
/// An RMW always reads the latest value in the word's modification order
/// and, being AcqRel, synchronizes with the RMW that wrote it. Two contexts
/// that each publish their own word by RMW and then read the other's this
/// way cannot both miss each other (the store-buffering case that plain
/// loads would need `SeqCst` for) — the basis of the claim protocols here.
pub(crate) fn read_latest<R: Rmw>(word: &AtomicU32) -> u32 {
    // SYNC: pairs with the publishing RMW of the claim protocols (see above).
    R::fetch_or(word, 0, Ordering::AcqRel)
}
