//! A catalog entry's parameters, read from its two argument schemas, as a
//! handler reads them (`wamp_runtime::extract`): each named parameter from
//! its position, else from the keyword of its name; `Args` takes the
//! positions left, `Kwargs` the keywords left. Written as a signature by
//! `wamp describe`, checked against a call's arguments by `wamp call`.

use std::borrow::Cow;

use serde_json::Value as Json;
use wamp_runtime::{Dict, Payload, Value};

use crate::schema::{check, optional_type_text, type_text};

/// The schema that takes anything, for what a catalog leaves out.
static ANYTHING: Json = Json::Bool(true);

/// One named parameter.
#[derive(Debug)]
pub(crate) struct Parameter<'a> {
    /// The keyword it is also read from; `None` when the catalog does not
    /// name it (then it is only positional).
    pub(crate) name: Option<Cow<'a, str>>,
    /// Its 0-based position; `None` for a keyword-only parameter.
    pub(crate) position: Option<usize>,
    pub(crate) required: bool,
    pub(crate) schema: &'a Json,
    /// The document its `$ref`s point into.
    root: &'a Json,
}

impl Parameter<'_> {
    /// `argument 2 (denominator)`, `keyword argument denominator`, as a
    /// message names it.
    fn label(&self, by_keyword: bool) -> String {
        match (&self.name, self.position) {
            (Some(name), Some(position)) if !by_keyword => format!("argument {} ({name})", position + 1),
            (Some(name), _) => format!("keyword argument {name}"),
            (None, Some(position)) => format!("argument {}", position + 1),
            (None, None) => "an argument".to_owned(),
        }
    }
}

/// The parameters of a procedure or topic.
#[derive(Debug)]
pub(crate) struct Parameters<'a> {
    /// Positional ones in order, then keyword-only ones.
    pub(crate) named: Vec<Parameter<'a>>,
    /// The schema of further positional arguments (`Args`), if taken.
    pub(crate) rest_args: Option<&'a Json>,
    /// Whether further keyword arguments are taken (`Kwargs`), with the
    /// schemas they are read into (`Kwargs<T>`).
    pub(crate) rest_kwargs: Option<Vec<&'a Json>>,
    args_root: &'a Json,
    kwargs_root: &'a Json,
}

impl<'a> Parameters<'a> {
    /// Reads the entry's `args_schema` and `kwargs_schema`. A schema that
    /// is missing or says nothing (`{}`) leaves everything open.
    pub(crate) fn read(args_schema: &'a Json, kwargs_schema: &'a Json) -> Self {
        let prefix: &[Json] = match args_schema.get("prefixItems") {
            Some(Json::Array(items)) => items,
            _ => &[],
        };
        let min_items = args_schema.get("minItems").and_then(Json::as_u64).unwrap_or(0);
        let properties = kwargs_schema.get("properties").and_then(Json::as_object);
        let required: Vec<&str> = match kwargs_schema.get("required") {
            Some(Json::Array(names)) => names.iter().filter_map(Json::as_str).collect(),
            _ => Vec::new(),
        };

        let mut named = Vec::new();
        for (position, schema) in prefix.iter().enumerate() {
            let name = schema.get("title").and_then(Json::as_str);
            let known = name.filter(|name| properties.is_some_and(|p| p.contains_key(*name)));
            named.push(Parameter {
                name: name.map(Cow::Borrowed),
                position: Some(position),
                required: match known {
                    Some(name) => required.contains(&name),
                    None => (position as u64) < min_items,
                },
                schema,
                root: args_schema,
            });
        }
        for (name, schema) in properties.into_iter().flatten() {
            if named.iter().any(|p| p.name.as_deref() == Some(name.as_str())) {
                continue;
            }
            named.push(Parameter {
                name: Some(Cow::Borrowed(name)),
                position: None,
                required: required.contains(&name.as_str()),
                schema,
                root: kwargs_schema,
            });
        }
        let rest_args = match args_schema.get("items") {
            Some(Json::Bool(false)) => None,
            Some(schema @ Json::Object(_)) => Some(schema),
            // Absent `items` is "anything" in JSON Schema; so is `true`.
            _ if args_schema.get("maxItems").and_then(Json::as_u64) == Some(prefix.len() as u64) => None,
            _ => Some(&ANYTHING),
        };
        let rest_kwargs = match kwargs_schema.get("additionalProperties") {
            Some(Json::Bool(false)) => None,
            _ => Some(match kwargs_schema.get("allOf") {
                Some(Json::Array(all)) => all.iter().collect(),
                _ => Vec::new(),
            }),
        };
        Parameters {
            named,
            rest_args,
            rest_kwargs,
            args_root: args_schema,
            kwargs_root: kwargs_schema,
        }
    }

