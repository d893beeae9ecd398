//! Procedural macros of wamp-rs.
