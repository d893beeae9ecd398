//! Between the shell and WAMP values: arguments in, JSON lines out.
//!
//! Arguments that parse as JSON are that JSON value, anything else is a
//! string. Binary values follow WAMP's JSON convention both ways: a string
//! that starts with a NUL character and continues with standard base64 is
//! bytes (`"\u0000AQID"` is the three bytes 1, 2, 3).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Number, Value as Json};
use wamp_protocol::{Dict, List, Payload, Value};

/// The character that marks a JSON string as base64-encoded bytes.
const BYTES_MARK: char = '\0';

/// Reads one command-line argument: JSON if it parses as JSON, else the
/// text as a string.
pub(crate) fn parse_argument(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => decode_bytes(value),
        Err(_) => decode_bytes(Value::String(text.to_owned())),
    }
}

/// Reads `KEY=VALUE` (the value as in [`parse_argument`]); used by clap.
pub(crate) fn parse_keyword(text: &str) -> Result<(String, Value), String> {
    match text.split_once('=') {
        Some(("", _)) => Err(format!("{text:?} has no key before '='")),
        Some((key, value)) => Ok((key.to_owned(), parse_argument(value))),
        None => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

/// Turns strings in WAMP's binary convention into [`Value::Bytes`], at any depth.
pub(crate) fn decode_bytes(value: Value) -> Value {
    match value {
        Value::String(s) => match s.strip_prefix(BYTES_MARK).map(|b64| STANDARD.decode(b64)) {
            Some(Ok(bytes)) => Value::Bytes(bytes),
            _ => Value::String(s),
        },
        Value::List(list) => Value::List(list.into_iter().map(decode_bytes).collect()),
        Value::Dict(dict) => Value::Dict(dict.into_iter().map(|(k, v)| (k, decode_bytes(v))).collect()),
        other => other,
    }
}

/// Converts a WAMP value to JSON: bytes become `"\u0000" + base64`, and
/// floats JSON cannot hold (NaN, infinities) become `null`.
pub(crate) fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Integer(i) => Json::Number((*i).into()),
        Value::UnsignedInteger(u) => Json::Number((*u).into()),
        Value::Float(f) => Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.clone()),
        Value::Bytes(bytes) => Json::String(format!("{BYTES_MARK}{}", STANDARD.encode(bytes))),
        Value::List(list) => list_json(list),
        Value::Dict(dict) => dict_json(dict),
    }
}

fn list_json(list: &List) -> Json {
    Json::Array(list.iter().map(to_json).collect())
}

