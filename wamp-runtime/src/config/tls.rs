//! The TLS settings of a client: [`TlsConfig`], and the `tls:` key of a file,
//! which is either a bool (asphalt-wamp's `tls: true`) or a table of settings.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::error::{KeyError, join_key};

/// How a client sets up TLS for `wss://` and `rss://` URLs.
///
/// By default the router's certificate must be signed by a CA the platform
/// trusts (the operating system's certificate store) and be issued for the
/// host of the URL: a DNS name is checked against the certificate's DNS
/// names (and sent as SNI), an IP address against its IP address names.
///
/// In a file, under `tls:` (paths relative to the file's directory):
///
/// ```yaml
/// url: wss://crossbar.example.org:8443/ws
/// tls:
///   ca_file: certs/ca.pem          # trust only these CAs instead of the platform's
///   client_cert: certs/client.pem  # a client certificate (chain), for routers that ask for one
///   client_key: certs/client.key   # its private key (PKCS#8, PKCS#1 or SEC1 PEM)
/// ```
///
/// The files are checked when the configuration is loaded and read again on
/// every connect, so renewed certificates are picked up by the next
/// (re)connect. The private key is never kept in the configuration: only its
/// path is, so it cannot show up in `Debug` output or logs.
///
/// ```
/// use wamp_runtime::config::Config;
///
/// let config = Config::from_yaml_str("host: crossbar.example.org\ntls: {dangerously_accept_invalid_certs: true}")?;
/// let client = config.default_client().expect("one client");
/// assert_eq!(client.url, "wss://crossbar.example.org:8080/ws");
/// assert!(client.tls.dangerously_accept_invalid_certs);
/// # Ok::<(), wamp_runtime::config::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TlsConfig {
    /// A PEM file with the CA certificates to trust. When set, only these
    /// are trusted (not the platform's). Default: the platform's roots.
    pub ca_file: Option<PathBuf>,
    /// A PEM file with the client certificate (and any intermediates, leaf
    /// first), sent when the router asks for one. Needs
    /// [`client_key`](Self::client_key).
    pub client_cert: Option<PathBuf>,
    /// A PEM file with the private key of [`client_cert`](Self::client_cert).
    pub client_key: Option<PathBuf>,
    /// Accepts any certificate the router shows: no CA, host name or expiry
    /// checks (the handshake signature is still checked). The connection is
    /// encrypted but not authenticated, so anyone on the network path can
    /// impersonate the router. For tests and development only; a warning is
    /// logged on every connect. [`ca_file`](Self::ca_file) is ignored.
    /// Default: false.
    pub dangerously_accept_invalid_certs: bool,
}

impl TlsConfig {
    /// Verification against the platform's roots, no client certificate.
    pub const DEFAULT: TlsConfig = TlsConfig {
        ca_file: None,
        client_cert: None,
        client_key: None,
        dangerously_accept_invalid_certs: false,
    };

    /// Checks the settings and the files they name (readable, valid PEM,
    /// the key fits the certificate). `prefix` is the key path of the client.
    pub(super) fn check(&self, prefix: &str) -> Result<(), KeyError> {
        let key = |name: &str| join_key(prefix, name);
        match (&self.client_cert, &self.client_key) {
            (Some(_), None) => {
                return Err(KeyError::new(
                    key("tls.client_key"),
                    "is missing: tls.client_cert needs the private key of the certificate",
                ));
            }
            (None, Some(_)) => {
                return Err(KeyError::new(
                    key("tls.client_cert"),
                    "is missing: tls.client_key is set but there is no certificate for it",
                ));
            }
            _ => {}
        }
        check_files(self).map_err(|(name, message)| KeyError::new(key(name), message))
    }
}

/// The `tls:` key: `true`/`false`, or a table whose keys are inherited one
/// by one. `enabled` is what the bool form sets; a table without it turns
/// TLS on (for an address given with host/port/path; a `url` says itself).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTls {
    pub(super) enabled: Option<bool>,
    pub(super) ca_file: Option<PathBuf>,
    pub(super) client_cert: Option<PathBuf>,
    pub(super) client_key: Option<PathBuf>,
    pub(super) dangerously_accept_invalid_certs: Option<bool>,
}

