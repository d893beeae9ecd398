//! Installing Crossbar into the pinned virtualenv.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::{CROSSBAR_VERSION, HarnessError, state_dir, tail_lines, venv_dir};

/// Set once the venv is known to hold the pinned version (per process).
static READY: OnceLock<PathBuf> = OnceLock::new();

/// Makes sure the virtualenv holds Crossbar [`CROSSBAR_VERSION`] and returns
/// the venv directory ([`venv_dir`](crate::venv_dir)).
///
/// * venv missing: creates it (`python3 -m venv`, or `$WAMP_RS_PYTHON -m
///   venv`) and runs `pip install crossbar==VERSION`;
/// * venv present: asks its Python for the installed `crossbar` version and
///   reuses the venv if it is the pinned one, otherwise reinstalls the pinned
///   version into it.
///
/// Parallel test binaries are serialised with an exclusive lock on
/// `<workspace>/.crossbar/install.lock`, so only one of them installs. A
/// one-line note goes to stderr before installing (which takes a few minutes);
/// pip output goes to `<workspace>/.crossbar/install.log`, whose tail is part
/// of the error on failure.
pub fn ensure_crossbar() -> Result<PathBuf, HarnessError> {
    if let Some(venv) = READY.get() {
        return Ok(venv.clone());
    }
    let venv = venv_dir();
    // Fast path without the lock: already installed.
    if installed_version(&venv).as_deref() == Some(CROSSBAR_VERSION) {
        let _ = READY.set(venv.clone());
        return Ok(venv);
    }

    let state = state_dir();
    fs::create_dir_all(&state).map_err(|e| HarnessError::io(format!("create {}", state.display()), e))?;
    let lock_path = state.join("install.lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| HarnessError::io(format!("open {}", lock_path.display()), e))?;
    lock.lock()
        .map_err(|e| HarnessError::io(format!("lock {}", lock_path.display()), e))?;

    // Another process may have installed it while we waited for the lock.
    let result = match installed_version(&venv) {
        Some(v) if v == CROSSBAR_VERSION => Ok(()),
        found => install(&venv, &state.join("install.log"), found),
    };
    drop(lock); // releases the lock
    result?;
    let _ = READY.set(venv.clone());
    Ok(venv)
}

/// The venv's Python interpreter (`VENV/bin/python`), after
/// [`ensure_crossbar`]. autobahn-python is installed in that venv (Crossbar
/// depends on it), so it runs interop peers.
pub fn python() -> Result<PathBuf, HarnessError> {
    Ok(venv_python(&ensure_crossbar()?))
}

pub(crate) fn venv_python(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

pub(crate) fn venv_crossbar(venv: &Path) -> PathBuf {
    venv.join("bin").join("crossbar")
}

/// The `crossbar` version installed in `venv`, or `None` when the venv, its
/// Python or the package is missing.
fn installed_version(venv: &Path) -> Option<String> {
    let python = venv_python(venv);
    if !python.exists() {
        return None;
    }
    let out = Command::new(&python)
        .args(["-c", "import importlib.metadata as m; print(m.version('crossbar'))"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn install(venv: &Path, log_path: &Path, found: Option<String>) -> Result<(), HarnessError> {
    let what = match &found {
        None => "first run, takes a few minutes".to_string(),
        Some(v) => format!("found crossbar {v}, reinstalling; takes a few minutes"),
    };
    eprintln!(
        "wamp-testkit: installing Crossbar {CROSSBAR_VERSION} into {} ({what}; log: {})",
        venv.display(),
        log_path.display()
    );
    let log = File::create(log_path).map_err(|e| HarnessError::io(format!("create {}", log_path.display()), e))?;
    let fail = |reason: String| {
        let text = fs::read_to_string(log_path).unwrap_or_default();
        HarnessError::Install {
            version: CROSSBAR_VERSION,
            venv: venv.to_path_buf(),
            reason,
            log: log_path.to_path_buf(),
            tail: tail_lines(&text, 25),
        }
    };
    let run = |cmd: &mut Command, step: &str| -> Result<(), HarnessError> {
        let out = log
            .try_clone()
            .map_err(|e| HarnessError::io("duplicate the install log handle", e))?;
        let err = log
            .try_clone()
            .map_err(|e| HarnessError::io("duplicate the install log handle", e))?;
        let status = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .status()
            .map_err(|e| fail(format!("could not run {step}: {e}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(fail(format!("{step} exited with {status}")))
        }
    };

    let python = venv_python(venv);
    // Create the venv unless its interpreter works (a broken one is recreated).
    let python_works = Command::new(&python)
        .args(["-c", "pass"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !python_works {
        let base = std::env::var_os("WAMP_RS_PYTHON")
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
    let spec = format!("crossbar=={CROSSBAR_VERSION}");
    run(
        Command::new(&python).args(["-m", "pip", "install", &spec]),
        &format!("`pip install {spec}`"),
    )?;
    match installed_version(venv) {
        Some(v) if v == CROSSBAR_VERSION => Ok(()),
        other => Err(fail(format!(
            "after pip install the venv reports crossbar version {other:?}"
        ))),
    }
}
