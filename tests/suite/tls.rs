//! TLS against a real Crossbar router: `wss://` and `rss://` with a CA and
//! certificates generated here (rcgen), verified by default with the host
//! name checked; a wrong host name and an unknown CA are refused with a clear
//! error (and quickly); `dangerously_accept_invalid_certs` gets through
//! both; a transport that requires a client certificate admits a client
//! that has one and refuses one that has none.
//!
//! One router serves the whole file. Its transports:
//! - `wss` and `rss`: a certificate for `localhost` and `127.0.0.1`;
//! - `wss_other_name`: a certificate for `other.example` only;
//! - `wss_mtls`: like `wss`, and client certificates signed by the CA required.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use serde_json::json;
use wamp_protocol::SerializerKind;
use wamp_runtime::config::Config;
use wamp_runtime::{Client, ClientConfig, Error};
use wamp_testkit::{PORT_PLACEHOLDER, Router, RouterConfig, permission};

/// A CA: its certificate (PEM) and what signs with it.
struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        Ca {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf certificate for `names` (DNS names or IP addresses): (certificate PEM, key PEM).
    fn issue(&self, names: &[&str]) -> (String, String) {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, "wamp-rs test");
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

struct Fixture {
    router: Router,
    /// Where the client-side files are: `ca.pem` (the router's CA),
    /// `unknown-ca.pem` (another CA), `client.pem` and `client.key` (signed
    /// by the router's CA), `stranger.pem` and `stranger.key` (signed by the
    /// other CA).
    dir: PathBuf,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let ca = Ca::new("wamp-rs test CA");
        let (server_cert, server_key) = ca.issue(&["localhost", "127.0.0.1"]);
        let (other_cert, other_key) = ca.issue(&["other.example"]);
        let (client_cert, client_key) = ca.issue(&["client.example"]);
        let unknown_ca = Ca::new("an unknown CA");
        let (stranger_cert, stranger_key) = unknown_ca.issue(&["client.example"]);

        let tls_endpoint = |key: &str, cert: &str| {
            json!({"type": "tcp", "interface": "127.0.0.1", "port": PORT_PLACEHOLDER,
                   "tls": {"key": key, "certificate": cert}})
        };
        let anonymous = json!({"anonymous": {"type": "static", "role": "anonymous"}});
        let mut mtls_endpoint = tls_endpoint("server.key", "server.crt");
        mtls_endpoint["tls"]["ca_certificates"] = json!(["ca.pem"]);
        let config = RouterConfig::new()
            .role(
                "realm1",
                "anonymous",
                json!([permission("", "prefix", &["call", "register", "publish", "subscribe"])]),
            )
            .file("server.crt", server_cert)
            .file("server.key", server_key)
            .file("other.crt", other_cert)
            .file("other.key", other_key)
            .file("ca.pem", ca.pem.clone())
            .raw_transport(
                "wss",
                json!({"type": "websocket", "endpoint": tls_endpoint("server.key", "server.crt"),
                       "serializers": ["json", "msgpack", "cbor"], "auth": anonymous}),
            )
            .raw_transport(
                "rss",
                json!({"type": "rawsocket", "endpoint": tls_endpoint("server.key", "server.crt"),
                       "serializers": ["json", "msgpack", "cbor"], "auth": anonymous}),
            )
            .raw_transport(
                "wss_other_name",
                json!({"type": "websocket", "endpoint": tls_endpoint("other.key", "other.crt"),
                       "serializers": ["json"], "auth": anonymous}),
            )
            .raw_transport(
                "wss_mtls",
                json!({"type": "websocket", "endpoint": mtls_endpoint,
                       "serializers": ["json"], "auth": anonymous}),
            );
        let router = Router::start(config).unwrap();
        let dir = router.cbdir().join("client");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.pem"), &ca.pem).unwrap();
        std::fs::write(dir.join("unknown-ca.pem"), &unknown_ca.pem).unwrap();
        std::fs::write(dir.join("client.pem"), client_cert).unwrap();
        std::fs::write(dir.join("client.key"), client_key).unwrap();
        std::fs::write(dir.join("stranger.pem"), stranger_cert).unwrap();
        std::fs::write(dir.join("stranger.key"), stranger_key).unwrap();
        Fixture { router, dir }
    })
}

fn url(transport: &str) -> String {
    fixture().router.transport_url(transport)
}

fn file(name: &str) -> PathBuf {
    fixture().dir.join(name)
}

/// Joins, then proves the session works over the link with a call into the
/// router's meta API.
async fn join_and_call(config: &ClientConfig) -> Client {
    let client = Client::connect(config).await.unwrap();
    let count: u64 = client.call("wamp.session.count").await.unwrap().decode().unwrap();
    assert!(count >= 1, "{count}");
    client
}

/// Connects and expects a refusal within a few seconds; returns the error
/// text (the whole chain, as a user sees it).
async fn refused(config: &ClientConfig) -> (Error, String) {
    let start = Instant::now();
    let error = Client::connect(config).await.unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "refused only after {:?}",
        start.elapsed()
    );
    let text = error.to_string();
    eprintln!("refused as expected: {text}");
    (error, text)
}

fn trusting_ca(url: &str) -> ClientConfig {
    ClientConfig::builder()
        .url(url)
        .realm("realm1")
        .tls_ca_file(file("ca.pem"))
        .build()
        .unwrap()
}

#[tokio::test]
async fn wss_with_the_routers_ca_joins() {
    let wss = url("wss");
    assert!(wss.starts_with("wss://127.0.0.1:"), "{wss}");
    // An IP address URL: checked against the certificate's IP address names.
    join_and_call(&trusting_ca(&wss)).await.leave().await.unwrap();
    // A DNS name URL: checked against its DNS names (and sent as SNI).
    let by_name = wss.replace("127.0.0.1", "localhost");
    join_and_call(&trusting_ca(&by_name)).await.leave().await.unwrap();
}

