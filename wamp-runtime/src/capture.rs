//! URI captures: the parts of a wildcard registration's (or
//! subscription's) URI that a typed handler takes as parameters.
//!
//! A name such as `user.{id}.get` is a *template*: each `{name}` is one
//! whole URI component. What is registered is the wildcard pattern with an
//! empty component in each placeholder's place (`user..get`, after the
//! modules' prefixes), so the router hands the handler every concrete URI of
//! that shape; a [`Capture<T>`] parameter named `id` then reads the
//! component in the placeholder's place and parses it with [`FromStr`]:
//!
//! ```
//! use wamp_runtime::{procedure, Capture, CallContext};
//!
//! // Registered as the wildcard pattern `user..get`; a call to `user.42.get`
//! // runs get(id = 42), a call to `user.ada.get` is answered with
//! // wamp.error.invalid_argument: capture "id" (URI component "ada"): expected u64: invalid digit found in string
//! #[procedure(name = "user.{id}.get", match = "wildcard")]
//! fn get(_ctx: CallContext, id: Capture<u64>, verbose: bool) -> String {
//!     format!("user {} ({})", *id, if verbose { "verbose" } else { "short" })
//! }
//!
//! assert_eq!(GetCaller::uri(), "user..get");
//! assert_eq!(GetCaller::concrete_uri(42).unwrap(), "user.42.get");
//! // GetCaller::call(&client, 42, true) calls `user.42.get` with the argument `true`.
//! ```
//!
//! The placeholder's component is found counting from the *end* of the
//! URI: the template is the last part of it, after prefixes the template
//! does not know. Captures need `match = "wildcard"`: under a prefix
//! registration the URI may be longer than the pattern, and the components
//! would not be where the template puts them.
//!
//! The other direction, a caller or publisher filling the placeholders, is
//! [`fill`]: a value whose text is not one URI component (empty, or with a
//! `.`, `#` or whitespace) is a [`CaptureError`], and the call or
//! publication fails before it is sent.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::str::FromStr;

/// A handler parameter read from a `{name}` component of the URI it was
/// called (or published) under, parsed with [`FromStr`] (see the
/// [module](self) documentation). It derefs to `T`; it is not read from the
/// arguments, so the positions of the other parameters do not count it.
///
/// ```
/// use wamp_runtime::{subscriber, Capture, EventContext};
///
/// #[subscriber(name = "sensor.{room}.temperature", match = "wildcard")]
/// fn temperature(_ctx: EventContext, room: Capture<String>, celsius: f64) {
///     println!("{}: {celsius} °C", room.as_str());
/// }
///
/// // TemperaturePublisher::publish(&client, "kitchen".into(), 21.5) publishes
/// // to `sensor.kitchen.temperature`.
/// assert_eq!(TemperaturePublisher::uri(), "sensor..temperature");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Capture<T>(T);

impl<T> Capture<T> {
    /// A capture holding `value` (for calling a handler directly, e.g. in a
    /// unit test).
    pub const fn new(value: T) -> Self {
        Self(value)
    }

    /// The parsed value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Capture<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Capture<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// A type a [`Capture<T>`] can hold: parsed from the URI component with
/// [`FromStr`], whose error is shown to the caller.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a URI capture: it does not implement `FromStr` with an error that implements `Display`",
    label = "not parsable from a URI component",
    note = "a capture is parsed from its URI component with `FromStr`; take a `Capture<String>` and parse it yourself"
)]
pub trait CaptureValue: FromStr<Err: fmt::Display> + Send + 'static {}

impl<T: FromStr<Err: fmt::Display> + Send + 'static> CaptureValue for T {}

/// Whether `component` is a placeholder, and of which name: `{id}` → `id`.
fn placeholder(component: &str) -> Option<&str> {
    component.strip_prefix('{')?.strip_suffix('}')
}

/// The component of `uri` in the place of the placeholder `{name}` of
/// `template`, counted from the end; `None` when the template has no such
/// placeholder or the URI has fewer components than the template.
///
/// ```
/// use wamp_runtime::capture::component;
///
/// assert_eq!(component("user.{id}.get", "app.user.42.get", "id"), Some("42"));
/// assert_eq!(component("user.{id}.get", "app.user.42.get", "name"), None);
/// assert_eq!(component("user.{id}.get", "42.get", "id"), None);
/// ```
pub fn component<'u>(template: &str, uri: &'u str, name: &str) -> Option<&'u str> {
    let components = template.split('.').count();
    let position = template.split('.').position(|c| placeholder(c) == Some(name))?;
    if uri.split('.').count() < components {
        return None;
    }
    uri.rsplit('.').nth(components - 1 - position)
}

