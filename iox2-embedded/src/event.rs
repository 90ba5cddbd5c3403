//! Static events: an [`Event`] in a `static` (all zero: `.bss`), notified
//! from any context — interrupt handlers included — and waited for by the
//! one [`Listener`] claimed from it.
//!
//! ```
//! # use iox2_platform::{Instant, rmw::NativeRmw};
//! # use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};
//! # static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
//! # static NODES: NodeTable<NativeRmw, 1> = NodeTable::new();
//! # struct Board;
//! # impl StaticRamBoard for Board {
//! #     type Rmw = NativeRmw;
//! #     fn regions() -> Regions<'static, NativeRmw> { REGIONS.view() }
//! #     fn nodes() -> Nodes<'static, NativeRmw> { NODES.view() }
//! #     fn now() -> Instant { Instant::from_nanos(0) }
//! # }
//! use iox2_embedded::event::Event;
//! use iox2_embedded::error::NotifyError;
//!
//! static BUTTONS: Event<Board> = Event::new(); // ids 0..32
//!
//! let listener = BUTTONS.listener().unwrap();
//! assert!(BUTTONS.listener().is_err()); // one listener per event
//! BUTTONS.notify(3).unwrap(); // from an interrupt handler, typically
//! assert_eq!(BUTTONS.notify(32), Err(NotifyError::EventIdOutOfRange { id: 32, ids: 32 }));
//! let mut fired = 0;
//! listener.wait(|id| fired = id).unwrap(); // returns at once: id 3 is pending
//! assert_eq!(fired, 3);
//! ```
//!
//! Progress: [`Event::notify`] is wait-free where the board's `Rmw` has
//! native `fetch_or`/`fetch_add` (with `CriticalSectionRmw`, it masks
//! interrupts for a few instructions), and never waits for the listener.
//! A wait idles through the board's [`StaticRamBoard::wait_hook`] (see
//! [`crate::wait`]) and never holds anything a notifier needs.

use crate::error::{NotifyError, PortClaimError};
use core::cell::Cell;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;
use embedded_hal::delay::DelayNs;
use iox2_core::event::{EventCell, EventCellView, WaitEnd};
use iox2_core::service::PortKind;
use iox2_platform::Instant;
use iox2_platform::error::WaitError;
use iox2_platform::rmw::Rmw;
use iox2_platform::static_ram::{StaticRamBoard, StaticWaiter};

/// An event with `32 * WORDS` ids (`0..32 * WORDS`) on board `B`: a
/// listener's cell and the claim of its one listener. All zero.
pub struct Event<B, const WORDS: usize = 1> {
    cell: EventCell<WORDS>,
    /// 1 while a [`Listener`] exists; written through `B::Rmw`.
    listener_claimed: AtomicU32,
    _board: PhantomData<fn() -> B>,
}

impl<B: StaticRamBoard, const WORDS: usize> Event<B, WORDS> {
    /// An event nobody listens to, with no id pending.
    pub const fn new() -> Self {
        Self {
            cell: EventCell::new(),
            listener_claimed: AtomicU32::new(0),
            _board: PhantomData,
        }
    }

    /// The number of ids (`0..ids`).
    pub const fn ids(&self) -> u32 {
        32 * WORDS as u32
    }

    /// Fires event `id`: sets it pending and wakes the listener if it
    /// idles. Callable from interrupt handlers and from the other core;
    /// never blocks. Ids fired again before the listener looks are merged.
    pub fn notify(&self, id: u32) -> Result<(), NotifyError> {
        self.cell
            .notify::<B::Rmw, StaticWaiter<B>>(id)
            .map_err(|e| NotifyError::EventIdOutOfRange { id: e.bit, ids: e.len })
    }

    /// Claims the one listener; [`PortClaimError::ExceedsMaxPorts`] while
    /// another exists.
    pub fn listener(&self) -> Result<Listener<'_, B>, PortClaimError> {
        // SYNC: Acquire pairs with the Release in `Listener::drop`: the
        // previous listener's last look happened before ours.
        B::Rmw::compare_exchange(&self.listener_claimed, 0, 1, Ordering::Acquire, Ordering::Relaxed).map_err(|_| {
            PortClaimError::ExceedsMaxPorts {
                kind: PortKind::Listener,
                max: 1,
            }
        })?;
        Ok(Listener {
            cell: &self.cell,
            claimed: &self.listener_claimed,
            _board: PhantomData,
            _not_sync: PhantomData,
        })
    }
}

impl<B: StaticRamBoard, const WORDS: usize> Default for Event<B, WORDS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B, const WORDS: usize> core::fmt::Debug for Event<B, WORDS> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Event")
            .field("ids", &(32 * WORDS))
            .finish_non_exhaustive()
    }
}

/// The one listener of an [`Event`], without its size: `Send`, not `Sync`
/// (one waiter at a time).
pub struct Listener<'a, B> {
    cell: &'a EventCellView,
    claimed: &'a AtomicU32,
    _board: PhantomData<fn() -> B>,
    _not_sync: PhantomData<Cell<()>>,
}

