//! `cargo` started by a test as if from the shell.

use std::path::Path;
use std::process::Command;

/// `cargo` (the one running the tests) in `workspace`, without the
/// variables cargo sets for a test process (`CARGO_MANIFEST_DIR`,
/// `CARGO_PKG_*`, `OUT_DIR`, ...). Cargo's fingerprints record some of them
/// (ring's build script reads `CARGO_MANIFEST_DIR`): a build started with
/// them would rebuild ring and everything above it, and the next `cargo
/// test` from the shell would rebuild it all back.
pub fn cargo_in(workspace: &Path) -> Command {
    let mut command = Command::new(env!("CARGO"));
    command.current_dir(workspace);
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let set_for_tests = matches!(
            name,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_CRATE_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "CARGO_TARGET_TMPDIR"
                | "OUT_DIR"
        ) || name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_EXE_");
        if set_for_tests {
            command.env_remove(name);
        }
    }
    command
}
