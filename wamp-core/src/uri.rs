//! WAMP URIs, URI validation and pattern matching.
//!
//! WAMP URIs are dot-separated strings such as `com.example.add`. The spec
//! defines two rule sets:
//!
//! * **loose** (the default): components are non-empty and contain no
//!   whitespace, `.` or `#`;
//! * **strict**: components match `[0-9a-z_]+`.
//!
//! Subscription and registration patterns relax these rules: wildcard
//! patterns may have empty components (`com..update` matches
//! `com.foo.update`), and prefix patterns may end with `.`.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

/// How a subscription or registration URI is matched against topics or
/// procedures (the `match` option of SUBSCRIBE and REGISTER).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MatchPolicy {
    /// The URI must equal the pattern.
    #[default]
    Exact,
    /// The URI must start with the pattern.
    Prefix,
    /// The URI must have as many components as the pattern, and every
    /// non-empty pattern component must equal the URI's.
    Wildcard,
}

impl MatchPolicy {
    /// The wire name: `"exact"`, `"prefix"` or `"wildcard"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            MatchPolicy::Exact => "exact",
            MatchPolicy::Prefix => "prefix",
            MatchPolicy::Wildcard => "wildcard",
        }
    }
}

impl fmt::Display for MatchPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error returned when parsing an unknown policy name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} policy \"{value}\", expected one of {allowed}")]
pub struct ParsePolicyError {
    kind: &'static str,
    value: String,
    allowed: &'static str,
}

impl ParsePolicyError {
    /// The rejected value.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl FromStr for MatchPolicy {
    type Err = ParsePolicyError;

    /// Parses a wire name.
    ///
    /// ```
    /// use wamp_protocol::MatchPolicy;
    /// assert_eq!("prefix".parse::<MatchPolicy>().unwrap(), MatchPolicy::Prefix);
    /// assert_eq!(
    ///     "regex".parse::<MatchPolicy>().unwrap_err().to_string(),
    ///     "unknown match policy \"regex\", expected one of \"exact\", \"prefix\", \"wildcard\""
    /// );
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "exact" => Ok(MatchPolicy::Exact),
            "prefix" => Ok(MatchPolicy::Prefix),
            "wildcard" => Ok(MatchPolicy::Wildcard),
            _ => Err(ParsePolicyError {
                kind: "match",
                value: s.to_owned(),
                allowed: "\"exact\", \"prefix\", \"wildcard\"",
            }),
        }
    }
}

/// How a dealer picks among several registrations of a shared procedure
/// (the `invoke` option of REGISTER).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InvokePolicy {
    /// Only one registration is allowed.
    #[default]
    Single,
    /// Registrations are invoked in turn.
    RoundRobin,
    /// A registration is picked at random.
    Random,
    /// The first registration is invoked.
    First,
    /// The last registration is invoked.
    Last,
}

impl InvokePolicy {
    /// The wire name: `"single"`, `"roundrobin"`, `"random"`, `"first"` or
    /// `"last"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            InvokePolicy::Single => "single",
            InvokePolicy::RoundRobin => "roundrobin",
            InvokePolicy::Random => "random",
            InvokePolicy::First => "first",
            InvokePolicy::Last => "last",
        }
    }
}

impl fmt::Display for InvokePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InvokePolicy {
    type Err = ParsePolicyError;

    /// Parses a wire name.
    ///
    /// ```
    /// use wamp_protocol::InvokePolicy;
    /// assert_eq!("roundrobin".parse::<InvokePolicy>().unwrap(), InvokePolicy::RoundRobin);
    /// assert!("round_robin".parse::<InvokePolicy>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "single" => Ok(InvokePolicy::Single),
            "roundrobin" => Ok(InvokePolicy::RoundRobin),
            "random" => Ok(InvokePolicy::Random),
            "first" => Ok(InvokePolicy::First),
            "last" => Ok(InvokePolicy::Last),
            _ => Err(ParsePolicyError {
                kind: "invoke",
                value: s.to_owned(),
                allowed: "\"single\", \"roundrobin\", \"random\", \"first\", \"last\"",
            }),
        }
    }
}