    /// `numerator: number, rate?: number, *args, **kwargs`.
    pub(crate) fn text(&self) -> String {
        let mut parts = Vec::new();
        let mut keyword_only = false;
        for parameter in &self.named {
            if parameter.position.is_none() && !keyword_only {
                keyword_only = true;
                parts.push(match self.rest_args {
                    Some(schema) => star_args(schema),
                    None => "*".to_owned(),
                });
            }
            let name = parameter.name.as_deref().unwrap_or("_");
            parts.push(if parameter.required {
                format!("{name}: {}", type_text(parameter.schema))
            } else {
                format!("{name}?: {}", optional_type_text(parameter.schema))
            });
        }
        if let (Some(schema), false) = (self.rest_args, keyword_only) {
            parts.push(star_args(schema));
        }
        if let Some(schemas) = &self.rest_kwargs {
            parts.push(match schemas.as_slice() {
                [] => "**kwargs".to_owned(),
                schemas => {
                    let texts: Vec<String> = schemas.iter().map(|s| type_text(s)).collect();
                    format!("**kwargs: {}", texts.join(" & "))
                }
            });
        }
        parts.join(", ")
    }

    /// Whether a call with `payload` fits, and if not, why, naming the
    /// parameter: `argument 2 (denominator): expected number, got "x"`.
    pub(crate) fn check(&self, payload: &Payload) -> Result<(), String> {
        let mut kwargs: Dict = payload.kwargs.clone();
        for parameter in &self.named {
            let positional = parameter.position.and_then(|i| payload.args.get(i));
            let keyword = parameter.name.as_deref().and_then(|name| kwargs.remove(name));
            let (value, by_keyword) = match (positional, keyword) {
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "{} is given both by position and by keyword",
                        parameter.label(false)
                    ));
                }
                (Some(value), None) => (value.clone(), false),
                (None, Some(value)) => (value, true),
                (None, None) if parameter.required => return Err(format!("missing {}", parameter.label(false))),
                (None, None) => continue,
            };
            let root = if by_keyword { self.kwargs_root } else { parameter.root };
            let schema = if by_keyword {
                parameter
                    .name
                    .as_deref()
                    .and_then(|name| self.kwargs_root.get("properties")?.get(name))
                    .unwrap_or(parameter.schema)
            } else {
                parameter.schema
            };
            check(root, schema, &value).map_err(|m| format!("{}: {m}", parameter.label(by_keyword)))?;
        }

        let positions = self.named.iter().filter(|p| p.position.is_some()).count();
        if payload.args.len() > positions {
            let Some(rest) = self.rest_args else {
                return Err(format!(
                    "too many positional arguments: it takes at most {positions}, got {}",
                    payload.args.len()
                ));
            };
            for (index, value) in payload.args.iter().enumerate().skip(positions) {
                check(self.args_root, rest, value).map_err(|m| format!("argument {}: {m}", index + 1))?;
            }
        }

        match &self.rest_kwargs {
            None => {
                if let Some(name) = kwargs.keys().next() {
                    return Err(format!("unknown keyword argument {name}{}", self.known_keywords()));
                }
            }
            Some(schemas) => {
                let rest = Value::Dict(kwargs);
                for schema in schemas {
                    check(self.kwargs_root, schema, &rest).map_err(|m| format!("keyword arguments: {m}"))?;
                }
            }
        }
        Ok(())
    }

    /// ` (the keywords are a, b)`, or nothing when there are none.
    fn known_keywords(&self) -> String {
        let names: Vec<&str> = self.named.iter().filter_map(|p| p.name.as_deref()).collect();
        match names.as_slice() {
            [] => " (it takes none)".to_owned(),
            names => format!(" (the keywords are {})", names.join(", ")),
        }
    }
}

