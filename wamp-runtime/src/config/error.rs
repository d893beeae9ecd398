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

    /// An environment variable has a value that cannot be used.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable's name, e.g. `WAMP_URL`.
        var: String,
        /// What is wrong with its value.
        message: String,
    },
}

crate::error::debug_as_report!(ConfigError);

impl ConfigError {
    /// The key path the error is about (`clients.wamp1.port`), if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Parse { key, .. } => key.as_deref(),
            ConfigError::Invalid { key, .. } => Some(key),
            _ => None,
        }
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
