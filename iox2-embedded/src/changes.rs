//! The slot changes one look of a port's `*_to_update` reports, kept
//! without an allocator: up to [`CHANGES_PER_LOOK`] of them; the rest are
//! seen on the next look (the caller refreshes the port).

/// Slot changes one look handles.
pub(crate) const CHANGES_PER_LOOK: usize = 4;

/// One change: the peer slot, the generation wanted there, and the one
/// this port is attached (connected) to.
pub(crate) type Change = (u32, Option<u32>, Option<u32>);

/// Runs `look` (a port's `*_to_update`) and keeps what it reports; the
/// flag says that more changes were left for the next look.
pub(crate) fn collect(look: impl FnOnce(&mut dyn FnMut(u32, Option<u32>, Option<u32>))) -> (Changes, bool) {
    let mut changes = Changes {
        items: [(0, None, None); CHANGES_PER_LOOK],
        count: 0,
    };
    let mut more = false;
    look(&mut |slot, wanted, current| {
        if changes.count < CHANGES_PER_LOOK {
            changes.items[changes.count] = (slot, wanted, current);
            changes.count += 1;
        } else {
            more = true;
        }
    });
    (changes, more)
}

/// The changes of one look.
pub(crate) struct Changes {
    items: [Change; CHANGES_PER_LOOK],
    count: usize,
}

impl Changes {
    /// The changes, in the order the look reported them.
    pub(crate) fn as_slice(&self) -> &[Change] {
        &self.items[..self.count]
    }
}
