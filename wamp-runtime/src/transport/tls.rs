//! TLS for `wss://` (WebSocket) and `rss://` (RawSocket) with rustls and its
//! `ring` crypto provider.
//!
//! The router's certificate is verified by default, host name included: the
//! host of the URL is the name checked (a DNS name against the certificate's
//! DNS names, an IP address against its IP address names) and, for a DNS
//! name, the one sent as SNI. The trusted roots are the platform's (the
//! operating system's certificate store, through `rustls-native-certs`), or
//! only the CA certificates of [`TlsConfig::ca_file`] when that is set.
//! [`TlsConfig::dangerously_accept_invalid_certs`] turns verification off
//! (a warning is logged on every connect).
//!
//! Certificate and key files are read again on every connect, so a renewed
//! certificate is picked up by the next (re)connect without a restart.

use std::io;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{AlertDescription, CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_rustls::client::TlsStream;

use super::TransportError;
use super::tcp::Tcp;
use crate::config::TlsConfig;

/// The crypto provider of every TLS connection: rustls with `ring`.
fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// Opens TLS over `tcp` to `host` (a DNS name or an IP address, without
/// brackets) and verifies the router's certificate as `tls` says. `url` is
/// only used in the log.
pub(super) async fn connect(
    tcp: Tcp,
    host: &str,
    tls: &TlsConfig,
    url: &str,
) -> Result<TlsStream<Tcp>, TransportError> {
    if tls.dangerously_accept_invalid_certs {
        tracing::warn!(
            url,
            "TLS certificate verification is OFF (tls.dangerously_accept_invalid_certs): the connection is \
             encrypted, but anyone on the network path can impersonate the router; never use this in production"
        );
    }
    let server_name = ServerName::try_from(host.to_owned()).map_err(|e| {
        TransportError::TlsSetup(format!(
            "{host:?} is neither a valid DNS name nor an IP address for TLS: {e}"
        ))
    })?;
    let config = client_config(tls)?;
    tokio_rustls::TlsConnector::from(config)
        .connect(server_name, tcp)
        .await
        .map_err(|e| from_io(e, tls))
}

/// The rustls client configuration for `tls`: roots, verifier, client
/// certificate, TLS 1.2 and 1.3.
fn client_config(tls: &TlsConfig) -> Result<Arc<rustls::ClientConfig>, TransportError> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::TlsSetup(e.to_string()))?;
    let builder = if tls.dangerously_accept_invalid_certs {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert {
                algorithms: provider.signature_verification_algorithms,
            }))
    } else {
        let roots = match &tls.ca_file {
            Some(path) => Arc::new(ca_roots(path).map_err(|m| TransportError::TlsSetup(format!("tls.ca_file: {m}")))?),
            None => platform_roots()?,
        };
        builder.with_root_certificates(roots)
    };
    let config = match (&tls.client_cert, &tls.client_key) {
        (Some(cert), Some(key)) => {
            let (chain, key) =
                client_identity(cert, key).map_err(|(key, m)| TransportError::TlsSetup(format!("{key}: {m}")))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| TransportError::TlsSetup(format!("tls.client_cert and tls.client_key: {e}")))?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => {
            return Err(TransportError::TlsSetup(
                "tls.client_cert and tls.client_key must be given together".to_owned(),
            ));
        }
    };
    Ok(Arc::new(config))
}

/// The platform's trusted roots, loaded once per process.
fn platform_roots() -> Result<Arc<RootCertStore>, TransportError> {
    static ROOTS: OnceLock<Result<Arc<RootCertStore>, String>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let loaded = rustls_native_certs::load_native_certs();
            let mut roots = RootCertStore::empty();
            let (added, _ignored) = roots.add_parsable_certificates(loaded.certs);
            if added == 0 {
                let errors: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
                return Err(format!(
                    "no trusted root certificates were found on this system{}; install them (e.g. the \
                     ca-certificates package) or set tls.ca_file to the CA that signed the router's certificate",
                    if errors.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", errors.join("; "))
                    }
                ));
            }
            tracing::debug!(roots = added, "loaded the platform's root certificates");
            Ok(Arc::new(roots))
        })
        .clone()
        .map_err(TransportError::TlsSetup)
}

/// The CA certificates of a PEM file as a root store.
fn ca_roots(path: &Path) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    for (index, cert) in load_certificates(path)?.into_iter().enumerate() {
        roots.add(cert).map_err(|e| {
            format!(
                "certificate {} in {} is not a usable CA certificate: {e}",
                index + 1,
                path.display()
            )
        })?;
    }
    Ok(roots)
}

/// The certificates of a PEM file (at least one).
pub(crate) fn load_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| format!("cannot read certificates from {}: {}", path.display(), pem_error(e)))?;
    if certs.is_empty() {
        return Err(format!(
            "{} holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)",
            path.display()
        ));
    }
    Ok(certs)
}

