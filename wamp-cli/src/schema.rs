//! The JSON Schemas of a catalog, read two ways: as the type text of a
//! readable signature (`array<Line>`, `number?`), and as a check of a WAMP
//! value.
//!
//! The check is a validator of the keywords the catalog's schemas use
//! (schemars' output: `type`, `$ref` into `$defs`, `anyOf`/`oneOf`/`allOf`,
//! `enum`/`const`, `properties`/`required`/`additionalProperties`,
//! `prefixItems`/`items`/`minItems`/`maxItems`, number bounds, string
//! lengths) rather than a full JSON Schema implementation. It checks values
//! before a call is sent, to refuse what the service would refuse, so a
//! keyword it does not know (`pattern`, `format`, ...) is passed over: a
//! call it lets through that the service then refuses costs a round trip,
//! while a call it refused that the service would take would be a bug.

use std::fmt::Write as _;

use serde_json::{Map, Value as Json};
use wamp_runtime::Value;

use crate::json::to_json;

/// The readable type of a schema: `number`, `array<T>`, `T?` (`T` or
/// `null`), a `$ref` by its definition's name, `any` for `{}`.
pub(crate) fn type_text(schema: &Json) -> String {
    render(schema, false)
}

/// [`type_text`] for a parameter that may be left out: its `null` is the
/// absence already said by the `?` after the name, so it is not repeated.
pub(crate) fn optional_type_text(schema: &Json) -> String {
    render(schema, true)
}

fn render(schema: &Json, drop_null: bool) -> String {
    let object = match schema {
        Json::Bool(true) => return "any".to_owned(),
        Json::Bool(false) => return "never".to_owned(),
        Json::Object(object) => object,
        _ => return "any".to_owned(),
    };
    if let Some(reference) = object.get("$ref").and_then(Json::as_str) {
        return definition_name(reference);
    }
    if let Some(constant) = object.get("const") {
        return literal(constant);
    }
    if let Some(Json::Array(values)) = object.get("enum") {
        let (nulls, others): (Vec<&Json>, Vec<&Json>) = values.iter().partition(|v| v.is_null());
        let texts: Vec<String> = others.into_iter().map(literal).collect();
        return nullable(texts, !nulls.is_empty() && !drop_null);
    }
    for keyword in ["anyOf", "oneOf"] {
        if let Some(Json::Array(branches)) = object.get(keyword) {
            let (nulls, others): (Vec<&Json>, Vec<&Json>) = branches.iter().partition(|b| is_null_schema(b));
            let mut texts: Vec<String> = Vec::new();
            for text in others.into_iter().map(type_text) {
                if !texts.contains(&text) {
                    texts.push(text);
                }
            }
            return nullable(texts, !nulls.is_empty() && !drop_null);
        }
    }
    if let Some(Json::Array(all)) = object.get("allOf") {
        if let [only] = all.as_slice() {
            if !object.contains_key("type") {
                return render(only, drop_null);
            }
        }
    }
    let types: Vec<&str> = match object.get("type") {
        Some(Json::String(one)) => vec![one.as_str()],
        Some(Json::Array(many)) => many.iter().filter_map(Json::as_str).collect(),
        _ if object.contains_key("properties") => vec!["object"],
        _ if object.contains_key("prefixItems") || object.contains_key("items") => vec!["array"],
        _ => return "any".to_owned(),
    };
    let has_null = types.contains(&"null");
    let texts: Vec<String> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| type_name(t, object))
        .collect();
    nullable(texts, has_null && !drop_null)
}

fn type_name(name: &str, object: &Map<String, Json>) -> String {
    match name {
        "array" => array_text(object),
        "object" => match object.get("additionalProperties") {
            Some(values @ Json::Object(_)) if !object.contains_key("properties") => {
                format!("object<{}>", type_text(values))
            }
            _ => "object".to_owned(),
        },
        other => other.to_owned(),
    }
}

fn array_text(object: &Map<String, Json>) -> String {
    let items = object.get("items");
    if let Some(Json::Array(prefix)) = object.get("prefixItems") {
        let mut parts: Vec<String> = prefix.iter().map(type_text).collect();
        match items {
            Some(Json::Bool(false)) => {}
            Some(rest @ Json::Object(_)) => parts.push(format!("...{}", type_text(rest))),
            _ => parts.push("...".to_owned()),
        }
        return format!("[{}]", parts.join(", "));
    }
    match items {
        Some(items @ Json::Object(_)) => format!("array<{}>", type_text(items)),
        _ => "array".to_owned(),
    }
}

