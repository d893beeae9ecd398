//! From raw keys to checked settings: each level of a file (top level,
//! `clients.NAME`) is checked on its own, so an error names the key where the
//! bad value is written, then the levels are laid over the defaults.

use std::time::Duration;

use wamp_protocol::{Dict, SerializerKind};

use super::auth::{AuthMethod, Secret, check_secret, read_secret_file};
use super::client::{ClientConfig, ReconnectPolicy};
use super::clients::Config;
use super::error::{KeyError, join_key};
use super::raw::{RawClient, RawComponents, RawFile, RawReconnect};
use super::tls::RawTls;

/// Why `event_queue` or `invocation_queue` cannot be 0: nothing would ever
/// reach the handler.
pub(super) const QUEUE_MUST_HOLD_ONE: &str = "must be at least 1 (a queue of 0 would refuse every event or invocation)";

/// Where a client connects: what `url` stands for, or what host/port/path/tls
/// spell out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Address {
    /// Whether the URL uses TLS (`wss://`, `rss://`).
    pub(super) tls: bool,
    /// Without brackets, even for IPv6; empty for a RawSocket URL (which is
    /// kept verbatim).
    pub(super) host: String,
    /// `None`: the scheme's default (a URL without a port).
    pub(super) port: Option<u16>,
    /// Everything after the authority, starting with `/`.
    pub(super) path: String,
    /// The URL exactly as written, while no part of it has been overridden.
    pub(super) verbatim: Option<String>,
}

impl Default for Address {
    fn default() -> Self {
        Address {
            tls: false,
            host: ClientConfig::DEFAULT_HOST.to_owned(),
            port: Some(ClientConfig::DEFAULT_PORT),
            path: ClientConfig::DEFAULT_PATH.to_owned(),
            verbatim: None,
        }
    }
}

impl Address {
    /// For a RawSocket URL (kept verbatim): `rs://`/`tcp://` becomes
    /// `rss://` with `tls`, `rss://` becomes `rs://` without. A Unix socket
    /// URL, or one that already says so, stays as it is.
    fn set_raw_socket_tls(&mut self, tls: bool) {
        let Some((scheme, rest)) = self.verbatim.as_deref().and_then(|url| url.split_once("://")) else {
            return;
        };
        let scheme = match (scheme.to_ascii_lowercase().as_str(), tls) {
            ("rs" | "tcp", true) => "rss",
            ("rss", false) => "rs",
            _ => return,
        };
        self.verbatim = Some(format!("{scheme}://{rest}"));
        self.tls = tls;
    }

    pub(super) fn to_url(&self) -> String {
        if let Some(url) = &self.verbatim {
            return url.clone();
        }
        let scheme = if self.tls { "wss" } else { "ws" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(port) => format!("{scheme}://{host}:{port}{}", self.path),
            None => format!("{scheme}://{host}{}", self.path),
        }
    }
}

/// Parses and checks a WebSocket URL (`ws://` or `wss://`). The message of
/// the error does not name the key: the caller does.
pub(super) fn parse_ws_url(url: &str) -> Result<Address, String> {
    if url.chars().any(char::is_whitespace) {
        return Err(format!("{url:?} contains whitespace"));
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(format!(
            "{url:?} is not a URL; expected ws://host:port/path or wss://host:port/path"
        ));
    };
    let tls = match scheme.to_ascii_lowercase().as_str() {
        "ws" => false,
        "wss" => true,
        // RawSocket: checked by the transport, kept verbatim.
        "rs" | "tcp" | "unix" | "rss" => {
            crate::endpoint::Endpoint::parse(url).map_err(|reason| format!("{url:?}: {reason}"))?;
            return Ok(Address {
                tls: scheme.eq_ignore_ascii_case("rss"),
                host: String::new(),
                port: None,
                path: String::new(),
                verbatim: Some(url.to_owned()),
            });
        }
        _ => {
            return Err(format!(
                "unsupported scheme {scheme:?} in {url:?}; expected ws://, wss://, rs://, rss://, tcp:// or unix://"
            ));
        }
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(format!(
            "user information in {url:?} is not supported; use authid and an authenticator"
        ));
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err(format!("unterminated IPv6 address in {url:?}"));
        };
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return Err(format!("unexpected {after:?} after the host in {url:?}")),
            },
        };
        (host, port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(format!("{url:?} has no host"));
    }
    let port = match port {
        None => None,
        Some(text) => match text.parse::<u16>() {
            Ok(port) if port != 0 => Some(port),
            _ => {
                return Err(format!(
                    "invalid port {text:?} in {url:?}; expected a number from 1 to 65535"
                ));
            }
        },
    };
    let path = if tail.starts_with('/') {
        tail.to_owned()
    } else {
        format!("/{tail}")
    };
    Ok(Address {
        tls,
        host: host.to_owned(),
        port,
        path,
        verbatim: Some(url.to_owned()),
    })
}

