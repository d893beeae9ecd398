//! Building a [`ClientConfig`] in code ([`ClientConfigBuilder`]) and
//! checking one: both go through the same checks as a file, so they sit
//! on top of [`resolve`](super::resolve).

use std::path::PathBuf;
use std::time::Duration;

use wamp_protocol::{Dict, SerializerKind};

use super::auth::{AuthMethod, Secret};
use super::client::{ClientConfig, ReconnectPolicy};
use super::error::{ConfigError, KeyError, join_key};
use super::raw::{RawAuth, RawClient, RawDuration, RawReconnect, RawSerializer, RawUrls};
use super::resolve::{
    Layer, QUEUE_MUST_HOLD_ONE, Resolver, check_auth_name, check_realm, check_serializers, parse_ws_url,
};
#[cfg(doc)]
use super::tls::TlsConfig;
use super::tls::{RawTls, RawTlsKey};

impl ClientConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> ClientConfigBuilder {
        ClientConfigBuilder::default()
    }

    /// A client for `url` and `realm`, the other settings at their defaults.
    ///
    /// # Errors
    /// When the URL is not `ws://` or `wss://` with a host, or the realm is
    /// empty.
    pub fn new(url: impl Into<String>, realm: impl Into<String>) -> Result<Self, ConfigError> {
        Self::builder().url(url).realm(realm).build()
    }

    /// Checks every setting, e.g. after the fields were changed by hand.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the field at fault.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.check("").map_err(|e| e.into_config_error(None))
    }

    pub(super) fn check(&self, prefix: &str) -> Result<(), KeyError> {
        let key = |name: &str| join_key(prefix, name);
        for url in self.urls() {
            parse_ws_url(url).map_err(|m| KeyError::new(key("url"), m))?;
        }
        check_realm(&self.realm).map_err(|m| KeyError::new(key("realm"), m))?;
        if self.connection_timeout.is_zero() {
            return Err(KeyError::new(key("connection_timeout"), "must be greater than 0"));
        }
        if self.ping_timeout.is_zero() {
            return Err(KeyError::new(key("ping_timeout"), "must be greater than 0"));
        }
        if self.max_message_size == 0 {
            return Err(KeyError::new(
                key("max_message_size"),
                "must be greater than 0 (a number of bytes)",
            ));
        }
        check_serializers(self.serializers.iter().copied()).map_err(|m| KeyError::new(key("serializers"), m))?;
        for (name, value) in [
            ("event_queue", self.event_queue),
            ("invocation_queue", self.invocation_queue),
        ] {
            if value == 0 {
                return Err(KeyError::new(key(name), QUEUE_MUST_HOLD_ONE));
            }
        }
        for (name, value) in [("authid", &self.authid), ("authrole", &self.authrole)] {
            if let Some(value) = value {
                check_auth_name(value).map_err(|m| KeyError::new(key(name), m))?;
            }
        }
        self.auth.check(prefix, true)?;
        self.tls.check(prefix)?;
        self.reconnect.check(prefix)
    }
}

/// Builds a [`ClientConfig`], checking it in [`build`](Self::build).
///
/// The router is given either with [`url`](Self::url) or with
/// [`host`](Self::host), [`port`](Self::port), [`path`](Self::path) and
/// [`tls`](Self::tls); giving both is an error, as in a file.
///
/// ```
/// use std::time::Duration;
/// use wamp_runtime::config::ClientConfig;
///
/// let client = ClientConfig::builder()
///     .host("crossbar.example.org")
///     .port(8181)
///     .tls(true)
///     .realm("myrealm")
///     .connection_timeout(Duration::from_secs(5))
///     .build()?;
/// assert_eq!(client.url, "wss://crossbar.example.org:8181/ws");
///
/// let err = ClientConfig::builder().url("http://example.org/").build().unwrap_err();
/// assert!(err.to_string().starts_with("url: unsupported scheme \"http\""));
/// # Ok::<(), wamp_runtime::config::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientConfigBuilder {
    raw: RawClient,
}