/// `A | B`, with a `?` when `null` is one of the choices.
fn nullable(texts: Vec<String>, with_null: bool) -> String {
    match (texts.as_slice(), with_null) {
        ([], true) => "null".to_owned(),
        ([], false) => "never".to_owned(),
        ([one], true) => format!("{one}?"),
        (_, true) => format!("({})?", texts.join(" | ")),
        (_, false) => texts.join(" | "),
    }
}

fn is_null_schema(schema: &Json) -> bool {
    schema.get("type").and_then(Json::as_str) == Some("null") || schema.get("const").is_some_and(Json::is_null)
}

fn literal(value: &Json) -> String {
    value.to_string()
}

/// `Line` for `#/$defs/Line` (JSON Pointer escapes undone).
fn definition_name(reference: &str) -> String {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    last.replace("~1", "/").replace("~0", "~")
}

/// Why a value does not fit a schema: where in the value, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mismatch {
    /// `""` for the value itself, else like `[0].quantity`.
    pub(crate) path: String,
    pub(crate) problem: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.problem)
        } else {
            write!(f, "at {}: {}", self.path, self.problem)
        }
    }
}

/// Deep enough for any real type; a `$ref` cycle stops here instead of
/// overflowing the stack.
const MAX_DEPTH: usize = 64;

/// Checks `value` against `schema`, whose `$ref`s point into `root`.
pub(crate) fn check(root: &Json, schema: &Json, value: &Value) -> Result<(), Mismatch> {
    Checker { root }.check(schema, value, &mut String::new(), 0)
}

struct Checker<'a> {
    root: &'a Json,
}

