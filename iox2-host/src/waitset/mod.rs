//! The WaitSet: one thread sleeps on many listeners and subscribers at
//! once, on deadlines and on intervals, and a callback learns which
//! attachment fired. SIGINT and SIGTERM end a wait with
//! [`WaitSetRunResult::TerminationRequest`] instead of killing the process
//! mid-operation.
//!
//! ```no_run
//! use core::time::Duration;
//! use iox2_host::prelude::*;
//! use iox2_host::{CallbackProgression, WaitSetBuilder};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let node = NodeBuilder::new().create::<Linux>()?;
//! let service = node.service_builder("robot/heartbeat")?.event().open_or_create()?;
//! let listener = service.listener_builder().create()?;
//! let waitset = WaitSetBuilder::new().create::<Linux>()?;
//! let heartbeat = waitset.attach_deadline(&listener, Duration::from_millis(500))?;
//! waitset.wait_and_process(|fired| {
//!     if fired.has_event_from(&heartbeat) {
//!         listener.try_wait_all(|id| println!("event {id}")).ok();
//!     } else if fired.has_missed_deadline(&heartbeat) {
//!         println!("no heartbeat for 500 ms");
//!     }
//!     CallbackProgression::Continue
//! })?;
//! # Ok(())
//! # }
//! ```
//!
//! Attachments are level-triggered: an attachment whose listener still has
//! ids (or whose subscriber still has samples) after the callback fires
//! again at the next wait. A deadline counts from the later of the last
//! event the WaitSet saw, the service's last notification (for an event
//! service, whoever sent it) and the previous missed deadline.
//!
//! Sleeping: `linux` sleeps in one `futex_waitv` over the attached words,
//! `posix` in one `poll` over their FIFOs (see `iox2_platform`).

mod attachable;
mod errors;

pub use attachable::Attachable;
pub use errors::{WaitSetAttachmentError, WaitSetCreateError, WaitSetRunError};

use crate::lock::HostPlatform;
use core::cell::{Cell, RefCell};
use core::marker::PhantomData;
use core::time::Duration;
use iox2_core::sync::AtomicU32;
use iox2_platform::{Clock, Instant, WaitOutcome, WaitTarget, WaitWord, signal};
use std::fmt;

/// Builds a [`WaitSet`].
#[derive(Debug, Default, Clone, Copy)]
pub struct WaitSetBuilder {
    capacity: Option<usize>,
}

impl WaitSetBuilder {
    /// A builder with the platform's capacity.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most listeners and subscribers attached at once (default and
    /// maximum: what the platform sleeps on at once, 127 on `linux`).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = Some(capacity);
        self
    }

    /// Creates the WaitSet and starts catching SIGINT and SIGTERM (see
    /// [`iox2_platform::signal`]).
    pub fn create<'a, P: HostPlatform>(self) -> Result<WaitSet<'a, P>, WaitSetCreateError> {
        let max = P::Waiter::MAX_WAIT_ANY;
        let capacity = self.capacity.unwrap_or(max);
        if capacity == 0 || capacity > max {
            return Err(WaitSetCreateError::InvalidCapacity {
                requested: capacity,
                max,
            });
        }
        signal::catch_termination().map_err(WaitSetCreateError::SignalHandler)?;
        Ok(WaitSet {
            entries: RefCell::new(Vec::new()),
            next_key: Cell::new(0),
            capacity,
            idle: AtomicU32::new(0),
            _platform: PhantomData,
        })
    }
}

/// What the callback returns: go on waiting, or stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackProgression {
    /// Go on.
    Continue,
    /// Return from the wait with [`WaitSetRunResult::StopRequest`].
    Stop,
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitSetRunResult {
    /// SIGINT or SIGTERM arrived: the program should leave.
    TerminationRequest,
    /// Another signal interrupted the sleep.
    Interrupt,
    /// A callback returned [`CallbackProgression::Stop`].
    StopRequest,
    /// Every attachment that fired was handed to the callback (or the
    /// timeout passed with none).
    AllEventsHandled,
}

