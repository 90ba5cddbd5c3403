//! How a waiting context idles and how a notifier wakes it: the board's
//! choice, plugged into [`StaticRamBoard::wait_hook`] and
//! [`StaticRamBoard::wake_hook`].
//!
//! A wait in iox2 (a listener's, a subscriber's) re-checks its word
//! between calls of [`WaitHook::idle`], so a hook may always return early;
//! what it must never do is sleep through a wake that happened after the
//! waiter's last check. The three hooks here keep that rule:
//!
//! | hook | idle | wake | for |
//! |---|---|---|---|
//! | [`Polling`] | a spin-loop hint | nothing | any core; the default |
//! | [`WfeSev`] | `WFE` | `SEV` | Cortex-M, one core or several: `SEV` sets the event register of every core, and an interrupt's entry or return sets the own one, so a wake between the check and the `WFE` makes the `WFE` return at once |
//! | [`PendedInterrupt`] | `WFI` with interrupts masked, unless a wake was flagged | flag, then pend the board's interrupt ([`Pend`]) | Cortex-M and RISC-V; a pending interrupt ends `WFI` even while masked |
//!
//! ```
//! use iox2_embedded::wait::{WaitHook, WfeSev};
//! use iox2_platform::Instant;
//! use iox2_platform::rmw::NativeRmw;
//! use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};
//!
//! static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
//! static NODES: NodeTable<NativeRmw, 1> = NodeTable::new();
//!
//! struct Board;
//! impl StaticRamBoard for Board {
//!     type Rmw = NativeRmw;
//!     fn regions() -> Regions<'static, NativeRmw> { REGIONS.view() }
//!     fn nodes() -> Nodes<'static, NativeRmw> { NODES.view() }
//!     fn now() -> Instant { Instant::from_nanos(0) }
//!     fn wait_hook(deadline: Option<Instant>) { WfeSev::idle(deadline) }
//!     fn wake_hook() { WfeSev::wake() }
//! }
//! ```
//!
//! [`StaticRamBoard::wait_hook`]: iox2_platform::static_ram::StaticRamBoard::wait_hook
//! [`StaticRamBoard::wake_hook`]: iox2_platform::static_ram::StaticRamBoard::wake_hook

use core::marker::PhantomData;
use core::sync::atomic::{AtomicBool, Ordering};
use iox2_platform::Instant;

/// How a waiter idles and how a waker ends the idling.
pub trait WaitHook {
    /// Idles until woken, until an interrupt ran, or earlier. With a
    /// `deadline`, a hook that can sleep long must make sure something
    /// (a timer interrupt) ends the sleep by then.
    fn idle(deadline: Option<Instant>);

    /// Ends the idling of every waiter of this hook (called after the
    /// waker changed the word the waiter checks). Callable from interrupt
    /// handlers; never blocks.
    fn wake();
}

/// Busy polling: idle is a spin-loop hint, wake does nothing. Always
/// correct, never asleep.
#[derive(Debug, Clone, Copy, Default)]
pub struct Polling;

impl WaitHook for Polling {
    #[inline]
    fn idle(_deadline: Option<Instant>) {
        core::hint::spin_loop();
    }

    #[inline]
    fn wake() {}
}

/// `WFE` to idle, `SEV` to wake (Cortex-M). On other targets (host tests)
/// both are spin-loop hints.
///
/// No wake is lost: `SEV` sets the event register of every core, and on
/// the own core an interrupt's entry and return set it too, so a `WFE`
/// after a wake returns at once. A `WFE` may also return for unrelated
/// events; the waiter re-checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct WfeSev;

impl WaitHook for WfeSev {
    #[inline]
    fn idle(_deadline: Option<Instant>) {
        #[cfg(target_arch = "arm")]
        // SAFETY: `wfe` only waits for an event; it touches no memory and
        // no register the compiler allocates.
        unsafe {
            core::arch::asm!("wfe", options(nomem, nostack, preserves_flags))
        };
        #[cfg(not(target_arch = "arm"))]
        core::hint::spin_loop();
    }

    #[inline]
    fn wake() {
        #[cfg(target_arch = "arm")]
        // SAFETY: `sev` only signals an event; the preceding stores are
        // ordered before it by the waker's Release (the `nomem` option is
        // not used, so the compiler keeps memory accesses in order).
        unsafe {
            core::arch::asm!("dsb", "sev", options(nostack, preserves_flags))
        };
    }
}

