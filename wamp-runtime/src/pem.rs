//! Reading the TLS material a configuration names: CA certificates, client
//! certificate chains and private keys from PEM files, checked the way the
//! TLS connector will use them. Errors never quote a file's contents.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The crypto provider of every TLS connection: rustls with `ring`.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// The CA certificates of a PEM file as a root store.
pub(crate) fn ca_roots(path: &Path) -> Result<RootCertStore, String> {
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