/// Why an attachment fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    Event,
    MissedDeadline,
    Tick,
}

/// What one look at the attachments found.
enum Look {
    /// These attachments fire.
    Fired(Vec<WaitSetAttachmentId>),
    /// Nothing fired, and the timeout passed.
    TimedOut,
    /// Nothing fired; the WaitSet slept and this ended the sleep.
    Slept(WaitOutcome),
}

/// Which attachment fired, and why: what the callback gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitSetAttachmentId {
    key: u64,
    reason: Reason,
}

impl WaitSetAttachmentId {
    /// Whether `guard`'s listener has ids (subscriber: samples), or
    /// `guard`'s interval ticked.
    pub fn has_event_from<P: HostPlatform>(&self, guard: &WaitSetGuard<'_, '_, P>) -> bool {
        self.key == guard.key && matches!(self.reason, Reason::Event | Reason::Tick)
    }

    /// Whether `guard`'s deadline passed without an event.
    pub fn has_missed_deadline<P: HostPlatform>(&self, guard: &WaitSetGuard<'_, '_, P>) -> bool {
        self.key == guard.key && self.reason == Reason::MissedDeadline
    }
}

/// An attachment; dropping it detaches.
pub struct WaitSetGuard<'w, 'a, P: HostPlatform> {
    waitset: &'w WaitSet<'a, P>,
    key: u64,
}

impl<P: HostPlatform> fmt::Debug for WaitSetGuard<'_, '_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitSetGuard").field("key", &self.key).finish()
    }
}

impl<P: HostPlatform> Drop for WaitSetGuard<'_, '_, P> {
    fn drop(&mut self) {
        self.waitset.entries.borrow_mut().retain(|entry| entry.key != self.key);
    }
}

/// What an attachment waits for.
enum Kind<'a, P: HostPlatform> {
    /// Events (samples) of a port.
    Notification(&'a dyn Attachable<P>),
    /// Events of a port, and their absence for `deadline`.
    Deadline {
        port: &'a dyn Attachable<P>,
        deadline: u64,
        /// The latest event or miss the WaitSet saw.
        since: Cell<u64>,
    },
    /// A tick every `period`.
    Interval { period: u64, next: Cell<u64> },
}

struct Entry<'a, P: HostPlatform> {
    key: u64,
    /// The attached port's address: no port is attached twice.
    port: Option<usize>,
    kind: Kind<'a, P>,
}

impl<P: HostPlatform> Entry<'_, P> {
    fn port(&self) -> Option<&dyn Attachable<P>> {
        match self.kind {
            Kind::Notification(port) | Kind::Deadline { port, .. } => Some(port),
            Kind::Interval { .. } => None,
        }
    }

    /// When this attachment fires next without an event, if ever.
    fn due(&self) -> Option<u64> {
        match &self.kind {
            Kind::Notification(_) => None,
            Kind::Deadline {
                port, deadline, since, ..
            } => {
                let since = since.get().max(port.last_activity().unwrap_or(0));
                Some(since.saturating_add(*deadline))
            }
            Kind::Interval { next, .. } => Some(next.get()),
        }
    }
}

/// Sleeps on many ports, deadlines and intervals at once; attachments
/// borrow their ports for `'a`. Neither `Send` nor `Sync`: it waits on the
/// thread that owns its listeners.
pub struct WaitSet<'a, P: HostPlatform> {
    entries: RefCell<Vec<Entry<'a, P>>>,
    next_key: Cell<u64>,
    capacity: usize,
    /// Slept on when no port is attached (intervals only): never changes.
    idle: AtomicU32,
    _platform: PhantomData<fn() -> P>,
}