/// The private key of a PEM file (PKCS#8, PKCS#1 or SEC1). Errors never
/// quote the file's contents.
pub(crate) fn load_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => format!(
            "{} holds no private key (expected PEM: -----BEGIN PRIVATE KEY-----, \
             -----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)",
            path.display()
        ),
        e => format!("cannot read a private key from {}: {}", path.display(), pem_error(e)),
    })
}

/// A client certificate chain and its key, checked to belong together. The
/// error names the key at fault (`tls.client_cert` or `tls.client_key`).
pub(crate) fn client_identity(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), (&'static str, String)> {
    let chain = load_certificates(cert).map_err(|m| ("tls.client_cert", m))?;
    let key_der = load_private_key(key).map_err(|m| ("tls.client_key", m))?;
    rustls::sign::CertifiedKey::from_der(chain.clone(), key_der.clone_key(), &provider()).map_err(|e| {
        (
            "tls.client_key",
            format!(
                "the key in {} does not fit the certificate in {} (tls.client_cert): {e}",
                key.display(),
                cert.display()
            ),
        )
    })?;
    Ok((chain, key_der))
}

/// A PEM error without anything from the file's contents.
fn pem_error(e: rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error;
    match e {
        Error::Io(e) => e.to_string(),
        Error::NoItemsFound => "no PEM section found".to_owned(),
        Error::MissingSectionEnd { .. } => "a PEM section has no END line".to_owned(),
        Error::IllegalSectionStart { line, .. } => {
            format!("invalid PEM section start ({} bytes)", line.len())
        }
        Error::Base64Decode(_) => "invalid base64 in a PEM section".to_owned(),
        _ => "invalid PEM".to_owned(),
    }
}

/// Whether `error` comes from the TLS layer (it wraps a rustls error).
pub(super) fn is_tls_error(error: &io::Error) -> bool {
    error.get_ref().is_some_and(|e| e.is::<rustls::Error>())
}

/// Turns an I/O error of the TLS layer into the transport error that says
/// what went wrong: an untrusted certificate, a refusal by the router (e.g.
/// a client certificate it wants or does not accept), or another failure.
/// An error that is not about TLS is returned as [`TransportError::Io`].
pub(crate) fn from_io(error: io::Error, tls: &TlsConfig) -> TransportError {
    let Some(rustls_error) = error.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) else {
        return TransportError::Io(error);
    };
    match rustls_error {
        rustls::Error::InvalidCertificate(cert_error) => {
            let hint = match cert_error {
                CertificateError::UnknownIssuer => match &tls.ca_file {
                    Some(path) => format!(
                        "it is not signed by a CA in tls.ca_file ({}); point tls.ca_file at the CA that signed it",
                        path.display()
                    ),
                    None => "it is not signed by a CA the platform trusts; set tls.ca_file to the CA that signed it"
                        .to_owned(),
                },
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                    "it was not issued for the host in the URL; connect by a name or address the certificate lists"
                        .to_owned()
                }
                CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. } => {
                    "it is outside its validity period; renew it or check the clocks".to_owned()
                }
                _ => "see the reason above".to_owned(),
            };
            TransportError::CertificateNotTrusted {
                reason: rustls_error.to_string(),
                hint,
            }
        }
        rustls::Error::AlertReceived(
            alert @ (AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::AccessDenied),
        ) => {
            let ours = if tls.client_cert.is_some() {
                "it did not accept the client certificate of tls.client_cert"
            } else {
                "it requires a client certificate; set tls.client_cert and tls.client_key"
            };
            TransportError::TlsRefused(format!(
                "the router refused the TLS connection (alert {alert:?}): {ours}"
            ))
        }
        other => TransportError::TlsRefused(format!("TLS failed: {other}")),
    }
}

/// The verifier of `dangerously_accept_invalid_certs`: any certificate is
/// accepted, but the handshake signatures are still checked (so the peer
/// holds the key of the certificate it showed, whatever that is).
#[derive(Debug)]
struct AcceptAnyServerCert {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Checks the files of `tls` (readable, valid PEM, the key fits the
/// certificate) without connecting; the message names the key at fault.
pub(crate) fn check_files(tls: &TlsConfig) -> Result<(), (&'static str, String)> {
    if let Some(path) = &tls.ca_file {
        ca_roots(path).map_err(|m| ("tls.ca_file", m))?;
    }
    match (&tls.client_cert, &tls.client_key) {
        (Some(cert), Some(key)) => {
            client_identity(cert, key)?;
        }
        (Some(cert), None) => {
            load_certificates(cert).map_err(|m| ("tls.client_cert", m))?;
        }
        (None, Some(key)) => {
            load_private_key(key).map_err(|m| ("tls.client_key", m))?;
        }
        (None, None) => {}
    }
    Ok(())
}

/// `host` of a URL without the brackets of an IPv6 address.
pub(super) fn bare_host(host: &str) -> &str {
    host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host)
}
