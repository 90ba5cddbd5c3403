//! The firmware side of iox2: the core's structures in `static`s and in
//! statically reserved RAM (`iox2_platform::static_ram`), with no allocator.
//!
//! Today it re-exports the two crates firmware builds on; static services
//! and board hooks land here with the bare-metal issue.
#![no_std]

pub use iox2_core as core;
pub use iox2_platform as platform;