fn dict_json(dict: &Dict) -> Json {
    Json::Object(dict.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
}

/// `{"args": [...], "kwargs": {...}}`, always with both keys.
pub(crate) fn envelope(payload: &Payload) -> Json {
    Json::Object(envelope_map(payload))
}

/// The object of [`envelope`], to add keys to.
pub(crate) fn envelope_map(payload: &Payload) -> Map<String, Json> {
    let mut object = Map::new();
    object.insert("args".into(), list_json(&payload.args));
    object.insert("kwargs".into(), dict_json(&payload.kwargs));
    object
}

/// How `wamp call` prints a result (and each progressive result): without
/// keyword results, no positional result is `null` and a single one is that
/// value; otherwise, or with `full`, the [`envelope`].
pub(crate) fn result_json(payload: &Payload, full: bool) -> Json {
    if full || !payload.kwargs.is_empty() || payload.args.len() > 1 {
        return envelope(payload);
    }
    payload.args.first().map_or(Json::Null, to_json)
}

/// Reads what a `wamp register` command printed: JSON if it parses, else
/// the text (without its trailing line break) as a string; nothing at all
/// is no result.
pub(crate) fn parse_command_output(stdout: &[u8]) -> Option<Value> {
    let text = String::from_utf8_lossy(stdout);
    if text.trim().is_empty() {
        return None;
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(value) => Some(decode_bytes(value)),
        Err(_) => Some(Value::String(
            text.strip_suffix('\n')
                .map(|t| t.strip_suffix('\r').unwrap_or(t))
                .unwrap_or(&text)
                .to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(entries: &[(&str, Value)]) -> Dict {
        entries.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }

    #[test]
    fn arguments_are_json_when_they_parse_and_strings_otherwise() {
        assert_eq!(parse_argument("1"), Value::Integer(1));
        assert_eq!(parse_argument("-2.5"), Value::Float(-2.5));
        assert_eq!(parse_argument("true"), Value::Bool(true));
        assert_eq!(parse_argument("null"), Value::Null);
        assert_eq!(parse_argument(r#""1""#), Value::from("1"));
        assert_eq!(parse_argument("hello"), Value::from("hello"));
        assert_eq!(parse_argument("hello world"), Value::from("hello world"));
        assert_eq!(parse_argument(""), Value::from(""));
        assert_eq!(parse_argument("18446744073709551615"), Value::UnsignedInteger(u64::MAX));
        assert_eq!(
            parse_argument(r#"{"a": [1, "x"]}"#),
            Value::Dict(dict(&[("a", Value::List(vec![1.into(), "x".into()]))]))
        );
    }

    #[test]
    fn nul_prefixed_base64_strings_are_bytes_in_and_out() {
        assert_eq!(parse_argument(r#""\u0000AQID""#), Value::Bytes(vec![1, 2, 3]));
        assert_eq!(
            parse_argument(r#"[{"b": "\u0000AA=="}]"#),
            Value::List(vec![Value::Dict(dict(&[("b", Value::Bytes(vec![0]))]))])
        );
        // Not base64 after the mark: stays a string.
        assert_eq!(parse_argument(r#""\u0000!!""#), Value::from("\0!!"));
        assert_eq!(to_json(&Value::Bytes(vec![1, 2, 3])).to_string(), r#""\u0000AQID""#);
    }

    #[test]
    fn keywords_are_split_at_the_first_equals_sign() {
        assert_eq!(parse_keyword("n=1"), Ok(("n".to_owned(), Value::Integer(1))));
        assert_eq!(parse_keyword("q=a=b"), Ok(("q".to_owned(), Value::from("a=b"))));
        assert_eq!(parse_keyword("e="), Ok(("e".to_owned(), Value::from(""))));
        assert!(parse_keyword("novalue").is_err());
        assert!(parse_keyword("=1").is_err());
    }

    #[test]
    fn values_print_as_json() {
        let value = Value::List(vec![
            Value::Null,
            Value::Float(f64::NAN),
            Value::Float(1.5),
            Value::UnsignedInteger(u64::MAX),
            Value::Dict(dict(&[("ü", "\"q\"".into())])),
        ]);
        assert_eq!(
            to_json(&value).to_string(),
            r#"[null,null,1.5,18446744073709551615,{"ü":"\"q\""}]"#
        );
    }

    #[test]
    fn a_single_result_prints_bare_and_anything_else_as_an_envelope() {
        let one = Payload::from_args(vec![42.into()]);
        assert_eq!(result_json(&one, false).to_string(), "42");
        assert_eq!(result_json(&one, true).to_string(), r#"{"args":[42],"kwargs":{}}"#);
        assert_eq!(result_json(&Payload::default(), false).to_string(), "null");
        let two = Payload::from_args(vec![1.into(), "x".into()]);
        assert_eq!(result_json(&two, false).to_string(), r#"{"args":[1,"x"],"kwargs":{}}"#);
        let kw = Payload::from_parts(vec![1.into()], dict(&[("k", true.into())]));
        assert_eq!(
            result_json(&kw, false).to_string(),
            r#"{"args":[1],"kwargs":{"k":true}}"#
        );
    }

    #[test]
    fn command_output_is_json_or_text() {
        assert_eq!(
            parse_command_output(b"{\"a\": 1}\n"),
            Some(Value::Dict(dict(&[("a", 1.into())])))
        );
        assert_eq!(parse_command_output(b"hello\n"), Some(Value::from("hello")));
        assert_eq!(parse_command_output(b"two\nlines\r\n"), Some(Value::from("two\nlines")));
        assert_eq!(parse_command_output(b" \n"), None);
    }
}
