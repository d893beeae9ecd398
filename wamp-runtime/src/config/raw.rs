//! The file's shape, as serde sees it: every key optional, unknown keys
//! rejected. Values are checked and defaults filled in by `resolve.rs`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Unexpected, Visitor};
use wamp_protocol::Dict;

use super::auth::{AuthMethod, Secret};
use super::tls::RawTlsKey;

/// The `url` key: one URL, or a list of them (several nodes of a router).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct RawUrls(pub(super) Vec<String>);

impl<'de> Deserialize<'de> for RawUrls {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UrlsVisitor;

        impl<'de> Visitor<'de> for UrlsVisitor {
            type Value = RawUrls;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a router URL or a list of router URLs")
            }

            fn visit_str<E: de::Error>(self, url: &str) -> Result<RawUrls, E> {
                Ok(RawUrls(vec![url.to_owned()]))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawUrls, A::Error> {
                let mut urls = Vec::new();
                while let Some(url) = seq.next_element::<String>()? {
                    urls.push(url);
                }
                Ok(RawUrls(urls))
            }
        }

        deserializer.deserialize_any(UrlsVisitor)
    }
}

/// Declares the client keys once and derives from them both the per-client
/// table and the top-level table (which adds `clients` and `components`).
macro_rules! client_keys {
    ($($(#[$doc:meta])* $field:ident: $ty:ty,)*) => {
        /// The keys of one client (or the inherited defaults of all clients).
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(super) struct RawClient {
            $($(#[$doc])* pub(super) $field: Option<$ty>,)*
        }

        /// The whole file: the client keys (the default client, or the
        /// defaults of every client in `clients`), plus `clients` and the
        /// asphalt-style `components: {wamp: ...}` wrapper.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(super) struct RawFile {
            $($field: Option<$ty>,)*
            clients: Option<RawClients>,
            components: Option<Box<RawComponents>>,
        }

        impl RawFile {
            /// Splits into the top-level client keys, `clients` and
            /// `components`.
            pub(super) fn split(
                self,
            ) -> (RawClient, Option<RawClients>, Option<Box<RawComponents>>) {
                (
                    RawClient { $($field: self.$field,)* },
                    self.clients,
                    self.components,
                )
            }
        }

        impl RawClient {
            /// Whether no key at all is set.
            pub(super) fn is_empty(&self) -> bool {
                true $(&& self.$field.is_none())*
            }
        }
    };
}

client_keys! {
    /// `ws://host:port/path` or `wss://...`, or a list of router URLs tried
    /// in order; excludes host/port/path/tls.
    url: RawUrls,
    realm: String,
    host: String,
    port: u16,
    path: String,
    /// `true`/`false` (wss:// or ws://), or a table of TLS settings.
    tls: RawTlsKey,
    connection_timeout: RawDuration,
    shutdown_timeout: RawDuration,
    max_message_size: usize,
    /// Preference order, e.g. `[cbor, msgpack, json]`.
    serializers: Vec<RawSerializer>,
    authid: String,
    authrole: String,
    /// 0 disables pings.
    ping_interval: RawDuration,
    ping_timeout: RawDuration,
    /// asphalt-wamp's `protocol_options`: the same three keys as the
    /// top-level `ping_interval`, `ping_timeout` and `max_message_size`.
    protocol_options: RawProtocolOptions,
    reconnect: RawReconnect,
    /// Events one subscriber may hold waiting for its handler.
    event_queue: usize,
    /// Invocations one procedure may hold at once.
    invocation_queue: usize,
    /// The method and its secret.
    auth: RawAuth,
    /// Sent as HELLO `authextra`; replaces an inherited one as a whole.
    authextra: Dict,
}

/// The `protocol_options:` table of asphalt-wamp configurations.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProtocolOptions {
    pub(super) ping_interval: Option<RawDuration>,
    pub(super) ping_timeout: Option<RawDuration>,
    pub(super) max_message_size: Option<usize>,
}

/// `components: {wamp: {...}}`, as in asphalt's configuration files.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawComponents {
    pub(super) wamp: RawFile,
}

/// The `reconnect:` table; each key is inherited separately.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReconnect {
    pub(super) initial_delay: Option<RawDuration>,
    pub(super) multiplier: Option<f64>,
    pub(super) jitter: Option<f64>,
    pub(super) max_delay: Option<RawDuration>,
    pub(super) max_attempts: Option<u32>,
}