/// `template` in the place it has in `pattern` (the full registered URI,
/// whose last components are the template's with empty ones in place of the
/// placeholders): the pattern's leading components, then the template's;
/// `None` when the template has no placeholder. What the
/// [catalog](crate::catalog) shows as an entry's `uri_template`.
///
/// ```
/// use wamp_runtime::capture::within;
///
/// assert_eq!(within("app.user..get", "user.{id}.get").as_deref(), Some("app.user.{id}.get"));
/// assert_eq!(within("app.user.get", "user.get"), None);
/// ```
pub fn within(pattern: &str, template: &str) -> Option<String> {
    if !template.split('.').any(|c| placeholder(c).is_some()) {
        return None;
    }
    let kept = pattern.split('.').count().saturating_sub(template.split('.').count());
    let leading = pattern.split('.').take(kept);
    Some(leading.chain(template.split('.')).collect::<Vec<_>>().join("."))
}

/// The concrete URI a caller (or publisher) addresses: `pattern` (the full
/// registered URI, whose last components are `template`'s with empty ones in
/// place of the placeholders) with each placeholder's component filled
/// with the value `values` gives for its name (a value for no placeholder
/// is not used).
///
/// ```
/// use wamp_runtime::capture::fill;
///
/// let uri = fill("app.user..get", "user.{id}.get", &[("id", &42)])?;
/// assert_eq!(uri, "app.user.42.get");
///
/// let err = fill("app.user..get", "user.{id}.get", &[("id", &"a.b")]).unwrap_err();
/// assert_eq!(err.to_string(), r#"capture "id": "a.b" is not one URI component: it contains '.'"#);
/// # Ok::<(), wamp_runtime::capture::CaptureError>(())
/// ```
///
/// # Errors
/// A [`CaptureError`] naming the capture whose value is not one URI
/// component, that has no value in `values`, or that `pattern` has no place
/// for (it does not end with the template's components).
pub fn fill(pattern: &str, template: &str, values: &[(&str, &dyn fmt::Display)]) -> Result<String, CaptureError> {
    let mut components: Vec<String> = pattern.split('.').map(str::to_owned).collect();
    let template_components: Vec<&str> = template.split('.').collect();
    let offset = components.len().checked_sub(template_components.len());
    for (index, part) in template_components.iter().enumerate() {
        let Some(name) = placeholder(part) else {
            continue;
        };
        let fail = |problem| CaptureError {
            capture: name.to_owned(),
            problem,
        };
        let slot = offset
            .and_then(|offset| components.get_mut(offset + index))
            .filter(|slot| slot.is_empty())
            .ok_or_else(|| {
                fail(Problem::NoPlace {
                    pattern: pattern.to_owned(),
                })
            })?;
        let (_, value) = values
            .iter()
            .find(|(given, _)| *given == name)
            .ok_or_else(|| fail(Problem::NoValue))?;
        let text = value.to_string();
        if let Some(reason) = not_a_component(&text) {
            return Err(fail(Problem::NotAComponent { value: text, reason }));
        }
        *slot = text;
    }
    Ok(components.join("."))
}

/// Why `text` cannot be one component of a URI (the loose rules, which
/// every call and publication is checked against).
fn not_a_component(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("it is empty".to_owned());
    }
    text.chars()
        .find(|c| *c == '.' || *c == '#' || c.is_whitespace())
        .map(|c| match c {
            '.' | '#' => format!("it contains {c:?}"),
            _ => format!("it contains whitespace ({c:?})"),
        })
}

/// A capture a caller or publisher cannot put into the URI; the call (or
/// publication) fails with it, as
/// [`CallError::InvalidCapture`](crate::CallError::InvalidCapture), before
/// anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("capture \"{capture}\": {problem}")]
pub struct CaptureError {
    capture: String,
    problem: Problem,
}

impl CaptureError {
    /// The name of the capture (`id` for `{id}`).
    pub fn capture(&self) -> &str {
        &self.capture
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    NotAComponent { value: String, reason: String },
    NoValue,
    NoPlace { pattern: String },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NotAComponent { value, reason } => {
                write!(f, "{value:?} is not one URI component: {reason}")
            }
            Problem::NoValue => f.write_str("no value given"),
            Problem::NoPlace { pattern } => write!(
                f,
                "the URI {pattern:?} has no empty component in its place (it is not the template's pattern)"
            ),
        }
    }
}

