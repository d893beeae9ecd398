//! Runs `wamp-bench --smoke` against a real Crossbar router (the binary
//! starts its own through wamp-testkit) and checks that it succeeds and
//! prints the result table. The smoke run measures wamp-rs and the floor;
//! the current-thread runtime and third-party peers belong to the full run.

use std::process::Command;

#[test]
fn smoke_run_prints_sane_table() {
    let output = Command::new(env!("CARGO_BIN_EXE_wamp-bench"))
        .arg("--smoke")
        .output()
        .expect("run wamp-bench --smoke");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "wamp-bench --smoke failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("| scenario | metric | wamp-rs | floor |"),
        "no table header:\n{stdout}"
    );
    assert!(stdout.contains("smoke: all scenarios sane"), "{stdout}");
}
