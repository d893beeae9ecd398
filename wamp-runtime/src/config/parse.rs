//! YAML and TOML text to [`Config`], with errors that name the origin, the
//! line and column, and the key path.

use serde_path_to_error::{Path, Segment};

use super::clients::Config;
use super::error::ConfigError;
use super::error::{ConfigProblem, join_key};
use super::raw::RawFile;
use super::resolve::resolve_file;

/// The formats a configuration file can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Yaml,
    Toml,
}

impl Format {
    fn text_origin(self) -> &'static str {
        match self {
            Format::Yaml => "YAML text",
            Format::Toml => "TOML text",
        }
    }
}

/// At most this many problems are listed for one file.
const MAX_PROBLEMS: usize = 20;

/// Parses `text`; `origin` is the file name, if there is one, and `dir` the
/// directory that relative file names in the text are relative to (the
/// current directory when `None`).
///
/// A file with several problems reports them together: each unknown key
/// (the usual typo) and each wrong value of a key nothing else depends on
/// is commented out in a working copy, line numbers unchanged, and the text
/// read again; the first problem of another kind (a syntax error, a wrong
/// client, URL, auth or TLS setting) ends the reading, as what comes after
/// it could follow from it. One problem is returned as it is; several as
/// [`ConfigError::Several`], in the order of the file, each with its line.
pub(super) fn parse(
    text: &str,
    format: Format,
    origin: Option<&str>,
    dir: Option<&std::path::Path>,
) -> Result<Config, ConfigError> {
    let origin_name = origin.unwrap_or(format.text_origin()).to_owned();
    let mut text = text.to_owned();
    let mut first = None;
    let mut problems: Vec<ConfigProblem> = Vec::new();
    loop {
        let error = match parse_once(&text, format, origin, dir) {
            Ok(config) if problems.is_empty() => return Ok(config),
            Ok(_) => break,
            Err(e) => e,
        };
        let line = error_line(&error).or_else(|| error.key().and_then(|key| locate(&text, format, key)));
        problems.push(ConfigProblem::of(&error, line));
        let independent = can_set_aside(&error);
        first.get_or_insert(error);
        let set_aside = match line {
            Some(line) if problems.len() < MAX_PROBLEMS && independent => comment_out(&mut text, format, line),
            _ => false,
        };
        if !set_aside {
            break;
        }
    }
    match (problems.len(), first) {
        (1, Some(error)) => Err(error),
        _ => {
            problems.sort_by_key(|p| p.line);
            Err(ConfigError::Several {
                origin: origin_name,
                problems,
            })
        }
    }
}

/// Keys whose value no other key depends on: a wrong one set aside leaves
/// a valid default or inherited value, and nothing else to report.
const INDEPENDENT_KEYS: &[&str] = &[
    "realm",
    "port",
    "path",
    "connection_timeout",
    "shutdown_timeout",
    "max_message_size",
    "serializers",
    "authid",
    "authrole",
    "ping_interval",
    "ping_timeout",
    "event_queue",
    "invocation_queue",
    "initial_delay",
    "multiplier",
    "jitter",
    "max_delay",
    "max_attempts",
];

/// Whether `error` can be set aside without changing what the rest of the
/// file means: an unknown key, or a wrong value of an independent key.
/// Other wrong values (a client, `url`, `auth`, `tls`) are not: the default
/// or inherited value left in their place would make problems of its own.
fn can_set_aside(error: &ConfigError) -> bool {
    let independent = |key: &str| INDEPENDENT_KEYS.contains(&key.rsplit('.').next().unwrap_or(key));
    match error {
        ConfigError::Parse {
            key: Some(key),
            message,
            ..
        } => message.starts_with("unknown key") || independent(key),
        ConfigError::Invalid { key, .. } => independent(key),
        _ => false,
    }
}

/// The line a parse error names.
fn error_line(error: &ConfigError) -> Option<usize> {
    match error {
        ConfigError::Parse { line, .. } => *line,
        _ => None,
    }
}

