//! Request-response streams in shared memory: settings, the control
//! segment, and the client's and server's ports (DESIGN.md "Request-response
//! stream"). A client sends a request to every connected server; each
//! server answers it with any number of responses and then ends the
//! stream; the client may stop waiting at any time, and the server sees it.
//! Requests travel in the client's pool, responses in the server's
//! (`crate::pool`), as samples do in publish-subscribe.
//!
//! The protocol is in `control.rs`; the layout in `layout.rs`.

mod client;
mod control;
mod layout;
mod qos;
mod server;

pub use client::{ClientPort, ReceivedResponse, RequestSendError, ResponseReceiveError, StreamEnd};
pub use control::ReqResControl;
pub use layout::{ReqResLayout, reqres_layout, request_pool, response_pool};
pub use qos::ReqResQos;
pub use server::{ReceivedRequest, RequestReceiveError, ResponseSendError, ServerPort};

/// The bit of a `sent` word saying its server went without ending the request.
const LOST: u32 = 1 << 31;

/// A request: its slot in the client, and the generation of the request
/// in that slot (1..2^31).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RequestId {
    /// The request slot (below `max_active_requests`).
    pub request: u32,
    /// The generation of the request in that slot.
    pub generation: u32,
}

/// The chunk-header tag of request (or response to) `request`, `generation`.
const fn tag(request: u32, generation: u32) -> u64 {
    ((request as u64) << 32) | generation as u64
}

/// The request a chunk-header tag names.
const fn untag(tag: u64) -> RequestId {
    RequestId {
        request: (tag >> 32) as u32,
        generation: tag as u32,
    }
}

#[cfg(all(test, not(iox2_loom)))]
mod tests;
