//! Replays the fuzz corpus (fuzz/corpus/<target>/) and the crash
//! regressions (fuzz/regressions/<target>/) through the checks the fuzz
//! targets run, so `cargo test` catches a regression without cargo-fuzz.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use wamp_fuzz_checks::{Seed, TARGETS, check, seed_corpus};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

fn replay(kind: &str, min_per_target: usize) {
    for target in TARGETS {
        let dir = fuzz_dir().join(kind).join(target);
        let inputs = files(&dir);
        assert!(
            inputs.len() >= min_per_target,
            "{} holds {} inputs, expected at least {min_per_target}",
            dir.display(),
            inputs.len()
        );
        for path in inputs {
            let data = std::fs::read(&path).unwrap();
            // Name the input that fails: the panic of the check alone does not.
            eprintln!("replaying {}", path.display());
            check(target, &data);
        }
    }
}

#[test]
fn the_corpus_replays_without_a_finding() {
    replay("corpus", 5);
}

#[test]
fn the_crash_regressions_replay_without_a_finding() {
    replay("regressions", 0);
}

#[test]
fn the_seeds_pass_their_checks_and_are_in_the_corpus() {
    let seeds = seed_corpus();
    for target in TARGETS {
        assert!(seeds.iter().any(|seed| seed.target == *target), "no seed for {target}");
    }
    for Seed { target, name, data } in &seeds {
        check(target, data);
        let committed = fuzz_dir().join("corpus").join(target).join(format!("seed-{name}"));
        assert_eq!(
            std::fs::read(&committed).ok().as_ref(),
            Some(data),
            "{} is missing or stale; run the ignored test write_seed_corpus",
            committed.display()
        );
    }
}

/// Writes the seed corpus, plus the example configuration files of the
/// repository: `cargo test -p wamp-fuzz-checks --test corpus -- --ignored write_seed_corpus`.
#[test]
#[ignore = "writes fuzz/corpus; run by hand after changing the seeds"]
fn write_seed_corpus() {
    for Seed { target, name, data } in seed_corpus() {
        let dir = fuzz_dir().join("corpus").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{name}")), data).unwrap();
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut configs: Vec<PathBuf> = files(&examples);
    for sub in ["dynamic_auth", "registry"] {
        configs.extend(files(&examples.join(sub)));
    }
    for path in configs {
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => 0u8,
            Some("toml") => 1,
            _ => continue,
        };
        let mut data = vec![format];
        data.extend(std::fs::read(&path).unwrap());
        let relative = path
            .strip_prefix(&examples)
            .unwrap()
            .to_string_lossy()
            .replace('/', "-");
        let name = format!("seed-example-{relative}");
        std::fs::write(fuzz_dir().join("corpus/config").join(name), data).unwrap();
    }
}