#[tokio::test]
async fn rss_with_the_routers_ca_joins_with_each_serializer() {
    let rss = url("rss");
    assert!(rss.starts_with("rss://127.0.0.1:"), "{rss}");
    for serializer in [SerializerKind::Json, SerializerKind::MsgPack, SerializerKind::Cbor] {
        let mut config = trusting_ca(&rss);
        config.serializers = vec![serializer];
        let client = join_and_call(&config).await;
        client.leave().await.unwrap();
    }
}

#[tokio::test]
async fn the_seed_keys_tls_true_and_a_tls_table_from_a_file_join() {
    let port = fixture().router.port("wss");
    let dir = fixture().dir.clone();
    // `tls: true` with host/port (the seed's keys), the CA file relative to
    // the configuration file's directory.
    let path = dir.join("client.yaml");
    std::fs::write(
        &path,
        format!("host: 127.0.0.1\nport: {port}\ntls: {{ca_file: ca.pem}}\nrealm: realm1\n"),
    )
    .unwrap();
    let config = Config::from_file(&path).unwrap();
    let client = config.default_client().unwrap();
    assert_eq!(client.url, format!("wss://127.0.0.1:{port}/ws"));
    assert_eq!(client.tls.ca_file.as_deref(), Some(dir.join("ca.pem").as_path()));
    join_and_call(client).await.leave().await.unwrap();

    let path = dir.join("client.toml");
    std::fs::write(
        &path,
        format!("url = \"wss://localhost:{port}/ws\"\n[tls]\nca_file = \"ca.pem\"\n"),
    )
    .unwrap();
    let config = Config::from_file(&path).unwrap();
    join_and_call(config.default_client().unwrap())
        .await
        .leave()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_certificate_for_another_host_name_is_refused() {
    let (error, text) = refused(&trusting_ca(&url("wss_other_name"))).await;
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert!(text.contains("certificate was not trusted"), "{text}");
    assert!(text.contains("not valid for name \"127.0.0.1\""), "{text}");
    assert!(text.contains("other.example"), "{text}");
    assert!(text.contains("not issued for the host in the URL"), "{text}");
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused() {
    for transport in ["wss", "rss"] {
        let config = ClientConfig::builder()
            .url(url(transport))
            .tls_ca_file(file("unknown-ca.pem"))
            .build()
            .unwrap();
        let (error, text) = refused(&config).await;
        assert!(matches!(error, Error::Connect { .. }), "{error:?}");
        assert!(text.contains("certificate was not trusted"), "{text}");
        assert!(text.contains("UnknownIssuer"), "{text}");
        assert!(text.contains("not signed by a CA in tls.ca_file"), "{text}");
    }
}

#[tokio::test]
async fn the_platform_roots_do_not_trust_a_private_ca() {
    // No ca_file: the default is the platform's roots, which do not know
    // the CA made by this test.
    let config = ClientConfig::new(url("wss"), "realm1").unwrap();
    let (error, text) = refused(&config).await;
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert!(
        text.contains("UnknownIssuer") && text.contains("not signed by a CA the platform trusts")
            || text.contains("no trusted root certificates were found"),
        "{text}"
    );
}

/// Collects the log lines written while it is the default subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn dangerously_accept_invalid_certs_joins_and_warns_every_time() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .finish();
    // The test runtime is single-threaded: the session tasks log here too.
    let _guard = tracing::subscriber::set_default(subscriber);

    for transport in ["wss_other_name", "wss", "rss"] {
        // No CA file (the platform does not trust this CA), and a wrong
        // host name for `wss_other_name`: accepted all the same.
        let config = ClientConfig::builder()
            .url(url(transport))
            .dangerously_accept_invalid_certs(true)
            .build()
            .unwrap();
        join_and_call(&config).await.leave().await.unwrap();
    }
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert_eq!(log.matches("TLS certificate verification is OFF").count(), 3, "{log}");
    assert!(log.contains("WARN"), "{log}");
}

#[tokio::test]
async fn a_router_that_requires_a_client_certificate() {
    let mtls = url("wss_mtls");
    let with_cert = ClientConfig::builder()
        .url(&mtls)
        .tls_ca_file(file("ca.pem"))
        .tls_client_cert(file("client.pem"), file("client.key"))
        .build()
        .unwrap();
    join_and_call(&with_cert).await.leave().await.unwrap();

    let (error, text) = refused(&trusting_ca(&mtls)).await;
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert!(text.contains("requires a client certificate"), "{text}");

    // A client certificate from a CA the router does not know.
    let stranger = ClientConfig::builder()
        .url(&mtls)
        .tls_ca_file(file("ca.pem"))
        .tls_client_cert(file("stranger.pem"), file("stranger.key"))
        .build()
        .unwrap();
    let (error, text) = refused(&stranger).await;
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert!(text.contains("did not accept the client certificate"), "{text}");
}

#[test]
fn a_client_key_that_does_not_fit_the_certificate_is_a_config_error() {
    let dir = &fixture().dir;
    let other_key = dir.join("other-client.key");
    std::fs::write(&other_key, KeyPair::generate().unwrap().serialize_pem()).unwrap();
    let error = ClientConfig::builder()
        .url(url("wss"))
        .tls_client_cert(file("client.pem"), &other_key)
        .build()
        .unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with("tls.client_key: the key in"), "{text}");
    assert!(text.contains("does not fit the certificate"), "{text}");
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    let _ = std::fs::remove_file(Path::new(&other_key));
}
