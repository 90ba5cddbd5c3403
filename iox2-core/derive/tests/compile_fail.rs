//! What `#[derive(ZeroCopySend)]` and `#[derive(AnyBitPattern)]` refuse, and
//! the errors they give: one case per file in `ui/`, each with the expected
//! compiler output beside it (`ui/*.stderr`; regenerate with
//! `TRYBUILD=overwrite cargo test -p iox2-derive`, then read the diff).

#[test]
fn refused_payload_types() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
