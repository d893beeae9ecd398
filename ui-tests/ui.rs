//! Compile-time checks of the macros: each file in `fail/` is a mistake a
//! user can make, with the exact compiler output in its `.stderr` snapshot.
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test --test ui`
//! and read every diff.
//!
//! What must compile, `every_shape.rs`, is a module of this test binary
//! rather than a trybuild `pass` case: with only failing cases trybuild
//! runs `cargo check` instead of a full build of every dependency, which
//! keeps this test a minute shorter on a fresh machine.

#[allow(dead_code, unreachable_pub)]
#[path = "every_shape.rs"]
mod every_shape;

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui-tests/fail/*.rs");
}

#[test]
fn every_shape_compiles_and_stays_callable() {
    every_shape::main();
}
