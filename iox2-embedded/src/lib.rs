//! The firmware side of iox2: services in `static`s, no allocator.
//!
//! - [`pubsub`](mod@pubsub): [`pubsub!`] declares a publish-subscribe service in a
//!   `static` whose size the core's `const fn` layouts compute, all zero
//!   (`.bss`), created on the first claim; publishers and subscribers are
//!   claimed from it (a typed error once all are taken) and hide its size.
//! - [`reqres`](mod@reqres): [`reqres!`] declares a request-response service the same
//!   way (control segment, the clients' request pools and the servers'
//!   response pools in one static); a client's `send_copy` returns a
//!   pending response — a stream of responses, cancelled on drop — and a
//!   server answers an active request with any number of responses, ending
//!   the stream on drop.
//! - [`blackboard`](mod@blackboard): [`blackboard!`] declares a key-value store with keys
//!   fixed at compile time, one writer, readers that never wait for it.
//! - [`event`]: [`event::Event`], a `static` event that interrupt handlers
//!   and other cores notify and one [`event::Listener`] waits for.
//! - [`wait`]: how a waiting context idles and a notifier wakes it —
//!   `WFE`/`SEV`, a pended interrupt, or polling — plugged into the board's
//!   [`StaticRamBoard`](iox2_platform::static_ram::StaticRamBoard) hooks;
//!   timed waits use the board's clock or an embedded-hal `DelayNs`.
//! - [`error`]: the typed errors (`defmt::Format` with the `defmt` feature).
//!
//! The board is a type implementing
//! [`StaticRamBoard`](iox2_platform::static_ram::StaticRamBoard): it picks
//! the read-modify-write backend (`NativeRmw` where the CPU has CAS,
//! `CriticalSectionRmw` on a single core without it, a hardware lock
//! across cores that cannot make each other's exclusives fail — a
//! single-core critical section is unsound across cores), the wait hooks
//! and the clock. Every operation a preempting context may call (notify,
//! send, receive, claims) finishes in a bounded number of its own steps,
//! whatever the preempted context was doing (INV-PREEMPT); a claim that
//! would have to wait for another context gets a typed error instead.
//!
//! Nodes on other cores: a node is declared dead only by a supervisor
//! that halted or reset its core
//! ([`Nodes::declare_dead`](iox2_platform::static_ram::Nodes::declare_dead));
//! a missed heartbeat makes it `Unknown`, never `Dead`.
//!
//! # Recovery: a core that halts or resets mid-operation
//! No operation waits for another context (INV-PREEMPT, INV-NOLOCK), so a
//! core that stops at any instruction — halted by a debugger or a
//! supervisor, held in reset, spinning in a fault handler — leaves every
//! operation of the other cores bounded, with these results (the dual-core
//! boards' `halt_mid_stream` test halts core 1 inside its streams and
//! checks each of them):
//! - publish-subscribe: sends complete. A halted subscriber's buffer
//!   fills; then, with safe overflow, its oldest sample is replaced;
//!   without, it is skipped and counted in
//!   [`Delivery::discarded`](pubsub::Delivery::discarded). The pool never
//!   runs dry: it holds a full buffer and the borrows of every subscriber.
//!   Receives hand out what a halted publisher queued, then `None`.
//! - request-response: a pending response hands out what a halted server
//!   queued, then `None`; [`PendingResponse::wait`](reqres::PendingResponse::wait)
//!   ends at its deadline; the stream stays open
//!   ([`stream_end`](reqres::PendingResponse::stream_end) is `None`: a
//!   halted core is not a departed one). Dropping the pending response
//!   returns at once, but its request slot stays taken until the server
//!   ends the stream, so once `active_requests` are taken a send is refused
//!   with [`RequestSendError::ExceedsMaxActiveRequests`](reqres::RequestSendError::ExceedsMaxActiveRequests).
//!   A server whose client halted sends until the response buffer is full
//!   (then `BufferFull`, or the oldest is replaced with safe overflow).
//! - blackboard: readers read the last complete value at once — a writer
//!   halted mid-write is inside another buffer — and writers never wait
//!   for readers.
//! - events: a notify never waits; a listener on a halted core does not look.
//! - claims: [`ServiceBeingCreated`](error::PortClaimError::ServiceBeingCreated)
//!   for good if the core halted while creating the service, and
//!   [`SlotBusy`](error::PortClaimError::SlotBusy) while it holds chunks
//!   of a slot's previous holder; both mean "not now", never a wait.
//!
//! What a supervisor does to bring the core back (the sequence the boards'
//! test runs):
//! 1. Make sure the core is stopped for good: halted, or held in reset. A
//!    core that only missed heartbeats is `Unknown`, never `Dead`: it could
//!    still write into chunks that a recovery hands to someone else.
//! 2. Declare its nodes dead
//!    ([`Nodes::declare_dead`](iox2_platform::static_ram::Nodes::declare_dead))
//!    if the board uses the platform's liveness.
//! 3. Have the surviving contexts drop their handles of every service the
//!    stopped core used (until then they keep working, as above).
//! 4. `reset()` each of those services
//!    ([`StaticPubSub::reset`](pubsub::StaticPubSub::reset),
//!    [`StaticReqRes::reset`](reqres::StaticReqRes::reset),
//!    [`StaticBlackboard::reset`](blackboard::StaticBlackboard::reset)):
//!    all zero again. The stopped core's handles are abandoned — never
//!    dropped, never used again.
//! 5. Restart the core (from its reset vector, or a fresh entry on a fresh
//!    stack). Both sides claim afresh; the first claim creates the service;
//!    `ServiceBeingCreated` and `SlotBusy` mean "try again".
//!
//! Services the stopped core never used need nothing. Reclaiming only the
//! stopped core's ports while the survivors keep their handles (what a
//! host's reaper does for a dead process) is not offered: every port of a
//! static service belongs to one node.
#![no_std]

#[cfg(test)]
extern crate std;

pub mod blackboard;
mod changes;
pub mod error;
pub mod event;
mod memory;
pub mod pubsub;
pub mod reqres;
pub mod wait;

#[cfg(test)]
mod test_board;

pub use iox2_core as core;
pub use iox2_platform as platform;
