//! The conformance suite against the in-process `local` platform.
#![cfg(all(feature = "local", not(iox2_loom)))]

mod conformance;

type P = iox2_platform::local::Local;

conformance_tests!(P, rounds = 5_000);

#[test]
fn child_entry() {
    conformance::process::child_entry::<P>();
}
