//! A service with two procedures registered in code, without macros:
//! `com.example.add`, a typed function (its arguments decoded, its result
//! encoded by `typed::procedure`), and asphalt-wamp's long-running
//! `com.example.long_operation`, a raw handler of the payload, which reports
//! ten progress steps to callers that ask for progress, then returns "Done".
//!
//! Run: `cargo run --example register` (stops on Ctrl-C / SIGTERM).

mod common;

use std::time::Duration;

use wamp_runtime::{ApplicationError, CallContext, Client, Payload, RegisterOptions, Value, typed};

/// Adds two numbers, given by position (`add(2, 3)`) or keyword
/// (`add(a=2, b=3)`); anything else is answered with
/// `wamp.error.invalid_argument` naming the argument.
fn add(_ctx: CallContext, a: f64, b: f64) -> f64 {
    a + b
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
        .register(
            "com.example.add",
            typed::procedure(["a", "b"], add),
            RegisterOptions::new(),
        )
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
