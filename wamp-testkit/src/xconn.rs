//! Installing xconn-python, a second Python WAMP client the benchmark
//! compares against, into a virtualenv of its own.
//!
//! It never goes into the Crossbar venv: xconn pulls its own versions of
//! websockets, msgpack, cbor2 and friends, and any of them could change what
//! the pinned router runs on.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::venv::{PinnedVenv, venv_python};
use crate::{HarnessError, state_dir};

/// The xconn-python release (PyPI package `xconn`) the benchmark installs.
pub const XCONN_VERSION: &str = "0.5.1";

/// The wampproto-python release pinned next to xconn. xconn only asks for
/// some `wampproto`, and that package holds the serializers and the protocol
/// state machine, so a newer one would silently change what is measured.
pub const WAMPPROTO_VERSION: &str = "0.4.0";

/// Environment variable that overrides the xconn virtualenv location.
pub const XCONN_VENV_ENV: &str = "WAMP_TESTKIT_XCONN_VENV";

/// Set once the venv is known to hold the pinned versions (per process).
static READY: OnceLock<PathBuf> = OnceLock::new();

/// The xconn virtualenv: `$WAMP_TESTKIT_XCONN_VENV` if set (and not empty),
/// otherwise `xconn-VERSION` in the [cache](crate::cache_dir).
pub fn xconn_venv_dir() -> PathBuf {
    match std::env::var_os(XCONN_VENV_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => state_dir().join(format!("xconn-{XCONN_VERSION}")),
    }
}

/// Makes sure the xconn virtualenv holds xconn [`XCONN_VERSION`] and
/// wampproto [`WAMPPROTO_VERSION`] and returns the venv directory
/// ([`xconn_venv_dir`]).
///
/// Works like [`ensure_crossbar`](crate::ensure_crossbar): reuses a venv
/// that reports the pinned versions, otherwise (re)creates it with `python3
/// -m venv` (or `$WAMP_TESTKIT_PYTHON -m venv`) and runs `pip install`.
/// Concurrent processes are serialised by an exclusive lock on
/// `xconn-install.lock` in the [cache](crate::cache_dir); pip output goes to
/// `xconn-install.log` there, whose tail is part of the error on failure.
pub fn ensure_xconn() -> Result<PathBuf, HarnessError> {
    if let Some(venv) = READY.get() {
        return Ok(venv.clone());
    }
    let venv = PinnedVenv {
        dir: xconn_venv_dir(),
        files: "xconn-install",
        packages: &[("xconn", XCONN_VERSION), ("wampproto", WAMPPROTO_VERSION)],
        takes: "about a minute",
    };
    venv.ensure()?;
    let _ = READY.set(venv.dir.clone());
    Ok(venv.dir)
}

/// The xconn venv's Python interpreter (`VENV/bin/python`), after
/// [`ensure_xconn`].
pub fn xconn_python() -> Result<PathBuf, HarnessError> {
    Ok(venv_python(&ensure_xconn()?))
}
