//! Installing Crossbar into the pinned virtualenv.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[cfg(doc)]
use crate::CROSSBAR_VERSION;
use crate::HarnessError;
use crate::venv::PinnedVenv;
use crate::venv::venv_python;

/// Set once the venv is known to hold the pinned version (per process).
static READY: OnceLock<PathBuf> = OnceLock::new();

/// Makes sure the virtualenv holds Crossbar [`CROSSBAR_VERSION`] and returns
/// the venv directory ([`venv_dir`](crate::venv_dir)).
///
/// * venv missing: creates it (`python3 -m venv`, or `$WAMP_TESTKIT_PYTHON
///   -m venv`) and runs `pip install crossbar==VERSION`;
/// * venv present: asks its Python for the installed `crossbar` version and
///   reuses the venv if it is the pinned one, otherwise reinstalls the pinned
///   version into it.
///
/// Parallel test binaries (of this project or any other) are serialised
/// with an exclusive lock on `crossbar-install.lock` in the
/// [cache](crate::cache_dir), so only one of them installs and the others
/// use what it installed. A one-line note goes to stderr before installing
/// (which takes a few minutes); pip output goes to `crossbar-install.log`
/// there, whose tail is part of the error on failure.
pub fn ensure_crossbar() -> Result<PathBuf, HarnessError> {
    if let Some(venv) = READY.get() {
        return Ok(venv.clone());
    }
    let venv = PinnedVenv::crossbar();
    venv.ensure()?;
    let _ = READY.set(venv.dir.clone());
    Ok(venv.dir)
}

/// The venv's Python interpreter (`VENV/bin/python`), after
/// [`ensure_crossbar`]. autobahn-python is installed in that venv (Crossbar
/// depends on it), so it runs interop peers.
pub fn python() -> Result<PathBuf, HarnessError> {
    Ok(venv_python(&ensure_crossbar()?))
}

pub(crate) fn venv_crossbar(venv: &Path) -> PathBuf {
    venv.join("bin").join("crossbar")
}
