//! Client-side authentication: what HELLO offers (`authmethods`,
//! `authextra`) and how a CHALLENGE is answered, for each method the
//! configuration can name (see [`AuthConfig`]).
//!
//! [`Authenticator`] is built from the configuration before HELLO; the
//! session's join (`session/join.rs`) asks it for the HELLO details and hands
//! it the router's CHALLENGE. Nothing here logs or formats a secret.

pub(crate) mod cryptosign;
mod ticket;
mod wampcra;

use std::fmt;

use wamp_protocol::{Authenticate, Challenge, Dict, Value};

use crate::config::{AuthConfig, AuthMethod, ConfigError, ENV_SECRET, Secret};

/// The configured method, ready to answer a CHALLENGE.
pub(crate) enum Authenticator {
    Anonymous,
    Ticket(Secret),
    WampCra(Secret),
    Cryptosign(cryptosign::Key),
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Authenticator({})", self.method())
    }
}

/// Why a CHALLENGE cannot be answered. Both are the router's fault: it
/// challenged a method we did not offer, or sent an unusable challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChallengeError {
    /// The router asked for `asked`; HELLO offered only `offered`.
    UnexpectedMethod { asked: String, offered: AuthMethod },
    /// The challenge's `extra` does not have the shape `method` needs.
    Malformed { method: AuthMethod, problem: String },
}

impl fmt::Display for ChallengeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChallengeError::UnexpectedMethod { asked, offered } => write!(
                f,
                "the router sent a CHALLENGE for {asked:?} authentication, but HELLO offered only {offered}"
            ),
            ChallengeError::Malformed { method, problem } => {
                write!(f, "malformed {method} CHALLENGE: {problem}")
            }
        }
    }
}

