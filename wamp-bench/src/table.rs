//! The result table: each library's absolute figures, the ratio wamp-rs /
//! each other library, and the router's CPU during each library's run.

use std::fmt::Write;

use crate::process::Kind;
use crate::scenarios::{Measured, Outcome, Scenario, Workload};

/// One scenario's results, one entry per library in [`Kind::ALL`] order.
pub(crate) type ScenarioResults = (Scenario, Vec<(Kind, Measured)>);

/// The table's header line for `kinds` (wamp-rs first).
pub(crate) fn header(kinds: &[Kind]) -> String {
    let mut line = String::from("| scenario | metric |");
    for kind in kinds {
        let _ = write!(line, " {} |", kind.label());
    }
    for kind in &kinds[1..] {
        let _ = write!(line, " wamp-rs / {} |", kind.label());
    }
    for kind in kinds {
        let _ = write!(line, " router CPU % ({} run) |", kind.label());
    }
    line
}

/// A figure of a scenario: its name and how to read it off an outcome.
type Metric = (&'static str, fn(&Outcome) -> f64);

fn metrics(workload: Workload) -> Vec<Metric> {
    match workload {
        Workload::Sequential | Workload::InFlight => vec![
            ("calls/s", |o| o.driver.rate()),
            ("caller CPU µs/call", |o| o.driver.cpu_per_op()),
        ],
        Workload::Publish => vec![
            ("events/s delivered", |o| o.receiver.map_or(0.0, |r| r.rate())),
            ("publications/s sent", |o| o.driver.rate()),
            ("publisher CPU µs/pub", |o| o.driver.cpu_per_op()),
        ],
        Workload::Payload => vec![
            ("MB/s (one way)", Outcome::megabytes_per_second),
            ("caller CPU µs/call", |o| o.driver.cpu_per_op()),
        ],
        Workload::Register => vec![
            ("seconds", |o| o.driver.secs),
            ("CPU µs/registration", |o| o.driver.cpu_per_op()),
        ],
    }
}

fn figure(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

/// The cell of a library that could not run the scenario: the reason on the
/// scenario's first row only, to keep the table readable.
fn not_available(why: &str, first_row: bool) -> String {
    if first_row {
        // A `|` in the reason would split the markdown cell.
        format!("n/a ({})", why.replace('|', "/"))
    } else {
        "n/a".into()
    }
}

/// Renders the markdown table of all results.
pub(crate) fn render(kinds: &[Kind], results: &[ScenarioResults]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", header(kinds));
    let columns = 2 + kinds.len() * 3 - 1;
    let _ = writeln!(out, "|---|---|{}", "---:|".repeat(columns - 2));
    for (scenario, measured) in results {
        let name = scenario.name();
        let router_cells: Vec<String> = measured
            .iter()
            .map(|(_, m)| {
                m.outcome()
                    .map_or("n/a".into(), |o| format!("{:.0}", o.router_cpu_percent))
            })
            .collect();
        for (index, (metric, read)) in metrics(scenario.workload).into_iter().enumerate() {
            let values: Vec<Option<f64>> = measured.iter().map(|(_, m)| m.outcome().map(read)).collect();
            let mut cells: Vec<String> = measured
                .iter()
                .zip(&values)
                .map(|((_, m), value)| match (m, value) {
                    (Measured::NotAvailable(why), _) => not_available(why, index == 0),
                    (Measured::Failed(why), _) if index == 0 => format!("FAILED ({})", why.replace('|', "/")),
                    (Measured::Failed(_), _) => "FAILED".into(),
                    (_, Some(value)) => figure(*value),
                    (_, None) => "n/a".into(),
                })
                .collect();
            for other in &values[1..] {
                cells.push(match (values[0], other) {
                    (Some(rs), Some(peer)) if *peer > 0.0 => format!("{:.2}", rs / peer),
                    _ => "-".into(),
                });
            }
            cells.extend(router_cells.iter().cloned());
            let _ = writeln!(out, "| {name} | {metric} | {} |", cells.join(" | "));
        }
        if matches!(scenario.workload, Workload::Payload) {
            let mut cells: Vec<String> = measured
                .iter()
                .map(|(_, m)| match m.outcome() {
                    Some(o) if o.driver.ok => "pass".into(),
                    Some(_) => "FAIL".into(),
                    None => "n/a".into(),
                })
                .collect();
            cells.resize(columns - 2, String::new());
            let _ = writeln!(out, "| {name} | echo intact | {} |", cells.join(" | "));
        }
    }
    out
}

/// Checks that every outcome is sane (smoke run): work was done, time
/// passed, payloads came back intact, events were delivered. wamp-rs must
/// run every scenario, and so must the floor (never n/a, never failed: a
/// floor bug fails the smoke run); another library may report a scenario as
/// not available (its own reason), but must run at least one. Returns the
/// problems found.
pub(crate) fn sanity_problems(results: &[ScenarioResults]) -> Vec<String> {
    let mut problems = Vec::new();
    for kind in Kind::ALL {
        let ran = results
            .iter()
            .flat_map(|(_, measured)| measured)
            .any(|(k, m)| *k == kind && m.outcome().is_some());
        if !ran {
            problems.push(format!("{}: no scenario ran at all", kind.label()));
        }
    }
    for (scenario, measured) in results {
        let name = scenario.name();
        for (kind, result) in measured {
            let peer = kind.label();
            let outcome = match result {
                Measured::Done(outcome) => outcome,
                Measured::NotAvailable(why) => {
                    if kind.is_wamp_rs() || *kind == Kind::Floor {
                        problems.push(format!("{name} / {peer}: not available: {why}"));
                    }
                    continue;
                }
                // Reported in the table and on stderr; the smoke run checks
                // wamp-rs (whose failure ends the run) and the floor, and
                // that every other library ran something.
                Measured::Failed(why) => {
                    if *kind == Kind::Floor {
                        problems.push(format!("{name} / {peer}: failed: {why}"));
                    }
                    continue;
                }
            };
            if outcome.driver.ops == 0 || outcome.driver.secs <= 0.0 || outcome.driver.rate() <= 0.0 {
                problems.push(format!("{name} / {peer}: no operations measured"));
            }
            if !outcome.driver.ok {
                problems.push(format!("{name} / {peer}: payload echo corrupted"));
            }
            if matches!(scenario.workload, Workload::Publish) && outcome.receiver.is_none_or(|r| r.ops == 0) {
                problems.push(format!("{name} / {peer}: no events delivered"));
            }
            if outcome.router_cpu_percent <= 0.0 && !matches!(scenario.workload, Workload::Register) {
                problems.push(format!("{name} / {peer}: no router CPU measured"));
            }
        }
    }
    problems
}