/// How one level names the router: not at all, by URL, or by parts.
#[derive(Debug, Clone, Default)]
enum AddressLayer {
    #[default]
    Inherit,
    /// One or more routers, tried in order (never empty).
    Urls(Vec<Address>),
    Parts {
        host: Option<String>,
        port: Option<u16>,
        path: Option<String>,
        tls: Option<bool>,
    },
}

/// One level of settings, checked.
#[derive(Debug, Clone, Default)]
pub(super) struct Layer {
    address: AddressLayer,
    realm: Option<String>,
    connection_timeout: Option<Duration>,
    shutdown_timeout: Option<Duration>,
    max_message_size: Option<usize>,
    serializers: Option<Vec<SerializerKind>>,
    authid: Option<String>,
    authrole: Option<String>,
    ping_interval: Option<Duration>,
    ping_timeout: Option<Duration>,
    event_queue: Option<usize>,
    invocation_queue: Option<usize>,
    reconnect: RawReconnect,
    /// The TLS settings of this level (`enabled` is in `address`).
    tls: RawTls,
    auth_method: Option<AuthMethod>,
    secret: Option<Secret>,
    authextra: Option<Dict>,
}

/// A realm (also used for `WAMP_REALM`): not empty, no whitespace.
pub(super) fn check_realm(realm: &str) -> Result<(), String> {
    if realm.is_empty() {
        Err("the realm must not be empty".to_owned())
    } else if realm.chars().any(char::is_whitespace) {
        Err(format!("the realm {realm:?} must not contain whitespace"))
    } else {
        Ok(())
    }
}

/// A serializer preference list: not empty, no serializer twice.
pub(super) fn check_serializers(list: impl IntoIterator<Item = SerializerKind>) -> Result<Vec<SerializerKind>, String> {
    let mut checked: Vec<SerializerKind> = Vec::new();
    for kind in list {
        if checked.contains(&kind) {
            return Err(format!("lists {kind} twice"));
        }
        checked.push(kind);
    }
    if checked.is_empty() {
        return Err("must name at least one serializer (json, msgpack or cbor)".to_owned());
    }
    Ok(checked)
}

/// An authid or authrole (also used for the environment variables).
pub(super) fn check_auth_name(value: &str) -> Result<(), String> {
    if value.is_empty() {
        Err("must not be empty (leave the key out instead)".to_owned())
    } else {
        Ok(())
    }
}

fn check_host(host: &str) -> Result<String, String> {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    if bare.is_empty() {
        return Err("the host must not be empty".to_owned());
    }
    if bare.contains(['/', '@', '?', '#', '[', ']']) || bare.chars().any(char::is_whitespace) {
        return Err(format!("{host:?} is not a host name; give the host alone (or use url)"));
    }
    if bare.matches(':').count() == 1 {
        return Err(format!("{host:?} contains a port; give it with the port key instead"));
    }
    Ok(bare.to_owned())
}

