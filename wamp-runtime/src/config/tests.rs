// Fields are set after `default()` on purpose: that is how code outside the
// crate adjusts these `#[non_exhaustive]` structs.
#![allow(clippy::unwrap_used, clippy::field_reassign_with_default)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::raw::parse_duration;
use super::*;
use wamp_protocol::{Dict, Value};

fn yaml(text: &str) -> Config {
    match Config::from_yaml_str(text) {
        Ok(config) => config,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn toml(text: &str) -> Config {
    match Config::from_toml_str(text) {
        Ok(config) => config,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn yaml_err(text: &str) -> String {
    Config::from_yaml_str(text).unwrap_err().to_string()
}

fn toml_err(text: &str) -> String {
    Config::from_toml_str(text).unwrap_err().to_string()
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    move |name: &str| map.get(name).cloned()
}

/// A file in the system's temporary directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!("wamp-config-test-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// ---- defaults ------------------------------------------------------------

#[test]
fn client_defaults() {
    let c = ClientConfig::default();
    assert_eq!(c.url, "ws://localhost:8080/ws");
    assert_eq!(c.realm, "realm1");
    assert_eq!(c.connection_timeout, Duration::from_secs(10));
    assert_eq!(c.shutdown_timeout, Duration::from_secs(15));
    assert_eq!(c.max_message_size, 16 * 1024 * 1024);
    assert_eq!(c.authid, None);
    assert_eq!(c.authrole, None);
    assert_eq!(c.ping_interval, Some(Duration::from_secs(30)));
    assert_eq!(c.ping_timeout, Duration::from_secs(10));
    assert_eq!(c.reconnect, ReconnectPolicy::default());
    assert!(!c.uses_tls());
    c.validate().unwrap();
}

#[test]
fn config_default_is_a_single_default_client() {
    let config = Config::default();
    assert_eq!(config.len(), 1);
    assert!(!config.is_empty());
    assert_eq!(config.default_client_name(), Some("default"));
    assert_eq!(config.default_client(), Some(&ClientConfig::default()));
    assert_eq!(config.client("default"), Some(&ClientConfig::default()));
    config.validate().unwrap();
}

#[test]
fn empty_files_give_the_defaults() {
    assert_eq!(yaml(""), Config::default());
    assert_eq!(yaml("# nothing here\n\n"), Config::default());
    assert_eq!(yaml("{}"), Config::default());
    assert_eq!(toml(""), Config::default());
}

// ---- single client -------------------------------------------------------

#[test]
fn yaml_single_client() {
    let config = yaml(
        "realm: myrealm
host: crossbar.example.org
port: 8181
path: /router
tls: true
connection_timeout: 2.5
shutdown_timeout: 30
max_message_size: 1048576
authid: alice
authrole: user
ping_interval: 0
ping_timeout: \"500ms\"
",
    );
    let c = config.default_client().unwrap();
    assert_eq!(config.default_client_name(), Some("default"));
    assert_eq!(c.url, "wss://crossbar.example.org:8181/router");
    assert!(c.uses_tls());
    assert_eq!(c.realm, "myrealm");
    assert_eq!(c.connection_timeout, Duration::from_millis(2500));
    assert_eq!(c.shutdown_timeout, Duration::from_secs(30));
    assert_eq!(c.max_message_size, 1 << 20);
    assert_eq!(c.authid.as_deref(), Some("alice"));
    assert_eq!(c.authrole.as_deref(), Some("user"));
    assert_eq!(c.ping_interval, None);
    assert_eq!(c.ping_timeout, Duration::from_millis(500));
}

#[test]
fn seed_single_client_example_with_components_wrapper() {
    let config = yaml(
        "components:
    wamp:
      realm: myrealmname
      host: crossbar.example.org
      port: 8181
      tls: true
",
    );
    let c = config.default_client().unwrap();
    assert_eq!(c.url, "wss://crossbar.example.org:8181/ws");
    assert_eq!(c.realm, "myrealmname");
}

#[test]
fn toml_single_client() {
    let config = toml(
        r#"
realm = "myrealm"
host = "crossbar.example.org"
port = 8181
tls = true
connection_timeout = 3
shutdown_timeout = "1m"
authid = "bob"

[reconnect]
initial_delay = 0.25
max_attempts = 5
"#,
    );
    let c = config.default_client().unwrap();
    assert_eq!(c.url, "wss://crossbar.example.org:8181/ws");
    assert_eq!(c.realm, "myrealm");
    assert_eq!(c.connection_timeout, Duration::from_secs(3));
    assert_eq!(c.shutdown_timeout, Duration::from_secs(60));
    assert_eq!(c.authid.as_deref(), Some("bob"));
    assert_eq!(c.reconnect.initial_delay, Duration::from_millis(250));
    assert_eq!(c.reconnect.max_attempts, Some(5));
    assert_eq!(c.reconnect.multiplier, 2.0);
}

#[test]
fn url_is_kept_as_written() {
    let c = yaml("url: wss://router.example.org/ws?x=1\nrealm: r\n");
    assert_eq!(c.default_client().unwrap().url, "wss://router.example.org/ws?x=1");
    let c = toml("url = \"ws://[::1]:9000/ws\"");
    assert_eq!(c.default_client().unwrap().url, "ws://[::1]:9000/ws");
}

#[test]
fn ipv6_host_is_bracketed() {
    let c = yaml("host: \"::1\"\nport: 9000\n");
    assert_eq!(c.default_client().unwrap().url, "ws://[::1]:9000/ws");
    let c = yaml("host: \"[::1]\"\n");
    assert_eq!(c.default_client().unwrap().url, "ws://[::1]:8080/ws");
}

// ---- several clients -----------------------------------------------------

const SEED_MULTI: &str = "components:
    wamp:
      tls: true
      clients:
        wamp1:
          realm: myrealmname
          host: crossbar.example.org
          port: 8181
        wamp2:
          realm: otherrealm
          host: crossbar.company.com
";

#[test]
fn seed_multiple_clients_example() {
    let config = yaml(SEED_MULTI);
    let names: Vec<&str> = config.clients().map(|(n, _)| n).collect();
    assert_eq!(names, ["wamp1", "wamp2"]);
    let wamp1 = config.client("wamp1").unwrap();
    assert_eq!(wamp1.url, "wss://crossbar.example.org:8181/ws");
    assert_eq!(wamp1.realm, "myrealmname");
    let wamp2 = config.client("wamp2").unwrap();
    assert_eq!(wamp2.url, "wss://crossbar.company.com:8080/ws");
    assert_eq!(wamp2.realm, "otherrealm");
    assert_eq!(config.default_client(), None);
    assert_eq!(config.default_client_name(), None);
    assert_eq!(config.client("default"), None);
    assert_eq!(config.len(), 2);

    // The same without the asphalt wrapper, and in TOML.
    let plain = yaml(
        "tls: true
clients:
  wamp1: {realm: myrealmname, host: crossbar.example.org, port: 8181}
  wamp2: {realm: otherrealm, host: crossbar.company.com}
",
    );
    assert_eq!(plain, config);
    let from_toml = toml(
        r#"
tls = true
[clients.wamp1]
realm = "myrealmname"
host = "crossbar.example.org"
port = 8181
[clients.wamp2]
realm = "otherrealm"
host = "crossbar.company.com"
"#,
    );
    assert_eq!(from_toml, config);
}

#[test]
fn clients_keep_file_order() {
    let config = yaml("clients:\n  zeta: {}\n  alpha: {}\n  mid:\n");
    let names: Vec<&str> = config.clients().map(|(n, _)| n).collect();
    assert_eq!(names, ["zeta", "alpha", "mid"]);
    // `mid:` with no value inherits everything.
    assert_eq!(config.client("mid"), Some(&ClientConfig::default()));
}

#[test]
fn top_level_keys_are_inherited_and_client_keys_win() {
    let config = yaml(
        "realm: shared
connection_timeout: 5
authid: service
reconnect: {initial_delay: 2, max_attempts: 3}
clients:
  a: {}
  b:
    realm: own
    connection_timeout: 1
    reconnect: {max_attempts: 7}
",
    );
    let a = config.client("a").unwrap();
    assert_eq!(a.realm, "shared");
    assert_eq!(a.connection_timeout, Duration::from_secs(5));
    assert_eq!(a.authid.as_deref(), Some("service"));
    assert_eq!(a.reconnect.initial_delay, Duration::from_secs(2));
    assert_eq!(a.reconnect.max_attempts, Some(3));
    let b = config.client("b").unwrap();
    assert_eq!(b.realm, "own");
    assert_eq!(b.connection_timeout, Duration::from_secs(1));
    assert_eq!(b.authid.as_deref(), Some("service"));
    // Inside `reconnect`, key by key.
    assert_eq!(b.reconnect.initial_delay, Duration::from_secs(2));
    assert_eq!(b.reconnect.max_attempts, Some(7));
}

#[test]
fn inherited_url_can_be_overridden_part_by_part() {
    let config = yaml(
        "url: wss://router.example.org:8181/ws
clients:
  same: {}
  other_port: {port: 9000}
  plain: {tls: false}
  own_url: {url: \"ws://elsewhere:1234/x\"}
",
    );
    let url = |name: &str| config.client(name).unwrap().url.clone();
    assert_eq!(url("same"), "wss://router.example.org:8181/ws");
    assert_eq!(url("other_port"), "wss://router.example.org:9000/ws");
    assert_eq!(url("plain"), "ws://router.example.org:8181/ws");
    assert_eq!(url("own_url"), "ws://elsewhere:1234/x");

    // And a client's url replaces inherited parts entirely.
    let config = yaml("host: a.example\nport: 1\nclients:\n  c: {url: \"wss://b.example/ws\"}\n");
    assert_eq!(config.client("c").unwrap().url, "wss://b.example/ws");
}

#[test]
fn default_client_rules() {
    // One client: it is the default.
    let config = yaml("clients:\n  only: {realm: r}\n");
    assert_eq!(config.default_client_name(), Some("only"));
    assert_eq!(config.default_client().unwrap().realm, "r");
    // Several: the one named "default".
    let config = yaml("clients:\n  a: {}\n  default: {realm: d}\n");
    assert_eq!(config.default_client_name(), Some("default"));
    assert_eq!(config.default_client().unwrap().realm, "d");
}

#[test]
fn single_and_with_client() {
    let main = ClientConfig::new("ws://a:1/ws", "ra").unwrap();
    let other = ClientConfig::new("ws://b:2/ws", "rb").unwrap();
    let config = Config::single(main.clone()).with_client("other", other.clone());
    assert_eq!(config.default_client(), Some(&main));
    assert_eq!(config.client("other"), Some(&other));
    let names: Vec<&str> = config.clients().map(|(n, _)| n).collect();
    assert_eq!(names, ["default", "other"]);

    // Same name: replaced in place.
    let config = config.with_client("default", other.clone());
    assert_eq!(config.default_client(), Some(&other));
    assert_eq!(config.len(), 2);

    let mut config = config;
    config.client_mut("other").unwrap().realm = "changed".into();
    assert_eq!(config.client("other").unwrap().realm, "changed");
}

// ---- errors: structure ---------------------------------------------------

#[test]
fn unknown_key_in_a_client_yaml() {
    let err = Config::from_yaml_str("clients:\n  wamp1:\n    relm: x\n").unwrap_err();
    assert_eq!(err.key(), Some("clients.wamp1.relm"));
    let text = err.to_string();
    assert!(
        text.starts_with(
            "YAML text: line 3, column 5: unknown key \"relm\" in clients.wamp1 \
             (expected one of: url, realm, host, port,"
        ),
        "{text}"
    );
    assert!(text.ends_with("did you mean \"realm\"?"), "{text}");
    // The client table does not offer `clients` or `components`.
    assert!(!text.contains("clients,"), "{text}");
}

#[test]
fn unknown_key_at_top_level_toml() {
    let text = toml_err("realm = \"r\"\nprot = 1\n");
    assert!(
        text.starts_with("TOML text: line 2, column 1: unknown key \"prot\" at the top level"),
        "{text}"
    );
    assert!(text.contains("did you mean \"port\"?"), "{text}");
    assert!(text.contains("clients, components)"), "{text}");
}

#[test]
fn unknown_key_in_client_toml_and_reconnect() {
    let text = toml_err("[clients.w]\nreconect = {}\n");
    assert!(text.contains("unknown key \"reconect\" in clients.w"), "{text}");
    assert!(text.contains("did you mean \"reconnect\"?"), "{text}");
    let text = yaml_err("reconnect: {delay: 1}\n");
    assert!(
        text.contains(
            "unknown key \"delay\" in reconnect (expected one of: initial_delay, multiplier, \
             jitter, max_delay, max_attempts)"
        ),
        "{text}"
    );
    // A key far from every allowed one gets no suggestion.
    let text = yaml_err("frobnicate: 1\n");
    assert!(!text.contains("did you mean"), "{text}");
}

#[test]
fn unknown_key_under_components() {
    let text = yaml_err("components:\n  wamp:\n    clients:\n      w1: {hots: x}\n");
    assert!(
        text.contains("unknown key \"hots\" in components.wamp.clients.w1"),
        "{text}"
    );
    assert!(text.contains("did you mean \"host\"?"), "{text}");
    let text = yaml_err("components:\n  web: {}\n");
    assert!(
        text.contains("unknown key \"web\" in components (expected one of: wamp)"),
        "{text}"
    );
}

#[test]
fn bad_types_name_the_key_path() {
    let err = Config::from_yaml_str("clients:\n  wamp2:\n    port: x\n").unwrap_err();
    assert_eq!(err.key(), Some("clients.wamp2.port"));
    assert_eq!(
        err.to_string(),
        "YAML text: line 3, column 11: clients.wamp2.port: invalid type: string \"x\", expected u16"
    );
    assert_eq!(
        toml_err("[clients.wamp2]\nport = \"x\"\n"),
        "TOML text: line 2, column 8: clients.wamp2.port: invalid type: string \"x\", expected u16"
    );
    assert_eq!(
        toml_err("port = 70000\n"),
        "TOML text: line 1, column 8: port: invalid value: integer `70000`, expected u16"
    );
    let text = yaml_err("tls: maybe\n");
    assert!(
        text.contains("tls: invalid type: string \"maybe\", expected true, false or a map of TLS settings"),
        "{text}"
    );
    let text = yaml_err("clients: [a, b]\n");
    assert!(
        text.contains("clients: invalid type: sequence, expected a map from client names"),
        "{text}"
    );
}

#[test]
fn syntax_errors_name_line_and_column() {
    let err = Config::from_toml_str("realm = \"r\nport = 1\n").unwrap_err();
    match &err {
        ConfigError::Parse { line, column, .. } => {
            assert_eq!(*line, Some(1));
            assert!(column.is_some());
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().starts_with("TOML text: line 1, column"), "{err}");

    let err = Config::from_yaml_str("realm: r\n  port: [1\n").unwrap_err();
    assert!(matches!(err, ConfigError::Parse { line: Some(_), .. }), "{err:?}");
    assert!(err.to_string().starts_with("YAML text: line "), "{err}");

    let text = toml_err("port = 1\nport = 2\n");
    assert!(text.starts_with("TOML text: line 2, column 1:"), "{text}");
}

#[test]
fn wrong_shapes_are_described_without_internal_names() {
    assert_eq!(
        yaml_err("just a string"),
        "YAML text: line 1, column 1: invalid type: string \"just a string\", \
         expected a map of settings"
    );
    assert_eq!(
        toml_err("[clients]\na = 5"),
        "TOML text: line 2, column 5: clients.a: invalid type: integer `5`, \
         expected a map of client settings"
    );
    let text = yaml_err("reconnect: 5");
    assert!(text.ends_with("expected a map of reconnect settings"), "{text}");
    let text = yaml_err("components: 3");
    assert!(text.ends_with("expected a map with the key wamp"), "{text}");
    assert_eq!(
        yaml_err("realm: a\nrealm: b\n"),
        "YAML text: line 1, column 1: key \"realm\" is given twice"
    );
}

#[test]
fn duplicate_client_names() {
    let text = yaml_err("clients:\n  a: {}\n  a: {}\n");
    assert!(text.contains("clients: client \"a\" is defined twice"), "{text}");
}

#[test]
fn empty_clients_map_and_empty_name() {
    assert_eq!(
        yaml_err("clients: {}\n"),
        "YAML text: clients: must name at least one client \
         (or leave clients out for a single client)"
    );
    assert_eq!(
        yaml_err("clients:\n  \"\": {}\n"),
        "YAML text: clients: a client name must not be empty"
    );
}

#[test]
fn components_cannot_be_mixed_or_nested() {
    assert_eq!(
        yaml_err("realm: r\ncomponents:\n  wamp: {}\n"),
        "YAML text: components: cannot be combined with other top-level keys; \
         put every setting under components.wamp"
    );
    assert_eq!(
        yaml_err("components:\n  wamp:\n    components:\n      wamp: {}\n"),
        "YAML text: components.wamp.components: components cannot be nested"
    );
}

// ---- errors: values ------------------------------------------------------

#[test]
fn url_and_host_conflict() {
    assert_eq!(
        yaml_err("url: ws://a:1/ws\nhost: b\n"),
        "YAML text: url: cannot be combined with host; give either url or host/port/path/tls"
    );
    assert_eq!(
        toml_err("[clients.w1]\nurl = \"ws://a/ws\"\ntls = true\n"),
        "TOML text: clients.w1.url: cannot be combined with clients.w1.tls; \
         give either url or host/port/path/tls"
    );
    // A url at the top level and parts in a client are fine (inheritance).
    yaml("url: ws://a/ws\nclients:\n  c: {host: b}\n");
}

#[test]
fn url_errors() {
    assert_eq!(
        yaml_err("url: http://example.org/ws\n"),
        "YAML text: url: unsupported scheme \"http\" in \"http://example.org/ws\"; \
         expected ws://, wss://, rs://, rss://, tcp:// or unix://"
    );
    assert_eq!(yaml_err("url: ws:///ws\n"), "YAML text: url: \"ws:///ws\" has no host");
    assert_eq!(
        yaml_err("clients:\n  c: {url: \"ws://:8080/ws\"}\n"),
        "YAML text: clients.c.url: \"ws://:8080/ws\" has no host"
    );
    assert_eq!(
        yaml_err("url: example.org\n"),
        "YAML text: url: \"example.org\" is not a URL; \
         expected ws://host:port/path or wss://host:port/path"
    );
    assert_eq!(
        yaml_err("url: ws://a:0/ws\n"),
        "YAML text: url: invalid port \"0\" in \"ws://a:0/ws\"; expected a number from 1 to 65535"
    );
    assert!(yaml_err("url: ws://a:x/ws\n").contains("invalid port \"x\""));
    assert!(yaml_err("url: ws://u:p@a/ws\n").contains("user information"));
    assert!(yaml_err("url: \"ws://[::1/ws\"\n").contains("unterminated IPv6"));
}

#[test]
fn port_zero() {
    assert_eq!(
        yaml_err("port: 0\n"),
        "YAML text: port: 0 is not a valid port; expected a number from 1 to 65535"
    );
    assert_eq!(
        toml_err("[clients.x]\nport = 0\n"),
        "TOML text: clients.x.port: 0 is not a valid port; expected a number from 1 to 65535"
    );
    let text = yaml_err("port: -1\n");
    assert!(
        text.contains("port: invalid type: integer `-1`, expected u16"),
        "{text}"
    );
}

#[test]
fn realm_errors() {
    assert_eq!(
        yaml_err("realm: \"\"\n"),
        "YAML text: realm: the realm must not be empty"
    );
    assert_eq!(
        yaml_err("clients:\n  w: {realm: \"my realm\"}\n"),
        "YAML text: clients.w.realm: the realm \"my realm\" must not contain whitespace"
    );
}

#[test]
fn host_and_path_errors() {
    assert_eq!(
        yaml_err("host: \"localhost:8080\"\n"),
        "YAML text: host: \"localhost:8080\" contains a port; give it with the port key instead"
    );
    assert!(yaml_err("host: \"\"\n").contains("host: the host must not be empty"));
    assert!(yaml_err("host: a/b\n").contains("host: \"a/b\" is not a host name"));
    assert_eq!(yaml_err("path: ws\n"), "YAML text: path: \"ws\" must start with \"/\"");
}

#[test]
fn size_timeout_and_auth_errors() {
    assert_eq!(
        yaml_err("max_message_size: 0\n"),
        "YAML text: max_message_size: must be greater than 0 (a number of bytes)"
    );
    assert_eq!(
        yaml_err("connection_timeout: 0\n"),
        "YAML text: connection_timeout: must be greater than 0"
    );
    assert_eq!(
        yaml_err("ping_timeout: 0s\n"),
        "YAML text: ping_timeout: must be greater than 0"
    );
    assert_eq!(
        yaml_err("authid: \"\"\n"),
        "YAML text: authid: must not be empty (leave the key out instead)"
    );
    let text = yaml_err("connection_timeout: -1\n");
    assert!(
        text.contains("connection_timeout: invalid value: integer `-1`, expected a duration"),
        "{text}"
    );
    let text = yaml_err("shutdown_timeout: soon\n");
    assert!(
        text.contains("shutdown_timeout: invalid value: string \"soon\", expected a duration"),
        "{text}"
    );
    let text = toml_err("[clients.c]\nconnection_timeout = nan\n");
    assert!(
        text.contains("clients.c.connection_timeout: invalid value: floating point `NaN`"),
        "{text}"
    );
}

#[test]
fn reconnect_errors() {
    assert_eq!(
        yaml_err("reconnect: {multiplier: 0.5}\n"),
        "YAML text: reconnect.multiplier: 0.5 is not allowed; expected a number >= 1"
    );
    assert_eq!(
        toml_err("[clients.c.reconnect]\njitter = 1.5\n"),
        "TOML text: clients.c.reconnect.jitter: 1.5 is not allowed; \
         expected a fraction from 0 to 1"
    );
}

// ---- durations -------------------------------------------------------------

#[test]
fn duration_forms() {
    assert_eq!(parse_duration("10"), Some(Duration::from_secs(10)));
    assert_eq!(parse_duration("0.5"), Some(Duration::from_millis(500)));
    assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
    assert_eq!(parse_duration(" 10 s "), Some(Duration::from_secs(10)));
    assert_eq!(parse_duration("1.5m"), Some(Duration::from_secs(90)));
    assert_eq!(parse_duration("2min"), Some(Duration::from_secs(120)));
    assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
    for bad in ["", "s", "-1s", ".5s", "5.", "1.2.3", "10 years", "1e3"] {
        assert_eq!(parse_duration(bad), None, "{bad:?}");
    }
    let c = yaml("connection_timeout: \"1.5s\"\nshutdown_timeout: 0\n");
    let c = c.default_client().unwrap();
    assert_eq!(c.connection_timeout, Duration::from_millis(1500));
    assert_eq!(c.shutdown_timeout, Duration::ZERO);
}

// ---- files -----------------------------------------------------------------

#[test]
fn from_file_yaml_and_toml() {
    let y = TempFile::new("a.yaml", SEED_MULTI);
    assert_eq!(Config::from_file(&y.0).unwrap(), yaml(SEED_MULTI));
    let y2 = TempFile::new("b.YML", "realm: r\n");
    assert_eq!(Config::from_file(&y2.0).unwrap().default_client().unwrap().realm, "r");
    let t = TempFile::new("c.toml", "realm = \"t\"\n");
    assert_eq!(Config::from_file(&t.0).unwrap().default_client().unwrap().realm, "t");
}

#[test]
fn file_errors_name_the_file() {
    let bad = TempFile::new("bad.yaml", "realm: r\nprot: 1\n");
    let text = Config::from_file(&bad.0).unwrap_err().to_string();
    assert!(
        text.starts_with(&format!("{}: line 2, column 1: unknown key \"prot\"", bad.0.display())),
        "{text}"
    );
    let invalid = TempFile::new("invalid.toml", "port = 0\n");
    let text = Config::from_file(&invalid.0).unwrap_err().to_string();
    assert!(
        text.starts_with(&format!("{}: port: 0 is not a valid port", invalid.0.display())),
        "{text}"
    );

    let missing = std::env::temp_dir().join("wamp-config-test-does-not-exist.yaml");
    let err = Config::from_file(&missing).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("cannot read configuration file {}: ", missing.display())),
        "{text}"
    );

    assert_eq!(
        Config::from_file("settings.json").unwrap_err().to_string(),
        "cannot tell the format of configuration file settings.json: \
         unsupported extension \".json\"; expected .yaml, .yml or .toml"
    );
    assert_eq!(
        Config::from_file("wamp").unwrap_err().to_string(),
        "cannot tell the format of configuration file wamp: \
         the file name has no extension; expected .yaml, .yml or .toml"
    );
}

// ---- environment -----------------------------------------------------------

#[test]
fn env_overrides_apply_to_the_default_client() {
    let mut config = Config::default();
    config
        .apply_overrides_from(env(&[
            ("WAMP_URL", "wss://router.example.org/ws"),
            ("WAMP_REALM", "prod"),
            ("WAMP_AUTHID", "svc"),
            ("WAMP_AUTHROLE", "backend"),
        ]))
        .unwrap();
    let c = config.default_client().unwrap();
    assert_eq!(c.url, "wss://router.example.org/ws");
    assert_eq!(c.realm, "prod");
    assert_eq!(c.authid.as_deref(), Some("svc"));
    assert_eq!(c.authrole.as_deref(), Some("backend"));
}

#[test]
fn env_overrides_touch_only_the_default_client() {
    let mut config = yaml("clients:\n  default: {realm: a}\n  other: {realm: b}\n");
    config.apply_overrides_from(env(&[("WAMP_REALM", "x")])).unwrap();
    assert_eq!(config.client("default").unwrap().realm, "x");
    assert_eq!(config.client("other").unwrap().realm, "b");
}

#[test]
fn empty_or_missing_env_changes_nothing() {
    let mut config = Config::default();
    config
        .apply_overrides_from(env(&[("WAMP_URL", ""), ("WAMP_REALM", "")]))
        .unwrap();
    assert_eq!(config, Config::default());
    // No default client, but nothing to apply: fine.
    let mut multi = yaml(SEED_MULTI);
    multi.apply_overrides_from(env(&[])).unwrap();
    assert_eq!(multi, yaml(SEED_MULTI));
}

#[test]
fn env_errors_name_the_variable() {
    let mut config = Config::default();
    let err = config
        .apply_overrides_from(env(&[("WAMP_REALM", "fine"), ("WAMP_URL", "http://example.org")]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable WAMP_URL: unsupported scheme \"http\" in \
         \"http://example.org\"; expected ws://, wss://, rs://, rss://, tcp:// or unix://"
    );
    // Nothing was applied.
    assert_eq!(config, Config::default());

    let err = config.apply_overrides_from(env(&[("WAMP_REALM", "a b")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable WAMP_REALM: the realm \"a b\" must not contain whitespace"
    );

    let mut multi = yaml(SEED_MULTI);
    let err = multi.apply_overrides_from(env(&[("WAMP_AUTHID", "x")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable WAMP_AUTHID: there is no default client to apply it to \
         (the clients are wamp1, wamp2; name one \"default\")"
    );
}

#[test]
fn load_with_prefers_wamp_config() {
    let default_file = TempFile::new("default.yaml", "realm: from_default\n");
    let other = TempFile::new("other.toml", "realm = \"from_env_file\"\n");

    let config = Config::load_with(&default_file.0, env(&[])).unwrap();
    assert_eq!(config.default_client().unwrap().realm, "from_default");

    let path = other.0.to_str().unwrap();
    let config = Config::load_with(&default_file.0, env(&[("WAMP_CONFIG", path)])).unwrap();
    assert_eq!(config.default_client().unwrap().realm, "from_env_file");

    let config = Config::load_with(
        &default_file.0,
        env(&[("WAMP_CONFIG", path), ("WAMP_REALM", "overridden")]),
    )
    .unwrap();
    assert_eq!(config.default_client().unwrap().realm, "overridden");

    let missing = std::env::temp_dir().join("wamp-config-test-missing-default.yaml");
    let err = Config::load_with(&missing, env(&[])).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
}

#[test]
fn from_env_with_defaults_and_file() {
    let config = Config::from_env_with(env(&[("WAMP_REALM", "r2")])).unwrap();
    let expected = ClientConfig::builder().realm("r2").build().unwrap();
    assert_eq!(config, Config::single(expected));

    let file = TempFile::new("env.yml", "port: 9999\n");
    let config = Config::from_env_with(env(&[("WAMP_CONFIG", file.0.to_str().unwrap())])).unwrap();
    assert_eq!(config.default_client().unwrap().url, "ws://localhost:9999/ws");
    let err = Config::from_env_with(env(&[("WAMP_CONFIG", "/nonexistent/wamp.yaml")])).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot read configuration file /nonexistent/wamp.yaml: "),
        "{err}"
    );
}

// ---- builder ---------------------------------------------------------------

#[test]
fn builder_with_url_and_options() {
    let c = ClientConfig::builder()
        .url("ws://127.0.0.1:8080/ws")
        .realm("realm1")
        .connection_timeout(Duration::from_secs(3))
        .shutdown_timeout(Duration::from_secs(1))
        .max_message_size(1024)
        .authid("alice")
        .authrole("admin")
        .ping_interval(None)
        .ping_timeout(Duration::from_secs(2))
        .reconnect(ReconnectPolicy::disabled())
        .build()
        .unwrap();
    assert_eq!(c.url, "ws://127.0.0.1:8080/ws");
    assert_eq!(c.connection_timeout, Duration::from_secs(3));
    assert_eq!(c.shutdown_timeout, Duration::from_secs(1));
    assert_eq!(c.max_message_size, 1024);
    assert_eq!(c.authid.as_deref(), Some("alice"));
    assert_eq!(c.authrole.as_deref(), Some("admin"));
    assert_eq!(c.ping_interval, None);
    assert_eq!(c.ping_timeout, Duration::from_secs(2));
    assert_eq!(c.reconnect, ReconnectPolicy::disabled());
    c.validate().unwrap();

    // A policy with max_attempts None means "forever", even over a default.
    let c = ClientConfig::builder()
        .reconnect(ReconnectPolicy::default())
        .ping_interval(Duration::from_secs(5))
        .build()
        .unwrap();
    assert_eq!(c.reconnect.max_attempts, None);
    assert_eq!(c.ping_interval, Some(Duration::from_secs(5)));
}

#[test]
fn builder_with_parts() {
    let c = ClientConfig::builder()
        .host("crossbar.example.org")
        .port(8181)
        .path("/router")
        .tls(true)
        .build()
        .unwrap();
    assert_eq!(c.url, "wss://crossbar.example.org:8181/router");
    assert_eq!(ClientConfig::builder().build().unwrap(), ClientConfig::default());
}

#[test]
fn builder_errors() {
    assert_eq!(
        ClientConfig::builder()
            .url("ws://a/ws")
            .port(1)
            .build()
            .unwrap_err()
            .to_string(),
        "url: cannot be combined with port; give either url or host/port/path/tls"
    );
    assert_eq!(
        ClientConfig::builder().port(0).build().unwrap_err().to_string(),
        "port: 0 is not a valid port; expected a number from 1 to 65535"
    );
    assert_eq!(
        ClientConfig::new("ftp://a:1", "r").unwrap_err().to_string(),
        "url: unsupported scheme \"ftp\" in \"ftp://a:1\"; expected ws://, wss://, rs://, rss://, tcp:// or unix://"
    );
    assert_eq!(
        ClientConfig::new("ws://a/ws", "").unwrap_err().to_string(),
        "realm: the realm must not be empty"
    );
    assert_eq!(
        ClientConfig::builder().max_message_size(0).build().unwrap_err().key(),
        Some("max_message_size")
    );
    let mut policy = ReconnectPolicy::default();
    policy.jitter = -0.1;
    assert_eq!(
        ClientConfig::builder()
            .reconnect(policy)
            .build()
            .unwrap_err()
            .to_string(),
        "reconnect.jitter: -0.1 is not allowed; expected a fraction from 0 to 1"
    );
}

#[test]
fn validate_catches_hand_edits() {
    let mut c = ClientConfig::default();
    c.url = "http://x".into();
    assert!(
        c.validate()
            .unwrap_err()
            .to_string()
            .starts_with("url: unsupported scheme")
    );

    let mut config = yaml(SEED_MULTI);
    config.client_mut("wamp2").unwrap().realm = String::new();
    assert_eq!(
        config.validate().unwrap_err().to_string(),
        "clients.wamp2.realm: the realm must not be empty"
    );
    let mut single = Config::default();
    single.client_mut("default").unwrap().max_message_size = 0;
    assert_eq!(
        single.validate().unwrap_err().to_string(),
        "max_message_size: must be greater than 0 (a number of bytes)"
    );
}

// ---- reconnect policy ------------------------------------------------------

#[test]
fn reconnect_delays() {
    let mut p = ReconnectPolicy::default();
    p.jitter = 0.0;
    assert_eq!(p.delay(1, 0.3), Duration::from_secs(1));
    assert_eq!(p.delay(0, 0.3), Duration::from_secs(1));
    assert_eq!(p.delay(2, 0.3), Duration::from_secs(2));
    assert_eq!(p.delay(4, 0.3), Duration::from_secs(8));
    assert_eq!(p.delay(10, 0.3), Duration::from_secs(60));
    assert_eq!(p.delay(u32::MAX, 0.3), Duration::from_secs(60));

    p.jitter = 0.5;
    assert_eq!(p.delay(2, 0.5), Duration::from_secs(2));
    assert_eq!(p.delay(2, 0.0), Duration::from_secs(1));
    assert_eq!(p.delay(2, 1.0), Duration::from_secs(3));
    assert_eq!(p.delay(2, f64::NAN), Duration::from_secs(2));
    // Never above max_delay, even with jitter.
    assert_eq!(p.delay(20, 1.0), Duration::from_secs(60));

    assert!(p.allows(1_000_000));
    p.max_attempts = Some(2);
    assert!(p.allows(2));
    assert!(!p.allows(3));
    assert!(!ReconnectPolicy::disabled().allows(1));
}

// ---- authentication ------------------------------------------------------

/// RFC 8032, test 1: a valid Ed25519 seed and its public key.
const SEED_HEX: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUBLIC_HEX: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

fn secret_of(c: &ClientConfig) -> Option<&str> {
    c.auth.secret.as_ref().map(Secret::expose)
}

#[test]
fn auth_defaults_to_anonymous_without_authextra() {
    let c = ClientConfig::default();
    assert_eq!(c.auth, AuthConfig::anonymous());
    assert_eq!(c.auth.method, AuthMethod::Anonymous);
    assert!(c.authextra.is_empty());
}

#[test]
fn auth_ticket_yaml_and_toml() {
    let y = yaml("authid: alice\nauth:\n  method: ticket\n  secret: s3cr3t\n");
    let t = toml("authid = \"alice\"\n[auth]\nmethod = \"ticket\"\nsecret = \"s3cr3t\"\n");
    assert_eq!(y, t);
    let c = y.default_client().unwrap();
    assert_eq!(c.auth.method, AuthMethod::Ticket);
    assert_eq!(secret_of(c), Some("s3cr3t"));
    assert_eq!(c.authid.as_deref(), Some("alice"));
}

#[test]
fn auth_wampcra_from_a_secret_file_relative_to_the_config_file() {
    let secret = TempFile::new("cra-secret", "cr4-s3cret\n");
    let name = secret.0.file_name().unwrap().to_str().unwrap().to_owned();
    let file = TempFile::new("cra.yaml", &format!("auth: {{method: wampcra, secret_file: {name}}}\n"));
    let config = Config::from_file(&file.0).unwrap();
    let c = config.default_client().unwrap();
    assert_eq!(c.auth.method, AuthMethod::WampCra);
    // The trailing line break is not part of the secret.
    assert_eq!(secret_of(c), Some("cr4-s3cret"));
}

#[test]
fn auth_cryptosign_inline_and_from_a_crossbar_key_file() {
    let c = yaml(&format!("auth: {{method: cryptosign, secret: {SEED_HEX}}}\n"));
    let c = c.default_client().unwrap();
    assert_eq!(c.auth.method, AuthMethod::Cryptosign);
    assert_eq!(c.auth.cryptosign_public_key().as_deref(), Some(PUBLIC_HEX));

    let key = TempFile::new(
        "key.priv",
        &format!("creator: test\npublic-key-ed25519: {PUBLIC_HEX}\nprivate-key-ed25519: {SEED_HEX}\n"),
    );
    let text = format!("auth:\n  method: cryptosign\n  secret_file: {}\n", key.0.display());
    let c = yaml(&text);
    assert_eq!(
        c.default_client().unwrap().auth.cryptosign_public_key().as_deref(),
        Some(PUBLIC_HEX)
    );
}

#[test]
fn auth_a_yaml_number_is_taken_as_written_but_a_toml_number_is_refused_without_echo() {
    let c = yaml("auth: {method: ticket, secret: 0123}\n");
    assert_eq!(secret_of(c.default_client().unwrap()), Some("0123"));
    let text = toml_err("[auth]\nmethod = \"ticket\"\nsecret = 987654\n");
    assert!(text.contains("auth.secret"), "{text}");
    assert!(text.contains("expected a string (put the secret in quotes)"), "{text}");
    assert!(!text.contains("987654"), "{text}");
}

#[test]
fn authextra_is_any_map_and_replaced_as_a_whole_by_a_client() {
    let config = yaml(
        "authextra: {team: blue, level: 3, tags: [a, b]}\n\
         clients:\n  a: {}\n  b: {authextra: {team: red}}\n",
    );
    let a = &config.client("a").unwrap().authextra;
    assert_eq!(a.get("team").and_then(Value::as_str), Some("blue"));
    assert_eq!(a.get("level").and_then(Value::as_i64), Some(3));
    assert_eq!(a.get("tags").and_then(Value::as_list).map(Vec::len), Some(2));
    let b = &config.client("b").unwrap().authextra;
    assert_eq!(b.len(), 1);
    assert_eq!(b.get("team").and_then(Value::as_str), Some("red"));
    let t = toml("[authextra]\nteam = \"blue\"\n");
    assert_eq!(
        t.default_client()
            .unwrap()
            .authextra
            .get("team")
            .and_then(Value::as_str),
        Some("blue")
    );
}

#[test]
fn auth_is_inherited_key_by_key() {
    let config = yaml(
        "auth: {method: wampcra, secret: top}\n\
         clients:\n  \
           inherits: {}\n  \
           own_secret: {auth: {secret: mine}}\n  \
           own_method: {auth: {method: ticket}}\n  \
           own_key: {auth: {method: cryptosign, secret: SEED}}\n"
            .replace("SEED", SEED_HEX)
            .as_str(),
    );
    let c = |name: &str| config.client(name).unwrap();
    assert_eq!(
        (c("inherits").auth.method, secret_of(c("inherits"))),
        (AuthMethod::WampCra, Some("top"))
    );
    assert_eq!(
        (c("own_secret").auth.method, secret_of(c("own_secret"))),
        (AuthMethod::WampCra, Some("mine"))
    );
    assert_eq!(
        (c("own_method").auth.method, secret_of(c("own_method"))),
        (AuthMethod::Ticket, Some("top"))
    );
    assert_eq!(c("own_key").auth.cryptosign_public_key().as_deref(), Some(PUBLIC_HEX));
}

#[test]
fn an_endless_or_huge_secret_file_is_refused_without_reading_it_whole() {
    let text = yaml_err("auth: {method: ticket, secret_file: /dev/zero}\n");
    assert!(
        text.contains("auth.secret_file") || text.contains("/dev/zero"),
        "{text}"
    );
    assert!(text.contains("larger than 65536 bytes"), "{text}");
}

#[test]
fn auth_errors_name_the_key() {
    assert_eq!(
        yaml_err("auth: {method: ticket, secret: a, secret_file: b}\n"),
        "YAML text: auth.secret: cannot be combined with auth.secret_file; give one of them"
    );
    assert_eq!(
        yaml_err("auth: {secret: s3cr3t}\n"),
        "YAML text: auth.secret: is set but auth.method is anonymous; set auth.method to ticket, wampcra or cryptosign"
    );
    assert_eq!(
        yaml_err("auth: {method: ticket, secret: \"\"}\n"),
        "YAML text: auth.secret: must not be empty"
    );
    let text = yaml_err("auth: {method: tikcet}\n");
    assert!(text.contains("auth.method: unknown variant `tikcet`"), "{text}");
    let text = yaml_err("auth: {method: ticket, secert: x}\n");
    assert!(text.contains("unknown key \"secert\" in auth"), "{text}");
    assert!(text.ends_with("did you mean \"secret\"?"), "{text}");
    let text = yaml_err("clients:\n  a: {auth: {method: cryptosign, secret: not-a-key-but-private}}\n");
    assert!(
        text.starts_with("YAML text: clients.a.auth.secret: must be 64 hex characters"),
        "{text}"
    );
    assert!(!text.contains("not-a-key"), "{text}");
    // The method and a bad key at different levels: caught on the client.
    let text = yaml_err("auth: {secret: not-a-key}\nclients:\n  a: {auth: {method: cryptosign}}\n");
    assert!(
        text.starts_with("YAML text: clients.a.auth.secret: must be 64 hex"),
        "{text}"
    );
    let text = yaml_err("auth: {method: ticket, secret_file: /no/such/wamp-secret}\n");
    assert!(
        text.starts_with("YAML text: auth.secret_file: cannot read /no/such/wamp-secret: "),
        "{text}"
    );
    let empty = TempFile::new("empty-secret", "\n");
    let text = yaml_err(&format!(
        "auth: {{method: ticket, secret_file: {}}}\n",
        empty.0.display()
    ));
    assert!(text.ends_with("is empty"), "{text}");
    let text = yaml_err("auth: ticket\n");
    assert!(text.contains("expected a map of auth settings"), "{text}");
}

#[test]
fn a_method_without_a_secret_loads_but_does_not_validate() {
    // The secret may come from WAMP_SECRET, applied after the file is read.
    let config = yaml("auth: {method: ticket}\n");
    let text = config.validate().unwrap_err().to_string();
    assert_eq!(
        text,
        "auth.secret: auth.method is ticket but no secret is configured; set auth.secret, \
         auth.secret_file or the environment variable WAMP_SECRET"
    );
}

#[test]
fn wamp_secret_overrides_the_secret_of_the_configured_method() {
    let mut config = yaml("authid: alice\nauth: {method: ticket, secret: from-file}\n");
    config
        .apply_overrides_from(env(&[("WAMP_SECRET", "from-env")]))
        .unwrap();
    assert_eq!(secret_of(config.default_client().unwrap()), Some("from-env"));

    let mut config = yaml("auth: {method: wampcra}\n");
    config
        .apply_overrides_from(env(&[("WAMP_SECRET", "from-env")]))
        .unwrap();
    config.validate().unwrap();

    let mut config = yaml("auth: {method: cryptosign}\n");
    config.apply_overrides_from(env(&[("WAMP_SECRET", SEED_HEX)])).unwrap();
    assert_eq!(
        config.default_client().unwrap().auth.cryptosign_public_key().as_deref(),
        Some(PUBLIC_HEX)
    );
}

#[test]
fn wamp_secret_errors_do_not_show_the_secret() {
    let mut config = Config::default();
    let text = config
        .apply_overrides_from(env(&[("WAMP_SECRET", "hush")]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        text,
        "environment variable WAMP_SECRET: the default client's auth.method is anonymous; \
         set auth.method to ticket, wampcra or cryptosign to use a secret"
    );
    let mut config = yaml("auth: {method: cryptosign}\n");
    let text = config
        .apply_overrides_from(env(&[("WAMP_SECRET", "hush-not-hex")]))
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with("environment variable WAMP_SECRET: the cryptosign secret must be 64 hex"),
        "{text}"
    );
    assert!(!text.contains("hush"), "{text}");
    // Nothing was applied.
    assert!(config.default_client().unwrap().auth.secret.is_none());
}

#[test]
fn debug_output_never_shows_secrets() {
    let config = yaml("auth: {method: ticket, secret: sup3r-s3cr3t}\n");
    let client = config.default_client().unwrap();
    for text in [
        format!("{config:?}"),
        format!("{client:?}"),
        format!("{:?}", client.auth),
        format!("{}", client.auth.secret.as_ref().unwrap()),
        format!("{:?}", ClientConfig::builder().secret("sup3r-s3cr3t")),
    ] {
        assert!(!text.contains("sup3r"), "{text}");
    }
    assert!(format!("{client:?}").contains("secret: Some(***)"), "{client:?}");
}

#[test]
fn builder_sets_auth_and_authextra() {
    let mut extra = Dict::new();
    extra.insert("team".into(), Value::String("blue".into()));
    let c = ClientConfig::builder()
        .authid("alice")
        .authmethod(AuthMethod::Cryptosign)
        .secret(SEED_HEX)
        .authextra(extra.clone())
        .build()
        .unwrap();
    assert_eq!(c.auth.cryptosign_public_key().as_deref(), Some(PUBLIC_HEX));
    assert_eq!(c.authextra, extra);

    let file = TempFile::new("builder-ticket", "t1ck3t\r\n");
    let c = ClientConfig::builder()
        .authmethod(AuthMethod::Ticket)
        .secret("replaced")
        .secret_file(&file.0)
        .build()
        .unwrap();
    assert_eq!(secret_of(&c), Some("t1ck3t"));

    let error = ClientConfig::builder()
        .authmethod(AuthMethod::Cryptosign)
        .secret("abc")
        .build()
        .unwrap_err();
    assert!(
        error.to_string().starts_with("auth.secret: must be 64 hex characters"),
        "{error}"
    );
}

#[test]
fn the_seeds_protocol_options_set_pings_and_the_message_size() {
    let config = Config::from_yaml_str(
        "realm: r\nprotocol_options:\n  ping_interval: 5\n  ping_timeout: 2\n  max_message_size: 65536\n",
    )
    .unwrap();
    let client = config.default_client().unwrap();
    assert_eq!(client.ping_interval, Some(Duration::from_secs(5)));
    assert_eq!(client.ping_timeout, Duration::from_secs(2));
    assert_eq!(client.max_message_size, 65536);

    let err =
        Config::from_yaml_str("max_message_size: 1024\nprotocol_options: {max_message_size: 2048}\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("protocol_options.max_message_size: cannot be combined with max_message_size"),
        "{text}"
    );

    let err = Config::from_yaml_str("protocol_options: {autoPingInterval: 10}\n").unwrap_err();
    assert!(err.to_string().contains("unknown key \"autoPingInterval\""), "{err}");
}

// ---- queues of slow handlers ----------------------------------------------

#[test]
fn handler_queues_default_to_1024_and_are_read_from_files_and_the_builder() {
    let c = ClientConfig::default();
    assert_eq!(c.event_queue, 1024);
    assert_eq!(c.invocation_queue, 1024);

    let c = yaml("event_queue: 16\ninvocation_queue: 4\n")
        .default_client()
        .unwrap()
        .clone();
    assert_eq!((c.event_queue, c.invocation_queue), (16, 4));
    let c = toml("event_queue = 8\n").default_client().unwrap().clone();
    assert_eq!((c.event_queue, c.invocation_queue), (8, 1024));

    // A client inherits the top level's queues and may override one.
    let config = yaml("event_queue: 10\ninvocation_queue: 20\nclients:\n  a: {}\n  b: {invocation_queue: 2}\n");
    let a = config.client("a").unwrap();
    let b = config.client("b").unwrap();
    assert_eq!((a.event_queue, a.invocation_queue), (10, 20));
    assert_eq!((b.event_queue, b.invocation_queue), (10, 2));

    let c = ClientConfig::builder()
        .event_queue(3)
        .invocation_queue(5)
        .build()
        .unwrap();
    assert_eq!((c.event_queue, c.invocation_queue), (3, 5));
}

#[test]
fn an_empty_handler_queue_is_refused_naming_the_key() {
    assert_eq!(
        yaml_err("event_queue: 0\n"),
        "YAML text: event_queue: must be at least 1 (a queue of 0 would refuse every event or invocation)"
    );
    assert_eq!(
        yaml_err("clients:\n  a: {invocation_queue: 0}\n"),
        "YAML text: clients.a.invocation_queue: must be at least 1 (a queue of 0 would refuse every event or \
         invocation)"
    );
    assert!(
        yaml_err("event_queue: -1\n").contains("event_queue"),
        "{}",
        yaml_err("event_queue: -1\n")
    );
    assert!(yaml_err("event_queue: lots\n").contains("event_queue"));

    let error = ClientConfig::builder().invocation_queue(0).build().unwrap_err();
    assert!(
        error.to_string().contains("invocation_queue: must be at least 1"),
        "{error}"
    );
    let mut c = ClientConfig::default();
    c.event_queue = 0;
    let error = c.validate().unwrap_err();
    assert!(error.to_string().contains("event_queue: must be at least 1"), "{error}");
}

// ---- several routers (failover) ---------------------------------------------

#[test]
fn url_may_be_a_list_of_routers_in_yaml_toml_and_the_environment() {
    let c = yaml("url: [ws://a:8080/ws, rs://b:8081]\n");
    let client = c.default_client().unwrap();
    assert_eq!(client.url, "ws://a:8080/ws");
    assert_eq!(client.failover_urls, ["rs://b:8081"]);
    assert_eq!(client.urls().collect::<Vec<_>>(), ["ws://a:8080/ws", "rs://b:8081"]);

    let c = toml("url = [\"wss://a/ws\", \"wss://b/ws\", \"rss://c:9000\"]\n");
    assert_eq!(c.default_client().unwrap().urls().count(), 3);

    let mut c = Config::default();
    c.apply_overrides_from(env(&[("WAMP_URL", "ws://x:1/ws, ws://y:2/ws")]))
        .unwrap();
    let client = c.default_client().unwrap();
    assert_eq!(client.urls().collect::<Vec<_>>(), ["ws://x:1/ws", "ws://y:2/ws"]);
    // One URL again: no failover left over.
    c.apply_overrides_from(env(&[("WAMP_URL", "ws://z:3/ws")])).unwrap();
    assert!(c.default_client().unwrap().failover_urls.is_empty());
}

#[test]
fn a_router_list_is_inherited_whole_and_replaced_whole() {
    let c = yaml(
        "url: [ws://a:8080/ws, ws://b:8080/ws]\nclients:\n  inherits: {realm: r1}\n  own: {url: ws://c:8080/ws}\n  parts: {host: d}\n",
    );
    assert_eq!(c.client("inherits").unwrap().urls().count(), 2);
    assert_eq!(c.client("own").unwrap().urls().collect::<Vec<_>>(), ["ws://c:8080/ws"]);
    // Host/port/path name one router.
    assert_eq!(
        c.client("parts").unwrap().urls().collect::<Vec<_>>(),
        ["ws://d:8080/ws"]
    );
}

#[test]
fn a_bad_router_list_names_the_key_and_the_url() {
    assert_eq!(
        yaml_err("url: []\n"),
        "YAML text: url: the list of router URLs is empty; give at least one"
    );
    let err = yaml_err("url: [ws://a:8080/ws, http://b/]\n");
    assert!(
        err.starts_with("YAML text: url: unsupported scheme \"http\" in \"http://b/\""),
        "{err}"
    );
    let err = yaml_err("url: {a: 1}\n");
    assert!(err.contains("expected a router URL or a list of router URLs"), "{err}");
    let mut c = Config::default();
    let err = c
        .apply_overrides_from(env(&[("WAMP_URL", "ws://a:1/ws,,ws://b:2/ws")]))
        .unwrap_err();
    assert!(err.to_string().starts_with("environment variable WAMP_URL: "), "{err}");
    assert_eq!(c, Config::default());
}

// ---- several problems at once -------------------------------------------------

#[test]
fn a_yaml_file_with_several_problems_reports_them_all_with_lines() {
    let text = "relm: realm1\nclients:\n  wamp1:\n    url: ws://a:8080/ws\n    prot: 9\n    ping_timeout: 0\n  wamp2:\n    hots: b\n";
    let file = TempFile::new("several.yaml", text);
    let err = Config::from_file(&file.0).unwrap_err();
    let origin = file.0.display().to_string();
    assert_eq!(
        err.to_string(),
        format!(
            "{origin}: 4 problems:\n  \
             - line 1, column 1: unknown key \"relm\" at the top level (expected one of: url, realm, host, port, path, \
             tls, connection_timeout, shutdown_timeout, max_message_size, serializers, authid, authrole, ping_interval, \
             ping_timeout, protocol_options, reconnect, event_queue, invocation_queue, auth, authextra, clients, \
             components); did you mean \"realm\"?\n  \
             - line 5, column 5: unknown key \"prot\" in clients.wamp1 (expected one of: url, realm, host, port, path, \
             tls, connection_timeout, shutdown_timeout, max_message_size, serializers, authid, authrole, ping_interval, \
             ping_timeout, protocol_options, reconnect, event_queue, invocation_queue, auth, authextra); did you mean \"port\"?\n  \
             - line 6: clients.wamp1.ping_timeout: must be greater than 0\n  \
             - line 8, column 5: unknown key \"hots\" in clients.wamp2 (expected one of: url, realm, host, port, path, \
             tls, connection_timeout, shutdown_timeout, max_message_size, serializers, authid, authrole, ping_interval, \
             ping_timeout, protocol_options, reconnect, event_queue, invocation_queue, auth, authextra); did you mean \"host\"?"
        )
    );
    let problems = err.problems();
    let keys: Vec<_> = problems.iter().map(|p| p.key.as_deref().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "relm",
            "clients.wamp1.prot",
            "clients.wamp1.ping_timeout",
            "clients.wamp2.hots"
        ]
    );
    assert_eq!(err.key(), Some("relm"));
}

#[test]
fn a_toml_file_with_several_problems_reports_them_all_and_one_problem_stays_as_it_was() {
    let toml_text = "relm = \"a\"\n[reconnect]\nmultiplier = 0.5\nmax_atempts = 3\n\
                     [clients.x]\nport = 0\nevent_queue = \"many\"\n[clients.y]\nrealm = \"b\"\n";
    let err = Config::from_toml_str(toml_text).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("TOML text: 5 problems:\n  - line 1, column 1: unknown key \"relm\""),
        "{text}"
    );
    // Wrong values of independent keys are set aside too.
    assert!(
        text.contains("\n  - line 6: clients.x.port: 0 is not a valid port"),
        "{text}"
    );
    assert!(
        text.contains("\n  - line 7, column 15: clients.x.event_queue: invalid type: string \"many\""),
        "{text}"
    );
    assert!(
        text.contains("\n  - line 3: reconnect.multiplier: 0.5 is not allowed; expected a number >= 1"),
        "{text}"
    );
    assert!(
        text.contains("\n  - line 4, column 1: unknown key \"max_atempts\" in reconnect"),
        "{text}"
    );
    // One problem: the error of old, not a list of one.
    assert!(matches!(
        Config::from_yaml_str("relm: a\n").unwrap_err(),
        ConfigError::Parse { .. }
    ));
}
