//! The host side of iox2: nodes, services and ports over the `linux` and
//! `posix` platforms, with an API familiar to iceoryx2 users.
//!
//! ```no_run
//! use iox2_host::prelude::*;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let node = NodeBuilder::new().name("camera")?.create::<Linux>()?;
//! let service = node
//!     .service_builder("robot/camera/frames")?
//!     .publish_subscribe::<u64>()
//!     .history(1)
//!     .open_or_create()?;
//! let publisher = service.publisher_builder().create()?;
//! let delivery = publisher.loan_uninit()?.write_payload(42).send();
//! println!("delivered to {} subscriber(s)", delivery.delivered);
//! # Ok(())
//! # }
//! ```

mod blackboard;
mod cleanup;
pub mod config;
pub mod discovery;
mod error;
pub mod inspect;
mod listener;
mod lock;
mod node;
pub mod node_record;
mod notifier;
mod payload;
mod pool_region;
mod publisher;
mod raw;
mod reqres;
mod sample;
mod service;
mod subscriber;
mod untyped;
mod waitset;

pub use blackboard::{Reader, ReaderBuilder, ReaderEntry, Writer, WriterBuilder, WriterEntry};
pub use cleanup::{CleanupReport, ReapedNode, ServiceCleanup};
pub use error::{BlackboardCreateError, BlackboardOpenError};
pub use error::{
    ClientSendError, ListenerWaitError, NodeCreateError, NotifyError, PortCreateError, SendError, ServerSendError,
    ServiceError,
};
pub use error::{DiscoveryError, InspectError, RawSubscriberCreateError};
pub use iox2_core as core;
pub use iox2_core::blackboard::{EntryError, EntryReadError, EntryValue};
pub use iox2_core::event::EventId;
pub use iox2_platform as platform;
pub use listener::{Listener, ListenerBuilder};
pub use lock::HostPlatform;
pub use node::{Node, NodeBuilder};
pub use notifier::{Notifier, NotifierBuilder};
pub use payload::Payload;
pub use publisher::{Publisher, PublisherBuilder};
pub use raw::RawSubscriber;
pub use reqres::{
    ActiveRequest, Client, ClientBuilder, ClientReceiveError, Loan, LoanOwner, LoanUninit, PendingResponse, RequestMut,
    RequestMutUninit, RequestResult, Response, ResponseMutUninit, ResponseResult, Server, ServerBuilder,
};
pub use sample::{Sample, SampleMut, SampleMutUninit};
pub use service::{BlackboardCreator, BlackboardOpener, BlackboardService};
pub use service::{
    EventBuilder, EventService, PubSubBuilder, PubSubService, ReqResBuilder, ReqResService, ServiceBuilder,
};
pub use subscriber::{Subscriber, SubscriberBuilder};
pub use waitset::{
    Attachable, CallbackProgression, WaitSet, WaitSetAttachmentError, WaitSetAttachmentId, WaitSetBuilder,
    WaitSetCreateError, WaitSetGuard, WaitSetRunError, WaitSetRunResult,
};

/// What a host program needs in scope.
pub mod prelude {
    pub use crate::{ActiveRequest, Client, PendingResponse, ReqResService, Server};
    pub use crate::{BlackboardService, EntryValue, Reader, Writer};
    pub use crate::{
        CallbackProgression, EventId, EventService, Listener, Node, NodeBuilder, Notifier, PubSubService, Publisher,
        Sample, SampleMut, SampleMutUninit, Subscriber, WaitSet, WaitSetBuilder, WaitSetRunResult,
    };
    pub use iox2_core::payload::ZeroCopySend;
    pub use iox2_platform::linux::Linux;
    pub use iox2_platform::posix::Posix;
}
