//! The service catalog: every procedure and topic a service binds, with the
//! JSON Schemas of what goes in and out, served by the service itself so
//! that callers (and `wamp describe`) can ask a running service what it
//! offers.
//!
//! This page is the one place where the format is defined.
//!
//! # Where it is served
//!
//! A [`Server`](crate::Server) registers, on every client that binds
//! handlers, the procedure [`URI_PREFIX`]`<service>` (for example
//! `wamp_rs.catalog.billing`): exact match, invoke policy `roundrobin`, so
//! that every instance of a scaled-out service joins the same registration
//! and any of them answers (alike, as they run the same code). `<service>`
//! is the name given to [`Server::service_name`](crate::Server::service_name),
//! by default the executable's file name. Crossbar refuses registrations
//! under `wamp.` from clients, hence a prefix of the library's own.
//! [`Server::without_catalog`](crate::Server::without_catalog) turns it off.
//!
//! Called without arguments, it returns one positional result: the
//! [`Catalog`] of that client's bindings, as a dictionary. In code,
//! [`Server::catalog`](crate::Server::catalog) builds the catalog of every
//! client without connecting, and a service binary run with the variable
//! `WAMP_PRINT_CATALOG=1` prints it as JSON and exits (see
//! [`Server::start_until`](crate::Server::start_until)): a CI job can check
//! the shape of an API without a router.
//!
//! # The format
//!
//! It follows the entries of Bondy's interface documents (and the WAMP
//! specification's sketch of interface reflection), so that a router-side
//! reflection service could serve it as it is:
//!
//! ```json
//! {
//!   "format": "wamp-rs.catalog",
//!   "version": 1,
//!   "service": "registry",
//!   "entries": [
//!     {
//!       "kind": "procedure",
//!       "uri": "foo.divide",
//!       "realm": "realm1",
//!       "match_policy": "exact",
//!       "invoke_policy": "roundrobin",
//!       "description": "Divides the numerator by the denominator.",
//!       "args_schema": {
//!         "$schema": "https://json-schema.org/draft/2020-12/schema",
//!         "type": "array",
//!         "prefixItems": [
//!           { "title": "numerator", "type": "number", "format": "double" },
//!           { "title": "denominator", "type": "number", "format": "double" }
//!         ],
//!         "minItems": 2,
//!         "items": false
//!       },
//!       "kwargs_schema": {
//!         "$schema": "https://json-schema.org/draft/2020-12/schema",
//!         "type": "object",
//!         "properties": {
//!           "denominator": { "type": "number", "format": "double" },
//!           "numerator": { "type": "number", "format": "double" }
//!         },
//!         "required": ["numerator", "denominator"],
//!         "additionalProperties": false
//!       },
//!       "result_args_schema": {
//!         "$schema": "https://json-schema.org/draft/2020-12/schema",
//!         "type": "array",
//!         "prefixItems": [{ "type": "number", "format": "double" }],
//!         "minItems": 1,
//!         "items": false
//!       },
//!       "errors": [
//!         { "uri": "foo.error.division_by_zero", "description": "The denominator was zero." }
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! - `format` is always `"wamp-rs.catalog"`; `version` ([`VERSION`]) grows
//!   when a change would mislead a reader of an older version; fields may
//!   be added without it, so a reader ignores the fields it does not know.
//! - `entries`, sorted by kind and URI: `kind` is `"procedure"` or
//!   `"topic"`; `uri` is the registered URI or pattern, `match_policy` its
//!   match policy (`exact`, `prefix`, `wildcard`), `invoke_policy` the
//!   procedure's invoke policy (`single`, `roundrobin`, `random`, `first`,
//!   `last`); `realm` the realm of the client that binds it; `description`
//!   the handler's doc comment, when it has one.
//! - A handler's arguments can be given positionally, by keyword, or both
//!   (see [`extract`](crate::extract)), so there are two schemas, each a
//!   complete JSON Schema 2020-12 document (its `$ref`s point into its own
//!   `$defs`): `args_schema`, the arguments all given positionally (an
//!   array whose `prefixItems` are the parameters in order, each titled
//!   with its name; `minItems` covers the required ones; `items` is `true`
//!   when the handler takes every further positional argument, an
//!   [`Args`](crate::Args) parameter, after which parameters are
//!   keyword-only), and `kwargs_schema`, all given by
//!   keyword (an object keyed by the parameter names; `required` lists the
//!   parameters that are not `Option`s; `additionalProperties` is `true`
//!   when the handler takes every further keyword argument, a
//!   [`Kwargs`](crate::Kwargs) parameter, whose own schema, when it has
//!   one, is under `allOf`). [`State`](crate::State) parameters are not
//!   arguments and are left out.
//! - `result_args_schema` (procedures): the positional results. A handler
//!   returning `T` answers `[T]`; one returning `()` an empty array
//!   (`"maxItems": 0`); one returning a [`Payload`](crate::Payload) anything (`{}`).
//!   `result_kwargs_schema` is present when the results may carry keyword
//!   results (a `Payload`). `progress_args_schema`: the progressive
//!   results of a procedure that declares their type (`progress = T`).
//! - `uri_template` and `captures_schema`: for a wildcard registration
//!   with typed captures (see [`Capture`](crate::Capture)), the URI with
//!   `{name}` in place of each captured component
//!   (`com.example.user.{id}.get` for `com.example.user..get`) and an
//!   object schema of the values the components are parsed into.
//! - `errors`: the URIs under which the procedure's error type is sent (a
//!   `#[derive(WampError)]` enum), each with its variant's doc comment as
//!   `description` and the schema of its fields (`args_schema` for a
//!   tuple variant, `kwargs_schema` for a struct variant).
//! - A type's schema is exact when it implements
//!   [`JsonSchema`](schemars::JsonSchema) (the standard types do; derive it
//!   next to `Deserialize` for your own, see below) and the permissive `{}`
//!   (anything) when it does not: a type without a schema is never a
//!   compile error, only a less informative catalog.
//!
//! # Schemas of your own types
//!
//! `wamp_runtime` re-exports [`schemars`]. Its derive names the `schemars`
//! crate in the code it generates, so either add `schemars = "1"` to your
//! dependencies, or point the derive at the re-export:
//!
//! ```
//! use serde::Deserialize;
//! use wamp_runtime::JsonSchema;
//!
//! /// An order line.
//! #[derive(Deserialize, JsonSchema)]
//! #[schemars(crate = "wamp_runtime::schemars")]
//! struct Line {
//!     sku: String,
//!     quantity: u32,
//! }
//! ```

