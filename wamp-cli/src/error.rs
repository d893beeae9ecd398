//! What can go wrong, and the exit code each failure gives.

use std::process::ExitCode;

use wamp_runtime::{ApplicationError, CallError, ConfigError};

use crate::catalog::MetaError;

/// Exit codes; the table is in `--help` and the crate documentation.
pub(crate) mod code {
    /// Success.
    pub(crate) const OK: u8 = 0;
    /// Anything not covered below (e.g. stdout cannot be written).
    pub(crate) const OTHER: u8 = 1;
    /// A usage error: bad flags or arguments (clap's code), an invalid URI
    /// or an invalid configuration.
    pub(crate) const USAGE: u8 = 2;
    /// The router could not be reached, refused the join or the
    /// credentials, or the connection was lost.
    pub(crate) const CONNECTION: u8 = 3;
    /// The router or a peer answered with a WAMP ERROR.
    pub(crate) const WAMP_ERROR: u8 = 4;
    /// `wamp call --timeout` expired.
    pub(crate) const TIMEOUT: u8 = 5;
}

/// A failure of the `wamp` command; [`CliError::exit_code`] maps it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The configuration (file, environment or flags) is invalid.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// Connecting or joining failed.
    #[error("{0}")]
    Connect(#[from] wamp_runtime::Error),
    /// A request failed.
    #[error("{0}")]
    Request(#[from] CallError),
    /// The session ended while the command was still running.
    #[error("connection lost: {0}")]
    SessionClosed(String),
    /// Writing the output failed.
    #[error("cannot write to stdout: {0}")]
    Output(std::io::Error),
    /// The router's meta API, which `wamp describe` needs, failed.
    #[error("{0}")]
    Meta(#[from] MetaError),
    /// The call's arguments do not fit the procedure's catalog entry; it
    /// was not sent.
    #[error("{procedure}: {problem} (checked against the catalog of service {service}; --no-check sends it anyway)")]
    Refused {
        procedure: String,
        service: String,
        problem: String,
    },
}

impl CliError {
    /// The process exit code for this failure.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) => code::USAGE,
            CliError::Connect(error) => match error {
                wamp_runtime::Error::InvalidUrl { .. } | wamp_runtime::Error::Config(_) => code::USAGE,
                _ => code::CONNECTION,
            },
            CliError::Request(error) => request_code(error),
            CliError::Meta(error) => request_code(&error.source),
            CliError::SessionClosed(_) => code::CONNECTION,
            CliError::Output(_) => code::OTHER,
            CliError::Refused { .. } => code::USAGE,
        }
    }

    /// Prints the failure on stderr and returns the exit code.
    pub(crate) fn report(&self) -> ExitCode {
        match self {
            CliError::Request(CallError::Application(error)) => {
                eprintln!("wamp: error: {error}");
                if let Some(details) = extra_details(error) {
                    eprintln!("{details}");
                }
            }
            other => eprintln!("wamp: error: {other}"),
        }
        ExitCode::from(self.exit_code())
    }
}

fn request_code(error: &CallError) -> u8 {
    match error {
        CallError::Application(_) => code::WAMP_ERROR,
        CallError::Timeout(_) => code::TIMEOUT,
        CallError::ConnectionLost(_) => code::CONNECTION,
        CallError::InvalidRequest(_) => code::USAGE,
        _ => code::OTHER,
    }
}

/// The error's arguments as JSON, unless they are just the message.
fn extra_details(error: &ApplicationError) -> Option<String> {
    let only_message =
        error.kwargs.is_empty() && (error.args.is_empty() || error.args.len() == 1 && error.message().is_some());
    (!only_message).then(|| crate::json::envelope(&error.payload()).to_string())
}
