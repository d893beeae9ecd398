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
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{AlertDescription, CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_rustls::client::TlsStream;

use super::TransportError;
use super::tcp::Tcp;
use crate::config::TlsConfig;
use crate::pem::{ca_roots, client_identity, provider};

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

/// `host` of a URL without the brackets of an IPv6 address.
pub(super) fn bare_host(host: &str) -> &str {
    host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host)
}
