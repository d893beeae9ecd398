//! Where a handler comes from, for start-up errors and logs: plain data,
//! so that the errors can name a handler without depending on the entries.

use std::fmt;

/// Where a handler is defined, for start-up errors and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The Rust function's name.
    pub function: &'static str,
    /// The source file (`file!()`).
    pub file: &'static str,
    /// The line (`line!()`).
    pub line: u32,
}

impl Location {
    /// A location.
    pub const fn new(function: &'static str, file: &'static str, line: u32) -> Self {
        Self { function, file, line }
    }
}

/// Where a binding comes from: a function (link-time entry) or a call on a
/// programmatic [`Registry`](super::Registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A `#[procedure]`/`#[subscriber]` function or a hand-written entry.
    Function {
        /// Its module.
        module_path: &'static str,
        /// Its location.
        location: Location,
    },
    /// A handler added to a [`Registry`](super::Registry) at this place.
    Registry {
        /// The source file of the `procedure`/`subscriber` call.
        file: &'static str,
        /// Its line.
        line: u32,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Function { module_path, location } => {
                write!(
                    f,
                    "{module_path}::{} ({}:{})",
                    location.function, location.file, location.line
                )
            }
            Origin::Registry { file, line } => write!(f, "the handler added to a registry at {file}:{line}"),
        }
    }
}
