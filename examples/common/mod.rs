//! What every example does first: log through `tracing` and find its router.

use wamp_runtime::{ClientConfig, Config};

/// Logs to stderr; `RUST_LOG` picks the level (default `info`).
pub(crate) fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// The default client's settings: `WAMP_CONFIG` (a YAML or TOML file) or
/// `examples/wamp.yaml`, then `WAMP_URL` / `WAMP_REALM` overrides.
pub(crate) fn client_config() -> Result<ClientConfig, Box<dyn std::error::Error>> {
    let default_file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/wamp.yaml");
    let config = Config::load(default_file)?;
    let client = config
        .default_client()
        .ok_or("the configuration has no default client")?;
    Ok(client.clone())
}
