//! Publish-subscribe: the quality-of-service settings and the sizes they
//! imply (DESIGN.md "Segments" and "Data path").

mod qos;

pub use qos::{PubSubQos, QosError};
