//! The README's "Testing your service" example, run as a user would: its
//! `Cargo.toml` lines and its test file, as they stand, in a new crate
//! outside this workspace, tested with `cargo test`. wamp-testkit's own
//! README carries the same two blocks, which must not drift apart.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

const SECTION: &str = "### Testing your service";

/// The contents of the first ```` ```toml ```` block and the first
/// ```` ```rust ```` block (any attributes after `rust`) after `heading`.
fn blocks(markdown: &str, heading: &str, file: &str) -> (String, String) {
    let start = markdown
        .find(heading)
        .unwrap_or_else(|| panic!("{file} has no {heading:?}"));
    let text = &markdown[start..];
    let block = |fence: &str| -> String {
        let open = text
            .find(&format!("\n{fence}"))
            .unwrap_or_else(|| panic!("{file}: no {fence} block after {heading:?}"));
        let body_start = open + 1 + text[open + 1..].find('\n').unwrap() + 1;
        let body_len = text[body_start..]
            .find("\n```\n")
            .unwrap_or_else(|| panic!("{file}: the {fence} block after {heading:?} is not closed"));
        text[body_start..body_start + body_len + 1].to_owned()
    };
    (block("```toml"), block("```rust"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn the_test_kits_readme_shows_the_same_example() {
    let ours = blocks(&read(&root().join("README.md")), SECTION, "README.md");
    let kit = blocks(
        &read(&root().join("wamp-testkit/README.md")),
        "# wamp-testkit",
        "wamp-testkit/README.md",
    );
    assert_eq!(ours.0, kit.0, "the Cargo.toml lines differ");
    assert_eq!(ours.1, kit.1, "the test files differ");
}

/// Ignored in `cargo test`: the new crate resolves its own features, so it
/// builds two dozen of the dependencies again (a minute or more when they
/// changed). `.ci/run` runs it (`cargo test --test suite -- --ignored`).
#[test]
#[ignore = "builds a new crate against this checkout; .ci/run runs it"]
fn the_readme_test_passes_in_a_new_crate() {
    let (dependencies, test_file) = blocks(&read(&root().join("README.md")), SECTION, "README.md");
    let dir = std::env::temp_dir().join(format!("wamp-rs-readme-test-kit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    // The README's lines as they stand; [patch] points the versions they
    // name at this checkout, which is what the registry will hold.
    let manifest = format!(
        "[package]\nname = \"my-service\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         {dependencies}\n\
         [patch.crates-io]\n\
         wamp-runtime = {{ path = {runtime:?} }}\n\
         wamp-testkit = {{ path = {testkit:?} }}\n\n\
         # A workspace of its own, whatever directory it is in.\n[workspace]\n",
        runtime = root().join("wamp-runtime"),
        testkit = root().join("wamp-testkit"),
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    std::fs::write(dir.join("tests/add.rs"), &test_file).unwrap();
    // The versions this workspace is tested with, and no index update.
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    // A target directory of its own that outlives the test, so that only
    // the first run builds the dependencies; the workspace's own is locked
    // by the cargo running this test.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-test-kit");
    let output = crate::common::cargo::cargo_in(&dir)
        .args(["test", "--color", "never"])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "cargo test of the README's example in {} failed ({}):\n{stdout}\n{stderr}",
        dir.display(),
        output.status,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
