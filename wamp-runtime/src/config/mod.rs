//! Configuration: which routers to connect to, and how.
//!
//! A [`Config`] holds one or more named [`ClientConfig`]s. It is read from a
//! YAML or TOML file (the same keys in both), adjusted by environment
//! variables, or built in code.
//!
//! # One client
//!
//! The top-level keys are the settings of the default client:
//!
//! ```yaml
//! realm: myrealm              # default: realm1
//! host: crossbar.example.org  # default: localhost
//! port: 8181                  # default: 8080
//! path: /ws                   # default: /ws
//! tls: true                   # default: false (true means wss://); or a table, see TLS below
//! connection_timeout: 10      # seconds; default 10
//! shutdown_timeout: 15        # seconds; default 15
//! max_message_size: 16777216  # bytes; default 16 MiB
//! serializers: [cbor, json]   # preference order; default [json]
//! authid: alice               # optional, sent in HELLO
//! authrole: user              # optional, sent in HELLO
//! auth:                       # see Authentication below; default anonymous
//!   method: ticket
//!   secret_file: /run/secrets/wamp-ticket
//! authextra: {team: blue}     # optional, sent in HELLO
//! ping_interval: 30           # seconds; 0 sends no WebSocket pings
//! ping_timeout: 10            # seconds; also the longest a write may wait for the router to read
//! event_queue: 1024           # events one subscriber may have waiting; more are dropped
//! invocation_queue: 1024      # invocations one procedure may hold; more are refused
//! reconnect:                  # see ReconnectPolicy
//!   initial_delay: 1
//!   multiplier: 2
//!   jitter: 0.1
//!   max_delay: 60
//!   max_attempts: 10          # leave out to retry forever
//! ```
//!
//! `url: wss://crossbar.example.org:8181/ws` can stand for `host`, `port`,
//! `path` and `tls`; giving `url` together with any of them in the same
//! place is an error. RawSocket URLs are accepted too: `rs://host:port`
//! (or `tcp://`), `rss://host:port` (TLS) and `unix:///path/to/socket`.
//! `url` may also be a list of the nodes that serve the realm, tried in
//! order (`url: [ws://a:8080/ws, rs://b:8081]`; see
//! [`ClientConfig::urls`]); a list is inherited or replaced whole.
//!
//! Durations are numbers of seconds (`10`, `0.5`) or strings with a unit:
//! `"500ms"`, `"10s"`, `"1.5m"`, `"1h"`.
//!
//! The asphalt layout, with everything under `components: {wamp: ...}`, is
//! accepted too, so asphalt-wamp's files work unchanged.
//!
//! # Authentication
//!
//! `auth:` holds the method offered in HELLO `authmethods` and its secret:
//!
//! | key | meaning |
//! |---|---|
//! | `method` | `anonymous` (the default), `ticket`, `wampcra` or `cryptosign` |
//! | `secret` | the ticket, the WAMP-CRA secret, or the cryptosign private key |
//! | `secret_file` | instead of `secret`: a file holding it (trailing line breaks are removed; a relative path is relative to the configuration file's directory) |
//!
//! ```yaml
//! authid: alice
//! auth: {method: ticket, secret: s3cr3t}
//! ---
//! authid: bob
//! auth: {method: wampcra, secret_file: secrets/bob}    # salted or not: the router says
//! ---
//! authid: carol                                        # optional: the router can infer it
//! auth:
//!   method: cryptosign
//!   secret: 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
//! ```
//!
//! - `ticket`: the secret is sent as it is, so use it over TLS only.
//! - `wampcra`: the secret signs the router's challenge (HMAC-SHA256); when
//!   the router's user has a salt, the signing key is derived with PBKDF2
//!   from the salt, iterations and key length the router sends.
//! - `cryptosign`: the secret is an Ed25519 private key, the 32-byte seed as
//!   64 hex characters; a `secret_file` may also be a Crossbar key file with
//!   a `private-key-ed25519: <hex>` line. The public key is sent in
//!   `authextra.pubkey` (Crossbar requires it) and goes into the router's
//!   `authorized_keys` ([`AuthConfig::cryptosign_public_key`] computes it).
//!
//! `authid` and `authrole` ask for an identity and a role; `authextra` is any
//! map, sent as HELLO `authextra`. A client inherits `auth` key by key (a
//! client's `secret` or `secret_file` replaces both inherited ones) and
//! `authextra` as a whole. Files named by `secret_file` are read when the
//! configuration is loaded. Secrets never appear in `Debug` output, error
//! messages or logs (see [`Secret`]).
//!
//! A router that refuses the credentials makes [`Client::connect`] fail with
//! [`Error::AuthenticationFailed`](crate::Error::AuthenticationFailed),
//! naming the method and the router's reason.
//!
//! [`Client::connect`]: crate::Client::connect
//!
//! # TLS
//!
//! `wss://` and `rss://` URLs (or `tls: true`) use TLS (rustls). The
//! router's certificate is verified by default: it must chain to a root the
//! platform trusts (the operating system's certificate store) and be issued
//! for the host of the URL (a DNS name, or an IP address against the
//! certificate's IP address names). Instead of `tls: true`, `tls:` may be a
//! table (see [`TlsConfig`]):
//!
//! ```yaml
//! host: crossbar.internal
//! port: 8443
//! tls:
//!   ca_file: certs/ca.pem           # trust only this CA (PEM), not the platform's roots
//!   client_cert: certs/client.pem   # for a router that requires client certificates
//!   client_key: certs/client.key
//!   dangerously_accept_invalid_certs: false   # true: no verification at all (tests only; warns on every connect)
//! ```
//!
//! A table turns TLS on for an address given with `host`/`port`/`path`;
//! next to a `url` in the same place, the URL must be `wss://` or `rss://`.
//! Its keys are inherited one by one by the clients under `clients:`, and a
//! client's `tls: false` turns TLS off. Relative paths are relative to the
//! configuration file's directory; the files are checked when the file is
//! loaded and read again on every connect. A certificate the client does not
//! trust makes [`Client::connect`] fail with
//! [`Error::Connect`](crate::Error::Connect) saying why (an unknown CA, a
//! certificate for another host name...).
//!
//! # Several clients
//!
//! Under `clients:`, each entry is a client with its name; the top-level keys
//! are the defaults of every client, and a client's own keys win (key by key,
//! also inside `reconnect`):
//!
//! ```yaml
//! tls: true
//! clients:
//!   wamp1:
//!     realm: myrealmname
//!     host: crossbar.example.org
//!     port: 8181
//!   wamp2:
//!     realm: otherrealm
//!     host: crossbar.company.com
//! ```
//!
//! A `url` given at the top level is a shorthand for its four parts, so a
//! client may override only some of them (`port: 9000`); a client's own
//! `url` replaces the inherited address entirely.
//!
//! With `clients:`, the clients are exactly the ones named. The default
//! client (see [`Config::default_client`]) is the one named `default`, or
//! else the only client when there is just one; otherwise there is none, and
//! handlers must name their client.
//!
//! # Environment variables
//!
//! [`Config::load`] and [`Config::from_env`] read the file named by
//! `WAMP_CONFIG`, then let `WAMP_URL`, `WAMP_REALM`, `WAMP_AUTHID`,
//! `WAMP_AUTHROLE` and `WAMP_SECRET` override the default client (see
//! [`Config::apply_env_overrides`]). An empty variable counts as unset.
//! `WAMP_SECRET` replaces the secret of the configured `auth.method` (the
//! ticket, the WAMP-CRA secret or the cryptosign key in hex), so a file can
//! say `auth: {method: ticket}` and leave the secret to the environment; it
//! is an error when the method is anonymous.
//!
//! # Example
//!
//! ```
//! use wamp_runtime::config::Config;
//!
//! let config = Config::from_yaml_str(
//!     "
//! tls: true
//! clients:
//!   wamp1: {realm: myrealmname, host: crossbar.example.org, port: 8181}
//!   wamp2: {realm: otherrealm, host: crossbar.company.com}
//! ",
//! )?;
//! let wamp2 = config.client("wamp2").expect("wamp2 is configured");
//! assert_eq!(wamp2.url, "wss://crossbar.company.com:8080/ws");
//! assert_eq!(wamp2.realm, "otherrealm");
//! assert!(config.default_client().is_none());
//!
//! let err = Config::from_yaml_str("relm: myrealm").unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "YAML text: line 1, column 1: unknown key \"relm\" at the top level (expected one of: \
//!      url, realm, host, port, path, tls, connection_timeout, shutdown_timeout, \
//!      max_message_size, serializers, authid, authrole, ping_interval, ping_timeout, protocol_options, \
//!      reconnect, event_queue, invocation_queue, auth, authextra, clients, components); did you mean \"realm\"?"
//! );
//! # Ok::<(), wamp_runtime::config::ConfigError>(())
//! ```

