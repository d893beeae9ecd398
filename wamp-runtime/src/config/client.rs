//! [`ClientConfig`], its builder, and [`ReconnectPolicy`].

use std::path::PathBuf;
use std::time::Duration;

use wamp_core::{Dict, SerializerKind};

use super::ConfigError;
use super::auth::{AuthConfig, AuthMethod, Secret};
use super::error::{KeyError, join_key};
use super::raw::{RawAuth, RawClient, RawDuration, RawReconnect, RawSerializer, RawUrls};
use super::resolve::{
    Layer, QUEUE_MUST_HOLD_ONE, Resolver, check_auth_name, check_realm, check_serializers, parse_ws_url,
};
use super::tls::{RawTls, RawTlsKey, TlsConfig};

/// Settings of one client connection.
///
/// Build one with [`ClientConfig::builder`] or [`ClientConfig::new`], or read
/// it from a file through [`Config`](super::Config). The fields are public
/// for reading and adjusting; [`ClientConfig::validate`] checks a value that
/// was changed by hand.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The router's WebSocket URL, `ws://host:port/path` or `wss://...` (TLS),
    /// or its RawSocket URL: `rs://host:port` (or `tcp://host:port`) over TCP,
    /// `rss://host:port` over TLS, `unix:///path/to/socket` over a Unix socket.
    /// In a file it is given as `url`, or spelled out with `host`, `port`,
    /// `path` and `tls`. Default: `ws://localhost:8080/ws`.
    pub url: String,
    /// More routers serving the same realm (other nodes of a cluster), tried
    /// in order after [`url`](Self::url) when it cannot be reached; any mix
    /// of transports. In a file: `url: [ws://a:8080/ws, rs://b:8081]`; in
    /// the environment: `WAMP_URL=ws://a:8080/ws,rs://b:8081`. See
    /// [`urls`](Self::urls). Default: none.
    pub failover_urls: Vec<String>,
    /// The realm to join. Default: `realm1`.
    pub realm: String,
    /// The limit for opening the connection (TCP, TLS, the WebSocket
    /// handshake) and joining the realm. Default: 10 s.
    pub connection_timeout: Duration,
    /// How long in-flight handlers may run on shutdown before the session
    /// is closed anyway. Default: 15 s.
    pub shutdown_timeout: Duration,
    /// The largest message accepted, in bytes. Default: 16 MiB.
    pub max_message_size: usize,
    /// The serializers to offer, in order of preference: over WebSocket all
    /// are offered and the router's choice is used; over RawSocket the first
    /// is asked for. In a file: `serializers: [cbor, msgpack, json]`.
    /// Default: `[json]`.
    pub serializers: Vec<SerializerKind>,
    /// The authid asked for in HELLO.
    pub authid: Option<String>,
    /// The authrole asked for in HELLO.
    pub authrole: Option<String>,
    /// How TLS is set up for `wss://` and `rss://`: the trusted CAs, a client
    /// certificate, and the (dangerous) switch that turns verification off.
    /// Default: the platform's roots, the host name checked, no client
    /// certificate. In a file: `tls: {ca_file, client_cert, client_key,
    /// dangerously_accept_invalid_certs}` (or just `tls: true`).
    pub tls: TlsConfig,
    /// How to authenticate: the method offered in HELLO `authmethods` and
    /// its secret. Default: anonymous. In a file: `auth: {method, secret,
    /// secret_file}`.
    pub auth: AuthConfig,
    /// Sent in HELLO as `authextra` (when not empty). For cryptosign, the
    /// client sets `pubkey` itself. Default: empty.
    pub authextra: Dict,
    /// How often to send a WebSocket ping; `None` sends none (in a file:
    /// `ping_interval: 0`). Default: 30 s.
    pub ping_interval: Option<Duration>,
    /// How long to wait for the pong before the link is taken as dead; also
    /// how long one write may wait for the router to take our data (a router
    /// that stops reading would otherwise hold the session for good), so keep
    /// it above the time the largest message takes to send. Default: 10 s.
    pub ping_timeout: Duration,
    /// When and how often to reconnect after the link is lost. Applied by
    /// [`serve`](crate::serve) / [`Server`](crate::Server) and by
    /// [`Client::connect_reconnecting`](crate::Client::connect_reconnecting);
    /// a client opened with [`Client::connect`](crate::Client::connect) never
    /// reconnects. Default: forever, see [`ReconnectPolicy`].
    pub reconnect: ReconnectPolicy,
    /// How many events each subscription handler may have waiting while it
    /// is busy. When its queue is full, new events for that handler are
    /// dropped (logged, and counted in
    /// [`EventContext::dropped_events`](crate::EventContext::dropped_events)),
    /// so a slow handler never stalls the session or other handlers. At
    /// least 1. Default: [`DEFAULT_EVENT_QUEUE`](Self::DEFAULT_EVENT_QUEUE).
    pub event_queue: usize,
    /// How many invocations of one procedure the client holds at once:
    /// running, or waiting for the procedure's concurrency limit. One more
    /// is refused at once with `wamp.error.unavailable`, so the caller gets
    /// an answer instead of waiting behind a backlog. At least 1. Default:
    /// [`DEFAULT_INVOCATION_QUEUE`](Self::DEFAULT_INVOCATION_QUEUE).
    pub invocation_queue: usize,
}

