//! The authentication settings of a client: [`AuthConfig`], [`AuthMethod`]
//! and [`Secret`], the string that never shows in `Debug`, `Display` or logs.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::env_vars::ENV_SECRET;
use super::error::{KeyError, join_key};
use super::text_file::read_text_limited;

/// A secret: a ticket, a WAMP-CRA secret or a cryptosign private key.
///
/// Its `Debug` and `Display` print `***`, so a secret never ends up in a log
/// line or an error message by accident; [`Secret::expose`] gives the value
/// to the code that really needs it.
///
/// ```
/// use wamp_runtime::config::Secret;
///
/// let secret = Secret::new("s3cr3t");
/// assert_eq!(format!("{secret} {secret:?}"), "*** ***");
/// assert_eq!(secret.expose(), "s3cr3t");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// Reads a secret from a file, without its trailing line breaks (so a
    /// file written by `echo` works).
    ///
    /// # Errors
    /// When the file cannot be read, is not UTF-8, or is larger than 64 KiB
    /// (no secret is; a path such as `/dev/zero` must not eat the memory).
    pub fn from_file(path: impl AsRef<Path>) -> std::io::Result<Secret> {
        const LIMIT: u64 = 64 * 1024;
        let text = read_text_limited(path.as_ref(), LIMIT)?;
        Ok(Secret(text.trim_end_matches(['\r', '\n']).to_owned()))
    }

    /// The secret itself. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_owned())
    }
}

impl<'de> Deserialize<'de> for Secret {
    /// Only strings are accepted, and a value of another type is not echoed
    /// in the error (serde's own message would print it).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecretVisitor;

        impl Visitor<'_> for SecretVisitor {
            type Value = Secret;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Secret, E> {
                Ok(Secret(value.to_owned()))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<Secret, E> {
                Ok(Secret(value))
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Secret, E> {
                Err(not_a_string())
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Secret, E> {
                Err(not_a_string())
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Secret, E> {
                Err(not_a_string())
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Secret, E> {
                Err(not_a_string())
            }
        }

        fn not_a_string<E: de::Error>() -> E {
            E::custom("expected a string (put the secret in quotes)")
        }

        deserializer.deserialize_string(SecretVisitor)
    }
}

/// How a client authenticates to the router.
///
/// In a file: `auth: {method: ticket}`; the names are those of the WAMP
/// `authmethods`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum AuthMethod {
    /// No credentials (the default).
    #[default]
    Anonymous,
    /// WAMP-Ticket: the secret is sent to the router as it is.
    Ticket,
    /// WAMP-CRA: the secret signs the router's challenge (HMAC-SHA256, with
    /// a PBKDF2-derived key when the router sends a salt).
    WampCra,
    /// WAMP-Cryptosign: the secret is an Ed25519 private key (the 32-byte
    /// seed as 64 hex characters) that signs the router's challenge; its
    /// public key goes to the router in `authextra.pubkey`.
    Cryptosign,
}

impl AuthMethod {
    /// The name used in HELLO `authmethods` and in files: `anonymous`,
    /// `ticket`, `wampcra` or `cryptosign`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Anonymous => "anonymous",
            AuthMethod::Ticket => "ticket",
            AuthMethod::WampCra => "wampcra",
            AuthMethod::Cryptosign => "cryptosign",
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `auth:` settings of a client: the method and its secret.
///
/// ```
/// use wamp_runtime::config::{AuthMethod, Config};
///
/// let config = Config::from_yaml_str("authid: alice\nauth: {method: ticket, secret: s3cr3t}")?;
/// let client = config.default_client().expect("one client");
/// assert_eq!(client.auth.method, AuthMethod::Ticket);
/// assert_eq!(client.auth.secret.as_ref().map(|s| s.expose()), Some("s3cr3t"));
/// // Debug output never shows the secret.
/// assert!(!format!("{client:?}").contains("s3cr3t"));
/// # Ok::<(), wamp_runtime::config::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AuthConfig {
    /// The method offered in HELLO. Default: [`AuthMethod::Anonymous`].
    pub method: AuthMethod,
    /// The ticket, the WAMP-CRA secret or the cryptosign private key; unused
    /// (and refused) for anonymous. It may be missing in a file when the
    /// environment variable `WAMP_SECRET` provides it.
    pub secret: Option<Secret>,
}

impl AuthConfig {
    /// Anonymous authentication (the default).
    pub fn anonymous() -> AuthConfig {
        AuthConfig::default()
    }

    /// `method` with `secret`.
    pub fn new(method: AuthMethod, secret: impl Into<Secret>) -> AuthConfig {
        AuthConfig {
            method,
            secret: Some(secret.into()),
        }
    }

    /// For cryptosign with a valid key: the public key as 64 hex characters,
    /// the value that goes into the router's `authorized_keys`.
    ///
    /// ```
    /// use wamp_runtime::config::{AuthConfig, AuthMethod};
    ///
    /// // The first test vector of RFC 8032.
    /// let auth = AuthConfig::new(
    ///     AuthMethod::Cryptosign,
    ///     "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    /// );
    /// assert_eq!(
    ///     auth.cryptosign_public_key().as_deref(),
    ///     Some("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    /// );
    /// ```
    pub fn cryptosign_public_key(&self) -> Option<String> {
        if self.method != AuthMethod::Cryptosign {
            return None;
        }
        let seed = crate::auth::cryptosign::parse_private_key(self.secret.as_ref()?.expose()).ok()?;
        Some(crate::auth::cryptosign::public_key_hex(&seed))
    }

    /// Checks that the secret fits the method; with `require_secret`, also
    /// that a method other than anonymous has one. `prefix` is the key path
    /// of the client.
    pub(super) fn check(&self, prefix: &str, require_secret: bool) -> Result<(), KeyError> {
        let key = |name: &str| join_key(prefix, name);
        match (&self.secret, self.method) {
            (Some(_), AuthMethod::Anonymous) => Err(KeyError::new(
                key("auth.secret"),
                "is set but auth.method is anonymous; set auth.method to ticket, wampcra or cryptosign",
            )),
            (None, AuthMethod::Anonymous) => Ok(()),
            (None, method) if require_secret => Err(KeyError::new(
                key("auth.secret"),
                format!(
                    "auth.method is {method} but no secret is configured; set auth.secret, \
                     auth.secret_file or the environment variable {}",
                    ENV_SECRET
                ),
            )),
            (None, _) => Ok(()),
            (Some(secret), method) => check_secret(method, secret).map_err(|m| KeyError::new(key("auth.secret"), m)),
        }
    }
}

/// Checks a secret for `method`. The message never contains the secret.
pub(super) fn check_secret(method: AuthMethod, secret: &Secret) -> Result<(), String> {
    match method {
        AuthMethod::Cryptosign => crate::auth::cryptosign::parse_private_key(secret.expose()).map(|_| ()),
        _ if secret.expose().is_empty() => Err("must not be empty".to_owned()),
        _ => Ok(()),
    }
}

/// Reads `auth.secret_file` (relative paths were made relative to the
/// configuration file's directory by the parser).
pub(super) fn read_secret_file(path: &Path) -> Result<Secret, String> {
    let secret = Secret::from_file(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if secret.expose().trim().is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(secret)
}
