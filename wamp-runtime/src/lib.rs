//! A tokio WAMP client: join a realm on a router, then call, register,
//! publish and subscribe.
//!
//! ```no_run
//! use wamp_runtime::{CallContext, Client, ClientConfig, Payload, RegisterOptions};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::connect(&ClientConfig::new("ws://127.0.0.1:8080/ws", "realm1")?).await?;
//! client
//!     .register(
//!         "com.example.echo",
//!         |_ctx: CallContext, payload: Payload| Ok(payload),
//!         RegisterOptions::default(),
//!     )
//!     .await?;
//! let echoed: String = client.call("com.example.echo").arg("hello").await?.decode()?;
//! assert_eq!(echoed, "hello");
//! # Ok(()) }
//! ```

mod client;
pub mod config;
mod error;
pub mod handler;
mod session;
mod signal;
pub mod transport;

pub use client::{
    AcknowledgedPublish, CallBuilder, CallOutput, Client, ProgressiveCall, PublishBuilder, RegisterOptions,
    Registration, SubscribeOptions, Subscription,
};
pub use config::{ClientConfig, Config, ConfigError};
pub use error::{ApplicationError, CallError, Error};
pub use handler::{CallContext, EventContext, PeerIdentity, ProgressSender};
pub use session::{SessionDetails, SessionState};
pub use signal::shutdown_signal;
pub use wamp_core::{Dict, Id, InvokePolicy, List, MatchPolicy, Payload, Value};
