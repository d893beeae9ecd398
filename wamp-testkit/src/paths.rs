//! Where the test kit installs and runs: the per-user cache, the Crossbar
//! virtualenv, and the file locks that serialise processes.
//!
//! Standard library only, with no other module of this crate used: the
//! root package's build script compiles this file (and `venv.rs`) on its own,
//! to start the Crossbar install while the rest of the workspace builds.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The Crossbar.io release (PyPI package `crossbar`) the harness installs and
/// tests against.
pub const CROSSBAR_VERSION: &str = "26.10.1";

/// Environment variable naming the directory that holds everything the test
/// kit installs and runs (see [`cache_dir`]).
pub const CACHE_ENV: &str = "WAMP_TESTKIT_CACHE";

/// Environment variable that overrides the Crossbar virtualenv location
/// (see [`venv_dir`]).
pub const VENV_ENV: &str = "WAMP_TESTKIT_CROSSBAR_VENV";

/// Environment variable naming the Python that creates the virtualenvs
/// (default `python3`; it needs the `venv` module and pip).
pub const PYTHON_ENV: &str = "WAMP_TESTKIT_PYTHON";

/// The per-user directory the test kit installs into and runs routers in:
/// `$WAMP_TESTKIT_CACHE` if set (and not empty), else
/// `$XDG_CACHE_HOME/wamp-testkit`, else `$HOME/.cache/wamp-testkit`, else
/// `wamp-testkit` in the system's temporary directory.
///
/// It holds the Crossbar virtualenv (`crossbar-VERSION/`, see
/// [`venv_dir`]), the install locks and logs, and `runs/`, the node
/// directories of the routers started (pruned after a day). It is never
/// inside a source tree: the test kit is a dependency compiled from
/// cargo's registry, so its own directory is no place to write, and every
/// project that uses it shares one install.
///
/// ```no_run
/// println!("the test kit installs into {}", wamp_testkit::cache_dir().display());
/// ```
pub fn cache_dir() -> PathBuf {
    cache_dir_from(|name| std::env::var_os(name), std::env::temp_dir())
}

/// [`cache_dir`]'s rules, on a given environment.
pub(crate) fn cache_dir_from(var: impl Fn(&str) -> Option<OsString>, temp: PathBuf) -> PathBuf {
    let var = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var(CACHE_ENV) {
        return dir;
    }
    // The XDG base directory rules: a relative XDG_CACHE_HOME is ignored.
    match var("XDG_CACHE_HOME").filter(|dir| dir.is_absolute()) {
        Some(cache) => cache.join("wamp-testkit"),
        None => match var("HOME") {
            Some(home) => home.join(".cache").join("wamp-testkit"),
            None => temp.join("wamp-testkit"),
        },
    }
}

/// The Crossbar virtualenv: `$WAMP_TESTKIT_CROSSBAR_VENV` if set (and not
/// empty), otherwise `crossbar-VERSION` in [`cache_dir`]. The version in
/// the name lets test kits that pin different Crossbar releases share a
/// cache without reinstalling over each other.
pub fn venv_dir() -> PathBuf {
    match std::env::var_os(VENV_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => cache_dir().join(format!("crossbar-{CROSSBAR_VERSION}")),
    }
}

/// Directory holding the install locks and install logs: [`cache_dir`].
pub(crate) fn state_dir() -> PathBuf {
    cache_dir()
}

/// Opens (creating it) and exclusively locks the file `path`; the lock is
/// held until the file is dropped. What concurrent processes serialise on:
/// one install, one start of the shared router. The error names the file.
pub(crate) fn locked(path: &Path) -> std::io::Result<File> {
    let named =
        |what: &str, e: std::io::Error| std::io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| named("open", e))?;
    file.lock().map_err(|e| named("lock", e))?;
    Ok(file)
}

/// The last `n` lines of a text.
pub(crate) fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].join("\n")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn dir(env: &[(&str, &str)]) -> PathBuf {
        let env: Vec<(String, OsString)> = env.iter().map(|(k, v)| (k.to_string(), OsString::from(v))).collect();
        cache_dir_from(
            |name| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            PathBuf::from("/tmp"),
        )
    }

    #[test]
    fn cache_dir_prefers_the_override_then_xdg_then_home() {
        let all = [
            ("WAMP_TESTKIT_CACHE", "/ci/cache"),
            ("XDG_CACHE_HOME", "/home/u/.xdg"),
            ("HOME", "/home/u"),
        ];
        assert_eq!(dir(&all), Path::new("/ci/cache"));
        assert_eq!(dir(&all[1..]), Path::new("/home/u/.xdg/wamp-testkit"));
        assert_eq!(dir(&all[2..]), Path::new("/home/u/.cache/wamp-testkit"));
        assert_eq!(dir(&[]), Path::new("/tmp/wamp-testkit"));
    }

    #[test]
    fn empty_and_relative_settings_are_ignored() {
        assert_eq!(
            dir(&[
                ("WAMP_TESTKIT_CACHE", ""),
                ("XDG_CACHE_HOME", "rel/cache"),
                ("HOME", "/home/u")
            ]),
            Path::new("/home/u/.cache/wamp-testkit")
        );
    }
}
