//! The host side of iox2: the core's structures over the `linux`, `posix`
//! and `local` platforms of `iox2-platform`.
//!
//! Today it re-exports the two crates a host program builds on; the node and
//! service builders of the publish-subscribe issue land here.

pub use iox2_core as core;
pub use iox2_platform as platform;
