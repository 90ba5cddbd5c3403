//! The words of the connection handshake between two kinds of ports in one
//! control segment (publisher and subscriber; server and client): an
//! "attached" word the receiving side writes, naming the generation of the
//! sender whose pool it mapped, and a "ready" word the other side writes
//! once it reset the connection's queues for that pair (see
//! `pubsub/control.rs` for the protocol and why it keeps stale indices out).

/// Attachment value: the row is not ready (a fresh, departed or reaped
/// receiver slot); no sender may connect.
pub const NOT_READY: u32 = 0;
/// Attachment value: ready, attached to no sender of this slot.
pub const DETACHED: u32 = u32::MAX;

/// The sleeping bit of a port's wake word (`seq << 1 | sleeping`).
pub const SLEEPING: u32 = 1;

/// Packs a connection's (generation of the side that resets it, generation
/// of the other side): the value of a "ready" word.
#[inline]
pub const fn pack_connection(resetter: u32, other: u32) -> u32 {
    (resetter << 16) | (other & 0xFFFF)
}

/// Announces a sleeper on wake word `word` (sets the sleeping bit) and
/// returns the value to sleep on. The caller looks for work after this and
/// sleeps only if there is none.
///
/// SYNC: the SeqCst RMW and fence pair with the fence in
/// [`wake_if_sleeping`] (a Dekker pair): either the waker sees the bit and
/// wakes, or the sleeper's look sees the waker's work.
#[inline]
pub fn announce_sleep<R: iox2_platform::rmw::Rmw>(word: &crate::sync::AtomicU32) -> u32 {
    let asleep = R::fetch_or(word, SLEEPING, crate::sync::Ordering::SeqCst) | SLEEPING;
    crate::sync::fence(crate::sync::Ordering::SeqCst);
    asleep
}

/// Clears the sleeping bit after a sleep (or a look that found work).
#[inline]
pub fn end_sleep<R: iox2_platform::rmw::Rmw>(word: &crate::sync::AtomicU32) {
    R::fetch_and(word, !SLEEPING, crate::sync::Ordering::AcqRel);
}

/// After publishing work (and a SeqCst fence, see [`announce_sleep`]):
/// wakes the sleeper of `word` if its bit is set. A port that polls never
/// sets the bit, so this costs one load of a line nobody writes.
#[inline]
pub fn wake_if_sleeping<R: iox2_platform::rmw::Rmw, W: iox2_platform::wait::WaitWord>(word: &crate::sync::AtomicU32) {
    if word.load(crate::sync::Ordering::Relaxed) & SLEEPING != 0
        && R::fetch_and(word, !SLEEPING, crate::sync::Ordering::AcqRel) & SLEEPING != 0
    {
        // A failed wake leaves the sleeper to its deadline; the work is
        // published either way.
        let _ = W::wake(word, u32::MAX);
    }
}
