//! One module per subcommand; each runs on a joined [`Client`].

mod call;
mod describe;
mod publish;
mod register;
mod subscribe;

use std::io::Write as _;

use futures_util::FutureExt as _;

use wamp_runtime::{Client, ClientConfig};

use crate::cli::{Command, PayloadArgs};
use crate::error::CliError;

/// Runs `command` on `client`, then leaves the session.
pub(crate) async fn run(command: Command, client: &Client, config: &ClientConfig) -> Result<(), CliError> {
    let result = match command {
        Command::Call(args) => call::run(client, args).await,
        Command::Publish(args) => publish::run(client, args).await,
        Command::Subscribe(args) => subscribe::run(client, args).await,
        Command::Register(args) => register::run(client, args, config.shutdown_timeout).await,
        Command::Describe(args) => describe::run(client, args).await,
    };
    // Say goodbye even after a failed request; `register` has stopped already.
    if let Err(e) = client.leave().await {
        tracing::debug!(error = %e, "leaving the session failed");
    }
    result
}

/// Completes on Ctrl-C or SIGTERM, listening from now on: until its first
/// poll, [`wamp_runtime::shutdown_signal`] has not yet replaced the default
/// action (ending the process at once), so it is polled here once.
pub(crate) fn shutdown_listener() -> impl Future<Output = ()> {
    let mut shutdown = Box::pin(wamp_runtime::shutdown_signal());
    let already = (&mut shutdown).now_or_never().is_some();
    async move {
        if !already {
            shutdown.await;
        }
    }
}

/// Writes one JSON value as a line on stdout, flushed at once so that a
/// reader sees each line as it comes.
pub(crate) fn print_line(value: &serde_json::Value) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{value}")
        .and_then(|()| stdout.flush())
        .map_err(CliError::Output)
}

impl PayloadArgs {
    /// The positional and keyword arguments as a payload.
    pub(crate) fn into_payload(self) -> wamp_runtime::Payload {
        wamp_runtime::Payload {
            args: self.args,
            kwargs: self.kwargs.into_iter().collect(),
        }
    }
}
