//! `wamp describe`: what the realm offers, from its services' catalogs and
//! the router's meta API.

use std::fmt::Write as _;
use std::io::Write as _;

use serde_json::Value as Json;
use wamp_runtime::Client;

use crate::catalog::{self, EntryKind, Merged, MergedEntry};
use crate::cli::DescribeArgs;
use crate::error::CliError;
use crate::parameters::Parameters;
use crate::schema::type_text;

pub(super) async fn run(client: &Client, args: DescribeArgs) -> Result<(), CliError> {
    let registrations = catalog::registrations(client, true).await?;
    let fetched = catalog::fetch_catalogs(client, &registrations).await;
    let merged = catalog::merge(fetched, &registrations, args.prefix.as_deref().unwrap_or(""));
    if args.json {
        let json = serde_json::to_value(&merged).map_err(|e| CliError::Output(std::io::Error::other(e)))?;
        return super::print_line(&json);
    }
    let realm = client.details().map(|d| d.realm.clone()).unwrap_or_default();
    let text = render(&merged, &realm, args.prefix.as_deref());
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(CliError::Output)
}

/// The readable listing: one signature per procedure, then per topic, each
/// with its description under it; then the registrations without a
/// catalog, the catalogs that could not be read and the services found.
pub(crate) fn render(merged: &Merged, realm: &str, prefix: Option<&str>) -> String {
    let mut out = String::new();
    let procedures = merged.entries.iter().filter(|e| e.entry.kind == EntryKind::Procedure);
    let topics = merged.entries.iter().filter(|e| e.entry.kind == EntryKind::Topic);
    for entry in procedures.chain(topics) {
        out.push_str(&signature(entry));
        out.push('\n');
        if let Some(description) = &entry.entry.description {
            for line in description.lines() {
                let _ = writeln!(out, "{}", format!("    {line}").trim_end());
            }
        }
    }
    if !merged.uncataloged.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("Registrations without a catalog:\n");
        let rows: Vec<[String; 4]> = merged
            .uncataloged
            .iter()
            .map(|r| {
                [
                    r.uri.clone(),
                    r.match_policy.clone(),
                    r.invoke.clone(),
                    r.callees.map_or_else(|| "?".to_owned(), |n| n.to_string()),
                ]
            })
            .collect();
        table(&mut out, &["URI", "MATCH", "INVOKE", "CALLEES"], &rows);
    }
    if !merged.unavailable.is_empty() {
        out.push_str("\nCatalogs that could not be read:\n");
        for unavailable in &merged.unavailable {
            let _ = writeln!(out, "    {}: {}", unavailable.procedure, unavailable.error);
        }
    }
    if out.is_empty() {
        match prefix {
            Some(prefix) => {
                let _ = writeln!(out, "Nothing registered under {prefix:?} on realm {realm}.");
            }
            None => {
                let _ = writeln!(out, "Nothing registered on realm {realm}.");
            }
        }
    }
    if !merged.services.is_empty() {
        let services: Vec<String> = merged
            .services
            .iter()
            .map(|s| match s.instances {
                Some(1) => format!("{} (1 instance)", s.service),
                Some(n) => format!("{} ({n} instances)", s.service),
                None => s.service.clone(),
            })
            .collect();
        let _ = writeln!(out, "\nCatalogs on realm {realm}: {}", services.join(", "));
    }
    out
}