/// Pends an interrupt: of this core (a software interrupt) or of the core
/// the waiter runs on (an inter-processor interrupt), so its `WFI` ends.
pub trait Pend {
    /// Pends the interrupt. Callable from any context; never blocks.
    fn pend();
}

/// A pended interrupt ends the idling: idle is `WFI` with interrupts
/// masked (a pending interrupt ends `WFI` even then, and runs as soon as
/// they are unmasked), skipped when a wake was flagged since the last idle;
/// wake flags and calls [`Pend::pend`].
///
/// No wake is lost: a wake before the mask leaves its flag (the `WFI` is
/// skipped); one after it leaves a pending interrupt (the `WFI` returns).
/// On targets without `WFI` (host tests) idle is a spin-loop hint.
pub struct PendedInterrupt<P>(PhantomData<fn() -> P>);

/// Set by a wake, cleared by the idle that sees it (shared by every
/// `PendedInterrupt`: a wake meant for another board's hook costs one
/// spurious return at most).
static WAKE_FLAGGED: AtomicBool = AtomicBool::new(false);

impl<P: Pend> WaitHook for PendedInterrupt<P> {
    fn idle(_deadline: Option<Instant>) {
        with_interrupts_masked(|| {
            // SYNC: Acquire pairs with the Release of `wake`; load and store
            // (no swap: thumbv6m has none). A wake that lands between them
            // from another core is not lost: we return without `WFI` and
            // the waiter re-checks its word, which that waker changed first.
            if WAKE_FLAGGED.load(Ordering::Acquire) {
                WAKE_FLAGGED.store(false, Ordering::Relaxed);
            } else {
                wait_for_interrupt();
            }
        });
    }

    fn wake() {
        // SYNC: Release pairs with the Acquire in `idle`.
        WAKE_FLAGGED.store(true, Ordering::Release);
        P::pend();
    }
}

impl<P> core::fmt::Debug for PendedInterrupt<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PendedInterrupt")
    }
}

/// Runs `f` with this core's interrupts masked, restoring the mask after.
#[inline]
fn with_interrupts_masked(f: impl FnOnce()) {
    #[cfg(target_arch = "arm")]
    {
        let primask: u32;
        // SAFETY: reads PRIMASK and sets it (masks interrupts on this core
        // only); no memory is touched. Restored below.
        unsafe { core::arch::asm!("mrs {0}, PRIMASK", "cpsid i", out(reg) primask, options(nostack, preserves_flags)) };
        f();
        if primask & 1 == 0 {
            // SAFETY: unmasks interrupts, which were unmasked on entry.
            unsafe { core::arch::asm!("cpsie i", options(nostack, preserves_flags)) };
        }
    }
    #[cfg(target_arch = "riscv32")]
    {
        let mstatus: u32;
        // SAFETY: clears mstatus.MIE (bit 3) and returns the old value:
        // masks machine interrupts on this hart only. Restored below.
        unsafe { core::arch::asm!("csrrci {0}, mstatus, 8", out(reg) mstatus, options(nostack)) };
        f();
        if mstatus & 8 != 0 {
            // SAFETY: sets mstatus.MIE again, as it was on entry.
            unsafe { core::arch::asm!("csrsi mstatus, 8", options(nostack)) };
        }
    }
    #[cfg(not(any(target_arch = "arm", target_arch = "riscv32")))]
    f();
}

/// `WFI`: sleeps until an interrupt is pending (a spin-loop hint on hosts).
#[inline]
fn wait_for_interrupt() {
    #[cfg(any(target_arch = "arm", target_arch = "riscv32"))]
    // SAFETY: `wfi` waits for a pending interrupt; no memory is touched.
    unsafe {
        core::arch::asm!("wfi", options(nomem, nostack, preserves_flags))
    };
    #[cfg(not(any(target_arch = "arm", target_arch = "riscv32")))]
    core::hint::spin_loop();
}

#[cfg(test)]
mod tests {
    use super::*;

    struct CountingPend;
    static PENDS: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
    impl Pend for CountingPend {
        fn pend() {
            PENDS.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn a_flagged_wake_skips_the_next_idle_once() {
        PendedInterrupt::<CountingPend>::wake();
        assert_eq!(PENDS.load(Ordering::Relaxed), 1);
        assert!(WAKE_FLAGGED.load(Ordering::Relaxed));
        PendedInterrupt::<CountingPend>::idle(None);
        assert!(!WAKE_FLAGGED.load(Ordering::Relaxed));
        Polling::idle(None);
        WfeSev::wake();
        WfeSev::idle(None);
    }
}