impl Authenticator {
    /// The authenticator for `auth`.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] when the method needs a secret that is not
    /// configured, or the secret does not fit the method (e.g. a cryptosign
    /// key that is not 64 hex characters).
    pub(crate) fn new(auth: &AuthConfig) -> Result<Authenticator, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            origin: None,
            key: "auth.secret".to_owned(),
            message,
        };
        let secret = || {
            auth.secret.clone().ok_or_else(|| {
                invalid(format!(
                    "auth.method is {} but no secret is configured; set auth.secret, \
                     auth.secret_file or the environment variable {ENV_SECRET}",
                    auth.method
                ))
            })
        };
        Ok(match auth.method {
            AuthMethod::Anonymous => Authenticator::Anonymous,
            AuthMethod::Ticket => Authenticator::Ticket(secret()?),
            AuthMethod::WampCra => Authenticator::WampCra(secret()?),
            AuthMethod::Cryptosign => {
                let seed = cryptosign::parse_private_key(secret()?.expose())
                    .map_err(|m| invalid(format!("the cryptosign private key {m}")))?;
                Authenticator::Cryptosign(cryptosign::Key::from_seed(&seed))
            }
        })
    }

    /// The method offered in HELLO.
    pub(crate) fn method(&self) -> AuthMethod {
        match self {
            Authenticator::Anonymous => AuthMethod::Anonymous,
            Authenticator::Ticket(_) => AuthMethod::Ticket,
            Authenticator::WampCra(_) => AuthMethod::WampCra,
            Authenticator::Cryptosign(_) => AuthMethod::Cryptosign,
        }
    }

    /// Adds `authmethods` and `authextra` (the configured one, plus the
    /// public key for cryptosign) to the HELLO details.
    pub(crate) fn add_hello_details(&self, details: &mut Dict, authextra: &Dict) {
        details.insert(
            "authmethods".into(),
            Value::List(vec![Value::String(self.method().as_str().into())]),
        );
        let mut authextra = authextra.clone();
        if let Authenticator::Cryptosign(key) = self {
            authextra.insert("pubkey".into(), Value::String(key.public_key_hex()));
        }
        if !authextra.is_empty() {
            details.insert("authextra".into(), Value::Dict(authextra));
        }
    }

    /// The AUTHENTICATE answering `challenge`.
    ///
    /// # Errors
    /// [`ChallengeError`] when the router asks for another method than the
    /// one offered, or its challenge is malformed.
    pub(crate) fn answer(&self, challenge: &Challenge) -> Result<Authenticate, ChallengeError> {
        let offered = self.method();
        let malformed = |problem: String| ChallengeError::Malformed {
            method: offered,
            problem,
        };
        let asked = challenge.auth_method.as_str();
        let signature = match self {
            Authenticator::Ticket(ticket) if asked == "ticket" => ticket::answer(ticket),
            Authenticator::WampCra(secret) if asked == "wampcra" => {
                wampcra::answer(secret, &challenge.extra).map_err(malformed)?
            }
            Authenticator::Cryptosign(key) if asked == "cryptosign" => {
                key.answer(&challenge.extra).map_err(malformed)?
            }
            // Anonymous is never challenged.
            _ => {
                return Err(ChallengeError::UnexpectedMethod {
                    asked: asked.to_owned(),
                    offered,
                });
            }
        };
        Ok(Authenticate {
            signature,
            extra: Dict::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn challenge(method: &str, extra: &[(&str, Value)]) -> Challenge {
        Challenge {
            auth_method: method.to_owned(),
            extra: extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        }
    }

    #[test]
    fn anonymous_offers_only_anonymous_and_no_authextra() {
        let auth = Authenticator::new(&AuthConfig::anonymous()).unwrap();
        let mut details = Dict::new();
        auth.add_hello_details(&mut details, &Dict::new());
        assert_eq!(
            details.get("authmethods"),
            Some(&Value::List(vec![Value::String("anonymous".into())]))
        );
        assert!(!details.contains_key("authextra"));
        let error = auth.answer(&challenge("ticket", &[])).unwrap_err();
        assert!(matches!(error, ChallengeError::UnexpectedMethod { .. }), "{error}");
    }

    #[test]
    fn ticket_answers_with_the_ticket_and_offers_only_ticket() {
        let auth = Authenticator::new(&AuthConfig::new(AuthMethod::Ticket, "s3cr3t")).unwrap();
        let mut details = Dict::new();
        let mut authextra = Dict::new();
        authextra.insert("team".into(), Value::String("blue".into()));
        auth.add_hello_details(&mut details, &authextra);
        assert_eq!(
            details.get("authmethods"),
            Some(&Value::List(vec![Value::String("ticket".into())]))
        );
        assert_eq!(details.get("authextra"), Some(&Value::Dict(authextra)));
        let answer = auth.answer(&challenge("ticket", &[])).unwrap();
        assert_eq!(answer.signature, "s3cr3t");
        assert!(answer.extra.is_empty());
    }

    #[test]
    fn a_challenge_for_another_method_is_refused_with_both_names() {
        let auth = Authenticator::new(&AuthConfig::new(AuthMethod::Ticket, "s3cr3t")).unwrap();
        let error = auth.answer(&challenge("wampcra", &[])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the router sent a CHALLENGE for \"wampcra\" authentication, but HELLO offered only ticket"
        );
    }

    #[test]
    fn a_method_without_a_secret_is_a_config_error_naming_wamp_secret() {
        let mut auth = AuthConfig::anonymous();
        auth.method = AuthMethod::WampCra;
        let error = Authenticator::new(&auth).unwrap_err();
        assert_eq!(
            error.to_string(),
            "auth.secret: auth.method is wampcra but no secret is configured; set auth.secret, \
             auth.secret_file or the environment variable WAMP_SECRET"
        );
    }

    #[test]
    fn a_bad_cryptosign_key_is_a_config_error_that_does_not_show_the_key() {
        let auth = AuthConfig::new(AuthMethod::Cryptosign, "not-hex-at-all-but-secret");
        let error = Authenticator::new(&auth).unwrap_err().to_string();
        assert!(
            error.starts_with("auth.secret: the cryptosign private key must be"),
            "{error}"
        );
        assert!(!error.contains("not-hex"), "{error}");
    }

    #[test]
    fn cryptosign_sends_the_public_key_in_authextra() {
        // RFC 8032, test 1.
        let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
        let auth = Authenticator::new(&AuthConfig::new(AuthMethod::Cryptosign, seed)).unwrap();
        let mut details = Dict::new();
        let mut authextra = Dict::new();
        authextra.insert("pubkey".into(), Value::String("overridden".into()));
        authextra.insert("team".into(), Value::String("blue".into()));
        auth.add_hello_details(&mut details, &authextra);
        let sent = details.get("authextra").and_then(Value::as_dict).unwrap();
        assert_eq!(
            sent.get("pubkey").and_then(Value::as_str),
            Some("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        );
        assert_eq!(sent.get("team").and_then(Value::as_str), Some("blue"));
    }

    #[test]
    fn debug_names_only_the_method() {
        let auth = Authenticator::new(&AuthConfig::new(AuthMethod::Ticket, "s3cr3t")).unwrap();
        assert_eq!(format!("{auth:?}"), "Authenticator(ticket)");
    }
}
