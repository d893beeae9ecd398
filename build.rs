//! Starts the Crossbar install early: on a machine that does not have the
//! pinned Crossbar yet, the first build of this package (the examples and
//! integration tests) launches the test kit's install in the background, so
//! that pip downloads and unpacks Crossbar while cargo compiles the
//! workspace. Without it, the first test binary to need the router installs
//! it only after everything is built, a minute or two of waiting.
//!
//! The install is the test kit's own code (the two std-only files below),
//! taking the same lock as the tests: a test that needs Crossbar while the
//! install runs waits for it and then uses it; if the background install
//! failed, the test installs again and reports the error. Nothing is
//! installed when Crossbar is already there, nor with
//! `WAMP_TESTKIT_NO_EARLY_INSTALL=1`. The installer's own messages go to
//! `crossbar-early-install.log` in the test kit's cache.

#[allow(dead_code, unreachable_pub)]
#[path = "wamp-testkit/src/paths.rs"]
mod paths;
#[allow(dead_code, unreachable_pub)]
#[path = "wamp-testkit/src/venv.rs"]
mod venv;

use std::process::ExitCode;

/// Set in the environment of the background installer, the build script
/// itself run again.
const INSTALLER_ENV: &str = "WAMP_RS_EARLY_INSTALLER";
const OPT_OUT_ENV: &str = "WAMP_TESTKIT_NO_EARLY_INSTALL";

fn main() -> ExitCode {
    if std::env::var_os(INSTALLER_ENV).is_some() {
        return match venv::PinnedVenv::crossbar().ensure() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("wamp-rs build script: the early Crossbar install failed: {error:?}");
                ExitCode::FAILURE
            }
        };
    }
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=wamp-testkit/src/paths.rs");
    println!("cargo::rerun-if-changed=wamp-testkit/src/venv.rs");
    for var in [
        OPT_OUT_ENV,
        paths::CACHE_ENV,
        paths::VENV_ENV,
        paths::PYTHON_ENV,
        "XDG_CACHE_HOME",
        "HOME",
    ] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    if std::env::var_os(OPT_OUT_ENV).is_some_and(|v| !v.is_empty() && v != "0") {
        return ExitCode::SUCCESS;
    }
    let crossbar = venv::PinnedVenv::crossbar();
    if crossbar.is_pinned() {
        return ExitCode::SUCCESS;
    }
    match start_installer() {
        Ok(log) => println!(
            "cargo::warning=installing Crossbar {} into {} in the background while cargo builds (log: {})",
            paths::CROSSBAR_VERSION,
            crossbar.dir.display(),
            log.display()
        ),
        // Not an error of the build: the tests install Crossbar themselves.
        Err(error) => {
            println!("cargo::warning=could not start the early Crossbar install ({error}); the tests will install it")
        }
    }
    ExitCode::SUCCESS
}

/// Runs this build script again, detached: its own process group (an
/// interrupted build does not stop it half-way through pip) and no pipe to
/// cargo (which would otherwise wait for it).
fn start_installer() -> std::io::Result<std::path::PathBuf> {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    let state = paths::state_dir();
    std::fs::create_dir_all(&state)?;
    let log_path = state.join("crossbar-early-install.log");
    let log = std::fs::File::create(&log_path)?;
    Command::new(std::env::current_exe()?)
        .env(INSTALLER_ENV, "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0)
        .spawn()?;
    Ok(log_path)
}