impl ClientConfig {
    /// The host used when a file gives neither `url` nor `host`.
    pub const DEFAULT_HOST: &'static str = "localhost";
    /// The port used when a file gives neither `url` nor `port`.
    pub const DEFAULT_PORT: u16 = 8080;
    /// The path used when a file gives neither `url` nor `path`.
    pub const DEFAULT_PATH: &'static str = "/ws";
    /// The default realm.
    pub const DEFAULT_REALM: &'static str = "realm1";
    /// The default [`max_message_size`](Self::max_message_size): 16 MiB.
    pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 * 1024 * 1024;
    /// The default [`shutdown_timeout`](Self::shutdown_timeout): 15 s.
    pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(15);
    /// The default [`event_queue`](Self::event_queue).
    pub const DEFAULT_EVENT_QUEUE: usize = 1024;
    /// The default [`invocation_queue`](Self::invocation_queue).
    pub const DEFAULT_INVOCATION_QUEUE: usize = 1024;

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

    /// Every router URL, in the order they are tried: [`url`](Self::url),
    /// then the [`failover_urls`](Self::failover_urls). A client that
    /// loses router `k` reconnects starting with `k + 1`, trying each once
    /// per round; the reconnect policy's backoff comes between rounds.
    ///
    /// ```
    /// use wamp_runtime::ClientConfig;
    ///
    /// let config = ClientConfig::builder().urls(["ws://a:8080/ws", "rs://b:8081"]).build()?;
    /// assert_eq!(config.urls().collect::<Vec<_>>(), ["ws://a:8080/ws", "rs://b:8081"]);
    /// # Ok::<(), wamp_runtime::ConfigError>(())
    /// ```
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.url.as_str()).chain(self.failover_urls.iter().map(String::as_str))
    }

    /// Whether the (first) URL asks for TLS (`wss://` or `rss://`).
    pub fn uses_tls(&self) -> bool {
        self.url
            .split_once("://")
            .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("wss") || scheme.eq_ignore_ascii_case("rss"))
    }
}

impl Default for ClientConfig {
    /// `ws://localhost:8080/ws`, realm `realm1`, the timeouts and limits
    /// documented on each field.
    fn default() -> Self {
        ClientConfig {
            url: format!(
                "ws://{}:{}{}",
                Self::DEFAULT_HOST,
                Self::DEFAULT_PORT,
                Self::DEFAULT_PATH
            ),
            failover_urls: Vec::new(),
            realm: Self::DEFAULT_REALM.to_owned(),
            connection_timeout: Duration::from_secs(10),
            shutdown_timeout: Self::DEFAULT_SHUTDOWN_TIMEOUT,
            max_message_size: Self::DEFAULT_MAX_MESSAGE_SIZE,
            serializers: vec![SerializerKind::Json],
            authid: None,
            authrole: None,
            tls: TlsConfig::default(),
            auth: AuthConfig::default(),
            authextra: Dict::new(),
            ping_interval: Some(Duration::from_secs(30)),
            ping_timeout: Duration::from_secs(10),
            reconnect: ReconnectPolicy::default(),
            event_queue: Self::DEFAULT_EVENT_QUEUE,
            invocation_queue: Self::DEFAULT_INVOCATION_QUEUE,
        }
    }
}