impl Layer {
    /// Checks every key of `raw`; `prefix` is the key path of the level
    /// (`""` for the top level, `clients.wamp1` for a client).
    pub(super) fn check(raw: &RawClient, prefix: &str) -> Result<Layer, KeyError> {
        let key = |name: &str| join_key(prefix, name);
        let folded = fold_protocol_options(raw, &key)?;
        let raw = &folded;
        let tls = raw.tls.clone().map(|t| t.0).unwrap_or_default();
        let tls_settings = tls.has_settings();
        let address = match raw.url.as_ref().map(|urls| urls.0.as_slice()) {
            Some([]) => {
                return Err(KeyError::new(
                    key("url"),
                    "the list of router URLs is empty; give at least one",
                ));
            }
            Some(urls) => {
                let parts = [
                    ("host", raw.host.is_some()),
                    ("port", raw.port.is_some()),
                    ("path", raw.path.is_some()),
                    ("tls", tls.enabled.is_some()),
                ];
                if let Some((other, _)) = parts.iter().find(|(_, given)| *given) {
                    return Err(KeyError::new(
                        key("url"),
                        format!(
                            "cannot be combined with {}; give either url or host/port/path/tls",
                            key(other)
                        ),
                    ));
                }
                let mut addresses = Vec::with_capacity(urls.len());
                for url in urls {
                    let address = parse_ws_url(url).map_err(|m| KeyError::new(key("url"), m))?;
                    if tls_settings && !address.tls {
                        return Err(KeyError::new(
                            key("tls"),
                            format!("TLS settings are given but {url:?} does not use TLS; use wss:// or rss://"),
                        ));
                    }
                    addresses.push(address);
                }
                AddressLayer::Urls(addresses)
            }
            None if raw.host.is_none()
                && raw.port.is_none()
                && raw.path.is_none()
                && tls.enabled.is_none()
                && !tls_settings =>
            {
                AddressLayer::Inherit
            }
            None => {
                let host = raw
                    .host
                    .as_deref()
                    .map(check_host)
                    .transpose()
                    .map_err(|m| KeyError::new(key("host"), m))?;
                if raw.port == Some(0) {
                    return Err(KeyError::new(
                        key("port"),
                        "0 is not a valid port; expected a number from 1 to 65535",
                    ));
                }
                if let Some(path) = &raw.path {
                    if !path.starts_with('/') {
                        return Err(KeyError::new(key("path"), format!("{path:?} must start with \"/\"")));
                    }
                    if path.chars().any(char::is_whitespace) {
                        return Err(KeyError::new(
                            key("path"),
                            format!("{path:?} must not contain whitespace"),
                        ));
                    }
                }
                AddressLayer::Parts {
                    host,
                    port: raw.port,
                    path: raw.path.clone(),
                    // A table of TLS settings turns TLS on.
                    tls: tls.enabled.or(tls_settings.then_some(true)),
                }
            }
        };
        if let Some(realm) = &raw.realm {
            check_realm(realm).map_err(|m| KeyError::new(key("realm"), m))?;
        }
        if raw.max_message_size == Some(0) {
            return Err(KeyError::new(
                key("max_message_size"),
                "must be greater than 0 (a number of bytes)",
            ));
        }
        for (name, value) in [
            ("event_queue", raw.event_queue),
            ("invocation_queue", raw.invocation_queue),
        ] {
            if value == Some(0) {
                return Err(KeyError::new(key(name), QUEUE_MUST_HOLD_ONE));
            }
        }
        let serializers = raw
            .serializers
            .as_ref()
            .map(|list| check_serializers(list.iter().map(|s| s.0)).map_err(|m| KeyError::new(key("serializers"), m)))
            .transpose()?;
        for (name, value) in [("authid", &raw.authid), ("authrole", &raw.authrole)] {
            if let Some(value) = value {
                check_auth_name(value).map_err(|m| KeyError::new(key(name), m))?;
            }
        }
        for (name, value) in [
            ("connection_timeout", raw.connection_timeout),
            ("ping_timeout", raw.ping_timeout),
        ] {
            if value.is_some_and(|d| d.0.is_zero()) {
                return Err(KeyError::new(key(name), "must be greater than 0"));
            }
        }
        tls.check(prefix)?;
        let reconnect = raw.reconnect.clone().unwrap_or_default();
        let reconnect_key = |name: &str| key(&format!("reconnect.{name}"));
        if let Some(multiplier) = reconnect.multiplier {
            if !(multiplier.is_finite() && multiplier >= 1.0) {
                return Err(KeyError::new(
                    reconnect_key("multiplier"),
                    format!("{multiplier} is not allowed; expected a number >= 1"),
                ));
            }
        }
        if let Some(jitter) = reconnect.jitter {
            if !(0.0..=1.0).contains(&jitter) {
                return Err(KeyError::new(
                    reconnect_key("jitter"),
                    format!("{jitter} is not allowed; expected a fraction from 0 to 1"),
                ));
            }
        }
        let (auth_method, secret) = match &raw.auth {
            None => (None, None),
            Some(auth) => {
                let (secret, secret_key) = match (&auth.secret, &auth.secret_file) {
                    (Some(_), Some(_)) => {
                        return Err(KeyError::new(
                            key("auth.secret"),
                            format!("cannot be combined with {}; give one of them", key("auth.secret_file")),
                        ));
                    }
                    (Some(secret), None) => (Some(secret.clone()), "auth.secret"),
                    (None, Some(path)) => {
                        let secret = read_secret_file(path).map_err(|m| KeyError::new(key("auth.secret_file"), m))?;
                        (Some(secret), "auth.secret_file")
                    }
                    (None, None) => (None, "auth.secret"),
                };
                if let Some(secret) = &secret {
                    // Checked against this level's method (without one, only
                    // for emptiness); the resolved client, whose method may be
                    // inherited, is checked again (`AuthConfig::check`).
                    check_secret(auth.method.unwrap_or_default(), secret)
                        .map_err(|m| KeyError::new(key(secret_key), m))?;
                }
                (auth.method, secret)
            }
        };
        Ok(Layer {
            auth_method,
            secret,
            authextra: raw.authextra.clone(),
            address,
            realm: raw.realm.clone(),
            connection_timeout: raw.connection_timeout.map(|d| d.0),
            shutdown_timeout: raw.shutdown_timeout.map(|d| d.0),
            max_message_size: raw.max_message_size,
            serializers,
            authid: raw.authid.clone(),
            authrole: raw.authrole.clone(),
            ping_interval: raw.ping_interval.map(|d| d.0),
            ping_timeout: raw.ping_timeout.map(|d| d.0),
            event_queue: raw.event_queue,
            invocation_queue: raw.invocation_queue,
            reconnect,
            tls,
        })
    }
}

