//! Runnable iox2 examples live in `examples/examples/` of this crate; run one
//! with `cargo run -p iox2-examples --example <name>`.
