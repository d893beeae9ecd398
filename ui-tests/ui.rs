//! Compile-time checks of the macros: each file in `fail/` is a mistake a
//! user can make, with the exact compiler output in its `.stderr` snapshot;
//! each file in `pass/` must compile. Regenerate the snapshots with
//! `TRYBUILD=overwrite cargo test --test ui` and read every diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui-tests/fail/*.rs");
    cases.pass("ui-tests/pass/*.rs");
}