/// The 1-based line of the entry at `key` (`clients.wamp1.port`; list
/// indexes are ignored), else of its nearest enclosing entry that can be
/// found. A plain reading of the usual block layout, not a full parser:
/// keys inside YAML flow maps are found as the line of their map.
fn locate(text: &str, format: Format, key: &str) -> Option<usize> {
    let target: Vec<&str> = key
        .split('.')
        .map(|part| part.split('[').next().unwrap_or(part))
        .filter(|part| !part.is_empty())
        .collect();
    let mut best: Option<(usize, usize)> = None; // (matched segments, line)
    let mut consider = |path: &[String], line: usize| {
        let matched = path.iter().zip(&target).take_while(|(a, b)| a == *b).count();
        if matched == path.len() && matched > best.map_or(0, |b| b.0) {
            best = Some((matched, line));
        }
    };
    match format {
        Format::Yaml => {
            let mut stack: Vec<(usize, String)> = Vec::new();
            for (index, raw) in text.lines().enumerate() {
                let Some((indent, name)) = yaml_key(raw) else { continue };
                while stack.last().is_some_and(|(i, _)| *i >= indent) {
                    stack.pop();
                }
                stack.push((indent, name));
                let path: Vec<String> = stack.iter().map(|(_, k)| k.clone()).collect();
                consider(&path, index + 1);
            }
        }
        Format::Toml => {
            let mut table: Vec<String> = Vec::new();
            for (index, raw) in text.lines().enumerate() {
                let line = raw.trim();
                if let Some(header) = toml_header(line) {
                    table = header;
                    consider(&table, index + 1);
                } else if let Some((name, _)) = line.split_once('=').filter(|_| !line.starts_with('#')) {
                    let mut path = table.clone();
                    path.extend(name.split('.').map(|k| k.trim().trim_matches('"').to_owned()));
                    consider(&path, index + 1);
                }
            }
        }
    }
    best.map(|(_, line)| line)
}

/// The indentation and key of a YAML block mapping line (`  port: 8080`).
fn yaml_key(line: &str) -> Option<(usize, String)> {
    let content = line.trim_start();
    if content.is_empty() || content.starts_with('#') || content.starts_with('-') {
        return None;
    }
    let (name, _) = content.split_once(':')?;
    let name = name.trim().trim_matches(|c| c == '"' || c == '\'');
    (!name.is_empty() && !name.contains(' ')).then(|| (line.len() - content.len(), name.to_owned()))
}

/// The path of a TOML table header (`[clients.wamp1]`, `[[x]]`).
fn toml_header(line: &str) -> Option<Vec<String>> {
    let inner = line.strip_prefix('[')?.split(']').next()?.trim_start_matches('[');
    Some(
        inner
            .split('.')
            .map(|k| k.trim().trim_matches('"').to_owned())
            .collect(),
    )
}

/// Turns the entry starting at 1-based `line` into comments: in YAML with
/// every more deeply indented line after it, in TOML a `key = value` line
/// or a whole table. `false` when that cannot be done safely.
fn comment_out(text: &mut String, format: Format, line: usize) -> bool {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let Some(start) = line.checked_sub(1).filter(|&i| i < lines.len()) else {
        return false;
    };
    let first = lines[start].clone();
    let end = match format {
        Format::Yaml => {
            let indent = first.len() - first.trim_start().len();
            let mut end = start + 1;
            while end < lines.len() {
                let next = &lines[end];
                let content = next.trim_start();
                let deeper = next.len() - content.len() > indent;
                if !(content.is_empty() || content.starts_with('#') || deeper) {
                    break;
                }
                end += 1;
            }
            end
        }
        Format::Toml => {
            let trimmed = first.trim();
            if toml_header(trimmed).is_some() {
                let mut end = start + 1;
                while end < lines.len() && toml_header(lines[end].trim()).is_none() {
                    end += 1;
                }
                end
            } else {
                // A value that goes on over more lines cannot be told apart here.
                let value = trimmed.split_once('=').map_or("", |(_, v)| v.trim());
                let opens = value.starts_with("\"\"\"")
                    || value.starts_with("'''")
                    || value.matches('[').count() > value.matches(']').count()
                    || value.matches('{').count() > value.matches('}').count();
                if opens {
                    return false;
                }
                start + 1
            }
        }
    };
    if lines[start].trim_start().starts_with('#') {
        return false; // Already set aside: no progress.
    }
    for line in &mut lines[start..end] {
        *line = format!("#{line}");
    }
    let mut joined = lines.join("\n");
    joined.push('\n');
    *text = joined;
    true
}

fn parse_once(
    text: &str,
    format: Format,
    origin: Option<&str>,
    dir: Option<&std::path::Path>,
) -> Result<Config, ConfigError> {
    let origin = origin.unwrap_or(format.text_origin()).to_owned();
    let mut raw = match format {
        Format::Yaml => parse_yaml(text, &origin)?,
        Format::Toml => parse_toml(text, &origin)?,
    };
    if let Some(dir) = dir {
        raw.rebase_paths(dir);
    }
    resolve_file(raw).map_err(|e| e.into_config_error(Some(origin)))
}