/// Which WAMP URI rule set to validate against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UriRules {
    /// Components contain no whitespace, `.` or `#`.
    #[default]
    Loose,
    /// Components match `[0-9a-z_]+`.
    Strict,
}

/// What is wrong with a URI.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriErrorKind {
    /// The URI is the empty string.
    Empty,
    /// A component (1-based) is empty.
    EmptyComponent(usize),
    /// A component (1-based) contains whitespace.
    Whitespace(usize),
    /// A component (1-based) contains a character that no URI may contain
    /// (`#`).
    ForbiddenChar(usize, char),
    /// A component (1-based) contains a character outside `[0-9a-z_]`
    /// under the strict rules.
    NotStrict(usize, char),
}

/// Error returned when a string is not a valid URI or URI pattern.
///
/// ```
/// let err = wamp_protocol::Uri::new("com..x").unwrap_err();
/// assert_eq!(err.to_string(), "invalid URI \"com..x\": component 2 is empty");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid URI {uri:?}: {kind}")]
pub struct UriError {
    uri: String,
    kind: UriErrorKind,
}

impl UriError {
    /// The rejected string.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// What is wrong with it.
    pub fn kind(&self) -> &UriErrorKind {
        &self.kind
    }
}

impl fmt::Display for UriErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UriErrorKind::Empty => f.write_str("URI is empty"),
            UriErrorKind::EmptyComponent(i) => write!(f, "component {i} is empty"),
            UriErrorKind::Whitespace(i) => write!(f, "component {i} contains whitespace"),
            UriErrorKind::ForbiddenChar(i, c) => {
                write!(f, "component {i} contains forbidden character {c:?}")
            }
            UriErrorKind::NotStrict(i, c) => {
                write!(f, "component {i}: character {c:?} is not allowed by the strict rules")
            }
        }
    }
}

/// Which components may be empty.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EmptyComponents {
    Never,
    Last,
    Any,
}

fn check(s: &str, rules: UriRules, empty: EmptyComponents) -> Result<(), UriErrorKind> {
    if s.is_empty() {
        return Err(UriErrorKind::Empty);
    }
    // One pass, in order: this runs on every call and publish.
    let mut number = 1;
    let mut component_empty = true;
    for c in s.chars() {
        if c == '.' {
            // Not the last component: only `Any` lets it be empty.
            if component_empty && empty != EmptyComponents::Any {
                return Err(UriErrorKind::EmptyComponent(number));
            }
            number += 1;
            component_empty = true;
            continue;
        }
        component_empty = false;
        match rules {
            UriRules::Loose => {
                if c.is_whitespace() {
                    return Err(UriErrorKind::Whitespace(number));
                }
                if c == '#' {
                    return Err(UriErrorKind::ForbiddenChar(number, c));
                }
            }
            UriRules::Strict => {
                if !(c.is_ascii_digit() || c.is_ascii_lowercase() || c == '_') {
                    return Err(UriErrorKind::NotStrict(number, c));
                }
            }
        }
    }
    let last_may_be_empty = match empty {
        EmptyComponents::Never => false,
        EmptyComponents::Last => number > 1,
        EmptyComponents::Any => true,
    };
    if component_empty && !last_may_be_empty {
        return Err(UriErrorKind::EmptyComponent(number));
    }
    Ok(())
}

/// Validates `s` against the WAMP URI rules.
///
/// With `allow_empty_components` (wildcard patterns) components may be
/// empty; the empty string is always invalid.
///
/// ```
/// use wamp_protocol::{validate, UriRules};
/// assert!(validate("com.example.add", UriRules::Strict, false).is_ok());
/// assert!(validate("com.Example", UriRules::Strict, false).is_err());
/// assert!(validate("com..add", UriRules::Loose, true).is_ok());
/// ```
///
/// # Errors
///
/// Returns a [`UriError`] naming the offending component.
pub fn validate(s: &str, rules: UriRules, allow_empty_components: bool) -> Result<(), UriError> {
    let empty = if allow_empty_components {
        EmptyComponents::Any
    } else {
        EmptyComponents::Never
    };
    check(s, rules, empty).map_err(|kind| UriError {
        uri: s.to_owned(),
        kind,
    })
}

