//! The workspace root package of wamp-rs.
//!
//! It holds no library code: it exists so that the top-level `examples/` and
//! `tests/` run from the repository root (`cargo run --example NAME`,
//! `cargo test --workspace`). The library is [`wamp-runtime`], built on
//! [`wamp-protocol`].
//!
//! [`wamp-runtime`]: https://docs.rs/wamp-runtime
//! [`wamp-protocol`]: https://docs.rs/wamp-protocol
//!
//! The README follows; its code is compiled as a doctest so it stays true.
#![doc = include_str!("../README.md")]