mod signature;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use wamp_protocol::{InvokePolicy, MatchPolicy};

pub use signature::{
    ErrorSignature, ExactSchema, NoSchema, Schema, SchemaGenerator, SchemaProbe, Signature, SignatureFn,
};
use signature::{ParameterShape, ResultShape};

use crate::registry::{Bindings, ProcedureBinding, SubscriptionBinding};

/// The value of a catalog's `format` field.
pub const FORMAT: &str = "wamp-rs.catalog";

/// The catalog format's version (see the [module](self) documentation).
pub const VERSION: u32 = 1;

/// The URI prefix of the catalog procedures: a service's catalog is served
/// at `URI_PREFIX` followed by its service name.
pub const URI_PREFIX: &str = "wamp_rs.catalog.";

const SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// A service's catalog (see the [module](self) documentation for the
/// format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Catalog {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format's version, [`VERSION`] for a catalog made here.
    pub version: u32,
    /// The service's name (the last component of its catalog URI).
    pub service: String,
    /// The procedures and topics, sorted by kind and URI.
    pub entries: Vec<Entry>,
}

/// Procedure or topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A registered procedure.
    Procedure,
    /// A subscribed topic.
    Topic,
}

/// One procedure or topic of a [`Catalog`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Entry {
    /// Procedure or topic.
    pub kind: EntryKind,
    /// The registered URI or pattern.
    pub uri: String,
    /// The realm of the client that binds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    /// `exact`, `prefix` or `wildcard`.
    pub match_policy: String,
    /// A procedure's invoke policy: `single`, `roundrobin`, `random`,
    /// `first` or `last`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoke_policy: Option<String>,
    /// The handler's doc comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The arguments, all given positionally.
    pub args_schema: Json,
    /// The arguments, all given by keyword.
    pub kwargs_schema: Json,
    /// A procedure's positional results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_args_schema: Option<Json>,
    /// A procedure's keyword results, when it may have any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_kwargs_schema: Option<Json>,
    /// A procedure's progressive results, when their type is declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_args_schema: Option<Json>,
    /// The error URIs a procedure answers with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorEntry>,
    /// A wildcard URI with captures, written with `{name}` in place of each
    /// captured component: `com.example.user.{id}.get` for the pattern
    /// `com.example.user..get`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri_template: Option<String>,
    /// The values of the captures: an object keyed by their names, each
    /// with the schema of the type the component is parsed into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captures_schema: Option<Json>,
}

