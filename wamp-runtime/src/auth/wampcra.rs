//! WAMP-CRA (challenge-response): the CHALLENGE extra carries `challenge`, a
//! string (Crossbar sends a JSON text), and, for a salted secret, `salt`,
//! `iterations` and `keylen`. The signature is
//! `base64(HMAC-SHA256(key, challenge))`, where the key is the secret itself,
//! or, salted, `base64(PBKDF2-HMAC-SHA256(secret, salt, iterations, keylen))`
//! used as text (autobahn's `derive_key` and `compute_wcs`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use wamp_protocol::{Dict, Value};

use crate::config::Secret;

/// The most PBKDF2 iterations a router may ask for: the derivation runs on
/// the connecting task, and a hostile router must not stall it for long.
/// (Crossbar's default is 1000.)
const MAX_ITERATIONS: u64 = 1_000_000;
/// The longest derived key a router may ask for, in bytes.
const MAX_KEYLEN: u64 = 1024;

/// The AUTHENTICATE signature for the CHALLENGE `extra`.
///
/// # Errors
/// A description of what is wrong with `extra` (never containing the secret).
pub(super) fn answer(secret: &Secret, extra: &Dict) -> Result<String, String> {
    let challenge = match extra.get("challenge") {
        Some(Value::String(challenge)) => challenge,
        Some(_) => return Err("\"challenge\" is not a string".to_owned()),
        None => return Err("the extra has no \"challenge\"".to_owned()),
    };
    let present = |key: &str| extra.get(key).is_some_and(|v| !matches!(v, Value::Null));
    if !(present("salt") || present("iterations") || present("keylen")) {
        return Ok(sign(secret.expose().as_bytes(), challenge));
    }
    let salt = match extra.get("salt") {
        Some(Value::String(salt)) => salt,
        _ => return Err("\"salt\" must be a string when iterations or keylen are given".to_owned()),
    };
    let number = |key: &str, max: u64| match extra.get(key).and_then(Value::as_u64) {
        Some(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{key:?} must be an integer from 1 to {max} for a salted secret"
        )),
    };
    let iterations = number("iterations", MAX_ITERATIONS)?;
    let keylen = number("keylen", MAX_KEYLEN)?;
    // Both fit: they are at most MAX_ITERATIONS and MAX_KEYLEN.
    let iterations = u32::try_from(iterations).map_err(|e| e.to_string())?;
    let keylen = usize::try_from(keylen).map_err(|e| e.to_string())?;
    let key = derive_key(secret.expose(), salt, iterations, keylen);
    Ok(sign(key.as_bytes(), challenge))
}

/// `base64(PBKDF2-HMAC-SHA256(secret, salt, iterations, keylen))`.
fn derive_key(secret: &str, salt: &str, iterations: u32, keylen: usize) -> String {
    let mut key = vec![0u8; keylen];
    pbkdf2::pbkdf2_hmac::<Sha256>(secret.as_bytes(), salt.as_bytes(), iterations, &mut key);
    BASE64.encode(key)
}

/// `base64(HMAC-SHA256(key, challenge))`.
fn sign(key: &[u8], challenge: &str) -> String {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(challenge.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A challenge shaped like Crossbar's.
    const CHALLENGE: &str = r#"{"authid": "peter", "authrole": "user", "authmethod": "wampcra", "authprovider": "static", "session": 3251278072152162, "nonce": "Lw3wd+NyU0SBtJzTPFSYJw==", "timestamp": "2024-01-01T00:00:00.000Z"}"#;

    fn extra(pairs: &[(&str, Value)]) -> Dict {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }

    // The expected values below were computed independently with Python's
    // standard library and checked against autobahn-python 26.10:
    //   base64.b64encode(hmac.new(b"secret123", CHALLENGE.encode(), hashlib.sha256).digest())
    //   key = base64.b64encode(hashlib.pbkdf2_hmac("sha256", b"secret123", b"salt123", 1000, 32))
    //   base64.b64encode(hmac.new(key, CHALLENGE.encode(), hashlib.sha256).digest())
    // (autobahn.wamp.auth.compute_wcs and derive_key give the same.)

    #[test]
    fn unsalted_signature_matches_the_reference() {
        let extra = extra(&[("challenge", Value::String(CHALLENGE.into()))]);
        assert_eq!(
            answer(&Secret::new("secret123"), &extra).unwrap(),
            "+2/oDlqc+JI8wtfhUITJNR7bd3AhtewZEl1WdbU1INk="
        );
    }

    #[test]
    fn derived_key_matches_the_reference() {
        assert_eq!(
            derive_key("secret123", "salt123", 1000, 32),
            "Eu7CQLfR+/Ffb+275A4s9/6H/RGKYxM4s6IMrsNKzC8="
        );
    }

    #[test]
    fn salted_signature_matches_the_reference() {
        let extra = extra(&[
            ("challenge", Value::String(CHALLENGE.into())),
            ("salt", Value::String("salt123".into())),
            ("iterations", Value::from(1000)),
            ("keylen", Value::from(32)),
        ]);
        assert_eq!(
            answer(&Secret::new("secret123"), &extra).unwrap(),
            "dUL7wVjFnwimH8lXJ5e6bb2l2GICiZaE7T4J4xuMi5g="
        );
    }

    #[test]
    fn null_salt_parameters_mean_unsalted() {
        let extra = extra(&[
            ("challenge", Value::String(CHALLENGE.into())),
            ("salt", Value::Null),
            ("iterations", Value::Null),
            ("keylen", Value::Null),
        ]);
        assert_eq!(
            answer(&Secret::new("secret123"), &extra).unwrap(),
            "+2/oDlqc+JI8wtfhUITJNR7bd3AhtewZEl1WdbU1INk="
        );
    }

    #[test]
    fn malformed_challenges_are_described() {
        let secret = Secret::new("secret123");
        let cases: [(Dict, &str); 5] = [
            (Dict::new(), "the extra has no \"challenge\""),
            (extra(&[("challenge", Value::from(5))]), "\"challenge\" is not a string"),
            (
                extra(&[
                    ("challenge", Value::String("c".into())),
                    ("iterations", Value::from(10)),
                ]),
                "\"salt\" must be a string when iterations or keylen are given",
            ),
            (
                extra(&[
                    ("challenge", Value::String("c".into())),
                    ("salt", Value::String("s".into())),
                    ("iterations", Value::from(1000)),
                ]),
                "\"keylen\" must be an integer from 1 to 1024 for a salted secret",
            ),
            (
                extra(&[
                    ("challenge", Value::String("c".into())),
                    ("salt", Value::String("s".into())),
                    ("iterations", Value::from(1_000_000_000)),
                    ("keylen", Value::from(32)),
                ]),
                "\"iterations\" must be an integer from 1 to 1000000 for a salted secret",
            ),
        ];
        for (extra, expected) in cases {
            assert_eq!(answer(&secret, &extra).unwrap_err(), expected);
        }
    }
}
