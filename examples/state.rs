//! A counter service whose handlers share state built in `main`: no global.
//!
//! - `com.example.counter.increment(by)` adds `by` and returns the new total;
//! - `com.example.counter.get()` returns the total.
//!
//! The counter is created in `main` and handed to the server with
//! `Server::state`; each handler takes it as a `State<Counter>` parameter,
//! which is not read from the call's arguments.
//!
//! Run: `cargo run --example state` (stops on Ctrl-C / SIGTERM), then e.g.
//! with autobahn-python: `await session.call("com.example.counter.increment", 5)` → `5`.

mod common;

use std::sync::atomic::{AtomicI64, Ordering};

use wamp_runtime::{CallContext, Server, State, procedure};

wamp_runtime::wamp_module!(prefix = "com.example.counter");

/// The service's state: one total, changed by every call of `increment`.
#[derive(Debug, Default)]
struct Counter {
    total: AtomicI64,
}

/// `com.example.counter.increment(by)`: adds `by`, returns the new total.
#[procedure]
fn increment(_ctx: CallContext, counter: State<Counter>, by: i64) -> i64 {
    let total = counter.total.fetch_add(by, Ordering::SeqCst) + by;
    println!("increment by {by}: total {total}");
    total
}

/// `com.example.counter.get()`: the total.
#[procedure]
fn get(_ctx: CallContext, counter: State<Counter>) -> i64 {
    counter.total.load(Ordering::SeqCst)
}

#[tokio::main]
async fn main() -> Result<(), wamp_runtime::Error> {
    common::init_tracing();
    let config = common::config()?;
    let Some(server) = Server::new(config)
        .state(Counter::default())
        .start_until(wamp_runtime::shutdown_signal())
        .await?
    else {
        return Ok(()); // stopped while waiting for the router
    };
    println!("counter service ready: com.example.counter.increment, com.example.counter.get; press Ctrl-C to stop");
    server.wait().await?;
    println!("stopped");
    Ok(())
}