fn parse_yaml(text: &str, origin: &str) -> Result<RawFile, ConfigError> {
    // An empty document (or one holding only comments) is an empty
    // configuration: all defaults.
    if text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---"
    }) {
        return Ok(RawFile::default());
    }
    let deserializer = serde_norway::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().clone();
        let inner = error.into_inner();
        let location = inner.location().map(|l| (l.line(), l.column()));
        // serde_norway's message carries its own copy of the path and
        // location; keep only the message.
        let mut message = inner.to_string();
        if let Some((line, column)) = location {
            let suffix = format!(" at line {line} column {column}");
            if let Some(stripped) = message.strip_suffix(&suffix) {
                message.truncate(stripped.len());
            }
        }
        for prefix in [key_path(&path, 0), key_path(&path, 1)] {
            if let Some(stripped) = message.strip_prefix(&format!("{prefix}: ")) {
                message = stripped.to_owned();
                break;
            }
        }
        parse_error(origin, &path, location, &message)
    })
}

fn parse_toml(text: &str, origin: &str) -> Result<RawFile, ConfigError> {
    let toml_error = |error: toml::de::Error, path: Option<&Path>| {
        let location = error.span().map(|span| line_column(text, span.start));
        match path {
            Some(path) => parse_error(origin, path, location, error.message()),
            None => ConfigError::Parse {
                origin: origin.to_owned(),
                key: None,
                line: location.map(|l| l.0),
                column: location.map(|l| l.1),
                message: error.message().trim_end().to_owned(),
            },
        }
    };
    let deserializer = toml::Deserializer::parse(text).map_err(|e| toml_error(e, None))?;
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().clone();
        toml_error(error.into_inner(), Some(&path))
    })
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The key path without its last `drop_last` segments, as `a.b.c`.
fn key_path(path: &Path, drop_last: usize) -> String {
    let segments: Vec<&Segment> = path.iter().collect();
    let keep = segments.len().saturating_sub(drop_last);
    let mut out = String::new();
    for segment in &segments[..keep] {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Enum { variant } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(variant);
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    out
}

/// Builds the error for a serde failure at `path`, rewording serde's
/// "unknown field" message to name the key, where it is, what is allowed and
/// the closest allowed key.
fn parse_error(origin: &str, path: &Path, location: Option<(usize, usize)>, message: &str) -> ConfigError {
    let message = reword(message.trim_end());
    let message = message.as_str();
    let full = key_path(path, 0);
    let (key, message) = match parse_unknown_field(message) {
        Some((unknown, expected)) => {
            // The path ends with the unknown key itself.
            let ends_with_key = matches!(
                path.iter().next_back(),
                Some(Segment::Map { key }) if *key == unknown
            );
            let parent = if ends_with_key { key_path(path, 1) } else { full.clone() };
            let key = if ends_with_key {
                full
            } else {
                join_key(&parent, &unknown)
            };
            let place = if parent.is_empty() {
                "at the top level".to_owned()
            } else {
                format!("in {parent}")
            };
            let mut text = format!("unknown key {unknown:?} {place}");
            if expected.is_empty() {
                text.push_str(" (no keys are allowed there)");
            } else {
                text.push_str(&format!(" (expected one of: {})", expected.join(", ")));
                if let Some(close) = closest(&unknown, &expected) {
                    text.push_str(&format!("; did you mean {close:?}?"));
                }
            }
            (Some(key), text)
        }
        None if full.is_empty() => (None, message.to_owned()),
        None => (Some(full.clone()), format!("{full}: {message}")),
    };
    ConfigError::Parse {
        origin: origin.to_owned(),
        key,
        line: location.map(|l| l.0),
        column: location.map(|l| l.1),
        message,
    }
}

/// Replaces the internal type names and serde's "field" in serde's messages
/// with words that fit a configuration file.
fn reword(message: &str) -> String {
    let mut message = message
        .replace("expected struct RawFile", "expected a map of settings")
        .replace("expected struct RawClient", "expected a map of client settings")
        .replace("expected struct RawReconnect", "expected a map of reconnect settings")
        .replace(
            "expected struct RawAuth",
            "expected a map of auth settings (method, secret, secret_file)",
        )
        .replace("expected struct RawComponents", "expected a map with the key wamp")
        .replace(
            "expected struct RawTls",
            "expected a map of TLS settings (ca_file, client_cert, client_key, dangerously_accept_invalid_certs)",
        );
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        if let Some(name) = rest.strip_suffix('`') {
            message = format!("key {name:?} is given twice");
        }
    }
    message
}

/// Splits serde's "unknown field `x`, expected one of `a`, `b`" (or
/// "expected `a` or `b`", "expected `a`", "there are no fields") into the
/// unknown name and the allowed names.
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (name, rest) = rest.split_once("`, ")?;
    let expected = rest.split('`').skip(1).step_by(2).map(str::to_owned).collect();
    Some((name.to_owned(), expected))
}

/// The allowed name closest to `name`, if it is close enough to be a typo.
fn closest<'a>(name: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}
