//! The session: the one task that owns the client's connection, and
//! reopens it when it is lost.
//!
//! [`Client`](crate::Client) handles talk to it over a channel of
//! [`Command`]s that outlives connections. Three parts:
//!
//! - [`protocol`]: the protocol state, without I/O. It keeps every request
//!   that waits for an answer keyed by its request id, routes what the
//!   router sends back, keeps the registrations and subscriptions to
//!   restore after a reconnect (one generic [`table`] for both), and walks
//!   the client's phases (joined, restoring, stopping, leaving, offline,
//!   closed). Unit-tested by feeding it commands and messages.
//! - [`driver`]: the task. It owns the [`link`] (socket, keepalive pings,
//!   writes that must not stall), the timers and the handler tasks, and
//!   reconnects under the [`ReconnectPolicy`](crate::ReconnectPolicy).
//! - [`tasks`]: the handler tasks, where user code runs; the session never
//!   runs it itself.
//!
//! Registrations and subscriptions have *local* ids that never change; the
//! router's ids (new on every connection) are mapped to them per session
//! and published to the handles through a shared atomic.

mod command;
mod details;
mod driver;
mod link;
mod protocol;
mod table;
mod tasks;
#[cfg(test)]
mod tests;

pub(crate) use command::{Command, EncodedMessage, HandleState, Reply};
pub use details::{ClientEvent, SessionDetails, SessionState};
pub(crate) use driver::Session;
pub(crate) use link::Link;
pub(crate) use protocol::Protocol;
