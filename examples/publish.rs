//! Publishes three acknowledged messages to `com.example.topic`, asphalt-wamp's
//! way: positional and keyword arguments.
//!
//! Run: `cargo run --example subscribe` in one terminal, then
//! `cargo run --example publish`.

mod common;

use wamp_runtime::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    common::init_tracing();
    let config = common::client_config()?;
    let client = Client::connect(&config).await?;

    for n in 1..=3 {
        let publication = client
            .publish("com.example.topic")
            .arg("hello")
            .arg("world")
            .kwarg("another", "argument")
            .kwarg("n", n)
            .acknowledged()
            .await?;
        println!("published message {n} (publication id {publication})");
    }
    client.leave().await?;
    Ok(())
}
