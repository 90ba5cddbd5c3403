//! The memory of one listener: a wait word and a pending bitset, as a
//! `const`-constructible value (firmware: `static E: EventCell<2> =
//! EventCell::new();`) and as a view of any size.

use super::CellWords;
use crate::bitset::AtomicBitsetView;
use crate::sync::{AtomicU32, atomic_u32, loom_const_fn, zeroed_words};

/// A listener's cell over `S` pending words: the wait word and the pending
/// words side by side, so that one cache line carries a notify (the event
/// layout starts every cell on a cache line of its own).
#[repr(C)]
pub struct EventCellBase<S: ?Sized> {
    /// `seq << 1 | sleeping`: written by notifiers and the listener, all RMW.
    word: AtomicU32,
    /// One bit per event id.
    pending: S,
}

/// A listener's cell for `32 * WORDS` event ids; all zero.
///
/// ```
/// use iox2_core::event::EventCell;
/// use iox2_platform::rmw::NativeRmw;
/// # use iox2_platform::{clock::Instant, error::WaitError, wait::{WaitOutcome, WaitTarget, WaitWord}};
/// # use iox2_core::sync::AtomicU32;
/// # struct Spin;
/// # impl WaitWord for Spin {
/// #     const MAX_WAIT_ANY: usize = 1;
/// #     fn wait(_: &AtomicU32, _: u32, _: Option<Instant>) -> Result<WaitOutcome, WaitError> { Ok(WaitOutcome::Woken) }
/// #     fn wake(_: &AtomicU32, n: u32) -> Result<u32, WaitError> { Ok(n) }
/// #     fn wait_any(_: &[WaitTarget<'_>], _: Option<Instant>) -> Result<WaitOutcome, WaitError> { Ok(WaitOutcome::Woken) }
/// # }
/// static BUTTON: EventCell<1> = EventCell::new();
/// BUTTON.notify::<NativeRmw, Spin>(3).unwrap();
/// BUTTON.notify::<NativeRmw, Spin>(3).unwrap(); // merged
/// let mut fired = 0;
/// assert_eq!(BUTTON.try_wait::<NativeRmw>(|id| fired = id), 1);
/// assert_eq!(fired, 3);
/// ```
pub type EventCell<const WORDS: usize> = EventCellBase<[AtomicU32; WORDS]>;

/// A listener's cell of any size: what [`EventCell`] derefs to.
pub type EventCellView = EventCellBase<[AtomicU32]>;

impl<S: ?Sized> core::fmt::Debug for EventCellBase<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EventCell")
            .field("word", &self.word)
            .finish_non_exhaustive()
    }
}

impl<const WORDS: usize> EventCell<WORDS> {
    loom_const_fn! {
        /// A cell with no id pending and nobody asleep.
        pub fn new() -> Self {
            Self { word: atomic_u32(0), pending: zeroed_words::<WORDS>() }
        }
    }
}

impl<const WORDS: usize> Default for EventCell<WORDS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const WORDS: usize> core::ops::Deref for EventCell<WORDS> {
    type Target = EventCellView;

    fn deref(&self) -> &EventCellView {
        self
    }
}

impl CellWords for EventCellView {
    #[inline]
    fn word(&self) -> &AtomicU32 {
        &self.word
    }

    #[inline]
    fn pending(&self) -> &AtomicBitsetView {
        AtomicBitsetView::from_words(&self.pending)
    }
}

#[cfg(not(iox2_loom))]
impl EventCellView {
    /// The cell of `pending_words` pending words at `offset` of `segment`
    /// (a cache-line multiple, as the event layout places cells).
    pub(crate) fn in_segment<'a>(
        segment: crate::segment::Segment<'a>,
        offset: usize,
        pending_words: usize,
    ) -> &'a EventCellView {
        let size = super::layout::cell_size(pending_words);
        let ptr = segment.at(offset, size);
        assert!(
            (ptr.as_ptr() as usize).is_multiple_of(crate::sync::CACHE_LINE),
            "a layout placed an event cell off a cache line"
        );
        let raw =
            core::ptr::slice_from_raw_parts(ptr.as_ptr().cast::<AtomicU32>(), pending_words) as *const EventCellView;
        // SAFETY: in bounds for the whole cell (checked by `at`), aligned
        // beyond the cell's 4-byte alignment (checked above); `EventCellBase`
        // is `repr(C)`: the wait word then the pending words, which the
        // cast's slice length counts; the memory is only accessed
        // atomically (`Segment::new`'s contract).
        unsafe { &*raw }
    }

    /// Clears the pending ids and the sleeping bit: for a new listener
    /// taking over a cell (no one sleeps on it).
    pub(crate) fn reset<R: iox2_platform::rmw::Rmw>(&self) {
        self.pending().drain::<R>(|_| {});
        R::fetch_and(self.word(), !super::SLEEPING, crate::sync::Ordering::AcqRel);
    }
}
