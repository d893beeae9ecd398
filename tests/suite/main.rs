//! The integration tests against a real Crossbar router, one module per
//! subject, in one test binary: their tests run in parallel (most of their
//! time is spent waiting on the router and on child processes), on the
//! routers they share, and the workspace links one binary instead of
//! thirteen.
//!
//! Kept out, each a binary of its own:
//! * the tests whose handlers are `#[procedure]`s and `#[subscriber]`s
//!   (`backpressure`, `captures`, `catalog`, `reporting`, `serve`,
//!   `typed_callers`): a server started with the link-time handlers binds
//!   every such handler of the binary, so each binary holds only its own;
//! * `backpressure` and `hostile_router`, which measure their own process's
//!   memory, where other tests would be noise; so do the load tests
//!   `faults` and `soak`.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod examples;
mod interop;
mod pubsub;
mod readme_test_kit;
mod reconnect;
mod rpc;
mod security;
mod seed_examples;
mod serializers;
mod session;
mod shutdown;
mod tls;
