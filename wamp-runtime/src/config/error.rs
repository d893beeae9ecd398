//! [`ConfigError`]: everything that can go wrong while reading or building a
//! configuration. Every message names the file, the key or the environment
//! variable at fault.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a configuration could not be read, parsed or accepted.
///
/// The `Display` text is meant for people: it names the file (when there is
/// one), the line and column (when the parser knows them), the key path
/// (`clients.wamp2.port`) or the environment variable, and what was expected.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read configuration file {}: {source}", .path.display())]
    Read {
        /// The file asked for.
        path: PathBuf,
        /// What the operating system reported.
        #[source]
        source: io::Error,
    },

    /// The file name does not end in `.yaml`, `.yml` or `.toml`.
    #[error(
        "cannot tell the format of configuration file {}: {}; expected .yaml, .yml or .toml",
        .path.display(),
        DescribeExtension(.extension.as_deref())
    )]
    UnsupportedFormat {
        /// The file asked for.
        path: PathBuf,
        /// Its extension, if it has one.
        extension: Option<String>,
    },

    /// The text is not valid YAML/TOML, has an unknown key, or a value of the
    /// wrong type.
    #[error("{origin}: {}{message}", Location(*.line, *.column))]
    Parse {
        /// The file path, or `YAML text` / `TOML text` when parsing a string.
        origin: String,
        /// The path of the offending key (`clients.wamp1.port`), when known.
        key: Option<String>,
        /// 1-based line, when the parser reports one.
        line: Option<usize>,
        /// 1-based column, when the parser reports one.
        column: Option<usize>,
        /// What is wrong, already naming the key.
        message: String,
    },

    /// A value has the right type but is not acceptable (port 0, an empty
    /// realm, a URL with an unsupported scheme, conflicting keys...).
    #[error("{}{key}: {message}", Origin(.origin.as_deref()))]
    Invalid {
        /// The file path or `YAML text` / `TOML text`; `None` for values
        /// given in code (the builder).
        origin: Option<String>,
        /// The path of the offending key, e.g. `clients.wamp1.url`.
        key: String,
        /// What is wrong with it.
        message: String,
    },

    /// A file with several problems: every one found, in the order of the
    /// file, each with its line and key path.
    #[error("{origin}: {} problems:{}", .problems.len(), ProblemList(.problems))]
    Several {
        /// The file path, or `YAML text` / `TOML text`.
        origin: String,
        /// What is wrong, line by line.
        problems: Vec<ConfigProblem>,
    },

    /// An environment variable has a value that cannot be used.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable's name, e.g. `WAMP_URL`.
        var: String,
        /// What is wrong with its value.
        message: String,
    },
}

crate::readable::debug_as_report!(ConfigError);

impl ConfigError {
    /// The key path the error is about (`clients.wamp1.port`), if any; for
    /// [`Several`](Self::Several), the first problem's.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Parse { key, .. } => key.as_deref(),
            ConfigError::Invalid { key, .. } => Some(key),
            ConfigError::Several { problems, .. } => problems.first().and_then(|p| p.key.as_deref()),
            _ => None,
        }
    }

    /// Every problem: those of [`Several`](Self::Several), else this error
    /// as the one problem (with the line the parser knows, if any).
    pub fn problems(&self) -> Vec<ConfigProblem> {
        match self {
            ConfigError::Several { problems, .. } => problems.clone(),
            other => vec![ConfigProblem::of(other, None)],
        }
    }
}

/// One problem of a configuration file (see [`ConfigError::Several`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigProblem {
    /// The key path, when known.
    pub key: Option<String>,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong, naming the key.
    pub message: String,
}

impl ConfigProblem {
    /// The problem `error` describes; `line` where the error knows none.
    pub(super) fn of(error: &ConfigError, line: Option<usize>) -> Self {
        match error {
            ConfigError::Parse {
                key,
                line: own_line,
                column,
                message,
                ..
            } => ConfigProblem {
                key: key.clone(),
                line: own_line.or(line),
                column: *column,
                message: message.clone(),
            },
            ConfigError::Invalid { key, message, .. } => ConfigProblem {
                key: Some(key.clone()),
                line,
                column: None,
                message: format!("{key}: {message}"),
            },
            other => ConfigProblem {
                key: other.key().map(str::to_owned),
                line,
                column: None,
                message: other.to_string(),
            },
        }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Location(self.line, self.column), self.message)
    }
}

struct ProblemList<'a>(&'a [ConfigProblem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in self.0 {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

/// An error about one key, before it is known which file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct KeyError {
    pub(super) key: String,
    pub(super) message: String,
}

impl KeyError {
    pub(super) fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        KeyError {
            key: key.into(),
            message: message.into(),
        }
    }

    pub(super) fn into_config_error(self, origin: Option<String>) -> ConfigError {
        ConfigError::Invalid {
            origin,
            key: self.key,
            message: self.message,
        }
    }
}

/// The path of key `name` in the level `prefix` (`clients.a` and `port`
/// make `clients.a.port`), as errors name a key; `name` at the top level.
/// Every module that checks keys builds its error keys with it.
pub(super) fn join_key(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

struct DescribeExtension<'a>(Option<&'a str>);

impl fmt::Display for DescribeExtension<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(ext) => write!(f, "unsupported extension \".{ext}\""),
            None => f.write_str("the file name has no extension"),
        }
    }
}

struct Location(Option<usize>, Option<usize>);

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.1) {
            (Some(line), Some(column)) => write!(f, "line {line}, column {column}: "),
            (Some(line), None) => write!(f, "line {line}: "),
            _ => Ok(()),
        }
    }
}

struct Origin<'a>(Option<&'a str>);

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(origin) => write!(f, "{origin}: "),
            None => Ok(()),
        }
    }
}
