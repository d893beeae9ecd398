//! Building Crossbar node configurations.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// The string that stands for a transport's TCP port in the JSON given to
/// [`RouterConfig::raw_transport`]: every JSON string value exactly equal to
/// `"$PORT"` is replaced by the (number) port picked for that transport.
pub const PORT_PLACEHOLDER: &str = "$PORT";

/// The serializers every transport built by the helpers offers.
const SERIALIZERS: [&str; 3] = ["json", "msgpack", "cbor"];

/// One permission entry of a Crossbar role (`uri`, `match`, `allow`,
/// `disclose`, `cache`).
///
/// `match_policy` is `"exact"`, `"prefix"` or `"wildcard"`; `allow` lists the
/// allowed actions out of `"call"`, `"register"`, `"publish"` and
/// `"subscribe"`. Caller and publisher are not disclosed; `cache` is on.
///
/// ```
/// let p = wamp_testkit::permission("public.", "prefix", &["call", "subscribe"]);
/// assert_eq!(p["allow"]["publish"], false);
/// ```
pub fn permission(uri: &str, match_policy: &str, allow: &[&str]) -> Value {
    let allowed = |action: &str| allow.contains(&action);
    json!({
        "uri": uri,
        "match": match_policy,
        "allow": {
            "call": allowed("call"),
            "register": allowed("register"),
            "publish": allowed("publish"),
            "subscribe": allowed("subscribe"),
        },
        "disclose": {"caller": false, "publisher": false},
        "cache": true,
    })
}

/// The same permission with caller and publisher disclosed.
pub fn disclosing(mut permission: Value) -> Value {
    permission["disclose"] = json!({"caller": true, "publisher": true});
    permission
}

#[derive(Debug, Clone)]
struct Realm {
    name: String,
    roles: Vec<Value>,
}

#[derive(Debug, Clone)]
struct Transport {
    name: String,
    /// Crossbar transport JSON, possibly containing [`PORT_PLACEHOLDER`].
    json: Value,
    fixed_port: Option<u16>,
}

/// Builder for a Crossbar node configuration (`config.json`, node config
/// version 2) with one router worker.
///
/// Transports are named; each one whose JSON contains [`PORT_PLACEHOLDER`]
/// gets its own free loopback port when the router starts (or a fixed one, see
/// [`fixed_port`](Self::fixed_port)). The first transport is the default one
/// ([`Router::url`](crate::Router::url)).
///
/// [`RouterConfig::default()`] is the configuration of
/// [`shared_router`](crate::shared_router): realm `realm1` with roles
/// `anonymous` (everything allowed on every URI) and `restricted` (only call
/// and subscribe under `public.`), and two anonymous websocket transports,
/// `"default"` (role `anonymous`) and `"restricted"` (role `restricted`).
///
/// ```
/// use serde_json::json;
/// use wamp_testkit::{RouterConfig, permission};
///
/// let config = RouterConfig::default()
///     .role("realm1", "user", json!([permission("", "prefix", &["call", "subscribe"])]))
///     .websocket_transport(
///         "ticket",
///         json!({"ticket": {"type": "static",
///                           "principals": {"alice": {"ticket": "s3cr3t", "role": "user"}}}}),
///     );
/// assert_eq!(config.transport_names(), ["default", "restricted", "ticket"]);
/// ```
#[derive(Debug, Clone)]
pub struct RouterConfig {
    realms: Vec<Realm>,
    transports: Vec<Transport>,
    /// Files written into the node directory before the node starts.
    files: Vec<(String, Vec<u8>)>,
}

