//! The conformance suite against the `linux` platform, with checks across
//! processes.
#![cfg(all(feature = "linux", target_os = "linux", not(iox2_loom)))]

mod conformance;

type P = iox2_platform::linux::Linux;

conformance_tests!(P, rounds = 5_000);

#[test]
fn child_entry() {
    conformance::process::child_entry::<P>();
}

#[test]
fn process_killed_holder_is_dead() {
    conformance::process::killed_holder_is_dead::<P>();
}

#[test]
fn process_ping_pong_with_child() {
    conformance::process::ping_pong_with_child::<P>(2_000);
}

#[test]
fn signal_interrupts_wait() {
    conformance::signal::signal_interrupts_wait::<P>();
}
