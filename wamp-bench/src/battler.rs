//! Building the battler-wamp peer (`wamp-bench/battler-peer`, a package and
//! workspace of its own so that battler-wamp's dependencies are compiled only
//! for the benchmark) before the first run that needs it.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Command, Stdio};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Builds the battler peer with cargo (`--locked`: the versions its
/// Cargo.lock pins) in the same profile as this binary, into
/// `<target>/battler-peer`, and returns the executable. Fast when nothing
/// changed; the first build takes minutes.
pub(crate) fn build_peer() -> BoxResult<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("battler-peer")
        .join("Cargo.toml");
    // The bench is built only inside this workspace, so its parent is the
    // workspace root that a relative CARGO_TARGET_DIR is relative to.
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir.parent().unwrap_or(&manifest_dir);
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace.join(dir),
        _ => workspace.join("target"),
    }
    .join("battler-peer");
    std::fs::create_dir_all(&target)?;
    let release = !cfg!(debug_assertions);
    let profile = if release { "release" } else { "debug" };
    let executable = target.join(profile).join("battler-peer");
    let log_path = target.join("build.log");
    // `cargo run`/`cargo test` tell their children which cargo they are.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    if !executable.exists() {
        eprintln!(
            "building the battler-wamp peer ({profile}; first time, takes minutes; log: {})",
            log_path.display()
        );
    }
    let log = File::create(&log_path)?;
    let mut command = Command::new(&cargo);
    command
        .args(["build", "--locked", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target);
    if release {
        command.arg("--release");
    }
    let status = command
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", cargo.to_string_lossy()))?;
    if !status.success() {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "building the battler-wamp peer ({}) failed ({status}); log {}:\n{}",
            manifest.display(),
            log_path.display(),
            tail.join("\n")
        )
        .into());
    }
    if !executable.exists() {
        return Err(format!("cargo built the battler peer but {} is missing", executable.display()).into());
    }
    Ok(executable)
}
