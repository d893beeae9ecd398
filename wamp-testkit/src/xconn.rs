//! Installing xconn-python, a second Python WAMP client the benchmark
//! compares against, into a virtualenv of its own.
//!
//! It never goes into the Crossbar venv: xconn pulls its own versions of
//! websockets, msgpack, cbor2 and friends, and any of them could change what
//! the pinned router runs on.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::install::venv_python;
use crate::{HarnessError, state_dir, tail_lines};

/// The xconn-python release (PyPI package `xconn`) the benchmark installs.
pub const XCONN_VERSION: &str = "0.5.1";

/// The wampproto-python release pinned next to xconn. xconn only asks for
/// some `wampproto`, and that package holds the serializers and the protocol
/// state machine, so a newer one would silently change what is measured.
pub const WAMPPROTO_VERSION: &str = "0.4.0";

/// Environment variable that overrides the xconn virtualenv location.
pub const XCONN_VENV_ENV: &str = "WAMP_RS_XCONN_VENV";

/// Set once the venv is known to hold the pinned versions (per process).
static READY: OnceLock<PathBuf> = OnceLock::new();

/// The xconn virtualenv: `$WAMP_RS_XCONN_VENV` if set (and not empty),
/// otherwise `<workspace>/.crossbar/xconn-venv`.
pub fn xconn_venv_dir() -> PathBuf {
    match std::env::var_os(XCONN_VENV_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => state_dir().join("xconn-venv"),
    }
}

/// Makes sure the xconn virtualenv holds xconn [`XCONN_VERSION`] and
/// wampproto [`WAMPPROTO_VERSION`] and returns the venv directory
/// ([`xconn_venv_dir`]).
///
/// Works like [`ensure_crossbar`](crate::ensure_crossbar): reuses a venv
/// that reports the pinned versions, otherwise (re)creates it with `python3
/// -m venv` (or `$WAMP_RS_PYTHON -m venv`) and runs `pip install`. Concurrent
/// processes are serialised by an exclusive lock on
/// `<workspace>/.crossbar/xconn-install.lock`; pip output goes to
/// `<workspace>/.crossbar/xconn-install.log`, whose tail is part of the error
/// on failure.
pub fn ensure_xconn() -> Result<PathBuf, HarnessError> {
    if let Some(venv) = READY.get() {
        return Ok(venv.clone());
    }
    let venv = xconn_venv_dir();
    if is_pinned(&venv) {
        let _ = READY.set(venv.clone());
        return Ok(venv);
    }

    let state = state_dir();
    fs::create_dir_all(&state).map_err(|e| HarnessError::io(format!("create {}", state.display()), e))?;
    let lock_path = state.join("xconn-install.lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| HarnessError::io(format!("open {}", lock_path.display()), e))?;
    lock.lock()
        .map_err(|e| HarnessError::io(format!("lock {}", lock_path.display()), e))?;

    // Another process may have installed it while we waited for the lock.
    let result = if is_pinned(&venv) {
        Ok(())
    } else {
        install(&venv, &state.join("xconn-install.log"))
    };
    drop(lock);
    result?;
    let _ = READY.set(venv.clone());
    Ok(venv)
}

/// The xconn venv's Python interpreter (`VENV/bin/python`), after
/// [`ensure_xconn`].
pub fn xconn_python() -> Result<PathBuf, HarnessError> {
    Ok(venv_python(&ensure_xconn()?))
}

/// The installed versions of `xconn` and `wampproto` in `venv`, `None` for
/// each one that (or whose venv) is missing.
fn installed_versions(venv: &Path) -> (Option<String>, Option<String>) {
    let python = venv_python(venv);
    if !python.exists() {
        return (None, None);
    }
    let script = "import importlib.metadata as m\n\
                  for p in ('xconn', 'wampproto'):\n    \
                  try: print(m.version(p))\n    \
                  except m.PackageNotFoundError: print('-')";
    let Ok(out) = Command::new(&python)
        .args(["-c", script])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    else {
        return (None, None);
    };
    if !out.status.success() {
        return (None, None);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines().map(str::trim).map(|v| (v != "-").then(|| v.to_string()));
    (lines.next().flatten(), lines.next().flatten())
}

fn is_pinned(venv: &Path) -> bool {
    installed_versions(venv) == (Some(XCONN_VERSION.into()), Some(WAMPPROTO_VERSION.into()))
}

fn install(venv: &Path, log_path: &Path) -> Result<(), HarnessError> {
    eprintln!(
        "wamp-testkit: installing xconn {XCONN_VERSION} (wampproto {WAMPPROTO_VERSION}) into {} (about a minute; log: {})",
        venv.display(),
        log_path.display()
    );
    let log = File::create(log_path).map_err(|e| HarnessError::io(format!("create {}", log_path.display()), e))?;
    let fail = |reason: String| HarnessError::XconnInstall {
        version: XCONN_VERSION,
        venv: venv.to_path_buf(),
        reason,
        log: log_path.to_path_buf(),
        tail: tail_lines(&fs::read_to_string(log_path).unwrap_or_default(), 25),
    };
    let run = |cmd: &mut Command, step: &str| -> Result<(), HarnessError> {
        let handle = || {
            log.try_clone()
                .map_err(|e| HarnessError::io("duplicate the install log handle", e))
        };
        let status = cmd
            .stdin(Stdio::null())
            .stdout(handle()?)
            .stderr(handle()?)
            .status()
            .map_err(|e| fail(format!("could not run {step}: {e}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(fail(format!("{step} exited with {status}")))
        }
    };

    let python = venv_python(venv);
    let python_works = Command::new(&python)
        .args(["-c", "pass"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !python_works {
        let base: OsString = std::env::var_os("WAMP_RS_PYTHON")
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "python3".into());
        let mut cmd = Command::new(&base);
        cmd.args(["-m", "venv"]);
        if venv.exists() {
            cmd.arg("--clear");
        }
        cmd.arg(venv);
        run(
            &mut cmd,
            &format!("`{} -m venv {}`", base.to_string_lossy(), venv.display()),
        )?;
    }
    let specs = [
        format!("xconn=={XCONN_VERSION}"),
        format!("wampproto=={WAMPPROTO_VERSION}"),
    ];
    run(
        Command::new(&python).args(["-m", "pip", "install"]).args(&specs),
        &format!("`pip install {}`", specs.join(" ")),
    )?;
    match installed_versions(venv) {
        (Some(x), Some(w)) if x == XCONN_VERSION && w == WAMPPROTO_VERSION => Ok(()),
        (x, w) => Err(fail(format!(
            "after pip install the venv reports xconn {x:?} and wampproto {w:?}"
        ))),
    }
}