/// `foo.divide(numerator: number, denominator: number) -> number   errors: ...`.
pub(crate) fn signature(merged: &MergedEntry) -> String {
    let entry = &merged.entry;
    let parameters = Parameters::read(&entry.args_schema, &entry.kwargs_schema).text();
    // A URI with typed captures reads better as its template.
    let uri = entry.uri_template.as_deref().unwrap_or(&entry.uri);
    let mut line = match entry.kind {
        EntryKind::Procedure => format!("{uri}({parameters})"),
        EntryKind::Topic => format!("topic {uri}({parameters})"),
    };
    if let Some(result) = &entry.result_args_schema {
        let _ = write!(line, " -> {}", results_text(result));
    }
    let mut notes = Vec::new();
    if let Some(captures) = entry.captures_schema.as_ref().and_then(|s| s["properties"].as_object()) {
        let typed: Vec<String> = captures
            .iter()
            .map(|(name, schema)| format!("{name}: {}", type_text(schema)))
            .collect();
        notes.push(format!("captures: {}", typed.join(", ")));
    }
    if let Some(progress) = &entry.progress_args_schema {
        notes.push(format!("progress: {}", results_text(progress)));
    }
    if !entry.errors.is_empty() {
        let uris: Vec<&str> = entry.errors.iter().map(|e| e.uri.as_str()).collect();
        notes.push(format!("errors: {}", uris.join(", ")));
    }
    if entry.match_policy != "exact" {
        notes.push(format!("match: {}", entry.match_policy));
    }
    if let Some(invoke) = entry.invoke_policy.as_deref().filter(|i| *i != "single") {
        notes.push(format!("invoke: {invoke}"));
    }
    if let Some(callees) = merged.callees.filter(|n| *n > 1) {
        notes.push(format!("callees: {callees}"));
    }
    if merged.services.len() > 1 {
        notes.push(format!("services: {}", merged.services.join(", ")));
    }
    for note in notes {
        let _ = write!(line, "   {note}");
    }
    line
}

/// The type of positional results: `T` for one, `(A, B)` for several, `()`
/// for none, `any` when the catalog does not know.
fn results_text(schema: &Json) -> String {
    let is_array = schema.get("type").and_then(Json::as_str) == Some("array");
    if !is_array {
        return type_text(schema);
    }
    let mut parts: Vec<String> = match schema.get("prefixItems") {
        Some(Json::Array(items)) => items.iter().map(type_text).collect(),
        _ => Vec::new(),
    };
    let closed = schema.get("items") == Some(&Json::Bool(false))
        || schema.get("maxItems").and_then(Json::as_u64) == Some(parts.len() as u64);
    if !closed {
        parts.push(match schema.get("items") {
            Some(items @ Json::Object(_)) => format!("...{}", type_text(items)),
            _ => "...".to_owned(),
        });
    }
    match parts.as_slice() {
        [one] if closed => one.clone(),
        _ => format!("({})", parts.join(", ")),
    }
}

