//! What a WaitSet can sleep on: a [`Listener`] or a [`Subscriber`]. Each
//! announces the sleeper on its wake word (so its notifier or publisher
//! wakes it), or says that something is there already.

use crate::lock::HostPlatform;
use crate::payload::Payload;
use crate::{Listener, Subscriber};
use iox2_core::payload::ZeroCopySend;
use iox2_platform::WaitTarget;

mod sealed {
    pub trait Sealed {}
}

/// A port a [`super::WaitSet`] can attach: [`Listener`] and [`Subscriber`].
pub trait Attachable<P: HostPlatform>: sealed::Sealed {
    /// Announces a sleeper and returns the word and value to sleep on, or
    /// `None` when an event or sample is there already.
    #[doc(hidden)]
    fn prepare_sleep(&self) -> Option<WaitTarget<'_>>;

    /// Ends a sleep that [`Attachable::prepare_sleep`] announced.
    #[doc(hidden)]
    fn end_sleep(&self);

    /// When the service last saw activity (platform clock, nanoseconds),
    /// if it records it: a listener's service records its notifications.
    #[doc(hidden)]
    fn last_activity(&self) -> Option<u64>;
}

impl<P: HostPlatform> sealed::Sealed for Listener<P> {}

impl<P: HostPlatform> Attachable<P> for Listener<P> {
    fn prepare_sleep(&self) -> Option<WaitTarget<'_>> {
        if self.has_taken() {
            return None;
        }
        let cell = self.cell();
        cell.prepare_sleep::<P::Rmw>().map(|expected| WaitTarget {
            word: cell.wait_word(),
            expected,
        })
    }

    fn end_sleep(&self) {
        self.cell().end_sleep::<P::Rmw>();
    }

    fn last_activity(&self) -> Option<u64> {
        Some(self.last_notification())
    }
}

impl<P: HostPlatform, T: ?Sized, H> sealed::Sealed for Subscriber<P, T, H> {}

impl<P: HostPlatform, T: ?Sized + Payload, H: ZeroCopySend> Attachable<P> for Subscriber<P, T, H> {
    fn prepare_sleep(&self) -> Option<WaitTarget<'_>> {
        self.prepare_sleep()
    }

    fn end_sleep(&self) {
        self.end_sleep();
    }

    fn last_activity(&self) -> Option<u64> {
        None
    }
}
