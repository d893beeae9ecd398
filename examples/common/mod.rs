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

/// The file the examples read unless `WAMP_CONFIG` names another.
pub(crate) const DEFAULT_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/wamp.yaml");

/// The whole configuration, for services run by [`wamp_runtime::serve`]:
/// `WAMP_CONFIG` (a YAML or TOML file) or `examples/wamp.yaml`, then the
/// `WAMP_URL` / `WAMP_REALM` / `WAMP_AUTHID` / `WAMP_SECRET` overrides of
/// the default client.
#[allow(dead_code)] // not every example is a service
pub(crate) fn config() -> Result<Config, wamp_runtime::ConfigError> {
    Config::load(DEFAULT_FILE)
}

/// The default client's settings: `WAMP_CONFIG` (a YAML or TOML file) or
/// `examples/wamp.yaml`, then `WAMP_URL` / `WAMP_REALM` overrides.
#[allow(dead_code)] // services built on `serve` read the whole configuration instead
pub(crate) fn client_config() -> Result<ClientConfig, Box<dyn std::error::Error>> {
    let config = Config::load(DEFAULT_FILE)?;
    let client = config
        .default_client()
        .ok_or("the configuration has no default client")?;
    Ok(client.clone())
}