/// The settings being assembled: defaults, then each level laid over.
#[derive(Debug, Clone, Default)]
pub(super) struct Resolver {
    address: Address,
    /// The routers after `address`, from a `url` list.
    failover: Vec<Address>,
    config: ClientConfig,
}

impl Resolver {
    /// Lays `layer` over what is there: every key it sets wins.
    pub(super) fn apply(&mut self, layer: &Layer) -> &mut Self {
        match &layer.address {
            AddressLayer::Inherit => {}
            AddressLayer::Urls(addresses) => {
                if let Some((first, rest)) = addresses.split_first() {
                    self.address = first.clone();
                    self.failover = rest.to_vec();
                }
            }
            AddressLayer::Parts {
                host: None,
                port: None,
                path: None,
                tls: Some(tls),
            } if self.address.verbatim.is_some() && (self.address.tls == *tls || self.address.host.is_empty()) => {
                // Only TLS on or off over a URL: keep the URL as written when
                // it already says so; switch a RawSocket URL's scheme.
                self.address.set_raw_socket_tls(*tls);
                for address in &mut self.failover {
                    address.set_raw_socket_tls(*tls);
                }
            }
            AddressLayer::Parts { host, port, path, tls } => {
                // Parts name one router.
                self.failover.clear();
                let address = &mut self.address;
                address.verbatim = None;
                if let Some(host) = host {
                    address.host.clone_from(host);
                }
                if let Some(port) = port {
                    address.port = Some(*port);
                }
                if let Some(path) = path {
                    address.path.clone_from(path);
                }
                if let Some(tls) = tls {
                    address.tls = *tls;
                }
            }
        }
        let config = &mut self.config;
        if let Some(realm) = &layer.realm {
            config.realm.clone_from(realm);
        }
        if let Some(timeout) = layer.connection_timeout {
            config.connection_timeout = timeout;
        }
        if let Some(timeout) = layer.shutdown_timeout {
            config.shutdown_timeout = timeout;
        }
        if let Some(size) = layer.max_message_size {
            config.max_message_size = size;
        }
        if let Some(serializers) = &layer.serializers {
            config.serializers.clone_from(serializers);
        }
        if let Some(authid) = &layer.authid {
            config.authid = Some(authid.clone());
        }
        if let Some(authrole) = &layer.authrole {
            config.authrole = Some(authrole.clone());
        }
        if let Some(interval) = layer.ping_interval {
            config.ping_interval = (!interval.is_zero()).then_some(interval);
        }
        if let Some(timeout) = layer.ping_timeout {
            config.ping_timeout = timeout;
        }
        if let Some(capacity) = layer.event_queue {
            config.event_queue = capacity;
        }
        if let Some(capacity) = layer.invocation_queue {
            config.invocation_queue = capacity;
        }
        if let Some(method) = layer.auth_method {
            config.auth.method = method;
        }
        if let Some(secret) = &layer.secret {
            config.auth.secret = Some(secret.clone());
        }
        if let Some(authextra) = &layer.authextra {
            config.authextra.clone_from(authextra);
        }
        layer.tls.apply_to(&mut config.tls);
        let raw = &layer.reconnect;
        let policy = &mut config.reconnect;
        if let Some(delay) = raw.initial_delay {
            policy.initial_delay = delay.0;
        }
        if let Some(multiplier) = raw.multiplier {
            policy.multiplier = multiplier;
        }
        if let Some(jitter) = raw.jitter {
            policy.jitter = jitter;
        }
        if let Some(delay) = raw.max_delay {
            policy.max_delay = delay.0;
        }
        if let Some(attempts) = raw.max_attempts {
            policy.max_attempts = Some(attempts);
        }
        self
    }