mod auth;
mod builder;
mod client;
mod clients;
mod env_vars;
mod error;
mod parse;
mod raw;
mod resolve;
#[cfg(test)]
mod tests;
mod text_file;
mod tls;

use std::collections::HashMap;
use std::path::Path;

pub use auth::{AuthConfig, AuthMethod, Secret};
pub use builder::ClientConfigBuilder;
pub use client::{ClientConfig, ReconnectPolicy};
pub use clients::Config;
pub use env_vars::{ENV_AUTHID, ENV_AUTHROLE, ENV_CONFIG, ENV_REALM, ENV_SECRET, ENV_URL};
pub use error::{ConfigError, ConfigProblem};
pub use tls::TlsConfig;

use parse::Format;
use text_file::read_text_limited;

impl Config {
    /// Reads a file: `.yaml` or `.yml` as YAML, `.toml` as TOML.
    ///
    /// # Errors
    /// [`ConfigError::UnsupportedFormat`] for another extension,
    /// [`ConfigError::Read`] when the file cannot be read or is larger than
    /// 4 MiB, and the errors of
    /// [`Config::from_yaml_str`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let extension = path.extension().map(|e| e.to_string_lossy().into_owned());
        let format = match extension.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("yaml" | "yml") => Format::Yaml,
            Some("toml") => Format::Toml,
            _ => {
                return Err(ConfigError::UnsupportedFormat {
                    path: path.to_owned(),
                    extension,
                });
            }
        };
        let text = read_text_limited(path, CONFIG_FILE_LIMIT).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty());
        parse::parse(&text, format, Some(&path.display().to_string()), dir)
    }

    /// Parses a YAML configuration. An empty text gives the defaults.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] for invalid YAML, an unknown key or a value of
    /// the wrong type; [`ConfigError::Invalid`] for an unacceptable value.
    /// Both name the key path (`clients.wamp2.port`).
    pub fn from_yaml_str(text: &str) -> Result<Config, ConfigError> {
        parse::parse(text, Format::Yaml, None, None)
    }

    /// Parses a TOML configuration (the same keys as YAML).
    ///
    /// # Errors
    /// As [`Config::from_yaml_str`].
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        parse::parse(text, Format::Toml, None, None)
    }

    /// The file named by `WAMP_CONFIG` if that is set (else the defaults),
    /// with the environment overrides applied.
    ///
    /// # Errors
    /// Those of [`Config::from_file`] and [`Config::apply_env_overrides`].
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_env_with(process_env()?)
    }

    /// [`Config::from_env`] with variables from `lookup` instead of the
    /// process environment.
    ///
    /// # Errors
    /// As [`Config::from_env`].
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut config = match non_empty(&lookup, ENV_CONFIG) {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        config.apply_overrides_from(lookup)?;
        Ok(config)
    }

    /// The file named by `WAMP_CONFIG` if that is set, else `default_file`
    /// (which must exist), with the environment overrides applied. This is
    /// what the examples use.
    ///
    /// # Errors
    /// Those of [`Config::from_file`] and [`Config::apply_env_overrides`].
    pub fn load(default_file: impl AsRef<Path>) -> Result<Config, ConfigError> {
        Self::load_with(default_file, process_env()?)
    }

    /// [`Config::load`] with variables from `lookup` instead of the process
    /// environment.
    ///
    /// # Errors
    /// As [`Config::load`].
    pub fn load_with(
        default_file: impl AsRef<Path>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut config = match non_empty(&lookup, ENV_CONFIG) {
            Some(path) => Config::from_file(path)?,
            None => Config::from_file(default_file)?,
        };
        config.apply_overrides_from(lookup)?;
        Ok(config)
    }

    /// Applies `WAMP_URL`, `WAMP_REALM`, `WAMP_AUTHID`, `WAMP_AUTHROLE` and
    /// `WAMP_SECRET`
    /// from the process environment to the default client.
    ///
    /// # Errors
    /// As [`Config::apply_overrides_from`]; also when a variable is not
    /// valid Unicode.
    pub fn apply_env_overrides(&mut self) -> Result<(), ConfigError> {
        self.apply_overrides_from(process_env()?)
    }

    /// Applies the overrides, read through `lookup`, to the default client
    /// only (other clients are left alone). Unset or empty variables change
    /// nothing. Either every override is applied or, on error, none.
    ///
    /// # Errors
    /// [`ConfigError::Env`] naming the variable: a `WAMP_URL` that is not a
    /// `ws://` or `wss://` URL with a host, a realm with whitespace, a
    /// `WAMP_SECRET` when the default client's `auth.method` is anonymous or
    /// that is not a valid cryptosign key (the message never shows the
    /// value), or any override when the configuration has no default client.
    pub fn apply_overrides_from(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let overrides: Vec<(&str, String)> = [ENV_URL, ENV_REALM, ENV_AUTHID, ENV_AUTHROLE, ENV_SECRET]
            .into_iter()
            .filter_map(|var| non_empty(&lookup, var).map(|value| (var, value)))
            .collect();
        let Some((first, _)) = overrides.first() else {
            return Ok(());
        };
        let names: Vec<&str> = self.clients.iter().map(|(n, _)| n.as_str()).collect();
        let Some(index) = self.default_index() else {
            return Err(ConfigError::Env {
                var: (*first).to_owned(),
                message: format!(
                    "there is no default client to apply it to (the clients are {}; \
                     name one \"{}\")",
                    names.join(", "),
                    Self::DEFAULT_CLIENT
                ),
            });
        };
        let mut client = self.clients[index].1.clone();
        for (var, value) in overrides {
            let invalid = |message: String| ConfigError::Env {
                var: var.to_owned(),
                message,
            };
            match var {
                ENV_URL => {
                    // A comma-separated list names several routers.
                    let urls: Vec<String> = value.split(',').map(|url| url.trim().to_owned()).collect();
                    for url in &urls {
                        resolve::parse_ws_url(url).map_err(invalid)?;
                    }
                    let mut urls = urls.into_iter();
                    client.url = urls.next().unwrap_or_default();
                    client.failover_urls = urls.collect();
                }
                ENV_REALM => {
                    resolve::check_realm(&value).map_err(invalid)?;
                    client.realm = value;
                }
                ENV_AUTHID => client.authid = Some(value),
                ENV_AUTHROLE => client.authrole = Some(value),
                _ => {
                    let method = client.auth.method;
                    if method == AuthMethod::Anonymous {
                        return Err(invalid(
                            "the default client's auth.method is anonymous; set auth.method to ticket, \
                             wampcra or cryptosign to use a secret"
                                .to_owned(),
                        ));
                    }
                    let secret = Secret::new(value);
                    auth::check_secret(method, &secret).map_err(|m| invalid(format!("the {method} secret {m}")))?;
                    client.auth.secret = Some(secret);
                }
            }
        }
        self.clients[index].1 = client;
        Ok(())
    }
}

/// The value of `var`, unless it is unset or empty.
fn non_empty(lookup: &impl Fn(&str) -> Option<String>, var: &str) -> Option<String> {
    lookup(var).filter(|value| !value.is_empty())
}

/// A snapshot of the variables this module reads, failing on one that is
/// not valid Unicode.
fn process_env() -> Result<impl Fn(&str) -> Option<String>, ConfigError> {
    let mut values = HashMap::new();
    for var in [ENV_CONFIG, ENV_URL, ENV_REALM, ENV_AUTHID, ENV_AUTHROLE, ENV_SECRET] {
        match std::env::var(var) {
            Ok(value) => {
                values.insert(var, value);
            }
            Err(std::env::VarError::NotPresent) => {}
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(ConfigError::Env {
                    var: var.to_owned(),
                    message: "the value is not valid Unicode".to_owned(),
                });
            }
        }
    }
    Ok(move |var: &str| values.get(var).cloned())
}

/// The largest configuration file [`Config::from_file`] reads.
const CONFIG_FILE_LIMIT: u64 = 4 * 1024 * 1024;