/// The `auth:` table. `secret` and `secret_file` exclude each other; at a
/// level that gives either, both inherited ones are replaced.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuth {
    pub(super) method: Option<AuthMethod>,
    pub(super) secret: Option<Secret>,
    pub(super) secret_file: Option<PathBuf>,
}

impl RawFile {
    /// Makes every relative `auth.secret_file` and TLS file (`tls.ca_file`,
    /// `tls.client_cert`, `tls.client_key`) relative to `dir` (the directory
    /// of the configuration file).
    pub(super) fn rebase_paths(&mut self, dir: &Path) {
        let rebase = |auth: &mut Option<RawAuth>, tls: &mut Option<RawTlsKey>| {
            if let Some(path) = auth.as_mut().and_then(|a| a.secret_file.as_mut()) {
                if path.is_relative() {
                    *path = dir.join(&*path);
                }
            }
            if let Some(tls) = tls {
                tls.0.rebase_paths(dir);
            }
        };
        rebase(&mut self.auth, &mut self.tls);
        if let Some(clients) = &mut self.clients {
            for (_, client) in &mut clients.0 {
                rebase(&mut client.auth, &mut client.tls);
            }
        }
        if let Some(components) = &mut self.components {
            components.wamp.rebase_paths(dir);
        }
    }
}

/// The `clients:` map, in the order of the file; duplicate names are an
/// error, and a client given as an empty value (`wamp1:` in YAML) inherits
/// everything.
#[derive(Debug, Default)]
pub(super) struct RawClients(pub(super) Vec<(String, RawClient)>);

impl<'de> Deserialize<'de> for RawClients {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ClientsVisitor)
    }
}

struct ClientsVisitor;

impl<'de> Visitor<'de> for ClientsVisitor {
    type Value = RawClients;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map from client names to client settings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut clients: Vec<(String, RawClient)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            if clients.iter().any(|(seen, _)| *seen == name) {
                return Err(de::Error::custom(format_args!("client {name:?} is defined twice")));
            }
            let client = map.next_value::<Option<RawClient>>()?.unwrap_or_default();
            clients.push((name, client));
        }
        Ok(RawClients(clients))
    }
}

/// A serializer name in a file: `json`, `msgpack` or `cbor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RawSerializer(pub(super) wamp_protocol::SerializerKind);

impl<'de> Deserialize<'de> for RawSerializer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map(RawSerializer).map_err(de::Error::custom)
    }
}

/// A duration in a file: a number of seconds (integer or not) or a string
/// with a unit (`"500ms"`, `"10s"`, `"1.5m"`, `"1h"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RawDuration(pub(super) Duration);

impl<'de> Deserialize<'de> for RawDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DurationVisitor).map(RawDuration)
    }
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a duration: a number of seconds (e.g. 10 or 0.5) \
             or a string with a unit (e.g. \"500ms\", \"10s\", \"2m\", \"1h\")",
        )
    }

    fn visit_u64<E: de::Error>(self, secs: u64) -> Result<Duration, E> {
        Ok(Duration::from_secs(secs))
    }

    fn visit_i64<E: de::Error>(self, secs: i64) -> Result<Duration, E> {
        u64::try_from(secs)
            .map(Duration::from_secs)
            .map_err(|_| E::invalid_value(Unexpected::Signed(secs), &self))
    }

    fn visit_f64<E: de::Error>(self, secs: f64) -> Result<Duration, E> {
        seconds_to_duration(secs).ok_or_else(|| E::invalid_value(Unexpected::Float(secs), &self))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
        parse_duration(text).ok_or_else(|| E::invalid_value(Unexpected::Str(text), &self))
    }
}

/// A non-negative, finite number of seconds as a [`Duration`].
fn seconds_to_duration(secs: f64) -> Option<Duration> {
    if secs.is_finite() && secs >= 0.0 {
        Duration::try_from_secs_f64(secs).ok()
    } else {
        None
    }
}

/// Parses `"250ms"`, `"10s"`, `"1.5m"`, `"1min"`, `"2h"` or a bare number of
/// seconds (`"10"`, `"0.5"`). Surrounding and inner blanks are allowed
/// (`"10 s"`).
pub(super) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let scale = match unit.trim_start() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 0.001,
        "m" | "min" | "mins" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    seconds_to_duration(value * scale)
}