    pub(super) fn finish(&self) -> ClientConfig {
        let mut config = self.config.clone();
        config.url = self.address.to_url();
        config.failover_urls = self.failover.iter().map(Address::to_url).collect();
        config
    }
}

/// Turns a parsed file into a [`Config`], checking every value.
pub(super) fn resolve_file(file: RawFile) -> Result<Config, KeyError> {
    resolve_level(file, "")
}

fn resolve_level(file: RawFile, prefix: &str) -> Result<Config, KeyError> {
    let (top, clients, components) = file.split();
    if let Some(components) = components {
        let key = join_key(prefix, "components");
        if !prefix.is_empty() {
            return Err(KeyError::new(key, "components cannot be nested"));
        }
        if !top.is_empty() || clients.is_some() {
            return Err(KeyError::new(
                key,
                "cannot be combined with other top-level keys; \
                 put every setting under components.wamp",
            ));
        }
        let RawComponents { wamp } = *components;
        return resolve_level(wamp, &join_key(prefix, "components.wamp"));
    }

    let top_layer = Layer::check(&top, prefix)?;
    let mut base = Resolver::default();
    base.apply(&top_layer);

    let Some(clients) = clients else {
        let config = base.finish();
        config.auth.check(prefix, false)?;
        config.tls.check(prefix)?;
        return Ok(Config::single(config));
    };
    let clients_key = join_key(prefix, "clients");
    if clients.0.is_empty() {
        return Err(KeyError::new(
            clients_key,
            "must name at least one client (or leave clients out for a single client)",
        ));
    }
    let mut resolved = Vec::with_capacity(clients.0.len());
    for (name, raw) in &clients.0 {
        if name.trim().is_empty() {
            return Err(KeyError::new(clients_key, "a client name must not be empty"));
        }
        let client_key = format!("{clients_key}.{name}");
        let layer = Layer::check(raw, &client_key)?;
        let config = base.clone().apply(&layer).finish();
        config.auth.check(&client_key, false)?;
        config.tls.check(&client_key)?;
        resolved.push((name.clone(), config));
    }
    Ok(Config::from_clients(resolved))
}

impl ReconnectPolicy {
    /// Checks the policy's values; `prefix` names where it came from.
    pub(super) fn check(&self, prefix: &str) -> Result<(), KeyError> {
        let raw = RawReconnect {
            multiplier: Some(self.multiplier),
            jitter: Some(self.jitter),
            ..RawReconnect::default()
        };
        let client = RawClient {
            reconnect: Some(raw),
            ..RawClient::default()
        };
        Layer::check(&client, prefix).map(|_| ())
    }
}

/// Moves the keys of asphalt-wamp's `protocol_options` table to the top
/// level, where this crate keeps them; a key given in both places is an
/// error naming both.
fn fold_protocol_options(raw: &RawClient, key: &dyn Fn(&str) -> String) -> Result<RawClient, KeyError> {
    let mut folded = raw.clone();
    let Some(options) = folded.protocol_options.take() else {
        return Ok(folded);
    };
    let conflict = |name: &str| {
        KeyError::new(
            key(&format!("protocol_options.{name}")),
            format!("cannot be combined with {}", key(name)),
        )
    };
    if let Some(value) = options.ping_interval {
        if folded.ping_interval.replace(value).is_some() {
            return Err(conflict("ping_interval"));
        }
    }
    if let Some(value) = options.ping_timeout {
        if folded.ping_timeout.replace(value).is_some() {
            return Err(conflict("ping_timeout"));
        }
    }
    if let Some(value) = options.max_message_size {
        if folded.max_message_size.replace(value).is_some() {
            return Err(conflict("max_message_size"));
        }
    }
    Ok(folded)
}