/// A validated WAMP URI (or URI pattern).
///
/// ```
/// use wamp_protocol::{MatchPolicy, Uri};
///
/// let uri = Uri::new("com.example.add").unwrap();
/// assert_eq!(uri.as_str(), "com.example.add");
/// assert!(Uri::new("com. example").is_err());
/// assert!(Uri::strict("com.Example").is_err());
///
/// let pattern = Uri::pattern("com..add", MatchPolicy::Wildcard).unwrap();
/// assert!(Uri::matches(pattern.as_str(), MatchPolicy::Wildcard, "com.example.add"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uri(String);

impl Uri {
    /// Creates a URI, validating it against the loose rules (no empty
    /// components).
    ///
    /// # Errors
    ///
    /// Fails if `s` is empty, has an empty component, or contains
    /// whitespace or `#`.
    pub fn new(s: impl Into<String>) -> Result<Uri, UriError> {
        Self::checked(s.into(), UriRules::Loose, EmptyComponents::Never)
    }

    /// Creates a URI, validating it against the strict rules (components
    /// match `[0-9a-z_]+`).
    ///
    /// # Errors
    ///
    /// Fails if `s` is empty, has an empty component, or contains a
    /// character outside `[0-9a-z_.]`.
    pub fn strict(s: impl Into<String>) -> Result<Uri, UriError> {
        Self::checked(s.into(), UriRules::Strict, EmptyComponents::Never)
    }

    /// Creates a subscription or registration pattern for `policy`, using
    /// the loose rules:
    ///
    /// * [`MatchPolicy::Exact`]: as [`Uri::new`];
    /// * [`MatchPolicy::Prefix`]: as [`Uri::new`], except that the last
    ///   component may be empty (`"com.app."`), as the prefix is matched as
    ///   a plain string prefix;
    /// * [`MatchPolicy::Wildcard`]: any component may be empty
    ///   (`"com..update"`, `".a"`, `"a."`).
    ///
    /// ```
    /// use wamp_protocol::{MatchPolicy, Uri};
    /// assert!(Uri::pattern("com.app.", MatchPolicy::Prefix).is_ok());
    /// assert!(Uri::pattern("com..app", MatchPolicy::Prefix).is_err());
    /// assert!(Uri::pattern("com..app", MatchPolicy::Wildcard).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// Fails if `s` is empty or violates the rules above.
    pub fn pattern(s: impl Into<String>, policy: MatchPolicy) -> Result<Uri, UriError> {
        let empty = match policy {
            MatchPolicy::Exact => EmptyComponents::Never,
            MatchPolicy::Prefix => EmptyComponents::Last,
            MatchPolicy::Wildcard => EmptyComponents::Any,
        };
        Self::checked(s.into(), UriRules::Loose, empty)
    }

    fn checked(s: String, rules: UriRules, empty: EmptyComponents) -> Result<Uri, UriError> {
        match check(&s, rules, empty) {
            Ok(()) => Ok(Uri(s)),
            Err(kind) => Err(UriError { uri: s, kind }),
        }
    }