impl Default for RouterConfig {
    /// Realm `realm1`; roles `anonymous` (`""` prefix: call, register,
    /// publish, subscribe; under `disclosed.` the same with caller and
    /// publisher disclosed, because Crossbar decides disclosure by role
    /// permission only) and `restricted` (`public.` prefix: call and
    /// subscribe only); websocket transports `"default"` (anonymous →
    /// `anonymous`) and `"restricted"` (anonymous → `restricted`), both with
    /// json, msgpack and cbor and no auto-ping.
    fn default() -> Self {
        RouterConfig::new()
            .role(
                "realm1",
                "anonymous",
                json!([
                    permission("", "prefix", &["call", "register", "publish", "subscribe"]),
                    disclosing(permission(
                        "disclosed.",
                        "prefix",
                        &["call", "register", "publish", "subscribe"]
                    )),
                ]),
            )
            .role(
                "realm1",
                "restricted",
                json!([permission("public.", "prefix", &["call", "subscribe"])]),
            )
            .websocket_transport("default", json!({"anonymous": {"type": "static", "role": "anonymous"}}))
            .websocket_transport(
                "restricted",
                json!({"anonymous": {"type": "static", "role": "restricted"}}),
            )
    }
}

impl RouterConfig {
    /// An empty configuration: no realms, no transports.
    pub fn new() -> Self {
        RouterConfig {
            realms: Vec::new(),
            transports: Vec::new(),
            files: Vec::new(),
        }
    }

    /// Adds realm `name` (without roles) unless it already exists.
    pub fn realm(mut self, name: &str) -> Self {
        self.realm_mut(name);
        self
    }

    /// Adds (or replaces) role `name` in `realm`, creating the realm if needed.
    ///
    /// `permissions` is either a JSON array of permission objects (see
    /// [`permission`]) which becomes the role's `"permissions"`, or a JSON
    /// object with the role's other keys (e.g. `{"authorizer":
    /// "com.example.authorize"}` for a dynamic authorizer, or `{"permissions":
    /// [...]}`); `"name"` is set by this method.
    pub fn role(mut self, realm: &str, name: &str, permissions: Value) -> Self {
        let mut role = match permissions {
            Value::Object(map) => map,
            other => {
                let mut map = Map::new();
                map.insert("permissions".into(), other);
                map
            }
        };
        role.insert("name".into(), Value::String(name.into()));
        let role = Value::Object(role);
        let realm = self.realm_mut(realm);
        match realm.roles.iter_mut().find(|r| r["name"] == name) {
            Some(existing) => *existing = role,
            None => realm.roles.push(role),
        }
        self
    }

    /// Adds a plain WebSocket transport named `name` on a free loopback port,
    /// offering json, msgpack and cbor, with `auth` as its Crossbar `"auth"`
    /// section (e.g. `{"anonymous": {"type": "static", "role": "anonymous"}}`,
    /// or ticket / wampcra / cryptosign sections). Crossbar answers on any URL
    /// path; [`Router::transport_url`](crate::Router::transport_url) gives
    /// `ws://127.0.0.1:PORT/ws`.
    pub fn websocket_transport(self, name: &str, auth: Value) -> Self {
        self.raw_transport(
            name,
            json!({
                "type": "websocket",
                "endpoint": {"type": "tcp", "interface": "127.0.0.1", "port": PORT_PLACEHOLDER},
                "serializers": SERIALIZERS,
                "auth": auth,
            }),
        )
    }

    /// Adds a RawSocket transport named `name` on a free loopback TCP port,
    /// offering json, msgpack and cbor, with `auth` as its `"auth"` section.
    /// Its URL is `rs://127.0.0.1:PORT`.
    pub fn rawsocket_transport(self, name: &str, auth: Value) -> Self {
        self.raw_transport(
            name,
            json!({
                "type": "rawsocket",
                "endpoint": {"type": "tcp", "interface": "127.0.0.1", "port": PORT_PLACEHOLDER},
                "serializers": SERIALIZERS,
                "auth": auth,
            }),
        )
    }

    /// Adds (or replaces) transport `name` given as raw Crossbar transport
    /// JSON. Write `"$PORT"` ([`PORT_PLACEHOLDER`]) where the TCP port goes,
    /// e.g. `"endpoint": {"type": "tcp", "interface": "127.0.0.1", "port":
    /// "$PORT"}`; the router waits for that port to accept connections.
    /// A transport without the placeholder (e.g. a Unix socket) gets no port
    /// and is not waited for.
    ///
    /// Its URL is derived from the JSON: `"websocket"` → `ws://HOST:PORT/ws`,
    /// `"web"` → `ws://HOST:PORT/<first websocket path>`, `"rawsocket"` →
    /// `rs://HOST:PORT` (`unix://PATH` for a Unix endpoint); `wss`/`rss` when
    /// the endpoint has a `"tls"` section.
    pub fn raw_transport(mut self, name: &str, transport: Value) -> Self {
        let new = Transport {
            name: name.into(),
            json: transport,
            fixed_port: None,
        };
        match self.transports.iter_mut().find(|t| t.name == name) {
            Some(existing) => *existing = new,
            None => self.transports.push(new),
        }
        self
    }

