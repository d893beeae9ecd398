//! asphalt-wamp's progress procedure, written with `#[procedure]`: ten steps of
//! a second each, a progressive result after each step for callers that
//! asked for progress, then `"Done"`.
//!
//! Run: `cargo run --example progress` (stops on Ctrl-C / SIGTERM). Call
//! `com.example.my_remote_procedure` with progress, e.g. from autobahn-python:
//! `await session.call("com.example.my_remote_procedure", options=CallOptions(on_progress=print))`,
//! or from Rust: `client.call("com.example.my_remote_procedure").on_progress(|p| println!("{:?}", p.args))`.

mod common;

use std::time::Duration;

use wamp_runtime::{ApplicationError, CallContext, procedure};

/// How long each of the ten steps takes.
const STEP: Duration = Duration::from_secs(1);

/// Reports "10% complete" ... "100% complete", then returns "Done".
///
/// `ctx.progress()` is `None` unless the caller asked for progressive
/// results, as in asphalt-wamp. A caller that cancels (or times out) stops the
/// work between two steps.
#[procedure(name = "com.example.my_remote_procedure")]
async fn procedure_handler(ctx: CallContext) -> Result<&'static str, ApplicationError> {
    for i in 1..=10 {
        tokio::select! {
            () = tokio::time::sleep(STEP) => {}
            () = ctx.cancelled() => {
                println!("the caller cancelled after {} steps", i - 1);
                return Err(ApplicationError::new(ApplicationError::CANCELED));
            }
        }
        if let Some(progress) = ctx.progress() {
            progress
                .send_value(format!("{}% complete", i * 10))
                .await
                .map_err(|e| ApplicationError::with_message(ApplicationError::RUNTIME_ERROR, e.to_string()))?;
        }
    }
    println!(
        "{} done (progress reported: {})",
        ctx.procedure(),
        if ctx.progress().is_some() { "yes" } else { "no" }
    );
    Ok("Done")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    common::init_tracing();
    let Some(server) = wamp_runtime::Server::new(common::config()?)
        .start_until(wamp_runtime::shutdown_signal())
        .await?
    else {
        return Ok(()); // stopped while waiting for the router
    };
    println!("progress service ready: com.example.my_remote_procedure; press Ctrl-C to stop");
    server.wait().await?;
    println!("stopped");
    Ok(())
}
