//! Publish-subscribe in shared memory: settings, segment layouts, the
//! control header, slots, and the publisher's and subscriber's ports
//! (DESIGN.md "Segments" and "Data path"). Platform-neutral and
//! allocation-free; `iox2-host` and `iox2-embedded` put regions under it.

mod control;
mod layout;
mod publisher;
mod qos;
mod subscriber;

pub use crate::pool::{CHUNK_HEADER, ChunkContent, ChunkHeader, Data, DataLayout, DataOpenError};
pub use control::{Control, pack_connection};
pub use layout::{ControlLayout, control_layout, data_layout};
pub use publisher::{Backpressure, Delivery, LoanError, PublisherPort};
pub use qos::PubSubQos;
pub use subscriber::{ReceiveError, Received, SubscriberPort};

#[cfg(all(test, not(iox2_loom)))]
mod tests;