fn star_args(schema: &Json) -> String {
    match type_text(schema).as_str() {
        "any" => "*args".to_owned(),
        text => format!("*args: {text}"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::json::parse_argument;

    /// `foo.divide(numerator: f64, denominator: f64)` as the catalog writes it.
    fn divide() -> (Json, Json) {
        (
            json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "array",
                   "prefixItems": [{"title": "numerator", "type": "number", "format": "double"},
                                   {"title": "denominator", "type": "number", "format": "double"}],
                   "minItems": 2, "items": false}),
            json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                   "properties": {"numerator": {"type": "number", "format": "double"},
                                  "denominator": {"type": "number", "format": "double"}},
                   "required": ["denominator", "numerator"], "additionalProperties": false}),
        )
    }

    /// `accounting.vat(net: f64, rate: Option<f64>)`.
    fn vat() -> (Json, Json) {
        (
            json!({"type": "array",
                   "prefixItems": [{"title": "net", "type": "number"},
                                   {"title": "rate", "type": ["number", "null"]}],
                   "minItems": 1, "items": false}),
            json!({"type": "object",
                   "properties": {"net": {"type": "number"}, "rate": {"type": ["number", "null"]}},
                   "required": ["net"], "additionalProperties": false}),
        )
    }

    /// `search(query: String, rest: Args, filters: Kwargs)`.
    fn search() -> (Json, Json) {
        (
            json!({"type": "array", "prefixItems": [{"title": "query", "type": "string"}],
                   "minItems": 1, "items": true}),
            json!({"type": "object", "properties": {"query": {"type": "string"}},
                   "required": ["query"], "additionalProperties": true}),
        )
    }

    fn call(args: &[&str], kwargs: &[(&str, &str)]) -> Payload {
        Payload {
            args: args.iter().map(|a| parse_argument(a)).collect(),
            kwargs: kwargs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), parse_argument(v)))
                .collect(),
        }
    }

    #[test]
    fn signatures_name_every_parameter_with_its_type() {
        let (args, kwargs) = divide();
        assert_eq!(
            Parameters::read(&args, &kwargs).text(),
            "numerator: number, denominator: number"
        );
        let (args, kwargs) = vat();
        assert_eq!(Parameters::read(&args, &kwargs).text(), "net: number, rate?: number");
        let (args, kwargs) = search();
        assert_eq!(
            Parameters::read(&args, &kwargs).text(),
            "query: string, *args, **kwargs"
        );
        let none = (
            json!({"type": "array", "maxItems": 0}),
            json!({"type": "object", "additionalProperties": false}),
        );
        assert_eq!(Parameters::read(&none.0, &none.1).text(), "");
        // A handler added in code, without a signature: anything goes.
        let untyped = (
            json!({"type": "array", "items": true}),
            json!({"type": "object", "additionalProperties": true}),
        );
        assert_eq!(Parameters::read(&untyped.0, &untyped.1).text(), "*args, **kwargs");
        // Kwargs<T>: the rest of the keywords read into T.
        let typed_kwargs = (
            json!({"type": "array", "maxItems": 0}),
            json!({"type": "object", "additionalProperties": true, "allOf": [{"$ref": "#/$defs/NewUser"}]}),
        );
        assert_eq!(
            Parameters::read(&typed_kwargs.0, &typed_kwargs.1).text(),
            "**kwargs: NewUser"
        );
    }

    #[test]
    fn a_call_that_fits_passes() {
        let (args, kwargs) = divide();
        let divide = Parameters::read(&args, &kwargs);
        assert_eq!(divide.check(&call(&["1", "2"], &[])), Ok(()));
        assert_eq!(
            divide.check(&call(&[], &[("denominator", "2"), ("numerator", "1")])),
            Ok(())
        );
        assert_eq!(divide.check(&call(&["1"], &[("denominator", "2")])), Ok(()));
        let (args, kwargs) = vat();
        let vat = Parameters::read(&args, &kwargs);
        assert_eq!(vat.check(&call(&["100"], &[])), Ok(()));
        assert_eq!(vat.check(&call(&["100", "null"], &[])), Ok(()));
        let (args, kwargs) = search();
        let search = Parameters::read(&args, &kwargs);
        assert_eq!(search.check(&call(&["rust", "1", "x"], &[("limit", "10")])), Ok(()));
    }

    #[test]
    fn a_call_that_does_not_fit_is_refused_naming_the_parameter() {
        let (args, kwargs) = divide();
        let divide = Parameters::read(&args, &kwargs);
        assert_eq!(
            divide.check(&call(&["1", "x"], &[])),
            Err(r#"argument 2 (denominator): expected number, got "x""#.into())
        );
        assert_eq!(
            divide.check(&call(&["1"], &[("denominator", "true")])),
            Err("keyword argument denominator: expected number, got true".into())
        );
        assert_eq!(
            divide.check(&call(&["1"], &[])),
            Err("missing argument 2 (denominator)".into())
        );
        assert_eq!(
            divide.check(&call(&["1", "2", "3"], &[])),
            Err("too many positional arguments: it takes at most 2, got 3".into())
        );
        assert_eq!(
            divide.check(&call(&["1", "2"], &[("scale", "2")])),
            Err("unknown keyword argument scale (the keywords are numerator, denominator)".into())
        );
        assert_eq!(
            divide.check(&call(&["1", "2"], &[("numerator", "1")])),
            Err("argument 1 (numerator) is given both by position and by keyword".into())
        );
        let (args, kwargs) = vat();
        let vat = Parameters::read(&args, &kwargs);
        assert_eq!(
            vat.check(&call(&["100", "high"], &[])),
            Err(r#"argument 2 (rate): expected number?, got "high""#.into())
        );
        let (args, kwargs) = search();
        let search = Parameters::read(&args, &kwargs);
        assert_eq!(
            search.check(&call(&["1"], &[])),
            Err("argument 1 (query): expected string, got 1".into())
        );
    }

    #[test]
    fn typed_rest_keywords_are_checked_against_their_type() {
        let args = json!({"type": "array", "maxItems": 0});
        let kwargs = json!({"type": "object", "additionalProperties": true,
            "allOf": [{"$ref": "#/$defs/NewUser"}],
            "$defs": {"NewUser": {"type": "object",
                "properties": {"name": {"type": "string"}, "admin": {"type": ["boolean", "null"]}},
                "required": ["name"]}}});
        let create = Parameters::read(&args, &kwargs);
        assert_eq!(create.check(&call(&[], &[("name", "ada")])), Ok(()));
        assert_eq!(
            create.check(&call(&[], &[("admin", "true")])),
            Err(r#"keyword arguments: missing field "name""#.into())
        );
        assert_eq!(
            create.check(&call(&["ada"], &[])),
            Err("too many positional arguments: it takes at most 0, got 1".into())
        );
    }
}