impl<P: HostPlatform> fmt::Debug for WaitSet<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitSet")
            .field("attachments", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl<'a, P: HostPlatform> WaitSet<'a, P> {
    /// The number of attachments.
    pub fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    /// Whether nothing is attached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most ports attached at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn attach(
        &self,
        port: Option<usize>,
        kind: Kind<'a, P>,
    ) -> Result<WaitSetGuard<'_, 'a, P>, WaitSetAttachmentError> {
        let mut entries = self.entries.borrow_mut();
        if port.is_some() {
            if entries.iter().any(|entry| entry.port == port) {
                return Err(WaitSetAttachmentError::AlreadyAttached);
            }
            if entries.iter().filter(|entry| entry.port.is_some()).count() >= self.capacity {
                return Err(WaitSetAttachmentError::InsufficientCapacity {
                    capacity: self.capacity,
                });
            }
        }
        let key = self.next_key.get();
        self.next_key.set(key + 1);
        entries.push(Entry { key, port, kind });
        Ok(WaitSetGuard { waitset: self, key })
    }

    /// Fires when `port` (a [`crate::Listener`] or [`crate::Subscriber`]) has
    /// ids or samples.
    pub fn attach_notification(
        &self,
        port: &'a impl Attachable<P>,
    ) -> Result<WaitSetGuard<'_, 'a, P>, WaitSetAttachmentError> {
        self.attach(Some(address(port)), Kind::Notification(port))
    }

    /// Fires when `port` has ids or samples, and with a missed deadline when
    /// none came for `deadline` (see the module doc for where it counts
    /// from). For an event service with a deadline, pass
    /// [`crate::Listener::deadline`].
    pub fn attach_deadline(
        &self,
        port: &'a impl Attachable<P>,
        deadline: Duration,
    ) -> Result<WaitSetGuard<'_, 'a, P>, WaitSetAttachmentError> {
        let deadline = nanos(deadline).ok_or(WaitSetAttachmentError::ZeroDuration)?;
        let kind = Kind::Deadline {
            port,
            deadline,
            since: Cell::new(P::Clock::now().as_nanos()),
        };
        self.attach(Some(address(port)), kind)
    }

    /// Fires every `period`, the first time one period from now.
    pub fn attach_interval(&self, period: Duration) -> Result<WaitSetGuard<'_, 'a, P>, WaitSetAttachmentError> {
        let period = nanos(period).ok_or(WaitSetAttachmentError::ZeroDuration)?;
        let next = Cell::new(P::Clock::now().as_nanos().saturating_add(period));
        self.attach(None, Kind::Interval { period, next })
    }

    /// Waits until attachments fire, hands each to `callback`, and goes on
    /// until a callback stops it or a signal arrives.
    pub fn wait_and_process(
        &self,
        mut callback: impl FnMut(WaitSetAttachmentId) -> CallbackProgression,
    ) -> Result<WaitSetRunResult, WaitSetRunError> {
        loop {
            match self.run_once(&mut callback, None)? {
                WaitSetRunResult::AllEventsHandled => {}
                other => return Ok(other),
            }
        }
    }

    /// Waits until attachments fire and hands each to `callback`, once.
    pub fn wait_and_process_once(
        &self,
        mut callback: impl FnMut(WaitSetAttachmentId) -> CallbackProgression,
    ) -> Result<WaitSetRunResult, WaitSetRunError> {
        self.run_once(&mut callback, None)
    }

    /// Like [`WaitSet::wait_and_process_once`], returning after `timeout`
    /// at the latest (with [`WaitSetRunResult::AllEventsHandled`] and no
    /// callback if nothing fired).
    pub fn wait_and_process_once_with_timeout(
        &self,
        mut callback: impl FnMut(WaitSetAttachmentId) -> CallbackProgression,
        timeout: Duration,
    ) -> Result<WaitSetRunResult, WaitSetRunError> {
        self.run_once(&mut callback, Some(P::Clock::deadline_after(timeout)))
    }

    fn run_once(
        &self,
        callback: &mut dyn FnMut(WaitSetAttachmentId) -> CallbackProgression,
        timeout: Option<Instant>,
    ) -> Result<WaitSetRunResult, WaitSetRunError> {
        if self.is_empty() {
            return Err(WaitSetRunError::NoAttachments);
        }
        loop {
            if signal::termination_requested().is_some() {
                return Ok(WaitSetRunResult::TerminationRequest);
            }
            let fired = match self.look_or_sleep(timeout)? {
                Look::Fired(fired) => fired,
                Look::TimedOut => return Ok(WaitSetRunResult::AllEventsHandled),
                Look::Slept(WaitOutcome::Interrupted) => {
                    return Ok(match signal::termination_requested() {
                        Some(_) => WaitSetRunResult::TerminationRequest,
                        None => WaitSetRunResult::Interrupt,
                    });
                }
                Look::Slept(_) => continue,
            };
            return Ok(self.dispatch(&fired, callback));
        }
    }

    /// Announces the sleeper on every attached port, collects what fires
    /// now, and sleeps (on every port's word, until the next deadline or
    /// interval is due, or `timeout`) only if nothing does.
    fn look_or_sleep(&self, timeout: Option<Instant>) -> Result<Look, WaitSetRunError> {
        let entries = self.entries.borrow();
        let mut targets: Vec<WaitTarget<'_>> = Vec::with_capacity(entries.len());
        let mut prepared: Vec<&dyn Attachable<P>> = Vec::with_capacity(entries.len());
        let mut fired = Vec::new();
        for entry in entries.iter() {
            let Some(port) = entry.port() else { continue };
            match port.prepare_sleep() {
                Some(target) => {
                    targets.push(target);
                    prepared.push(port);
                }
                None => fired.push(WaitSetAttachmentId {
                    key: entry.key,
                    reason: Reason::Event,
                }),
            }
        }
        let now = P::Clock::now();
        let events = fired.len();
        for entry in entries.iter() {
            let has_event = fired[..events].iter().any(|id| id.key == entry.key);
            if !has_event && entry.due().is_some_and(|due| due <= now.as_nanos()) {
                let reason = match entry.kind {
                    Kind::Interval { .. } => Reason::Tick,
                    _ => Reason::MissedDeadline,
                };
                fired.push(WaitSetAttachmentId { key: entry.key, reason });
            }
        }
        let look = if !fired.is_empty() {
            Ok(Look::Fired(fired))
        } else if timeout.is_some_and(|timeout| now >= timeout) {
            Ok(Look::TimedOut)
        } else {
            let due = entries.iter().filter_map(Entry::due).min().map(Instant::from_nanos);
            let deadline = match (due, timeout) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if targets.is_empty() {
                targets.push(WaitTarget {
                    word: &self.idle,
                    expected: 0,
                });
            }
            P::Waiter::wait_any(&targets, deadline)
                .map(Look::Slept)
                .map_err(WaitSetRunError::Wait)
        };
        for port in prepared {
            port.end_sleep();
        }
        look
    }

    /// Re-arms the fired attachments and hands them to `callback`.
    fn dispatch(
        &self,
        fired: &[WaitSetAttachmentId],
        callback: &mut dyn FnMut(WaitSetAttachmentId) -> CallbackProgression,
    ) -> WaitSetRunResult {
        let now = P::Clock::now().as_nanos();
        for entry in self.entries.borrow().iter() {
            if !fired.iter().any(|id| id.key == entry.key) {
                continue;
            }
            match &entry.kind {
                Kind::Deadline { since, .. } => since.set(now),
                Kind::Interval { period, next } => {
                    let mut due = next.get().saturating_add(*period);
                    if due <= now {
                        due = now.saturating_add(*period);
                    }
                    next.set(due);
                }
                Kind::Notification(_) => {}
            }
        }
        for id in fired {
            // A callback may have detached it (its guard dropped).
            if !self.entries.borrow().iter().any(|entry| entry.key == id.key) {
                continue;
            }
            if callback(*id) == CallbackProgression::Stop {
                return WaitSetRunResult::StopRequest;
            }
        }
        WaitSetRunResult::AllEventsHandled
    }
}

/// A port's address, which tells attachments of the same port apart.
fn address<T>(port: &T) -> usize {
    core::ptr::from_ref(port) as usize
}

/// A duration in nanoseconds; `None` for zero.
fn nanos(duration: Duration) -> Option<u64> {
    match u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX) {
        0 => None,
        nanos => Some(nanos),
    }
}