impl<B: StaticRamBoard> Listener<'_, B> {
    /// Calls `fired` with every id that fired since the last look and
    /// clears them; returns how many. Never blocks.
    pub fn try_wait(&self, fired: impl FnMut(u32)) -> u32 {
        self.cell.try_wait::<B::Rmw>(fired)
    }

    /// Idles (the board's wait hook) until an id fires, then calls `fired`
    /// with every id that fired.
    pub fn wait(&self, fired: impl FnMut(u32)) -> Result<WaitEnd, WaitError> {
        self.cell.wait::<B::Rmw, StaticWaiter<B>>(None, fired)
    }

    /// As [`Listener::wait`], but gives up at `deadline` on the board's
    /// clock ([`StaticRamBoard::now`]): [`WaitEnd::TimedOut`].
    pub fn wait_until(&self, deadline: Instant, fired: impl FnMut(u32)) -> Result<WaitEnd, WaitError> {
        self.cell.wait::<B::Rmw, StaticWaiter<B>>(Some(deadline), fired)
    }

    /// As [`Listener::wait`], for at most `timeout` on the board's clock.
    pub fn wait_for(&self, timeout: Duration, fired: impl FnMut(u32)) -> Result<WaitEnd, WaitError> {
        self.wait_until(B::now().saturating_add(timeout), fired)
    }

    /// Polls for up to `timeout`, pausing `step` between looks with an
    /// embedded-hal delay (for boards without a clock): the time spent in
    /// looks themselves is not counted, so the wait lasts at least
    /// `timeout`.
    pub fn wait_with_delay(
        &self,
        delay: &mut impl DelayNs,
        timeout: Duration,
        step: Duration,
        mut fired: impl FnMut(u32),
    ) -> WaitEnd {
        let step_ns = u32::try_from(step.as_nanos()).unwrap_or(u32::MAX).max(1);
        let mut waited: u128 = 0;
        loop {
            if self.try_wait(&mut fired) > 0 {
                return WaitEnd::Fired;
            }
            if waited >= timeout.as_nanos() {
                return WaitEnd::TimedOut;
            }
            delay.delay_ns(step_ns);
            waited += u128::from(step_ns);
        }
    }

    /// Whether an id is pending (without taking it).
    pub fn has_pending(&self) -> bool {
        self.cell.has_pending()
    }
}

impl<B> Drop for Listener<'_, B> {
    fn drop(&mut self) {
        // SYNC: Release pairs with the Acquire of the next claim. A plain
        // store: only the holder writes 0 (INV-ONEWRITER for this value).
        self.claimed.store(0, Ordering::Release);
    }
}

impl<B> core::fmt::Debug for Listener<'_, B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Listener").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_board::Board;

    struct CountingDelay(u64);
    impl DelayNs for CountingDelay {
        fn delay_ns(&mut self, ns: u32) {
            self.0 += u64::from(ns);
        }
    }

    #[test]
    fn ids_are_merged_range_checked_and_one_listener_at_a_time() {
        static EVENT: Event<Board, 2> = Event::new();
        assert_eq!(EVENT.ids(), 64);
        let listener = EVENT.listener().unwrap();
        assert_eq!(
            EVENT.listener().unwrap_err(),
            PortClaimError::ExceedsMaxPorts {
                kind: PortKind::Listener,
                max: 1
            }
        );
        EVENT.notify(63).unwrap();
        EVENT.notify(63).unwrap();
        EVENT.notify(1).unwrap();
        assert_eq!(
            EVENT.notify(64),
            Err(NotifyError::EventIdOutOfRange { id: 64, ids: 64 })
        );
        let mut ids = [0; 4];
        let mut n = 0;
        assert_eq!(
            listener.try_wait(|id| {
                ids[n] = id;
                n += 1;
            }),
            2
        );
        assert_eq!(&ids[..n], &[1, 63]);
        drop(listener);
        assert!(EVENT.listener().is_ok());
    }

    #[test]
    fn waits_end_on_a_notify_from_another_thread_or_time_out() {
        static EVENT: Event<Board> = Event::new();
        let listener = EVENT.listener().unwrap();
        let notifier = std::thread::spawn(|| {
            std::thread::sleep(Duration::from_millis(20));
            EVENT.notify(5).unwrap();
        });
        let mut fired = None;
        assert_eq!(listener.wait(|id| fired = Some(id)), Ok(WaitEnd::Fired));
        assert_eq!(fired, Some(5));
        notifier.join().unwrap();
        assert_eq!(
            listener.wait_for(Duration::from_millis(5), |_| {}),
            Ok(WaitEnd::TimedOut)
        );
        let mut delay = CountingDelay(0);
        let end = listener.wait_with_delay(&mut delay, Duration::from_micros(50), Duration::from_micros(10), |_| {});
        assert_eq!(end, WaitEnd::TimedOut);
        assert_eq!(delay.0, 50_000);
        EVENT.notify(0).unwrap();
        let end = listener.wait_with_delay(&mut delay, Duration::from_micros(50), Duration::from_micros(10), |_| {});
        assert_eq!(end, WaitEnd::Fired);
    }
}
