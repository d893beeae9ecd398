//! [`ClientConfig`] and [`ReconnectPolicy`]: the settings of one client.
//! Building and checking them is [`builder`](super::builder)'s business.

use std::time::Duration;

use wamp_protocol::{Dict, SerializerKind};

use super::auth::AuthConfig;
use super::tls::TlsConfig;

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