/// An error URI of a procedure, with the schema of its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorEntry {
    /// The error URI.
    pub uri: String,
    /// The variant's doc comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The error's positional arguments (a tuple variant's fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args_schema: Option<Json>,
    /// The error's keyword arguments (a struct variant's fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kwargs_schema: Option<Json>,
}

/// A schema generator for the 2020-12 dialect, whose definitions go under
/// `$defs`.
fn generator() -> SchemaGenerator {
    SchemaGenerator::new(schemars::generate::SchemaSettings::draft2020_12())
}

/// The schema of a type, or the permissive `{}`, titled.
fn titled(schema: Option<&Schema>, title: Option<&str>) -> Json {
    let mut value = schema.map_or_else(|| json!({}), |s| s.as_value().clone());
    if let (Some(title), Json::Object(object)) = (title, &mut value) {
        object.entry("title").or_insert_with(|| Json::String(title.to_owned()));
    }
    // `true` is schemars' spelling of "anything": keep one spelling.
    if value == Json::Bool(true) {
        value = json!({});
    }
    value
}

/// A complete schema document: the dialect, the content, the definitions
/// its `$ref`s need.
fn document(mut content: Map<String, Json>, definitions: &Map<String, Json>) -> Json {
    let used = used_definitions(&content, definitions);
    let mut out = Map::new();
    out.insert("$schema".into(), Json::String(SCHEMA_DIALECT.into()));
    out.append(&mut content);
    if !used.is_empty() {
        out.insert("$defs".into(), Json::Object(used));
    }
    Json::Object(out)
}