    /// The URI as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Converts into the underlying string.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Returns whether `uri` matches `pattern` under `policy`.
    ///
    /// * exact: the strings are equal;
    /// * prefix: `uri` starts with `pattern` (a plain string prefix, as in
    ///   the WAMP spec: `com.app` matches `com.app.x` and `com.apple`);
    /// * wildcard: both have the same number of components and every
    ///   non-empty pattern component equals the corresponding one of `uri`.
    ///
    /// ```
    /// use wamp_protocol::{MatchPolicy, Uri};
    /// assert!(Uri::matches("com.app", MatchPolicy::Prefix, "com.app.ping"));
    /// assert!(Uri::matches("com..ping", MatchPolicy::Wildcard, "com.app.ping"));
    /// assert!(!Uri::matches("com..ping", MatchPolicy::Wildcard, "com.app.x.ping"));
    /// ```
    pub fn matches(pattern: &str, policy: MatchPolicy, uri: &str) -> bool {
        match policy {
            MatchPolicy::Exact => pattern == uri,
            MatchPolicy::Prefix => uri.starts_with(pattern),
            MatchPolicy::Wildcard => {
                let mut pattern_parts = pattern.split('.');
                let mut uri_parts = uri.split('.');
                loop {
                    match (pattern_parts.next(), uri_parts.next()) {
                        (None, None) => return true,
                        (Some(p), Some(u)) => {
                            if !p.is_empty() && p != u {
                                return false;
                            }
                        }
                        _ => return false,
                    }
                }
            }
        }
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Uri {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Uri {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl Deref for Uri {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl FromStr for Uri {
    type Err = UriError;
    /// Parses with [`Uri::new`] (loose rules).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uri::new(s)
    }
}

impl TryFrom<&str> for Uri {
    type Error = UriError;
    /// Converts with [`Uri::new`] (loose rules).
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Uri::new(s)
    }
}

impl TryFrom<String> for Uri {
    type Error = UriError;
    /// Converts with [`Uri::new`] (loose rules).
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Uri::new(s)
    }
}

impl From<Uri> for String {
    fn from(uri: Uri) -> String {
        uri.0
    }
}

impl PartialEq<str> for Uri {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Uri {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Uri {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl serde::Serialize for Uri {
    /// Serializes as a string.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Uri {
    /// Deserializes a string and validates it with [`Uri::new`] (loose
    /// rules, no empty components).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Uri::new(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn loose_validation() {
        let ok = [
            "com",
            "com.example.add",
            "com.Example.ADD",
            "wamp.session.on_join",
            "com.example.a-b",
            "com.example.ünïcode",
            "1.2.3",
            "a*b.c",
        ];
        for s in ok {
            assert!(Uri::new(s).is_ok(), "{s} should be valid");
            assert!(validate(s, UriRules::Loose, false).is_ok(), "{s}");
        }
        let bad = [
            ("", "invalid URI \"\": URI is empty"),
            ("com..x", "invalid URI \"com..x\": component 2 is empty"),
            (".com", "invalid URI \".com\": component 1 is empty"),
            ("com.", "invalid URI \"com.\": component 2 is empty"),
            (".", "invalid URI \".\": component 1 is empty"),
            (
                "com.ex ample",
                "invalid URI \"com.ex ample\": component 2 contains whitespace",
            ),
            ("com\t.x", "invalid URI \"com\\t.x\": component 1 contains whitespace"),
            (
                "com.x#y",
                "invalid URI \"com.x#y\": component 2 contains forbidden character '#'",
            ),
        ];
        for (s, message) in bad {
            let err = Uri::new(s).unwrap_err();
            assert_eq!(err.to_string(), message);
            assert_eq!(err.uri(), s);
        }
    }

    #[test]
    fn strict_validation() {
        for s in ["com", "com.example.add_2", "0.1_2"] {
            assert!(Uri::strict(s).is_ok(), "{s}");
            assert!(validate(s, UriRules::Strict, false).is_ok(), "{s}");
        }
        let bad = [
            (
                "com.X",
                "invalid URI \"com.X\": component 2: character 'X' is not allowed by the strict rules",
            ),
            (
                "com.a-b",
                "invalid URI \"com.a-b\": component 2: character '-' is not allowed by the strict rules",
            ),
            (
                "com.a b",
                "invalid URI \"com.a b\": component 2: character ' ' is not allowed by the strict rules",
            ),
            ("com..b", "invalid URI \"com..b\": component 2 is empty"),
            ("", "invalid URI \"\": URI is empty"),
        ];
        for (s, message) in bad {
            assert_eq!(Uri::strict(s).unwrap_err().to_string(), message);
        }
        assert!(validate("com..b", UriRules::Strict, true).is_ok());
        assert!(validate("com..B", UriRules::Strict, true).is_err());
    }

    #[test]
    fn empty_components() {
        for s in ["com..update", ".a", "a.", ".", "..", "a.b"] {
            assert!(validate(s, UriRules::Loose, true).is_ok(), "{s}");
            assert!(Uri::pattern(s, MatchPolicy::Wildcard).is_ok(), "{s}");
        }
        for s in ["", "a. .b", "a.#"] {
            assert!(validate(s, UriRules::Loose, true).is_err(), "{s}");
            assert!(Uri::pattern(s, MatchPolicy::Wildcard).is_err(), "{s}");
        }
    }

    #[test]
    fn patterns() {
        assert!(Uri::pattern("com.app", MatchPolicy::Exact).is_ok());
        assert!(Uri::pattern("com.app.", MatchPolicy::Exact).is_err());
        assert!(Uri::pattern("com.app", MatchPolicy::Prefix).is_ok());
        assert!(Uri::pattern("com.app.", MatchPolicy::Prefix).is_ok());
        assert!(Uri::pattern("com..app", MatchPolicy::Prefix).is_err());
        assert!(Uri::pattern(".", MatchPolicy::Prefix).is_err());
        assert!(Uri::pattern("", MatchPolicy::Prefix).is_err());
        assert!(Uri::pattern("com.a b", MatchPolicy::Prefix).is_err());
    }

    #[test]
    fn matching() {
        use MatchPolicy::{Exact, Prefix, Wildcard};
        let table = [
            ("com.a", Exact, "com.a", true),
            ("com.a", Exact, "com.a.b", false),
            ("com.a", Prefix, "com.a", true),
            ("com.a", Prefix, "com.a.b", true),
            ("com.a", Prefix, "com.ab", true),
            ("com.a.", Prefix, "com.ab", false),
            ("com.a.", Prefix, "com.a.b", true),
            ("com.a", Prefix, "com", false),
            ("com..c", Wildcard, "com.b.c", true),
            ("com..c", Wildcard, "com.b.d", false),
            ("com..c", Wildcard, "com.b.x.c", false),
            ("com..c", Wildcard, "com.c", false),
            (".b", Wildcard, "a.b", true),
            ("a.", Wildcard, "a.b", true),
            ("a.", Wildcard, "a", false),
            ("..", Wildcard, "x.y.z", true),
            ("..", Wildcard, "x.y", false),
            ("a.b", Wildcard, "a.b", true),
        ];
        for (pattern, policy, uri, expected) in table {
            assert_eq!(Uri::matches(pattern, policy, uri), expected, "{pattern} {policy} {uri}");
        }
    }

    #[test]
    fn policies_parse_and_display() {
        for p in [MatchPolicy::Exact, MatchPolicy::Prefix, MatchPolicy::Wildcard] {
            assert_eq!(p.as_str().parse::<MatchPolicy>(), Ok(p));
            assert_eq!(p.to_string(), p.as_str());
        }
        for p in [
            InvokePolicy::Single,
            InvokePolicy::RoundRobin,
            InvokePolicy::Random,
            InvokePolicy::First,
            InvokePolicy::Last,
        ] {
            assert_eq!(p.as_str().parse::<InvokePolicy>(), Ok(p));
            assert_eq!(p.to_string(), p.as_str());
        }
        assert_eq!(MatchPolicy::default(), MatchPolicy::Exact);
        assert_eq!(InvokePolicy::default(), InvokePolicy::Single);
        let err = "Exact".parse::<MatchPolicy>().unwrap_err();
        assert_eq!(err.value(), "Exact");
        assert!(err.to_string().contains("\"Exact\""));
        let err = "all".parse::<InvokePolicy>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown invoke policy \"all\", expected one of \"single\", \"roundrobin\", \"random\", \"first\", \"last\""
        );
    }

    #[test]
    fn conversions_and_serde() {
        let uri: Uri = "com.a".parse().unwrap();
        assert_eq!(uri, "com.a");
        assert_eq!(uri, *"com.a");
        assert_eq!(Uri::try_from("com.a".to_owned()).unwrap(), uri);
        assert_eq!(Uri::try_from("com.a").unwrap(), uri);
        assert!(Uri::try_from("").is_err());
        assert_eq!(uri.len(), 5);
        assert_eq!(serde_json::to_string(&uri).unwrap(), "\"com.a\"");
        assert_eq!(serde_json::from_str::<Uri>("\"com.a\"").unwrap(), uri);
        let err = serde_json::from_str::<Uri>("\"com..a\"").unwrap_err();
        assert!(err.to_string().contains("component 2 is empty"), "{err}");
        let set: std::collections::HashSet<Uri> = [uri.clone()].into_iter().collect();
        assert!(set.contains("com.a"));
        assert_eq!(String::from(uri.clone()), "com.a");
        assert_eq!(uri.into_string(), "com.a");
    }
}
