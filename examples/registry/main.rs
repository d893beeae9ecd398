//! asphalt-wamp's registry layout: handlers spread over several modules, each
//! module with its own URI prefix, collected at link time and served by
//! [`wamp_runtime::Server`].
//!
//! | module | registers |
//! |---|---|
//! | [`foo`] | procedures `foo.multiply`, `foo.divide`; subscription `foo.message_received` |
//! | [`accounting`] | procedures `accounting.vat`, `accounting.invoice_total`; subscription `accounting.payment_received` |
//! | [`deliveries`] | procedure `deliveries.estimate`; subscription `deliveries.shipped` |
//! | [`production`] | procedure `production.schedule`; subscription `production.line_stopped` |
//!
//! `foo` and `accounting` implement the declarations of the
//! `registry-contract` crate (`examples/registry-contract`), which clients
//! depend on to call the service through typed callers
//! (`examples/typed_client.rs`); `deliveries` and `production` are plain
//! `#[procedure]`s.
//!
//! Every procedure is registered with `invoke = "roundrobin"` (declared once,
//! below), so several processes of this example can serve the same
//! procedures at once and the router hands the calls to them in turn: start
//! it twice and watch `foo.multiply` calls alternate between the two.
//!
//! Run: `cargo run --example registry` (stops on Ctrl-C / SIGTERM). Call it
//! with any WAMP client, e.g. autobahn-python:
//! `await session.call("foo.multiply", 6, 7)` → `42`.

#[path = "../common/mod.rs"]
mod common;

mod accounting;
mod deliveries;
mod foo;
mod production;

// The defaults of every module of this program (asphalt-wamp's
// `procedure_defaults={'invoke': 'roundrobin'}`). Each module adds its own
// prefix with a `wamp_module!` line of its own.
wamp_runtime::wamp_module!(invoke = "roundrobin");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    common::init_tracing();
    let config = common::config()?;
    // Registers every #[procedure] and subscribes every #[subscriber] of this
    // program, on the default client; fails before connecting if two handlers
    // share a URI.
    let Some(server) = wamp_runtime::Server::new(config)
        .start_until(wamp_runtime::shutdown_signal())
        .await?
    else {
        return Ok(()); // stopped while waiting for the router
    };
    println!(
        "registry service ready (process {}): foo.*, accounting.*, deliveries.*, production.*; press Ctrl-C to stop",
        std::process::id()
    );
    server.wait().await?;
    println!("stopped");
    Ok(())
}
