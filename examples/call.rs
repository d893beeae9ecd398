//! Calls the procedures of the `register` example: `com.example.add`, then
//! the long operation with progress, then the long operation again with a
//! timeout too short for it.
//!
//! Run: `cargo run --example register` in one terminal, then
//! `cargo run --example call`.

mod common;

use std::time::Duration;

use wamp_runtime::{CallError, Client};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    common::init_tracing();
    let config = common::client_config()?;
    let client = Client::connect(&config).await?;

    let sum: f64 = client.call("com.example.add").arg(2).arg(3).await?.decode()?;
    println!("com.example.add(2, 3) = {sum}");

    let result: String = client
        .call("com.example.long_operation")
        .on_progress(|progress| match progress.decode::<String>() {
            Ok(status) => println!("operation status: {status}"),
            Err(e) => println!("a progress report that is not a string: {e}"),
        })
        .await?
        .decode()?;
    println!("com.example.long_operation returned {result:?}");

    match client
        .call("com.example.long_operation")
        .timeout(Duration::from_millis(500))
        .await
    {
        Err(CallError::Timeout(limit)) => println!("with a {limit:?} timeout: timed out, the call was cancelled"),
        other => println!("with a 500ms timeout: unexpected outcome {other:?}"),
    }

    client.leave().await?;
    Ok(())
}
