//! A client of the `registry` example that knows the service only through
//! its contract, the `registry-contract` crate: it calls `foo.multiply`,
//! `foo.divide` (its division by zero decoded back into
//! `MathError::DivisionByZero`), `accounting.vat` and
//! `accounting.invoice_total`, and publishes to `foo.message_received`,
//! all through the generated callers and publishers. No URI is written
//! here, and none of the service's handlers is in this program: the
//! contract holds declarations only.
//!
//! Run: `cargo run --example registry` in one terminal, then
//! `cargo run --example typed_client`.

mod common;

use std::time::Duration;

use registry_contract::accounting::{InvoiceTotalCaller, Line, VatCaller};
use registry_contract::foo::{DivideCaller, MathError, MessageReceivedPublisher, MultiplyCaller};
use wamp_runtime::{Client, TypedCallError};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    common::init_tracing();
    let config = common::client_config()?;
    let client = Client::connect(&config).await?;

    let product = MultiplyCaller::call(&client, 6.0, 7.0).await?;
    println!("{}(6, 7) = {product}", MultiplyCaller::uri());

    let quotient = DivideCaller::call(&client, 7.0, 2.0)
        .timeout(Duration::from_secs(5))
        .await?;
    println!("{}(7, 2) = {quotient}", DivideCaller::uri());
    match DivideCaller::call(&client, 1.0, 0.0).await {
        Err(TypedCallError::Mapped(MathError::DivisionByZero)) => {
            println!("{}(1, 0) failed with MathError::DivisionByZero", DivideCaller::uri());
        }
        other => return Err(format!("dividing by zero gave {other:?}").into()),
    }

    let default_rate = VatCaller::call(&client, 100.0, None).await?;
    let reduced = VatCaller::call(&client, 100.0, Some(10.0)).await?;
    println!("{}(100) = {default_rate}, at 10 % = {reduced}", VatCaller::uri());
    let lines = vec![
        Line {
            quantity: 3,
            unit_price: 2.5,
        },
        Line {
            quantity: 1,
            unit_price: 1.0,
        },
    ];
    let total = InvoiceTotalCaller::call(&client, lines).await?;
    println!("{} = {total}", InvoiceTotalCaller::uri());

    let publication = MessageReceivedPublisher::publish(&client, "hello from typed_client".to_owned())
        .acknowledged()
        .await?;
    println!(
        "published to {} (publication {publication})",
        MessageReceivedPublisher::uri()
    );

    client.leave().await?;
    Ok(())
}