/// The definitions the `$ref`s of `content` reach, directly or through
/// other definitions: a document carries only those it needs.
fn used_definitions(content: &Map<String, Json>, definitions: &Map<String, Json>) -> Map<String, Json> {
    fn refs<'a>(value: &'a Json, found: &mut Vec<&'a str>) {
        match value {
            Json::Object(object) => {
                if let Some(Json::String(target)) = object.get("$ref") {
                    if let Some(name) = target.strip_prefix("#/$defs/") {
                        found.push(name);
                    }
                }
                object.values().for_each(|v| refs(v, found));
            }
            Json::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let mut pending = Vec::new();
    content.values().for_each(|v| refs(v, &mut pending));
    let mut used = Map::new();
    while let Some(name) = pending.pop() {
        if used.contains_key(name) {
            continue;
        }
        if let Some(definition) = definitions.get(name) {
            used.insert(name.to_owned(), definition.clone());
            refs(definition, &mut pending);
        }
    }
    used
}

/// The array schema of positional values: `items` in order, the first
/// `required` of them needed, `rest` whether more may follow.
fn array_schema(items: Vec<Json>, required: usize, rest: bool, definitions: &Map<String, Json>) -> Json {
    let mut content = Map::new();
    content.insert("type".into(), json!("array"));
    if items.is_empty() && !rest {
        content.insert("maxItems".into(), json!(0));
        return document(content, definitions);
    }
    if !items.is_empty() {
        content.insert("prefixItems".into(), Json::Array(items));
    }
    if required > 0 {
        content.insert("minItems".into(), json!(required));
    }
    content.insert("items".into(), Json::Bool(rest));
    document(content, definitions)
}

/// The object schema of keyword values.
fn object_schema(
    properties: Vec<(&str, Json, bool)>,
    rest: Option<Option<&Schema>>,
    definitions: &Map<String, Json>,
) -> Json {
    let mut content = Map::new();
    content.insert("type".into(), json!("object"));
    let required: Vec<Json> = properties
        .iter()
        .filter(|(_, _, required)| *required)
        .map(|(name, _, _)| json!(name))
        .collect();
    let properties: Map<String, Json> = properties
        .into_iter()
        .map(|(name, schema, _)| (name.to_owned(), schema))
        .collect();
    if !properties.is_empty() {
        content.insert("properties".into(), Json::Object(properties));
    }
    if !required.is_empty() {
        content.insert("required".into(), Json::Array(required));
    }
    match rest {
        None => {
            content.insert("additionalProperties".into(), Json::Bool(false));
        }
        Some(schema) => {
            content.insert("additionalProperties".into(), Json::Bool(true));
            if let Some(schema) = schema {
                content.insert("allOf".into(), json!([titled(Some(schema), None)]));
            }
        }
    }
    document(content, definitions)
}

/// The argument schemas (positional, keyword) of a list of parameters.
fn argument_schemas(parameters: &[ParameterShape], definitions: &Map<String, Json>) -> (Json, Json) {
    let mut items = Vec::new();
    let mut properties = Vec::new();
    let mut required_positions = 0;
    let mut rest_args = false;
    let mut rest_kwargs = None;
    for parameter in parameters {
        match parameter {
            // After `Args`, which takes the positions left, a parameter is
            // keyword-only (see `ArgumentReader::next`).
            ParameterShape::Named { name, required, schema } if rest_args => {
                properties.push((*name, titled(schema.as_ref(), None), *required));
            }
            ParameterShape::Named { name, required, schema } => {
                items.push(titled(schema.as_ref(), Some(name)));
                properties.push((*name, titled(schema.as_ref(), None), *required));
                if *required {
                    required_positions = items.len();
                }
            }
            ParameterShape::RestArgs => rest_args = true,
            ParameterShape::RestKwargs(schema) => rest_kwargs = Some(schema.as_ref()),
        }
    }
    (
        array_schema(items, required_positions, rest_args, definitions),
        object_schema(properties, rest_kwargs, definitions),
    )
}

/// What a handler without a signature (one added in code) is known to
/// take: anything.
fn untyped_arguments() -> (Json, Json) {
    let none = Map::new();
    (
        array_schema(Vec::new(), 0, true, &none),
        object_schema(Vec::new(), Some(None), &none),
    )
}

fn error_entry(error: &ErrorSignature, definitions: &Map<String, Json>) -> ErrorEntry {
    let args = error.args.as_ref().map(|fields| {
        let required = fields.iter().rposition(|(required, _)| *required).map_or(0, |i| i + 1);
        let items = fields.iter().map(|(_, schema)| titled(schema.as_ref(), None)).collect();
        array_schema(items, required, false, definitions)
    });
    let kwargs = error.kwargs.as_ref().map(|fields| {
        let properties = fields
            .iter()
            .map(|(name, required, schema)| (*name, titled(schema.as_ref(), None), *required))
            .collect();
        object_schema(properties, None, definitions)
    });
    ErrorEntry {
        uri: error.uri.clone(),
        description: error.description.clone(),
        args_schema: args,
        kwargs_schema: kwargs,
    }
}

/// A handler's signature, with the definitions its schemas point into.
type Described = (Signature, Map<String, Json>);

/// The part of an entry that procedures and topics share: where it is,
/// and from the handler's signature (when it has one) its arguments,
/// description and captures; with the signature and the definitions its
/// schemas point into, for what only a procedure has.
fn shared_entry(
    kind: EntryKind,
    uri: &str,
    realm: Option<&str>,
    match_policy: MatchPolicy,
    signature: Option<SignatureFn>,
) -> (Entry, Option<Described>) {
    let (args_schema, kwargs_schema) = untyped_arguments();
    let mut entry = Entry {
        kind,
        uri: uri.to_owned(),
        realm: realm.map(str::to_owned),
        match_policy: match_policy.as_str().to_owned(),
        invoke_policy: None,
        description: None,
        args_schema,
        kwargs_schema,
        result_args_schema: None,
        result_kwargs_schema: None,
        progress_args_schema: None,
        errors: Vec::new(),
        uri_template: None,
        captures_schema: None,
    };
    let Some(describe) = signature else {
        return (entry, None);
    };
    let mut generator = generator();
    let signature = describe(&mut generator);
    let definitions = generator.take_definitions(true);
    (entry.args_schema, entry.kwargs_schema) = argument_schemas(&signature.parameters, &definitions);
    entry.description = signature.description.clone();
    // An implementation hands its declaration's name, captures or not.
    if let Some(template) = signature
        .uri_template
        .as_deref()
        .and_then(|t| crate::capture::within(uri, t))
    {
        let properties = signature
            .captures
            .iter()
            .map(|(name, schema)| (*name, titled(schema.as_ref(), None), true))
            .collect();
        entry.uri_template = Some(template);
        entry.captures_schema = Some(object_schema(properties, None, &definitions));
    }
    (entry, Some((signature, definitions)))
}

/// The schema of exactly one positional value.
fn one_value(schema: Option<&Schema>, definitions: &Map<String, Json>) -> Json {
    array_schema(vec![titled(schema, None)], 1, false, definitions)
}

/// The entry of a procedure.
fn procedure_entry(binding: &ProcedureBinding, realm: Option<&str>) -> Entry {
    let options = &binding.options;
    let (mut entry, described) = shared_entry(
        EntryKind::Procedure,
        &binding.uri,
        realm,
        options.match_policy_or_default(),
        binding.signature,
    );
    entry.invoke_policy = Some(options.invoke.unwrap_or(InvokePolicy::Single).as_str().to_owned());
    let Some((signature, definitions)) = described else {
        // Nothing is known of a handler without a signature: anything.
        entry.result_args_schema = Some(json!({}));
        entry.result_kwargs_schema = Some(json!({}));
        return entry;
    };
    match &signature.result {
        ResultShape::Empty => entry.result_args_schema = Some(array_schema(Vec::new(), 0, false, &definitions)),
        ResultShape::Untyped => {
            entry.result_args_schema = Some(json!({}));
            entry.result_kwargs_schema = Some(json!({}));
        }
        ResultShape::One(schema) => entry.result_args_schema = Some(one_value(schema.as_ref(), &definitions)),
    }
    entry.progress_args_schema = signature
        .progress
        .as_ref()
        .map(|schema| one_value(schema.as_ref(), &definitions));
    entry.errors = signature
        .errors
        .iter()
        .map(|error| error_entry(error, &definitions))
        .collect();
    entry
}

/// The entry of a topic.
fn topic_entry(binding: &SubscriptionBinding, realm: Option<&str>) -> Entry {
    let policy = binding.options.match_policy_or_default();
    shared_entry(EntryKind::Topic, &binding.uri, realm, policy, binding.signature).0
}

impl Catalog {
    /// An empty catalog of the service `service`.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            service: service.into(),
            entries: Vec::new(),
        }
    }

    /// Adds the entries of `bindings`, bound on `realm`, and sorts them.
    pub fn add_bindings(&mut self, bindings: &Bindings, realm: Option<&str>) -> &mut Self {
        self.entries
            .extend(bindings.procedures.iter().map(|b| procedure_entry(b, realm)));
        self.entries
            .extend(bindings.subscriptions.iter().map(|b| topic_entry(b, realm)));
        self.entries
            .sort_by(|a, b| (a.kind, &a.uri, &a.realm).cmp(&(b.kind, &b.uri, &b.realm)));
        self
    }

    /// The entry of a procedure or topic.
    pub fn entry(&self, kind: EntryKind, uri: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.kind == kind && e.uri == uri)
    }

    /// The catalog procedure of the service `service`.
    pub fn uri_of(service: &str) -> String {
        format!("{URI_PREFIX}{service}")
    }

    /// The catalog as a JSON value.
    pub fn to_json(&self) -> Json {
        // A catalog is strings, numbers and JSON values: it always serializes.
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

/// A service name as one URI component: what `Server::service_name`
/// takes, and the executable's file name made into one (lower case; each
/// run of characters that are not letters, digits or `_` becomes `_`).
pub(crate) fn service_component(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        "service".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The default service name: the executable's file name.
pub(crate) fn default_service_name() -> String {
    let exe = std::env::current_exe().ok();
    let stem = exe
        .as_ref()
        .and_then(|exe| exe.file_stem())
        .and_then(|stem| stem.to_str())
        .unwrap_or("service");
    service_component(stem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wamp_error::{ErrorProbe, UndescribedErrors as _};

    #[test]
    fn service_names_are_made_one_uri_component() {
        assert_eq!(service_component("registry"), "registry");
        assert_eq!(service_component("My-Service v2"), "my_service_v2");
        assert_eq!(service_component("--"), "service");
        assert_eq!(service_component("a..b"), "a_b");
    }

    // The borrows are the macros' spelling: they are what picks the impl.
    #[allow(clippy::needless_borrow)]
    #[test]
    fn a_probe_finds_a_schema_only_where_there_is_one() {
        struct NoSchemaHere;
        let mut generator = generator();
        let exact = (&SchemaProbe::<u8>::new()).schema(&mut generator);
        assert_eq!(exact.expect("u8 has a schema").as_value()["type"], "integer");
        let none = (&SchemaProbe::<NoSchemaHere>::new()).schema(&mut generator);
        assert!(none.is_none());
        let errors = (&ErrorProbe::<String>::new()).errors(&mut generator);
        assert!(errors.is_empty());
    }

    #[test]
    fn a_document_carries_the_definitions_its_refs_reach_and_no_other() {
        let definitions: Map<String, Json> = serde_json::from_value(json!({
            "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
            "B": {"type": "string"},
            "C": {"type": "integer"}
        }))
        .expect("a map");
        let schema = array_schema(vec![json!({"$ref": "#/$defs/A"})], 1, false, &definitions);
        let defs = schema["$defs"].as_object().expect("$defs");
        assert_eq!(defs.keys().collect::<Vec<_>>(), ["A", "B"]);
        let plain = array_schema(vec![json!({"type": "string"})], 1, false, &definitions);
        assert!(plain.get("$defs").is_none());
    }

    #[test]
    fn positional_and_keyword_schemas_agree_on_names_and_required_parameters() {
        let parameters = [
            ParameterShape::Named {
                name: "a",
                required: true,
                schema: None,
            },
            ParameterShape::Named {
                name: "b",
                required: false,
                schema: None,
            },
            ParameterShape::Named {
                name: "c",
                required: true,
                schema: None,
            },
        ];
        let (args, kwargs) = argument_schemas(&parameters, &Map::new());
        assert_eq!(
            args["minItems"], 3,
            "c is required, so b must be given positionally too"
        );
        assert_eq!(args["prefixItems"][1], json!({"title": "b"}));
        assert_eq!(kwargs["required"], json!(["a", "c"]));
        let after_args = [
            ParameterShape::Named {
                name: "a",
                required: true,
                schema: None,
            },
            ParameterShape::RestArgs,
            ParameterShape::Named {
                name: "verbose",
                required: true,
                schema: None,
            },
        ];
        let (args, kwargs) = argument_schemas(&after_args, &Map::new());
        assert_eq!(args["prefixItems"], json!([{"title": "a"}]), "verbose is keyword-only");
        assert_eq!((&args["minItems"], &args["items"]), (&json!(1), &json!(true)));
        assert_eq!(kwargs["required"], json!(["a", "verbose"]));
        let (args, kwargs) = argument_schemas(&[], &Map::new());
        assert_eq!(args["maxItems"], 0);
        assert_eq!(kwargs["additionalProperties"], false);
    }
}