/// When and how often a lost connection is reopened: exponential backoff
/// with jitter.
///
/// Used by clients that reconnect ([`serve`](crate::serve) and
/// [`Client::connect_reconnecting`](crate::Client::connect_reconnecting)):
/// after a lost connection the client waits `delay(1)`, tries to reconnect
/// (within `connection_timeout`), waits `delay(2)` after a failed attempt,
/// and so on; the count restarts after every successful join. Refused
/// credentials end the client at once whatever the policy says.
///
/// ```
/// use std::time::Duration;
/// use wamp_runtime::config::{ClientConfig, ReconnectPolicy};
///
/// let mut policy = ReconnectPolicy::default();
/// policy.initial_delay = Duration::from_millis(200);
/// policy.max_attempts = Some(10);
/// let config = ClientConfig::builder().url("ws://127.0.0.1:8080/ws").reconnect(policy).build()?;
/// assert_eq!(config.reconnect.delay(1, 0.5), Duration::from_millis(200));
/// assert_eq!(config.reconnect.delay(2, 0.5), Duration::from_millis(400));
/// # Ok::<(), wamp_runtime::config::ConfigError>(())
/// ```
///
/// The delay before attempt `n` (1-based) is
/// `initial_delay * multiplier^(n-1)`, capped at `max_delay`, then moved by
/// up to `jitter` (a fraction) either way, never above `max_delay`. See
/// [`ReconnectPolicy::delay`].
///
/// In a file, under `reconnect:` (durations in seconds or with a unit):
///
/// ```yaml
/// reconnect:
///   initial_delay: 0.5
///   multiplier: 2
///   jitter: 0.1
///   max_delay: 30
///   max_attempts: 10    # leave out to retry forever; 0 never reconnects
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReconnectPolicy {
    /// The delay between losing the connection and the first attempt to
    /// reopen it. Default: 1 s.
    pub initial_delay: Duration,
    /// How much the delay grows after each failed attempt (>= 1).
    /// Default: 2.
    pub multiplier: f64,
    /// The random share of each delay, from 0 (none) to 1, so that many
    /// clients of a restarted router do not all come back at once.
    /// Default: 0.1.
    pub jitter: f64,
    /// The longest delay. Default: 60 s.
    pub max_delay: Duration,
    /// How many failed attempts in a row before giving up (the client then
    /// closes for good: [`ClientEvent::Closed`](crate::ClientEvent::Closed),
    /// [`Client::closed`](crate::Client::closed) completes); `None` retries
    /// forever, `Some(0)` never reconnects. Default: `None`.
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            initial_delay: Duration::from_secs(1),
            multiplier: 2.0,
            jitter: 0.1,
            max_delay: Duration::from_secs(60),
            max_attempts: None,
        }
    }
}

impl ReconnectPolicy {
    /// A policy that never reconnects.
    pub fn disabled() -> Self {
        ReconnectPolicy {
            max_attempts: Some(0),
            ..Self::default()
        }
    }

    /// Whether attempt `attempt` (1-based) may be made.
    pub fn allows(&self, attempt: u32) -> bool {
        self.max_attempts.is_none_or(|max| attempt <= max)
    }

    /// The delay before attempt `attempt` (1-based; 0 counts as 1).
    /// `random` is a sample from `[0, 1)`: 0.5 gives the delay without
    /// jitter, 0 the shortest and 1 the longest. Taking it as an argument
    /// keeps this function deterministic.
    pub fn delay(&self, attempt: u32, random: f64) -> Duration {
        let max = self.max_delay.as_secs_f64();
        let exponent = attempt.saturating_sub(1).min(1024) as i32;
        let base = (self.initial_delay.as_secs_f64() * self.multiplier.powi(exponent)).min(max);
        let random = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let factor = 1.0 + self.jitter * (2.0 * random - 1.0);
        let secs = (base * factor).clamp(0.0, max);
        Duration::try_from_secs_f64(secs).unwrap_or(self.max_delay)
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
    /// use wamp_core::SerializerKind;
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
