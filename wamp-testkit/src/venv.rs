//! Python virtualenvs holding exact versions of PyPI packages: the Crossbar
//! venv and the xconn venv of the benchmark are both one of these.
//!
//! Standard library and [`paths`](crate::paths) only: the root package's
//! build script compiles this file too (see `build.rs` there).

use std::ffi::OsString;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::paths::{CROSSBAR_VERSION, PYTHON_ENV, locked, state_dir, tail_lines, venv_dir};

/// What can go wrong in [`PinnedVenv::ensure`]; the test kit reports it as a
/// `HarnessError` (`Io` or `Install`, the same fields).
#[derive(Debug)]
pub(crate) enum InstallError {
    Io {
        what: String,
        source: std::io::Error,
    },
    Failed {
        packages: String,
        venv: PathBuf,
        reason: String,
        log: PathBuf,
        tail: String,
    },
}

fn io_error(what: impl Into<String>, source: std::io::Error) -> InstallError {
    InstallError::Io {
        what: what.into(),
        source,
    }
}

/// A virtualenv that must hold `packages` at exactly the given versions.
pub(crate) struct PinnedVenv {
    /// The venv directory.
    pub(crate) dir: PathBuf,
    /// The stem of its lock and log files in the [cache](crate::cache_dir)
    /// (`crossbar-install` gives `crossbar-install.lock` and `crossbar-install.log`).
    pub(crate) files: &'static str,
    /// `(PyPI package, version)`; the first one names the venv in messages.
    pub(crate) packages: &'static [(&'static str, &'static str)],
    /// How long an install takes, for the note printed before it.
    pub(crate) takes: &'static str,
}

impl PinnedVenv {
    /// The Crossbar venv: [`CROSSBAR_VERSION`] in [`venv_dir`].
    pub(crate) fn crossbar() -> PinnedVenv {
        PinnedVenv {
            dir: venv_dir(),
            files: "crossbar-install",
            packages: &[("crossbar", CROSSBAR_VERSION)],
            takes: "a few minutes",
        }
    }

    /// Installs the pinned packages unless the venv already reports them.
    ///
    /// Concurrent processes (parallel test binaries) are serialised by an
    /// exclusive lock on the lock file, so only one of them installs; the
    /// others find the venv ready once they get the lock.
    pub(crate) fn ensure(&self) -> Result<(), InstallError> {
        // Fast path without the lock: already installed.
        if self.is_pinned() {
            return Ok(());
        }
        let state = state_dir();
        fs::create_dir_all(&state).map_err(|e| io_error(format!("create {}", state.display()), e))?;
        let lock_path = state.join(format!("{}.lock", self.files));
        let lock = locked(&lock_path).map_err(|e| io_error("take the install lock", e))?;
        let result = if self.is_pinned() {
            Ok(())
        } else {
            self.install(&state.join(format!("{}.log", self.files)))
        };
        drop(lock); // releases the lock
        result
    }

    /// The venv's Python interpreter.
    pub(crate) fn python(&self) -> PathBuf {
        venv_python(&self.dir)
    }

    /// `name==version` of every package, as pip takes them.
    fn specs(&self) -> Vec<String> {
        self.packages
            .iter()
            .map(|(name, version)| format!("{name}=={version}"))
            .collect()
    }

    /// The installed version of each package, `None` for one that (or whose
    /// venv) is missing.
    fn installed(&self) -> Vec<Option<String>> {
        let missing = vec![None; self.packages.len()];
        let python = self.python();
        if !python.exists() {
            return missing;
        }
        let names: Vec<String> = self.packages.iter().map(|(name, _)| format!("{name:?}")).collect();
        let script = format!(
            "import importlib.metadata as m\n\
             for p in ({},):\n    \
             try: print(m.version(p))\n    \
             except m.PackageNotFoundError: print('-')",
            names.join(", ")
        );
        let Ok(out) = Command::new(&python)
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
        else {
            return missing;
        };
        if !out.status.success() {
            return missing;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut found: Vec<Option<String>> = text
            .lines()
            .map(str::trim)
            .map(|v| (v != "-").then(|| v.to_string()))
            .collect();
        found.resize(self.packages.len(), None);
        found
    }

    pub(crate) fn is_pinned(&self) -> bool {
        self.installed()
            .iter()
            .zip(self.packages)
            .all(|(found, (_, pinned))| found.as_deref() == Some(*pinned))
    }

    fn install(&self, log_path: &Path) -> Result<(), InstallError> {
        let specs = self.specs();
        let found = self.installed();
        let what = if found.iter().all(Option::is_none) {
            format!("first run, takes {}", self.takes)
        } else {
            let versions: Vec<String> = self
                .packages
                .iter()
                .zip(&found)
                .map(|((name, _), v)| format!("{name} {}", v.as_deref().unwrap_or("missing")))
                .collect();
            format!("found {}, reinstalling; takes {}", versions.join(", "), self.takes)
        };
        eprintln!(
            "wamp-testkit: installing {} into {} ({what}; log: {})",
            specs.join(" "),
            self.dir.display(),
            log_path.display()
        );
        let log = File::create(log_path).map_err(|e| io_error(format!("create {}", log_path.display()), e))?;
        let fail = |reason: String| InstallError::Failed {
            packages: specs.join(" "),
            venv: self.dir.clone(),
            reason,
            log: log_path.to_path_buf(),
            tail: tail_lines(&fs::read_to_string(log_path).unwrap_or_default(), 25),
        };
        let run = |cmd: &mut Command, step: &str| -> Result<(), InstallError> {
            let handle = || {
                log.try_clone()
                    .map_err(|e| io_error("duplicate the install log handle", e))
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

        let python = self.python();
        // Create the venv unless its interpreter works (a broken one is recreated).
        let python_works = Command::new(&python)
            .args(["-c", "pass"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !python_works {
            let base: OsString = std::env::var_os(PYTHON_ENV)
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "python3".into());
            let mut cmd = Command::new(&base);
            cmd.args(["-m", "venv"]);
            if self.dir.exists() {
                cmd.arg("--clear");
            }
            cmd.arg(&self.dir);
            run(
                &mut cmd,
                &format!("`{} -m venv {}`", base.to_string_lossy(), self.dir.display()),
            )?;
        }
        run(
            Command::new(&python).args(["-m", "pip", "install"]).args(&specs),
            &format!("`pip install {}`", specs.join(" ")),
        )?;
        if self.is_pinned() {
            Ok(())
        } else {
            Err(fail(format!(
                "after pip install the venv reports {:?} for {}",
                self.installed(),
                specs.join(" ")
            )))
        }
    }
}

pub(crate) fn venv_python(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}
