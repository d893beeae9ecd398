//! A service with two procedures: `com.example.add` and asphalt-wamp's
//! long-running `com.example.long_operation`, which reports ten progress
//! steps to callers that ask for progress, then returns "Done".
//!
//! Run: `cargo run --example register` (stops on Ctrl-C / SIGTERM).

mod common;

use std::time::Duration;

use wamp_runtime::{ApplicationError, CallContext, Client, Payload, RegisterOptions, Value};

/// Adds two numbers given as positional arguments.
fn add(_ctx: CallContext, payload: Payload) -> Result<Payload, ApplicationError> {
    let number = |index: usize| {
        payload.args.get(index).and_then(Value::as_f64).ok_or_else(|| {
            ApplicationError::with_message(
                ApplicationError::INVALID_ARGUMENT,
                format!("argument {} must be a number", index + 1),
            )
        })
    };
    let sum = number(0)? + number(1)?;
    Ok(Payload::from_args(vec![Value::from(sum)]))
}

/// Reports 10%, 20%, ... 100% progress, then returns "Done".
async fn long_operation(ctx: CallContext, _payload: Payload) -> Result<Payload, ApplicationError> {
    for step in 1..=10 {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
            () = ctx.cancelled() => {
                tracing::info!(step, "the caller cancelled the long operation");
                return Err(ApplicationError::new(ApplicationError::CANCELED));
            }
        }
        if let Some(progress) = ctx.progress() {
            progress
                .send_value(format!("{}% complete", step * 10))
                .await
                .map_err(|e| ApplicationError::with_message(ApplicationError::RUNTIME_ERROR, e.to_string()))?;
        }
    }
    Ok(Payload::from_args(vec![Value::from("Done")]))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    common::init_tracing();
    let config = common::client_config()?;
    let client = Client::connect(&config).await?;

    client
        .register("com.example.add", add, RegisterOptions::default())
        .await?;
    client
        .register("com.example.long_operation", long_operation, RegisterOptions::default())
        .await?;
    println!("registered com.example.add and com.example.long_operation; press Ctrl-C to stop");

    tokio::select! {
        () = wamp_runtime::shutdown_signal() => client.stop(config.shutdown_timeout).await?,
        reason = client.closed() => return Err(format!("the session ended: {reason}").into()),
    }
    println!("stopped");
    Ok(())
}