impl ClientConfigBuilder {
    /// The router's URL (`ws://` or `wss://`).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.raw.url = Some(RawUrls(vec![url.into()]));
        self
    }

    /// Several routers serving the realm, tried in order (see
    /// [`ClientConfig::urls`]).
    pub fn urls<S: Into<String>>(mut self, urls: impl IntoIterator<Item = S>) -> Self {
        self.raw.url = Some(RawUrls(urls.into_iter().map(Into::into).collect()));
        self
    }

    /// The realm to join.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.raw.realm = Some(realm.into());
        self
    }

    /// The router's host name or address (default `localhost`).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.raw.host = Some(host.into());
        self
    }

    /// The router's port (default 8080).
    pub fn port(mut self, port: u16) -> Self {
        self.raw.port = Some(port);
        self
    }

    /// The URL path (default `/ws`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.raw.path = Some(path.into());
        self
    }

    /// Whether to use TLS (`wss://`; default false).
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls_settings().enabled = Some(tls);
        self
    }

    fn tls_settings(&mut self) -> &mut RawTls {
        &mut self.raw.tls.get_or_insert_with(RawTlsKey::default).0
    }

    /// Trusts only the CA certificates in this PEM file (instead of the
    /// platform's) for the router's certificate; see [`TlsConfig::ca_file`].
    /// A relative path is relative to the current directory.
    ///
    /// Like every TLS setting, it turns TLS on for an address given with
    /// [`host`](Self::host)/[`port`](Self::port)/[`path`](Self::path); with
    /// [`url`](Self::url), the URL must be `wss://` or `rss://`.
    ///
    /// ```no_run
    /// use wamp_runtime::config::ClientConfig;
    ///
    /// let client = ClientConfig::builder()
    ///     .url("wss://crossbar.internal:8443/ws")
    ///     .tls_ca_file("/etc/wamp/ca.pem")
    ///     .tls_client_cert("/etc/wamp/client.pem", "/etc/wamp/client.key")
    ///     .build()?;
    /// # Ok::<(), wamp_runtime::config::ConfigError>(())
    /// ```
    pub fn tls_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls_settings().ca_file = Some(path.into());
        self
    }

    /// A client certificate (PEM, leaf first) and its private key (PEM) for
    /// routers that ask for one; see [`TlsConfig::client_cert`].
    pub fn tls_client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        let tls = self.tls_settings();
        tls.client_cert = Some(cert.into());
        tls.client_key = Some(key.into());
        self
    }

    /// Accepts any certificate the router shows, without verifying it. For
    /// tests and development only: see
    /// [`TlsConfig::dangerously_accept_invalid_certs`].
    pub fn dangerously_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.tls_settings().dangerously_accept_invalid_certs = Some(accept);
        self
    }

    /// See [`ClientConfig::connection_timeout`].
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.raw.connection_timeout = Some(RawDuration(timeout));
        self
    }

    /// See [`ClientConfig::shutdown_timeout`].
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.raw.shutdown_timeout = Some(RawDuration(timeout));
        self
    }

    /// See [`ClientConfig::max_message_size`].
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.raw.max_message_size = Some(bytes);
        self
    }

    /// See [`ClientConfig::serializers`].
    ///
    /// ```
    /// use wamp_runtime::config::ClientConfig;
    /// use wamp_runtime::SerializerKind;
    ///
    /// let client = ClientConfig::builder()
    ///     .url("rs://127.0.0.1:8081")
    ///     .serializers([SerializerKind::Cbor, SerializerKind::Json])
    ///     .build()?;
    /// assert_eq!(client.serializers, [SerializerKind::Cbor, SerializerKind::Json]);
    /// # Ok::<(), wamp_runtime::config::ConfigError>(())
    /// ```
    pub fn serializers(mut self, serializers: impl IntoIterator<Item = SerializerKind>) -> Self {
        self.raw.serializers = Some(serializers.into_iter().map(RawSerializer).collect());
        self
    }

    /// The authid asked for in HELLO.
    pub fn authid(mut self, authid: impl Into<String>) -> Self {
        self.raw.authid = Some(authid.into());
        self
    }

    /// The authrole asked for in HELLO.
    pub fn authrole(mut self, authrole: impl Into<String>) -> Self {
        self.raw.authrole = Some(authrole.into());
        self
    }

    /// The authentication method (default anonymous).
    pub fn authmethod(mut self, method: AuthMethod) -> Self {
        self.raw.auth.get_or_insert_with(RawAuth::default).method = Some(method);
        self
    }

    /// The secret of the [`authmethod`](Self::authmethod): the ticket, the
    /// WAMP-CRA secret or the cryptosign private key (64 hex characters).
    /// Replaces a [`secret_file`](Self::secret_file).
    ///
    /// ```
    /// use wamp_runtime::config::{AuthMethod, ClientConfig};
    ///
    /// let client = ClientConfig::builder()
    ///     .url("ws://localhost:8080/ws")
    ///     .authid("alice")
    ///     .authmethod(AuthMethod::WampCra)
    ///     .secret("s3cr3t")
    ///     .build()?;
    /// assert_eq!(client.auth.method, AuthMethod::WampCra);
    /// # Ok::<(), wamp_runtime::config::ConfigError>(())
    /// ```
    pub fn secret(mut self, secret: impl Into<Secret>) -> Self {
        let auth = self.raw.auth.get_or_insert_with(RawAuth::default);
        auth.secret = Some(secret.into());
        auth.secret_file = None;
        self
    }

    /// Reads the secret from this file in [`build`](Self::build) (a relative
    /// path is relative to the current directory; trailing line breaks are
    /// removed). Replaces a [`secret`](Self::secret).
    pub fn secret_file(mut self, path: impl Into<PathBuf>) -> Self {
        let auth = self.raw.auth.get_or_insert_with(RawAuth::default);
        auth.secret_file = Some(path.into());
        auth.secret = None;
        self
    }

    /// The `authextra` dictionary sent in HELLO.
    pub fn authextra(mut self, authextra: Dict) -> Self {
        self.raw.authextra = Some(authextra);
        self
    }

    /// The WebSocket ping interval; `None` (or zero) sends no pings.
    pub fn ping_interval(mut self, interval: impl Into<Option<Duration>>) -> Self {
        let interval = interval.into().unwrap_or(Duration::ZERO);
        self.raw.ping_interval = Some(RawDuration(interval));
        self
    }

    /// See [`ClientConfig::ping_timeout`].
    pub fn ping_timeout(mut self, timeout: Duration) -> Self {
        self.raw.ping_timeout = Some(RawDuration(timeout));
        self
    }

    /// See [`ClientConfig::event_queue`].
    pub fn event_queue(mut self, capacity: usize) -> Self {
        self.raw.event_queue = Some(capacity);
        self
    }

    /// See [`ClientConfig::invocation_queue`].
    pub fn invocation_queue(mut self, capacity: usize) -> Self {
        self.raw.invocation_queue = Some(capacity);
        self
    }

    /// The reconnect policy.
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.raw.reconnect = Some(RawReconnect {
            initial_delay: Some(RawDuration(policy.initial_delay)),
            multiplier: Some(policy.multiplier),
            jitter: Some(policy.jitter),
            max_delay: Some(RawDuration(policy.max_delay)),
            max_attempts: policy.max_attempts,
        });
        self
    }

    /// Checks the settings and fills in the defaults.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the setting at fault: `url` together
    /// with `host`/`port`/`path`/`tls`, an unsupported URL scheme, a URL
    /// without a host, port 0, an empty realm, a zero `max_message_size`...
    pub fn build(self) -> Result<ClientConfig, ConfigError> {
        let layer = Layer::check(&self.raw, "").map_err(|e| e.into_config_error(None))?;
        let mut config = Resolver::default().apply(&layer).finish();
        config.auth.check("", false).map_err(|e| e.into_config_error(None))?;
        config.tls.check("").map_err(|e| e.into_config_error(None))?;
        // `max_attempts: None` in a policy given in code means "forever".
        if let Some(raw) = &self.raw.reconnect {
            config.reconnect.max_attempts = raw.max_attempts;
        }
        Ok(config)
    }
}
