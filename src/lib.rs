//! The workspace root package of wamp-rs.
//!
//! It holds no library code: it exists so that the top-level `examples/` and
//! `tests/` run from the repository root (`cargo run --example NAME`,
//! `cargo test --workspace`). The library is [`wamp-runtime`], built on
//! [`wamp-core`].
//!
//! [`wamp-runtime`]: https://docs.rs/wamp-runtime
//! [`wamp-core`]: https://docs.rs/wamp-core
//!
//! The README follows; its code is compiled as a doctest so it stays true.
#![doc = include_str!("../README.md")]