impl Checker<'_> {
    fn check(&self, schema: &Json, value: &Value, path: &mut String, depth: usize) -> Result<(), Mismatch> {
        let object = match schema {
            Json::Bool(false) => return Err(mismatch(path, format!("expected nothing, got {}", shown(value)))),
            Json::Object(object) if depth < MAX_DEPTH => object,
            _ => return Ok(()),
        };
        if let Some(reference) = object.get("$ref").and_then(Json::as_str) {
            if let Some(target) = self.resolve(reference) {
                self.check(target, value, path, depth + 1).map_err(|mut m| {
                    // "expected Line" says more than "expected object".
                    if m.path == *path && m.problem.starts_with("expected object,") {
                        m.problem = format!("expected {}, got {}", definition_name(reference), shown(value));
                    }
                    m
                })?;
            }
        }
        if let Some(types) = object.get("type") {
            let fits = match types {
                Json::String(one) => has_type(value, one),
                Json::Array(many) => many.iter().filter_map(Json::as_str).any(|t| has_type(value, t)),
                _ => true,
            };
            if !fits {
                return Err(mismatch(
                    path,
                    format!("expected {}, got {}", type_text(schema), shown(value)),
                ));
            }
        }
        if let Some(constant) = object.get("const") {
            if !same(constant, &to_json(value)) {
                return Err(mismatch(
                    path,
                    format!("expected {}, got {}", literal(constant), shown(value)),
                ));
            }
        }
        if let Some(Json::Array(choices)) = object.get("enum") {
            let json = to_json(value);
            if !choices.iter().any(|choice| same(choice, &json)) {
                return Err(mismatch(
                    path,
                    format!("expected {}, got {}", type_text(schema), shown(value)),
                ));
            }
        }
        // oneOf is read as anyOf: serde takes the first variant that fits,
        // so a value that fits two is not refused by the service either.
        for keyword in ["anyOf", "oneOf"] {
            if let Some(Json::Array(branches)) = object.get(keyword) {
                self.check_any(schema, branches, value, path, depth)?;
            }
        }
        if let Some(Json::Array(all)) = object.get("allOf") {
            for branch in all {
                self.check(branch, value, path, depth + 1)?;
            }
        }
        if let Some(not) = object.get("not") {
            if self.check(not, value, &mut path.clone(), depth + 1).is_ok() {
                return Err(mismatch(
                    path,
                    format!("expected anything but {}, got {}", type_text(not), shown(value)),
                ));
            }
        }
        match value {
            Value::Integer(_) | Value::UnsignedInteger(_) | Value::Float(_) => check_bounds(object, value, path),
            Value::String(text) => check_length(object, text, path),
            Value::List(items) => self.check_items(object, items, path, depth),
            Value::Dict(dict) => self.check_properties(object, dict, path, depth),
            _ => Ok(()),
        }
    }

    /// At least one branch fits. With one branch besides `null` (an
    /// `Option` of a struct), its own mismatch is the more useful message.
    fn check_any(
        &self,
        schema: &Json,
        branches: &[Json],
        value: &Value,
        path: &mut String,
        depth: usize,
    ) -> Result<(), Mismatch> {
        let non_null: Vec<&Json> = branches.iter().filter(|b| !is_null_schema(b)).collect();
        if let ([only], false) = (non_null.as_slice(), value.is_null()) {
            return self.check(only, value, path, depth + 1);
        }
        if branches
            .iter()
            .any(|b| self.check(b, value, &mut path.clone(), depth + 1).is_ok())
        {
            return Ok(());
        }
        Err(mismatch(
            path,
            format!("expected {}, got {}", type_text(schema), shown(value)),
        ))
    }

    fn check_items(
        &self,
        object: &Map<String, Json>,
        items: &[Value],
        path: &mut String,
        depth: usize,
    ) -> Result<(), Mismatch> {
        let prefix: &[Json] = match object.get("prefixItems") {
            Some(Json::Array(prefix)) => prefix,
            _ => &[],
        };
        if let Some(min) = object.get("minItems").and_then(Json::as_u64) {
            if (items.len() as u64) < min {
                return Err(mismatch(
                    path,
                    format!("expected at least {min} items, got {}", items.len()),
                ));
            }
        }
        if let Some(max) = object.get("maxItems").and_then(Json::as_u64) {
            if items.len() as u64 > max {
                return Err(mismatch(
                    path,
                    format!("expected at most {max} items, got {}", items.len()),
                ));
            }
        }
        let rest = object.get("items");
        for (index, item) in items.iter().enumerate() {
            let schema = match prefix.get(index) {
                Some(schema) => schema,
                None => match rest {
                    Some(schema) => schema,
                    None => continue,
                },
            };
            let len = path.len();
            let _ = write!(path, "[{index}]");
            let result = self.check(schema, item, path, depth + 1);
            path.truncate(len);
            result?;
        }
        Ok(())
    }

    fn check_properties(
        &self,
        object: &Map<String, Json>,
        dict: &wamp_runtime::Dict,
        path: &mut String,
        depth: usize,
    ) -> Result<(), Mismatch> {
        let properties = object.get("properties").and_then(Json::as_object);
        if let Some(Json::Array(required)) = object.get("required") {
            for name in required.iter().filter_map(Json::as_str) {
                if !dict.contains_key(name) {
                    return Err(mismatch(path, format!("missing field \"{name}\"")));
                }
            }
        }
        // Keys a pattern may take: unknown without a regex engine, so allowed.
        let patterns = object.contains_key("patternProperties");
        for (key, item) in dict {
            let schema = match properties.and_then(|p| p.get(key)) {
                Some(schema) => schema,
                None if patterns => continue,
                None => match object.get("additionalProperties") {
                    Some(Json::Bool(false)) => return Err(mismatch(path, format!("unknown field \"{key}\""))),
                    Some(schema) => schema,
                    None => continue,
                },
            };
            let len = path.len();
            let _ = write!(path, ".{key}");
            let result = self.check(schema, item, path, depth + 1);
            path.truncate(len);
            result?;
        }
        Ok(())
    }

    /// A `#/...` JSON Pointer into the document (the only kind of `$ref`
    /// the catalog writes).
    fn resolve(&self, reference: &str) -> Option<&Json> {
        self.root.pointer(reference.strip_prefix('#')?)
    }
}

fn mismatch(path: &str, problem: String) -> Mismatch {
    Mismatch {
        path: path.to_owned(),
        problem,
    }
}

/// Whether `value` is of the JSON Schema type `name`, as the service reads
/// it: a float is no integer (serde does not make `2.0` a `u32`), and bytes
/// pass as strings and arrays (what they deserialize into).
fn has_type(value: &Value, name: &str) -> bool {
    matches!(
        (name, value),
        ("null", Value::Null)
            | ("boolean", Value::Bool(_))
            | ("object", Value::Dict(_))
            | ("integer", Value::Integer(_) | Value::UnsignedInteger(_))
            | (
                "number",
                Value::Integer(_) | Value::UnsignedInteger(_) | Value::Float(_)
            )
            | ("string", Value::String(_) | Value::Bytes(_))
            | ("array", Value::List(_) | Value::Bytes(_))
    )
}

