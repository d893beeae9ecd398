//! `wamp register`: answer calls by echoing them or by running a command.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt as _;
use wamp_runtime::{ApplicationError, CallContext, Client, Payload, ProcedureResult, RegisterOptions};

use crate::cli::RegisterArgs;
use crate::error::CliError;
use crate::json::{envelope, parse_command_output};

/// The variable that tells the command which URI was called.
pub(crate) const ENV_PROCEDURE: &str = "WAMP_PROCEDURE";

pub(super) async fn run(client: &Client, args: RegisterArgs, shutdown_timeout: Duration) -> Result<(), CliError> {
    let shutdown = super::shutdown_listener();
    let options = RegisterOptions::default()
        .match_policy(args.match_policy.into())
        .invoke(args.invoke.into());
    let registration = if args.command.is_empty() {
        client.register(args.uri, echo, options).await?
    } else {
        let command: Arc<[String]> = args.command.into();
        let handler = move |ctx: CallContext, payload: Payload| {
            let command = command.clone();
            async move { run_command(&command, ctx, payload).await }
        };
        client.register(args.uri, handler, options).await?
    };
    tracing::info!(
        procedure = %registration.procedure(),
        registration = registration.id(),
        "registered"
    );

    tokio::select! {
        () = shutdown => {}
        reason = client.closed() => return Err(CliError::SessionClosed(reason)),
    }
    // Unregisters, lets the calls in flight finish, then leaves.
    client.stop(shutdown_timeout).await?;
    Ok(())
}

fn echo(_ctx: CallContext, payload: Payload) -> ProcedureResult {
    Ok(payload)
}

/// Runs the command for one call; interrupting the call kills it.
async fn run_command(command: &[String], ctx: CallContext, payload: Payload) -> ProcedureResult {
    let Some((program, program_args)) = command.split_first() else {
        return Err(ApplicationError::with_message(
            ApplicationError::RUNTIME_ERROR,
            "no command to run",
        ));
    };
    let mut child = tokio::process::Command::new(program)
        .args(program_args)
        .env(ENV_PROCEDURE, ctx.procedure())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            tracing::warn!(command = %program, error = %e, "cannot run the command");
            ApplicationError::with_message(ApplicationError::RUNTIME_ERROR, format!("cannot run {program}: {e}"))
        })?;

    let input = format!("{}\n", envelope(&payload));
    let stdin = child.stdin.take();
    let feed = async move {
        if let Some(mut stdin) = stdin {
            // A command that does not read its input closes the pipe early: not an error.
            let _ = stdin.write_all(input.as_bytes()).await;
        }
    };
    let finished = async { tokio::join!(feed, child.wait_with_output()).1 };
    let output = tokio::select! {
        output = finished => output,
        () = ctx.cancelled() => {
            tracing::info!(command = %program, "call interrupted; killed the command");
            return Err(ApplicationError::with_message(ApplicationError::CANCELED, "the call was interrupted"));
        }
    };
    let output = output.map_err(|e| {
        ApplicationError::with_message(ApplicationError::RUNTIME_ERROR, format!("cannot run {program}: {e}"))
    })?;

    if output.status.success() {
        return Ok(Payload::from_args(
            parse_command_output(&output.stdout).into_iter().collect(),
        ));
    }
    let stderr = String::from_utf8_lossy(&output.stderr).trim_end().to_owned();
    tracing::warn!(command = %program, status = %output.status, stderr = %stderr, "the command failed");
    let mut message = format!("{program} failed ({})", output.status);
    if !stderr.is_empty() {
        message = format!("{message}: {stderr}");
    }
    Err(ApplicationError::with_message(ApplicationError::RUNTIME_ERROR, message)
        .with_kwarg("exit_code", output.status.code())
        .with_kwarg("stderr", stderr))
}