impl RawTls {
    /// The bool form: `tls: true` or `tls: false`.
    pub(super) fn enabled(enabled: bool) -> RawTls {
        RawTls {
            enabled: Some(enabled),
            ..RawTls::default()
        }
    }

    /// Whether any setting other than `enabled` is given.
    pub(super) fn has_settings(&self) -> bool {
        self.ca_file.is_some()
            || self.client_cert.is_some()
            || self.client_key.is_some()
            || self.dangerously_accept_invalid_certs.is_some()
    }

    /// Makes the relative paths relative to `dir`.
    pub(super) fn rebase_paths(&mut self, dir: &Path) {
        for path in [&mut self.ca_file, &mut self.client_cert, &mut self.client_key]
            .into_iter()
            .flatten()
        {
            if path.is_relative() {
                *path = dir.join(&*path);
            }
        }
    }

    /// Checks each file given at this level on its own (the pairing of
    /// certificate and key is checked on the resolved client, since either
    /// may be inherited). `prefix` is the key path of the level.
    pub(super) fn check(&self, prefix: &str) -> Result<(), KeyError> {
        let alone = |ca_file: Option<&PathBuf>, cert: Option<&PathBuf>, key: Option<&PathBuf>| TlsConfig {
            ca_file: ca_file.cloned(),
            client_cert: cert.cloned(),
            client_key: key.cloned(),
            dangerously_accept_invalid_certs: false,
        };
        for tls in [
            alone(self.ca_file.as_ref(), None, None),
            alone(None, self.client_cert.as_ref(), None),
            alone(None, None, self.client_key.as_ref()),
        ] {
            check_files(&tls).map_err(|(name, message)| KeyError::new(join_key(prefix, name), message))?;
        }
        Ok(())
    }

    /// Lays the settings of this level over `config`.
    pub(super) fn apply_to(&self, config: &mut TlsConfig) {
        if let Some(path) = &self.ca_file {
            config.ca_file = Some(path.clone());
        }
        if let Some(path) = &self.client_cert {
            config.client_cert = Some(path.clone());
        }
        if let Some(path) = &self.client_key {
            config.client_key = Some(path.clone());
        }
        if let Some(accept) = self.dangerously_accept_invalid_certs {
            config.dangerously_accept_invalid_certs = accept;
        }
    }
}

/// Either form of the `tls:` key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct RawTlsKey(pub(super) RawTls);

impl<'de> Deserialize<'de> for RawTlsKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TlsVisitor;

        impl<'de> Visitor<'de> for TlsVisitor {
            type Value = RawTlsKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "true, false or a map of TLS settings \
                     (ca_file, client_cert, client_key, dangerously_accept_invalid_certs)",
                )
            }

            fn visit_bool<E: de::Error>(self, enabled: bool) -> Result<RawTlsKey, E> {
                Ok(RawTlsKey(RawTls::enabled(enabled)))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawTlsKey, A::Error> {
                RawTls::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawTlsKey)
            }
        }

        deserializer.deserialize_any(TlsVisitor)
    }
}