fn table(out: &mut String, header: &[&str; 4], rows: &[[String; 4]]) {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut line = |cells: [&str; 4]| {
        let mut text = String::from("    ");
        for (cell, width) in cells.iter().zip(widths) {
            let _ = write!(text, "{cell:<width$}  ");
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(*header);
    for row in rows {
        line([&row[0], &row[1], &row[2], &row[3]]);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::catalog::{Entry, Registration, Service, Unavailable};

    fn merged_entry(entry: Json, callees: Option<u64>) -> MergedEntry {
        MergedEntry {
            entry: serde_json::from_value::<Entry>(entry).unwrap_or_else(|e| panic!("fixture: {e}")),
            services: vec!["registry".into()],
            realms: vec!["realm1".into()],
            callees,
        }
    }

    fn divide() -> MergedEntry {
        merged_entry(
            json!({
                "kind": "procedure", "uri": "foo.divide", "match_policy": "exact", "invoke_policy": "roundrobin",
                "description": "Divides.\nBy the denominator.",
                "args_schema": {"type": "array", "prefixItems": [
                    {"title": "numerator", "type": "number"}, {"title": "denominator", "type": "number"}],
                    "minItems": 2, "items": false},
                "kwargs_schema": {"type": "object", "properties": {"numerator": {"type": "number"},
                    "denominator": {"type": "number"}}, "required": ["numerator", "denominator"],
                    "additionalProperties": false},
                "result_args_schema": {"type": "array", "prefixItems": [{"type": "number"}], "minItems": 1, "items": false},
                "errors": [{"uri": "foo.error.division_by_zero", "description": "Zero."}]
            }),
            Some(2),
        )
    }

    #[test]
    fn a_uri_with_captures_reads_as_its_template_with_the_captures_typed() {
        let entry = merged_entry(
            json!({
                "kind": "procedure", "uri": "shop.user..get", "match_policy": "wildcard",
                "args_schema": {"type": "array", "maxItems": 0},
                "kwargs_schema": {"type": "object", "additionalProperties": false},
                "uri_template": "shop.user.{id}.get",
                "captures_schema": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
            }),
            None,
        );
        assert_eq!(
            signature(&entry),
            "shop.user.{id}.get()   captures: id: integer   match: wildcard"
        );
    }

    #[test]
    fn a_procedure_reads_as_its_signature() {
        assert_eq!(
            signature(&divide()),
            "foo.divide(numerator: number, denominator: number) -> number   \
             errors: foo.error.division_by_zero   invoke: roundrobin   callees: 2"
        );
        let countdown = merged_entry(
            json!({
                "kind": "procedure", "uri": "foo.count_down", "match_policy": "prefix", "invoke_policy": "single",
                "args_schema": {"type": "array", "prefixItems": [{"title": "from", "type": "integer"}], "minItems": 1, "items": false},
                "kwargs_schema": {"type": "object", "properties": {"from": {"type": "integer"}}, "required": ["from"], "additionalProperties": false},
                "result_args_schema": {"type": "array", "maxItems": 0},
                "progress_args_schema": {"type": "array", "prefixItems": [{"type": "integer"}], "minItems": 1, "items": false}
            }),
            Some(1),
        );
        assert_eq!(
            signature(&countdown),
            "foo.count_down(from: integer) -> ()   progress: integer   match: prefix"
        );
        let untyped = merged_entry(
            json!({
                "kind": "procedure", "uri": "raw", "match_policy": "exact",
                "args_schema": {"type": "array", "items": true},
                "kwargs_schema": {"type": "object", "additionalProperties": true},
                "result_args_schema": {}, "result_kwargs_schema": {}
            }),
            None,
        );
        assert_eq!(signature(&untyped), "raw(*args, **kwargs) -> any");
    }

    #[test]
    fn a_topic_reads_as_topic_and_its_arguments() {
        let news = merged_entry(
            json!({
                "kind": "topic", "uri": "foo.news", "match_policy": "exact",
                "args_schema": {"type": "array", "prefixItems": [{"title": "text", "type": "string"}], "minItems": 1, "items": false},
                "kwargs_schema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"], "additionalProperties": false}
            }),
            None,
        );
        assert_eq!(signature(&news), "topic foo.news(text: string)");
    }

    #[test]
    fn the_listing_has_descriptions_registrations_and_services() {
        let merged = Merged {
            format: catalog::MERGED_FORMAT,
            version: catalog::MERGED_VERSION,
            services: vec![Service {
                service: "registry".into(),
                procedure: "wamp_rs.catalog.registry".into(),
                instances: Some(2),
            }],
            entries: vec![divide()],
            uncataloged: vec![Registration {
                id: 7,
                uri: "com.example.echo".into(),
                match_policy: "exact".into(),
                invoke: "single".into(),
                callees: Some(1),
            }],
            unavailable: vec![Unavailable {
                procedure: "wamp_rs.catalog.broken".into(),
                error: "no answer within the timeout of 5s".into(),
            }],
        };
        let text = render(&merged, "realm1", None);
        let expected = "\
foo.divide(numerator: number, denominator: number) -> number   errors: foo.error.division_by_zero   invoke: roundrobin   callees: 2
    Divides.
    By the denominator.

Registrations without a catalog:
    URI               MATCH  INVOKE  CALLEES
    com.example.echo  exact  single  1

Catalogs that could not be read:
    wamp_rs.catalog.broken: no answer within the timeout of 5s

Catalogs on realm realm1: registry (2 instances)
";
        assert_eq!(text, expected);
    }

    #[test]
    fn an_empty_realm_says_so() {
        let merged = catalog::merge(Vec::new(), &[], "");
        assert_eq!(render(&merged, "realm1", None), "Nothing registered on realm realm1.\n");
        assert_eq!(
            render(&merged, "realm1", Some("foo.")),
            "Nothing registered under \"foo.\" on realm realm1.\n"
        );
    }
}
