//! WAMP-Cryptosign (Ed25519): HELLO carries `authextra.pubkey` (the public
//! key in hex); the CHALLENGE extra carries `challenge`, 32 random bytes in
//! hex, and `channel_binding` (null: this client asks for none). The answer
//! is the hex Ed25519 signature of the challenge bytes followed by the
//! challenge itself: 192 hex characters, as autobahn's `sign_challenge`.

use ed25519_dalek::{Signer, SigningKey};
use wamp_protocol::{Dict, Value};

/// The length of a private key (the seed) and of a challenge, in bytes.
const LEN: usize = 32;

/// A private key, ready to sign.
pub(crate) struct Key(SigningKey);

impl Key {
    pub(crate) fn from_seed(seed: &[u8; LEN]) -> Key {
        Key(SigningKey::from_bytes(seed))
    }

    /// The public key as 64 hex characters.
    pub(crate) fn public_key_hex(&self) -> String {
        hex::encode(self.0.verifying_key().as_bytes())
    }

    /// The AUTHENTICATE signature for the CHALLENGE `extra`.
    ///
    /// # Errors
    /// A description of what is wrong with `extra`.
    pub(super) fn answer(&self, extra: &Dict) -> Result<String, String> {
        match extra.get("channel_binding") {
            None | Some(Value::Null) => {}
            Some(other) => {
                let name = other
                    .as_str()
                    .map_or_else(|| format!("{other:?}"), |s| format!("{s:?}"));
                return Err(format!(
                    "the router asks for channel binding {name}, which this client did not request"
                ));
            }
        }
        let challenge = match extra.get("challenge") {
            Some(Value::String(challenge)) => challenge,
            Some(_) => return Err("\"challenge\" is not a string".to_owned()),
            None => return Err("the extra has no \"challenge\"".to_owned()),
        };
        let bytes = decode_32(challenge).map_err(|m| format!("\"challenge\" {m}"))?;
        let signature = self.0.sign(&bytes);
        Ok(format!("{}{}", hex::encode(signature.to_bytes()), hex::encode(bytes)))
    }
}

/// Reads a private key: 64 hex characters (the Ed25519 seed), or a Crossbar
/// key file, whose `private-key-ed25519: <hex>` line holds them.
///
/// # Errors
/// A message starting with "must" that never contains the text given.
pub(crate) fn parse_private_key(text: &str) -> Result<[u8; LEN], String> {
    let text = text.trim();
    let hex = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("private-key-ed25519:"))
        .map_or(text, str::trim);
    decode_32(hex).map_err(|_| {
        "must be 64 hex characters (the 32-byte Ed25519 seed), or a key file with a \
         \"private-key-ed25519: <hex>\" line"
            .to_owned()
    })
}

/// The public key of `seed` as 64 hex characters.
pub(crate) fn public_key_hex(seed: &[u8; LEN]) -> String {
    Key::from_seed(seed).public_key_hex()
}

fn decode_32(text: &str) -> Result<[u8; LEN], String> {
    let mut bytes = [0u8; LEN];
    if text.len() != 2 * LEN {
        return Err(format!("must be {} hex characters, not {}", 2 * LEN, text.len()));
    }
    hex::decode_to_slice(text, &mut bytes).map_err(|_| "must be hex".to_owned())?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// RFC 8032, section 7.1, test 1.
    const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const CHALLENGE: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    /// Computed independently with PyNaCl (autobahn's own signer), in the
    /// Crossbar virtualenv:
    ///   nacl.signing.SigningKey(bytes.fromhex(SEED)).sign(bytes.fromhex(CHALLENGE)).hex()
    const ANSWER: &str = "00c1db988bb12fd7351a6054ae3fac90fab7e4fc56b1651c7181f5f55f896f66\
                          3933d3a90605d9058e9d0ac45950ee2d3c9c9b14857415587179fe0ccac35f09\
                          000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn key() -> Key {
        Key::from_seed(&parse_private_key(SEED).unwrap())
    }

    fn extra(pairs: &[(&str, Value)]) -> Dict {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }

    #[test]
    fn the_public_key_matches_rfc_8032() {
        assert_eq!(key().public_key_hex(), PUBLIC);
    }

    #[test]
    fn the_answer_is_the_signature_then_the_challenge_in_hex() {
        let answer = key()
            .answer(&extra(&[
                ("challenge", Value::String(CHALLENGE.into())),
                ("channel_binding", Value::Null),
            ]))
            .unwrap();
        assert_eq!(answer.len(), 192);
        assert!(answer.ends_with(CHALLENGE));
        assert_eq!(answer, ANSWER);
        // And it verifies with the public key.
        let signature = ed25519_dalek::Signature::from_slice(&hex::decode(&answer[..128]).unwrap()).unwrap();
        let message = hex::decode(CHALLENGE).unwrap();
        key().0.verifying_key().verify_strict(&message, &signature).unwrap();
    }

    #[test]
    fn upper_case_hex_and_crossbar_key_files_are_accepted() {
        assert_eq!(
            parse_private_key(&SEED.to_uppercase()).unwrap(),
            parse_private_key(SEED).unwrap()
        );
        let file = format!("creator: node1\npublic-key-ed25519: {PUBLIC}\nprivate-key-ed25519: {SEED}\n");
        assert_eq!(parse_private_key(&file).unwrap(), parse_private_key(SEED).unwrap());
    }

    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        for bad in [
            "",
            "abc",
            &SEED[..62],
            &format!("{}zz", &SEED[..62]),
            "private-key-ed25519: 1234",
        ] {
            let message = parse_private_key(bad).unwrap_err();
            assert!(message.starts_with("must be 64 hex characters"), "{message}");
            assert!(bad.is_empty() || !message.contains(bad), "{message}");
        }
    }

    #[test]
    fn malformed_challenges_are_described() {
        let cases: [(Dict, &str); 5] = [
            (Dict::new(), "the extra has no \"challenge\""),
            (extra(&[("challenge", Value::from(1))]), "\"challenge\" is not a string"),
            (
                extra(&[("challenge", Value::String("abcd".into()))]),
                "\"challenge\" must be 64 hex characters, not 4",
            ),
            (
                extra(&[("challenge", Value::String("x".repeat(64)))]),
                "\"challenge\" must be hex",
            ),
            (
                extra(&[
                    ("challenge", Value::String(CHALLENGE.into())),
                    ("channel_binding", Value::String("tls-unique".into())),
                ]),
                "the router asks for channel binding \"tls-unique\", which this client did not request",
            ),
        ];
        for (extra, expected) in cases {
            assert_eq!(key().answer(&extra).unwrap_err(), expected);
        }
    }
}
