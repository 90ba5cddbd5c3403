//! The memory of one listener: a wait word and a pending bitset, as a
//! `const`-constructible value (firmware: `static E: EventCell<2> =
//! EventCell::new();`) and as a view of any size.

use super::CellWords;
use crate::bitset::AtomicBitsetView;
use crate::sync::{AtomicU32, CachePadded, atomic_u32, loom_const_fn, zeroed_words};

/// A listener's cell over `S` pending words.
#[repr(C)]
pub struct EventCellBase<S: ?Sized> {
    /// `seq << 1 | sleeping`: written by notifiers and the listener, all RMW.
    word: CachePadded<AtomicU32>,
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
            .field("word", &*self.word)
            .finish_non_exhaustive()
    }
}

impl<const WORDS: usize> EventCell<WORDS> {
    loom_const_fn! {
        /// A cell with no id pending and nobody asleep.
        pub fn new() -> Self {
            Self { word: CachePadded::new(atomic_u32(0)), pending: zeroed_words::<WORDS>() }
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