    /// Writes a file into the node directory (the cbdir) before the node
    /// starts, e.g. the TLS key and certificate that a transport's
    /// `"tls": {"key": "server.key", "certificate": "server.crt"}` names
    /// (Crossbar resolves such paths relative to the cbdir). `name` is a
    /// path relative to the cbdir (subdirectories are created); a second
    /// file with the same name replaces the first.
    ///
    /// # Panics
    /// If `name` is absolute or contains `..`.
    pub fn file(mut self, name: &str, contents: impl Into<Vec<u8>>) -> Self {
        let path = std::path::Path::new(name);
        assert!(
            path.is_relative() && !path.components().any(|c| matches!(c, std::path::Component::ParentDir)),
            "RouterConfig::file: {name:?} must be a relative path inside the cbdir"
        );
        let contents = contents.into();
        match self.files.iter_mut().find(|(n, _)| n == name) {
            Some((_, existing)) => *existing = contents,
            None => self.files.push((name.to_owned(), contents)),
        }
        self
    }

    /// The files given with [`file`](Self::file), in order.
    pub(crate) fn files(&self) -> &[(String, Vec<u8>)] {
        &self.files
    }

    /// Uses `port` for transport `name` instead of a free port.
    ///
    /// # Panics
    /// If there is no transport `name`.
    pub fn fixed_port(mut self, name: &str, port: u16) -> Self {
        let transport = self
            .transports
            .iter_mut()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("RouterConfig::fixed_port: no transport named {name:?}"));
        transport.fixed_port = Some(port);
        self
    }

    /// The realm names, in the order they were added (the first is the one
    /// [`Router::client_config`](crate::Router::client_config) joins).
    pub fn realm_names(&self) -> Vec<&str> {
        self.realms.iter().map(|r| r.name.as_str()).collect()
    }

    /// The transport names, in order (the first is the default transport).
    pub fn transport_names(&self) -> Vec<&str> {
        self.transports.iter().map(|t| t.name.as_str()).collect()
    }

    /// Picks a port for every transport that needs one: its fixed port or a
    /// fresh [`free_port`](crate::free_port).
    pub(crate) fn pick_ports(&self) -> BTreeMap<String, u16> {
        let mut ports = BTreeMap::new();
        for t in &self.transports {
            if contains_placeholder(&t.json) {
                let port = t.fixed_port.unwrap_or_else(|| {
                    loop {
                        let p = crate::free_port();
                        if !ports.values().any(|&used| used == p) {
                            break p;
                        }
                    }
                });
                ports.insert(t.name.clone(), port);
            }
        }
        ports
    }

    /// True if some transport has a fixed port.
    pub(crate) fn has_fixed_ports(&self) -> bool {
        self.transports.iter().any(|t| t.fixed_port.is_some())
    }

    /// The node configuration with `ports[name]` substituted for the port
    /// placeholder of each transport.
    pub fn to_json(&self, ports: &BTreeMap<String, u16>) -> Value {
        let realms: Vec<Value> = self
            .realms
            .iter()
            .map(|r| json!({"name": r.name, "roles": r.roles}))
            .collect();
        let transports: Vec<Value> = self
            .transports
            .iter()
            .map(|t| substitute(&t.json, ports.get(&t.name).copied()))
            .collect();
        json!({
            "version": 2,
            "controller": {},
            "workers": [{
                "type": "router",
                "realms": realms,
                "transports": transports,
            }],
        })
    }

    /// `(name, url)` of every transport, in order, with the given ports.
    pub(crate) fn urls(&self, ports: &BTreeMap<String, u16>) -> Vec<(String, String)> {
        self.transports
            .iter()
            .map(|t| {
                let json = substitute(&t.json, ports.get(&t.name).copied());
                (t.name.clone(), transport_url(&json, ports.get(&t.name)))
            })
            .collect()
    }

    fn realm_mut(&mut self, name: &str) -> &mut Realm {
        let idx = match self.realms.iter().position(|r| r.name == name) {
            Some(idx) => idx,
            None => {
                self.realms.push(Realm {
                    name: name.into(),
                    roles: Vec::new(),
                });
                self.realms.len() - 1
            }
        };
        &mut self.realms[idx]
    }
}

