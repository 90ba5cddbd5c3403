//! A subscriber to any publish-subscribe service, whatever its payload
//! type: it opens the service by the descriptors in its header
//! (`untyped.rs`) and receives each sample as its payload's bytes, read in
//! place in the publisher's pool. For tools (`iox2 service hz|echo`) and
//! bridges that learn a service's type at run time.
//!
//! It takes one subscriber slot (and its node one node slot) like any
//! subscriber, and nothing else: the service, its publishers and their
//! other subscribers go on as before. Under backpressure (`safe_overflow`
//! off) a raw subscriber that stops receiving holds its publishers back
//! like any other subscriber would.
//!
//! ```no_run
//! use iox2_host::prelude::*;
//! use iox2_host::RawSubscriber;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let node = NodeBuilder::new().name("probe")?.create::<Linux>()?;
//! let subscriber = RawSubscriber::create(&node, "robot/telemetry")?;
//! println!("payload type {}", subscriber.payload_type().name().as_str());
//! if let Some(sample) = subscriber.receive()? {
//!     println!("#{}: {:02x?}", sample.sequence(), &*sample);
//! }
//! # Ok(())
//! # }
//! ```

use crate::error::RawSubscriberCreateError;
use crate::lock::HostPlatform;
use crate::node::Node;
use crate::sample::Sample;
use crate::subscriber::{Subscriber, SubscriberBuilder};
use crate::untyped;
use core::time::Duration;
use iox2_core::payload::TypeDescriptor;
use iox2_core::pubsub::{PubSubQos, ReceiveError};
use iox2_platform::Rmw;
use iox2_platform::error::WaitError;
use iox2_platform::wait::WaitOutcome;
use std::fmt;
use std::sync::Arc;

/// Receives the samples of any publish-subscribe service as bytes.
pub struct RawSubscriber<P: HostPlatform> {
    subscriber: Subscriber<P, [u8]>,
    /// Whether this subscriber asked publishers for send times.
    stamping: bool,
    qos: PubSubQos,
    payload: TypeDescriptor,
    user_header: TypeDescriptor,
}

impl<P: HostPlatform> fmt::Debug for RawSubscriber<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawSubscriber")
            .field("payload", &self.payload.name().as_str())
            .field("qos", &self.qos)
            .finish_non_exhaustive()
    }
}

impl<P: HostPlatform> RawSubscriber<P> {
    /// Opens the existing publish-subscribe service `service` by its
    /// header and creates a subscriber with the service's buffer size.
    pub fn create(node: &Node<P>, service: &str) -> Result<Self, RawSubscriberCreateError> {
        let mut found = None;
        let inner = untyped::attach(&node.inner, service, |segment, name| {
            let mut shared = untyped::pubsub::<P>(segment, name)?;
            let header = shared.control.header();
            let payload = header.payload().map_err(crate::ServiceError::Incompatible)?;
            let user_header = header.user_header().map_err(crate::ServiceError::Incompatible)?;
            found = Some((shared.qos, payload, user_header));
            // The subscriber sees the payload as a slice of bytes: its
            // longest "slice" is the payload's room in a chunk, so a
            // sample's length (from its chunk header) is checked against
            // that instead of the element count of a typed slice.
            let room = untyped::chunk_content(&payload, &user_header, shared.qos.max_slice_len)
                .map_err(crate::ServiceError::Qos)?
                .payload_size;
            shared.qos.max_slice_len = u32::try_from(room).unwrap_or(u32::MAX);
            Ok(shared)
        })
        .map_err(RawSubscriberCreateError::Service)?;
        let (qos, payload, user_header) =
            found.ok_or(RawSubscriberCreateError::Service(crate::ServiceError::DoesNotExist))?;
        let subscriber = SubscriberBuilder::new(Arc::new(inner))
            .create()
            .map_err(RawSubscriberCreateError::Port)?;
        Ok(Self {
            subscriber,
            stamping: false,
            qos,
            payload,
            user_header,
        })
    }

    /// Asks the service's publishers to stamp every sample with its send
    /// time (`Sample::chunk_header().sent_at_ns`, platform clock), until
    /// this subscriber is dropped: latency for tools, at one clock read per
    /// send while any tool asks.
    pub fn request_send_times(&mut self) {
        if !self.stamping {
            // SYNC: Relaxed: publishers only decide whether to stamp.
            P::Rmw::fetch_add(self.subscriber.stamp_requests(), 1, iox2_core::sync::Ordering::Relaxed);
            self.stamping = true;
        }
    }

    /// The service's settings.
    pub fn qos(&self) -> &PubSubQos {
        &self.qos
    }

    /// The payload type the service's header records.
    pub fn payload_type(&self) -> TypeDescriptor {
        self.payload
    }

    /// The user header type the service's header records (`()` for none).
    pub fn user_header_type(&self) -> TypeDescriptor {
        self.user_header
    }

    /// Takes the next sample, if any publisher sent one: its payload's
    /// bytes (a slice payload's elements, as many as were sent).
    pub fn receive(&self) -> Result<Option<Sample<'_, P, [u8]>>, ReceiveError> {
        self.subscriber.receive()
    }

    /// Sleeps until a publisher sends, `timeout` passes (`None`: no limit)
    /// or a signal arrives; see [`Subscriber::wait`].
    pub fn wait(&self, timeout: Option<Duration>) -> Result<WaitOutcome, WaitError> {
        self.subscriber.wait(timeout)
    }

    /// Whether a publisher is connected.
    pub fn has_publishers(&self) -> bool {
        self.subscriber.has_publishers()
    }
}

impl<P: HostPlatform> Drop for RawSubscriber<P> {
    fn drop(&mut self) {
        if self.stamping {
            // SYNC: Relaxed, as when asked.
            P::Rmw::fetch_sub(self.subscriber.stamp_requests(), 1, iox2_core::sync::Ordering::Relaxed);
        }
    }
}
