//! Runnable iox2 examples live in `examples/examples/` of this crate; run one
//! with `cargo run -p iox2-examples --example <name>`. This library holds
//! what several examples share.

use iox2_core::payload::ZeroCopySend;

/// The service the publish-subscribe examples talk over.
pub const TELEMETRY_SERVICE: &str = "robot/telemetry";

/// A sensor reading, as the examples send it.
#[derive(Debug, Clone, Copy, PartialEq, ZeroCopySend)]
#[repr(C)]
#[type_name("robot::Reading")]
pub struct Reading {
    /// Counts up from 0 per publisher run.
    pub sequence: u64,
    /// Temperature in milli-degrees Celsius.
    pub temperature_milli_c: i32,
    /// Motor current in milliamperes.
    pub current_ma: u32,
}