#[allow(clippy::cast_precision_loss)] // bounds far beyond 2^53 are not written by the catalog
fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Integer(i) => Some(*i as f64),
        Value::UnsignedInteger(u) => Some(*u as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// A bound keyword, how a message words it, and whether a number is within it.
type Bound = (&'static str, &'static str, fn(f64, f64) -> bool);

fn check_bounds(object: &Map<String, Json>, value: &Value, path: &str) -> Result<(), Mismatch> {
    let Some(number) = as_f64(value) else { return Ok(()) };
    let limits: [Bound; 4] = [
        ("minimum", "at least", |n, b| n >= b),
        ("maximum", "at most", |n, b| n <= b),
        ("exclusiveMinimum", "more than", |n, b| n > b),
        ("exclusiveMaximum", "less than", |n, b| n < b),
    ];
    for (keyword, words, fits) in limits {
        let Some(bound) = object.get(keyword) else { continue };
        if bound.as_f64().is_some_and(|b| !fits(number, b)) {
            // The bound as the schema writes it: `0`, not `0.0`.
            return Err(mismatch(
                path,
                format!("expected {words} {bound}, got {}", shown(value)),
            ));
        }
    }
    Ok(())
}

fn check_length(object: &Map<String, Json>, text: &str, path: &str) -> Result<(), Mismatch> {
    let length = text.chars().count() as u64;
    if let Some(min) = object
        .get("minLength")
        .and_then(Json::as_u64)
        .filter(|min| length < *min)
    {
        return Err(mismatch(
            path,
            format!("expected at least {min} characters, got {length}"),
        ));
    }
    if let Some(max) = object
        .get("maxLength")
        .and_then(Json::as_u64)
        .filter(|max| length > *max)
    {
        return Err(mismatch(
            path,
            format!("expected at most {max} characters, got {length}"),
        ));
    }
    Ok(())
}

/// JSON equality with numbers compared by value (`1` is `1.0`).
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// A value as it would be typed, cut short when long.
pub(crate) fn shown(value: &Value) -> String {
    const MAX: usize = 40;
    let text = to_json(value).to_string();
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::json::parse_argument;

    #[test]
    fn plain_types_read_as_their_names() {
        assert_eq!(type_text(&json!({"type": "number", "format": "double"})), "number");
        assert_eq!(type_text(&json!({"type": "integer", "minimum": 0})), "integer");
        assert_eq!(type_text(&json!({"type": "string"})), "string");
        assert_eq!(type_text(&json!({"type": "boolean"})), "boolean");
        assert_eq!(type_text(&json!({"type": "object"})), "object");
        assert_eq!(type_text(&json!({"type": "null"})), "null");
    }

    #[test]
    fn anything_is_any() {
        assert_eq!(type_text(&json!({})), "any");
        assert_eq!(type_text(&json!({"title": "x"})), "any");
        assert_eq!(type_text(&json!(true)), "any");
        assert_eq!(type_text(&json!(false)), "never");
    }

    #[test]
    fn nullable_types_get_a_question_mark() {
        assert_eq!(
            type_text(&json!({"type": ["number", "null"], "format": "double"})),
            "number?"
        );
        assert_eq!(
            type_text(&json!({"anyOf": [{"$ref": "#/$defs/Line"}, {"type": "null"}]})),
            "Line?"
        );
        assert_eq!(
            type_text(&json!({"type": ["string", "integer", "null"]})),
            "(string | integer)?"
        );
        // A parameter that may be left out says so with its name instead.
        assert_eq!(optional_type_text(&json!({"type": ["number", "null"]})), "number");
        assert_eq!(
            optional_type_text(&json!({"anyOf": [{"$ref": "#/$defs/Line"}, {"type": "null"}]})),
            "Line"
        );
    }

    #[test]
    fn arrays_maps_refs_and_unions() {
        assert_eq!(
            type_text(&json!({"type": "array", "items": {"$ref": "#/$defs/Line"}})),
            "array<Line>"
        );
        assert_eq!(
            type_text(&json!({"type": "array", "items": {"type": "array", "items": {"type": "integer"}}})),
            "array<array<integer>>"
        );
        assert_eq!(type_text(&json!({"type": "array"})), "array");
        assert_eq!(
            type_text(
                &json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}], "items": false})
            ),
            "[string, number]"
        );
        assert_eq!(
            type_text(&json!({"type": "object", "additionalProperties": {"type": "number"}})),
            "object<number>"
        );
        assert_eq!(type_text(&json!({"$ref": "#/$defs/Line"})), "Line");
        assert_eq!(
            type_text(&json!({"type": "string", "enum": ["low", "high"]})),
            r#""low" | "high""#
        );
        assert_eq!(type_text(&json!({"const": 3})), "3");
        assert_eq!(
            type_text(&json!({"oneOf": [{"type": "string"}, {"$ref": "#/$defs/Shape"}]})),
            "string | Shape"
        );
        assert_eq!(type_text(&json!({"allOf": [{"$ref": "#/$defs/NewUser"}]})), "NewUser");
    }

    fn checked(root: &Json, schema: &Json, argument: &str) -> Result<(), String> {
        check(root, schema, &parse_argument(argument)).map_err(|m| m.to_string())
    }

    #[test]
    fn types_are_checked_as_the_service_reads_them() {
        let number = json!({"type": "number"});
        assert_eq!(checked(&number, &number, "2"), Ok(()));
        assert_eq!(checked(&number, &number, "2.5"), Ok(()));
        assert_eq!(
            checked(&number, &number, "x"),
            Err(r#"expected number, got "x""#.into())
        );
        let integer = json!({"type": "integer", "format": "uint32", "minimum": 0});
        assert_eq!(checked(&integer, &integer, "7"), Ok(()));
        assert_eq!(
            checked(&integer, &integer, "2.0"),
            Err("expected integer, got 2.0".into())
        );
        assert_eq!(
            checked(&integer, &integer, "-1"),
            Err("expected at least 0, got -1".into())
        );
        let optional = json!({"type": ["string", "null"]});
        assert_eq!(checked(&optional, &optional, "null"), Ok(()));
        assert_eq!(
            checked(&optional, &optional, "1"),
            Err("expected string?, got 1".into())
        );
        assert_eq!(checked(&json!({}), &json!({}), r#"{"any": "thing"}"#), Ok(()));
    }

    #[test]
    fn refs_arrays_and_objects_are_checked_in_depth() {
        let root = json!({
            "type": "array",
            "items": {"$ref": "#/$defs/Line"},
            "$defs": {"Line": {
                "type": "object",
                "properties": {"quantity": {"type": "integer", "minimum": 0}, "unit_price": {"type": "number"}},
                "required": ["quantity", "unit_price"],
                "additionalProperties": false
            }}
        });
        assert_eq!(checked(&root, &root, r#"[{"quantity": 3, "unit_price": 9.5}]"#), Ok(()));
        assert_eq!(
            checked(
                &root,
                &root,
                r#"[{"quantity": 3, "unit_price": 9.5}, {"quantity": "x", "unit_price": 1}]"#
            ),
            Err(r#"at [1].quantity: expected integer, got "x""#.into())
        );
        assert_eq!(
            checked(&root, &root, r#"[{"quantity": 3}]"#),
            Err(r#"at [0]: missing field "unit_price""#.into())
        );
        assert_eq!(
            checked(&root, &root, r#"[{"quantity": 3, "unit_price": 1, "vat": 2}]"#),
            Err(r#"at [0]: unknown field "vat""#.into())
        );
        assert_eq!(checked(&root, &root, "[5]"), Err("at [0]: expected Line, got 5".into()));
        assert_eq!(
            checked(&root, &root, r#"{"a": 1}"#),
            Err(r#"expected array<Line>, got {"a":1}"#.into())
        );
    }

    #[test]
    fn unions_enums_and_unknown_keywords() {
        let optional_line = json!({
            "anyOf": [{"$ref": "#/$defs/Line"}, {"type": "null"}],
            "$defs": {"Line": {"type": "object", "required": ["quantity"]}}
        });
        assert_eq!(checked(&optional_line, &optional_line, "null"), Ok(()));
        assert_eq!(
            checked(&optional_line, &optional_line, "{}"),
            Err(r#"missing field "quantity""#.into())
        );
        let either = json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
        assert_eq!(checked(&either, &either, "3"), Ok(()));
        assert_eq!(
            checked(&either, &either, "true"),
            Err("expected string | integer, got true".into())
        );
        let level = json!({"type": "string", "enum": ["low", "high"]});
        assert_eq!(checked(&level, &level, "low"), Ok(()));
        assert_eq!(
            checked(&level, &level, "mid"),
            Err(r#"expected "low" | "high", got "mid""#.into())
        );
        // Not understood here, so not a reason to refuse.
        let pattern = json!({"type": "string", "pattern": "^[a-z]+$", "format": "email"});
        assert_eq!(checked(&pattern, &pattern, "NOT AN EMAIL"), Ok(()));
        // A $ref cycle ends instead of recursing forever.
        let cycle = json!({"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/A"}}});
        assert_eq!(checked(&cycle, &cycle, "1"), Ok(()));
    }

    #[test]
    fn long_values_are_cut_short_in_messages() {
        let text = "x".repeat(100);
        let shown = shown(&Value::from(text.as_str()));
        assert!(shown.ends_with('…') && shown.chars().count() == 41, "{shown}");
    }
}