/// Checks the files of `tls` (readable, valid PEM, the key fits the
/// certificate) without connecting; the message names the key at fault.
fn check_files(tls: &TlsConfig) -> Result<(), (&'static str, String)> {
    if let Some(path) = &tls.ca_file {
        crate::pem::ca_roots(path).map_err(|m| ("tls.ca_file", m))?;
    }
    match (&tls.client_cert, &tls.client_key) {
        (Some(cert), Some(key)) => {
            crate::pem::client_identity(cert, key)?;
        }
        (Some(cert), None) => {
            crate::pem::load_certificates(cert).map_err(|m| ("tls.client_cert", m))?;
        }
        (None, Some(key)) => {
            crate::pem::load_private_key(key).map_err(|m| ("tls.client_key", m))?;
        }
        (None, None) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::{Path, PathBuf};

    use super::super::{ClientConfig, Config, ConfigError};
    use super::TlsConfig;

    /// A directory with `ca.pem`, `client.pem`, `client.key`, `other.key`
    /// (a key that does not fit `client.pem`) and `garbage.pem`; removed on
    /// drop.
    struct Files(PathBuf);

    impl Files {
        fn new(name: &str) -> Files {
            let dir = std::env::temp_dir().join(format!("wamp-tls-config-test-{}-{name}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let ca_key = rcgen::KeyPair::generate().unwrap();
            let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
            ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            std::fs::write(dir.join("ca.pem"), ca.self_signed(&ca_key).unwrap().pem()).unwrap();
            let client_key = rcgen::KeyPair::generate().unwrap();
            let client = rcgen::CertificateParams::new(vec!["client.example".to_owned()]).unwrap();
            let issuer = rcgen::Issuer::new(ca, ca_key);
            let cert = client.signed_by(&client_key, &issuer).unwrap();
            std::fs::write(dir.join("client.pem"), cert.pem()).unwrap();
            std::fs::write(dir.join("client.key"), client_key.serialize_pem()).unwrap();
            let other = rcgen::KeyPair::generate().unwrap();
            std::fs::write(dir.join("other.key"), other.serialize_pem()).unwrap();
            std::fs::write(dir.join("garbage.pem"), "SUPERSECRET not a PEM file\n").unwrap();
            Files(dir)
        }

        fn path(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }

        /// Writes `text` to `name` in the directory and loads it as a file.
        fn load(&self, name: &str, text: &str) -> Result<Config, ConfigError> {
            let path = self.path(name);
            std::fs::write(&path, text).unwrap();
            Config::from_file(&path)
        }
    }

    impl Drop for Files {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn yaml(text: &str) -> Config {
        Config::from_yaml_str(text).unwrap_or_else(|e| panic!("unexpected error: {e}"))
    }

    fn yaml_err(text: &str) -> String {
        Config::from_yaml_str(text).unwrap_err().to_string()
    }

    fn default_client(config: &Config) -> &ClientConfig {
        config.default_client().unwrap()
    }

    #[test]
    fn defaults_verify_against_the_platform_roots() {
        let tls = &ClientConfig::default().tls;
        assert_eq!(*tls, TlsConfig::default());
        assert_eq!(*tls, TlsConfig::DEFAULT);
        assert!(tls.ca_file.is_none() && tls.client_cert.is_none() && tls.client_key.is_none());
        assert!(!tls.dangerously_accept_invalid_certs);
    }

    #[test]
    fn the_seed_bool_still_works() {
        let config = yaml("host: crossbar.example.org\ntls: true\n");
        let client = default_client(&config);
        assert_eq!(client.url, "wss://crossbar.example.org:8080/ws");
        assert!(client.uses_tls());
        assert_eq!(client.tls, TlsConfig::default());
        let config = yaml("tls: false\n");
        assert_eq!(default_client(&config).url, "ws://localhost:8080/ws");
    }

    #[test]
    fn a_table_turns_tls_on_and_its_paths_are_relative_to_the_file() {
        let files = Files::new("table");
        let config = files
            .load(
                "a.yaml",
                "host: crossbar.example.org\nport: 8443\ntls:\n  ca_file: ca.pem\n  client_cert: client.pem\n  \
                 client_key: client.key\n",
            )
            .unwrap();
        let client = default_client(&config);
        assert_eq!(client.url, "wss://crossbar.example.org:8443/ws");
        assert_eq!(client.tls.ca_file.as_deref(), Some(files.path("ca.pem").as_path()));
        assert_eq!(
            client.tls.client_cert.as_deref(),
            Some(files.path("client.pem").as_path())
        );
        assert_eq!(
            client.tls.client_key.as_deref(),
            Some(files.path("client.key").as_path())
        );
        assert!(!client.tls.dangerously_accept_invalid_certs);
        client.validate().unwrap();
        // The key's contents are never in the configuration.
        let key = std::fs::read_to_string(files.path("client.key")).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains(key.lines().nth(1).unwrap()), "{debug}");
        assert!(debug.contains("client.key"), "{debug}");

        // TOML: the same keys.
        let config = files
            .load(
                "a.toml",
                "url = \"rss://127.0.0.1:8443\"\n[tls]\nca_file = \"ca.pem\"\ndangerously_accept_invalid_certs = true\n",
            )
            .unwrap();
        let client = default_client(&config);
        assert_eq!(client.url, "rss://127.0.0.1:8443");
        assert!(client.uses_tls());
        assert_eq!(client.tls.ca_file.as_deref(), Some(files.path("ca.pem").as_path()));
        assert!(client.tls.dangerously_accept_invalid_certs);
    }

    #[test]
    fn a_table_with_a_url_needs_a_tls_url() {
        let config = yaml("url: wss://a.example/ws\ntls: {dangerously_accept_invalid_certs: true}\n");
        assert_eq!(default_client(&config).url, "wss://a.example/ws");
        assert_eq!(
            yaml_err("url: ws://a.example/ws\ntls: {dangerously_accept_invalid_certs: true}\n"),
            "YAML text: tls: TLS settings are given but \"ws://a.example/ws\" does not use TLS; use wss:// or rss://"
        );
        assert_eq!(
            yaml_err("url: wss://a.example/ws\ntls: {enabled: true}\n"),
            "YAML text: url: cannot be combined with tls; give either url or host/port/path/tls"
        );
    }

    #[test]
    fn unknown_keys_and_wrong_types_in_the_table_name_the_key() {
        assert_eq!(
            yaml_err("tls: {ca_fil: x.pem}\n"),
            "YAML text: line 1, column 7: unknown key \"ca_fil\" in tls (expected one of: enabled, ca_file, \
             client_cert, client_key, dangerously_accept_invalid_certs); did you mean \"ca_file\"?"
        );
        let text = yaml_err("clients:\n  a:\n    tls: {dangerously_accept_invalid_certs: yes please}\n");
        assert!(
            text.contains("clients.a.tls.dangerously_accept_invalid_certs: invalid type: string"),
            "{text}"
        );
        let text = Config::from_toml_str("tls = 1\n").unwrap_err().to_string();
        assert!(text.contains("expected true, false or a map of TLS settings"), "{text}");
    }

    #[test]
    fn settings_are_inherited_key_by_key() {
        let files = Files::new("inherit");
        let config = files
            .load(
                "c.yaml",
                "url: wss://router.example.org:8443/ws
tls: {ca_file: ca.pem}
clients:
  plain_inherit: {}
  with_cert:
    tls: {client_cert: client.pem, client_key: client.key}
  insecure:
    tls: {dangerously_accept_invalid_certs: true}
  off:
    tls: false
  raw:
    url: rss://127.0.0.1:8081
",
            )
            .unwrap();
        let client = |name: &str| config.client(name).unwrap();
        let ca = Some(files.path("ca.pem"));
        assert_eq!(client("plain_inherit").url, "wss://router.example.org:8443/ws");
        assert_eq!(client("plain_inherit").tls.ca_file, ca);
        // A table over an inherited wss:// URL keeps it as written.
        assert_eq!(client("with_cert").url, "wss://router.example.org:8443/ws");
        assert_eq!(client("with_cert").tls.ca_file, ca);
        assert_eq!(client("with_cert").tls.client_cert, Some(files.path("client.pem")));
        assert!(client("insecure").tls.dangerously_accept_invalid_certs);
        assert_eq!(client("insecure").tls.ca_file, ca);
        assert_eq!(client("off").url, "ws://router.example.org:8443/ws");
        assert_eq!(client("raw").url, "rss://127.0.0.1:8081");
        assert_eq!(client("raw").tls.ca_file, ca);
    }

    #[test]
    fn tls_true_switches_an_inherited_rawsocket_url() {
        let config = yaml("url: rs://127.0.0.1:8081\nclients:\n  a: {tls: true}\n  b: {}\n");
        assert_eq!(config.client("a").unwrap().url, "rss://127.0.0.1:8081");
        assert_eq!(config.client("b").unwrap().url, "rs://127.0.0.1:8081");
        let config = yaml("url: rss://127.0.0.1:8081\nclients:\n  a: {tls: false}\n");
        assert_eq!(config.client("a").unwrap().url, "rs://127.0.0.1:8081");
    }

    #[test]
    fn certificate_and_key_go_together() {
        let files = Files::new("pair");
        let err = files
            .load("p.yaml", "clients:\n  a:\n    tls: {client_cert: client.pem}\n")
            .unwrap_err();
        assert_eq!(err.key(), Some("clients.a.tls.client_key"));
        assert!(
            err.to_string()
                .ends_with("is missing: tls.client_cert needs the private key of the certificate")
        );
        let err = files.load("p.yaml", "tls: {client_key: client.key}\n").unwrap_err();
        assert_eq!(err.key(), Some("tls.client_cert"));
        // Inherited key, own certificate: fine.
        let config = files
            .load(
                "p.yaml",
                "tls: {client_key: client.key}\nclients:\n  a:\n    tls: {client_cert: client.pem}\n",
            )
            .unwrap();
        assert!(config.client("a").unwrap().tls.client_key.is_some());
        // A key that is not the certificate's.
        let err = files
            .load("p.yaml", "tls: {client_cert: client.pem, client_key: other.key}\n")
            .unwrap_err();
        assert_eq!(err.key(), Some("tls.client_key"));
        assert!(err.to_string().contains("does not fit the certificate"), "{err}");
    }

    #[test]
    fn bad_files_are_reported_with_their_key_without_their_contents() {
        let files = Files::new("bad");
        let err = files.load("b.yaml", "tls: {ca_file: missing.pem}\n").unwrap_err();
        assert_eq!(err.key(), Some("tls.ca_file"));
        let text = err.to_string();
        assert!(text.contains("cannot read certificates from"), "{text}");
        assert!(text.contains("missing.pem"), "{text}");

        let err = files.load("b.yaml", "tls: {ca_file: garbage.pem}\n").unwrap_err();
        assert_eq!(err.key(), Some("tls.ca_file"));
        assert!(err.to_string().contains("holds no certificate"), "{err}");

        let err = files
            .load("b.yaml", "tls: {client_cert: client.pem, client_key: garbage.pem}\n")
            .unwrap_err();
        assert_eq!(err.key(), Some("tls.client_key"));
        let text = err.to_string();
        assert!(text.contains("holds no private key"), "{text}");
        assert!(!text.contains("SUPERSECRET"), "{text}");

        // A certificate is not a key.
        let err = files
            .load("b.yaml", "tls: {client_cert: client.pem, client_key: client.pem}\n")
            .unwrap_err();
        assert_eq!(err.key(), Some("tls.client_key"));
    }

    #[test]
    fn the_builder_sets_the_same_settings() {
        let files = Files::new("builder");
        let client = ClientConfig::builder()
            .host("127.0.0.1")
            .port(8443)
            .tls_ca_file(files.path("ca.pem"))
            .tls_client_cert(files.path("client.pem"), files.path("client.key"))
            .build()
            .unwrap();
        assert_eq!(client.url, "wss://127.0.0.1:8443/ws");
        assert_eq!(client.tls.ca_file, Some(files.path("ca.pem")));
        let client = ClientConfig::builder()
            .url("rss://127.0.0.1:8443")
            .dangerously_accept_invalid_certs(true)
            .build()
            .unwrap();
        assert!(client.tls.dangerously_accept_invalid_certs);
        let err = ClientConfig::builder()
            .url("ws://127.0.0.1:8080/ws")
            .dangerously_accept_invalid_certs(true)
            .build()
            .unwrap_err();
        assert_eq!(err.key(), Some("tls"));
        let err = ClientConfig::builder()
            .url("wss://127.0.0.1:8443/ws")
            .tls_ca_file(Path::new("/nonexistent/ca.pem"))
            .build()
            .unwrap_err();
        assert_eq!(err.key(), Some("tls.ca_file"));
        // `tls(false)` wins over the table's implied `true`.
        let client = ClientConfig::builder()
            .host("h")
            .tls(false)
            .dangerously_accept_invalid_certs(true)
            .build()
            .unwrap();
        assert_eq!(client.url, "ws://h:8080/ws");
    }

    #[test]
    fn validate_checks_hand_made_settings() {
        let files = Files::new("validate");
        let mut client = ClientConfig::new("wss://a.example/ws", "realm1").unwrap();
        client.tls.client_cert = Some(files.path("client.pem"));
        let err = client.validate().unwrap_err();
        assert_eq!(err.key(), Some("tls.client_key"));
        client.tls.client_key = Some(files.path("client.key"));
        client.validate().unwrap();
    }
}