fn contains_placeholder(v: &Value) -> bool {
    match v {
        Value::String(s) => s == PORT_PLACEHOLDER,
        Value::Array(a) => a.iter().any(contains_placeholder),
        Value::Object(o) => o.values().any(contains_placeholder),
        _ => false,
    }
}

fn substitute(v: &Value, port: Option<u16>) -> Value {
    match (v, port) {
        (Value::String(s), Some(port)) if s == PORT_PLACEHOLDER => Value::from(port),
        (Value::Array(a), _) => Value::Array(a.iter().map(|x| substitute(x, port)).collect()),
        (Value::Object(o), _) => Value::Object(o.iter().map(|(k, x)| (k.clone(), substitute(x, port))).collect()),
        _ => v.clone(),
    }
}

fn transport_url(t: &Value, port: Option<&u16>) -> String {
    let endpoint = &t["endpoint"];
    let host = endpoint["interface"].as_str().unwrap_or("127.0.0.1");
    let tls = endpoint.get("tls").is_some();
    let hostport = match port {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    match t["type"].as_str() {
        Some("rawsocket") if endpoint["type"] == "unix" => {
            format!("unix://{}", endpoint["path"].as_str().unwrap_or(""))
        }
        Some("rawsocket") => format!("{}://{hostport}", if tls { "rss" } else { "rs" }),
        Some("web") => {
            let path = t["paths"]
                .as_object()
                .and_then(|paths| {
                    paths
                        .iter()
                        .find(|(_, svc)| svc["type"] == "websocket")
                        .map(|(k, _)| k.clone())
                })
                .unwrap_or_else(|| "ws".into());
            let path = if path == "/" { String::new() } else { path };
            format!("{}://{hostport}/{path}", if tls { "wss" } else { "ws" })
        }
        _ => format!("{}://{hostport}/ws", if tls { "wss" } else { "ws" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_has_ports_substituted() {
        let cfg = RouterConfig::default();
        let ports = cfg.pick_ports();
        assert_eq!(ports.len(), 2);
        let json = cfg.to_json(&ports);
        let transports = json["workers"][0]["transports"].as_array().expect("transports array");
        assert_eq!(transports[0]["endpoint"]["port"], ports["default"]);
        assert_eq!(transports[1]["auth"]["anonymous"]["role"], "restricted");
        let roles = &json["workers"][0]["realms"][0]["roles"];
        assert_eq!(roles[0]["name"], "anonymous");
        assert_eq!(roles[1]["permissions"][0]["allow"]["publish"], false);
        let urls = cfg.urls(&ports);
        assert_eq!(urls[0].1, format!("ws://127.0.0.1:{}/ws", ports["default"]));
    }

    #[test]
    fn urls_follow_transport_type() {
        let web = json!({"type": "web", "endpoint": {"type": "tcp", "port": "$PORT",
            "tls": {"key": "k", "certificate": "c"}},
            "paths": {"/": {"type": "static"}, "wamp": {"type": "websocket"}}});
        let cfg = RouterConfig::new()
            .raw_transport("web", web)
            .rawsocket_transport("rs", json!({}))
            .fixed_port("rs", 4000);
        let ports = cfg.pick_ports();
        assert_eq!(ports["rs"], 4000);
        let urls = cfg.urls(&ports);
        assert_eq!(urls[0].1, format!("wss://127.0.0.1:{}/wamp", ports["web"]));
        assert_eq!(urls[1].1, "rs://127.0.0.1:4000");
    }
}
