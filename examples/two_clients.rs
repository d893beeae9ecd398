//! Two clients from one configuration file (`examples/two_clients.yaml`):
//! `wamp1` joins realm `realm1`, `wamp2` joins realm `realm2`. Handlers
//! choose their client with `client = "..."`; a procedure on `wamp1`
//! publishes through `wamp2`, carrying a message from one realm to the other.
//!
//! | client | realm | handler |
//! |---|---|---|
//! | `wamp1` | `realm1` | procedure `com.example.announce(message)`: publishes `message` on `com.example.announcements` in `realm2` and answers the publication id |
//! | `wamp2` | `realm2` | subscriber of `com.example.announcements`: prints each announcement |
//!
//! Run: `cargo run --example two_clients` against a router that has both
//! realms (stops on Ctrl-C / SIGTERM). `WAMP_CONFIG` names another file;
//! `WAMP_URL` moves both clients to another router (with several clients
//! there is no default client, so the usual overrides of the default client
//! do not apply: this example applies `WAMP_URL` to every client itself, and
//! each client keeps its own realm).

mod common;

use wamp_runtime::{CallContext, CallError, Config, EventContext, procedure, subscriber};

/// The configuration file read unless `WAMP_CONFIG` names another.
const DEFAULT_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/two_clients.yaml");

/// Called in `realm1`; announces `message` in `realm2` through the `wamp2`
/// client and answers the publication id.
#[procedure(client = "wamp1", name = "com.example.announce")]
async fn announce(ctx: CallContext, message: String) -> Result<u64, CallError> {
    // Never fails: the subscriber below is bound to wamp2, so the service
    // does not start at all when wamp2 is not configured.
    let wamp2 = ctx.clients().get("wamp2").cloned().expect("wamp2 is configured");
    let publication = wamp2
        .publish("com.example.announcements")
        .arg(&message)
        .exclude_me(false) // let our own subscriber below see it too
        .acknowledged()
        .await?;
    println!("announced in realm2: {message} (publication {publication})");
    Ok(publication)
}

/// Subscribed in `realm2` through `wamp2`.
#[subscriber(client = "wamp2", name = "com.example.announcements")]
fn on_announcement(ctx: EventContext, message: String) {
    println!("realm2 announcement {}: {message}", ctx.publication_id());
}

/// `WAMP_CONFIG` or the default file; then `WAMP_URL` for every client.
fn config() -> Result<Config, Box<dyn std::error::Error>> {
    // Config::load applies the other overrides (WAMP_REALM, ...) to the
    // default client, and there is none here: using one is an error that
    // says so. WAMP_URL is kept out of it and applied below.
    let mut config = Config::load_with(DEFAULT_FILE, |key| {
        if key == wamp_runtime::config::ENV_URL {
            None
        } else {
            std::env::var(key).ok()
        }
    })?;
    if let Some(url) = std::env::var(wamp_runtime::config::ENV_URL)
        .ok()
        .filter(|u| !u.is_empty())
    {
        let names: Vec<String> = config.clients().map(|(name, _)| name.to_owned()).collect();
        for name in names {
            if let Some(client) = config.client_mut(&name) {
                client.url.clone_from(&url);
                client.validate().map_err(|e| format!("WAMP_URL: {e}"))?;
            }
        }
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    common::init_tracing();
    let Some(server) = wamp_runtime::Server::new(config()?)
        .start_until(wamp_runtime::shutdown_signal())
        .await?
    else {
        return Ok(()); // stopped while waiting for the router
    };
    for (name, client) in server.clients().iter() {
        let realm = client.details().map(|d| d.realm.clone()).unwrap_or_default();
        println!("client {name} joined realm {realm}");
    }
    println!("two_clients ready: call com.example.announce in realm1; press Ctrl-C to stop");
    server.wait().await?;
    println!("stopped");
    Ok(())
}
