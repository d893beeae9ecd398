//! URIs: validation, the constructors of `Uri`, and matching.

use wamp_protocol::{InvokePolicy, MatchPolicy, Uri, UriRules};

/// Byte 0 picks the match policy; the rest, as UTF-8 (lossy), is a pattern
/// and a URI separated by the first newline. Every constructor must agree
/// with [`wamp_protocol::validate`], a valid URI must round-trip as a string
/// (`Display`, `FromStr`, serde), and matching must be consistent with the
/// policy's definition.
pub fn check_uri(data: &[u8]) {
    let [policy, text @ ..] = data else {
        return;
    };
    let policy = [MatchPolicy::Exact, MatchPolicy::Prefix, MatchPolicy::Wildcard][usize::from(*policy) % 3];
    let text = String::from_utf8_lossy(text);
    let (pattern, uri) = text.split_once('\n').unwrap_or((&text, &text));

    for s in [pattern, uri] {
        let loose = Uri::new(s);
        assert_eq!(
            loose.is_ok(),
            wamp_protocol::validate(s, UriRules::Loose, false).is_ok(),
            "{s:?}"
        );
        let strict = Uri::strict(s);
        assert_eq!(
            strict.is_ok(),
            wamp_protocol::validate(s, UriRules::Strict, false).is_ok(),
            "{s:?}"
        );
        assert!(strict.is_err() || loose.is_ok(), "strict but not loose: {s:?}");
        let exact = Uri::pattern(s, MatchPolicy::Exact);
        let prefix = Uri::pattern(s, MatchPolicy::Prefix);
        let wildcard = Uri::pattern(s, MatchPolicy::Wildcard);
        assert_eq!(exact.is_ok(), loose.is_ok(), "{s:?}");
        assert!(loose.is_err() || prefix.is_ok(), "valid but not a prefix: {s:?}");
        assert!(
            prefix.is_err() || wildcard.is_ok(),
            "a prefix but not a wildcard: {s:?}"
        );
        assert_eq!(
            wildcard.is_ok(),
            wamp_protocol::validate(s, UriRules::Loose, true).is_ok(),
            "{s:?}"
        );
        match loose {
            Ok(valid) => {
                assert_eq!(valid.as_str(), s);
                assert_eq!(valid.to_string(), s);
                let parsed = s.parse::<Uri>();
                assert_eq!(
                    parsed.as_ref().ok(),
                    Some(&valid),
                    "FromStr disagrees with Uri::new: {s:?}"
                );
                let json = serde_json::to_string(&valid)
                    .unwrap_or_else(|e| panic!("a valid URI does not serialize: {e}; {s:?}"));
                let deserialized = serde_json::from_str::<Uri>(&json);
                assert_eq!(deserialized.ok().as_ref(), Some(&valid), "serde round trip of {s:?}");
                for policy in [MatchPolicy::Exact, MatchPolicy::Prefix, MatchPolicy::Wildcard] {
                    assert!(Uri::matches(s, policy, s), "{s:?} does not match itself ({policy})");
                }
            }
            Err(e) => {
                assert_eq!(e.uri(), s);
                assert!(!e.to_string().is_empty());
                assert!(s.parse::<Uri>().is_err());
            }
        }
        if let Ok(parsed) = s.parse::<MatchPolicy>() {
            assert_eq!(parsed.as_str(), s);
        }
        if let Ok(invoke) = s.parse::<InvokePolicy>() {
            assert_eq!(invoke.as_str(), s);
        }
    }

    let matched = Uri::matches(pattern, policy, uri);
    match policy {
        MatchPolicy::Exact => assert_eq!(matched, pattern == uri),
        MatchPolicy::Prefix => assert_eq!(matched, uri.starts_with(pattern)),
        MatchPolicy::Wildcard => {
            let same_length = pattern.split('.').count() == uri.split('.').count();
            let parts_fit = pattern
                .split('.')
                .zip(uri.split('.'))
                .all(|(p, u)| p.is_empty() || p == u);
            assert_eq!(matched, same_length && parts_fit, "{pattern:?} {uri:?}");
        }
    }
}