/// A capture parameter that the URI does not fill: the handler was given
/// no template naming it, or the URI is shorter than the template. The
/// service's mistake (its registration does not follow its template), so
/// it is answered as an internal error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct MissingCapture {
    pub(crate) name: String,
    pub(crate) template: Option<String>,
    pub(crate) uri: String,
}

impl MissingCapture {
    fn describe(&self) -> String {
        match &self.template {
            Some(template) => format!(
                "the URI {:?} has no component for the capture \"{}\" of the template {template:?}",
                self.uri, self.name
            ),
            None => format!(
                "the capture \"{}\" has no URI template (give the typed handler one with `.captures(..)`)",
                self.name
            ),
        }
    }
}

/// How many placeholders `template` has; for the macros' compile-time
/// check of an implementation against its declaration. Not public API.
#[doc(hidden)]
pub const fn count(template: &str) -> usize {
    let bytes = template.as_bytes();
    let (mut index, mut start, mut found) = (0, 0, 0);
    while index <= bytes.len() {
        if index == bytes.len() || bytes[index] == b'.' {
            if index >= start + 3 && bytes[start] == b'{' && bytes[index - 1] == b'}' {
                found += 1;
            }
            start = index + 1;
        }
        index += 1;
    }
    found
}

/// Whether `template` has the placeholder `{name}`; for the macros'
/// compile-time check of an implementation. Not public API.
#[doc(hidden)]
pub const fn names(template: &str, name: &str) -> bool {
    let (bytes, name) = (template.as_bytes(), name.as_bytes());
    let (mut index, mut start) = (0, 0);
    while index <= bytes.len() {
        if index == bytes.len() || bytes[index] == b'.' {
            if index - start == name.len() + 2 && bytes[start] == b'{' && bytes[index - 1] == b'}' {
                let mut same = true;
                let mut at = 0;
                while at < name.len() {
                    if bytes[start + 1 + at] != name[at] {
                        same = false;
                    }
                    at += 1;
                }
                if same {
                    return true;
                }
            }
            start = index + 1;
        }
        index += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placeholder_is_found_counting_from_the_end() {
        assert_eq!(component("{a}.x.{b}", "p.q.1.x.2", "a"), Some("1"));
        assert_eq!(component("{a}.x.{b}", "p.q.1.x.2", "b"), Some("2"));
        assert_eq!(component("{a}.x.{b}", "1.x.2", "a"), Some("1"));
        assert_eq!(component("{a}.x.{b}", "x.2", "a"), None);
        assert_eq!(component("x.{a}", "p.x.", "a"), Some(""));
    }

    #[test]
    fn filling_puts_each_value_in_its_placeholders_place() {
        assert_eq!(
            fill("p..x.", "{a}.x.{b}", &[("b", &2), ("a", &"one")]).unwrap(),
            "p.one.x.2"
        );
        assert_eq!(fill("p.x", "x", &[]).unwrap(), "p.x");
    }

    #[test]
    fn a_value_that_is_not_one_component_names_the_capture() {
        for (value, reason) in [
            ("", "it is empty"),
            ("a.b", "it contains '.'"),
            ("a#b", "it contains '#'"),
            ("a b", "it contains whitespace (' ')"),
        ] {
            let err = fill("room..t", "room.{name}.t", &[("name", &value)]).unwrap_err();
            assert_eq!(err.capture(), "name");
            assert_eq!(
                err.to_string(),
                format!("capture \"name\": {value:?} is not one URI component: {reason}")
            );
        }
    }

    #[test]
    fn a_missing_value_or_place_is_an_error_not_a_wrong_uri() {
        let err = fill("room..t", "room.{name}.t", &[]).unwrap_err();
        assert_eq!(err.to_string(), "capture \"name\": no value given");
        let err = fill("t", "room.{name}.t", &[("name", &1)]).unwrap_err();
        assert!(err.to_string().contains("no empty component"), "{err}");
        let err = fill("room.x.t", "room.{name}.t", &[("name", &1)]).unwrap_err();
        assert!(err.to_string().contains("no empty component"), "{err}");
    }

    #[test]
    fn the_compile_time_helpers_read_templates_as_the_parser_does() {
        assert_eq!(count("user.{id}.get"), 1);
        assert_eq!(count("{a}.{b}"), 2);
        assert_eq!(count("plain.name"), 0);
        assert_eq!(count("{}"), 0);
        assert!(names("user.{id}.get", "id"));
        assert!(names("{a}.{b}", "b"));
        assert!(!names("user.{id}.get", "i"));
        assert!(!names("user.{id}.get", "user"));
        assert!(!names("user.{idx}.get", "id"));
    }
}
