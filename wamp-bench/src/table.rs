//! The result table: each library's absolute figures, the ratio wamp-rs /
//! each other library, and the router's CPU during each library's run.

use std::fmt::Write;

use crate::process::Kind;
use crate::scenarios::{Measured, Outcome, Scenario, Workload};

/// One scenario's results, one entry per library run, in [`Kind::ALL`] order.
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

/// Issue 6's CPU target, scenario by scenario: at most 1/20 of autobahn's
/// CPU per operation. Next to it the floor, so that a reader sees where no
/// client could meet it, and wamp-rs on both runtimes.
pub(crate) fn render_cpu_targets(results: &[ScenarioResults]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| scenario | metric | autobahn | target (1/20) | floor | wamp-rs | wamp-rs 1-thread | verdict |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---|");
    for (scenario, measured) in results {
        let Some((metric, read)) = metrics(scenario.workload)
            .into_iter()
            .find(|(name, _)| name.contains("CPU"))
        else {
            continue;
        };
        let of = |kind: Kind| {
            measured
                .iter()
                .find(|(k, _)| *k == kind)
                .and_then(|(_, m)| m.outcome())
                .map(read)
        };
        let (Some(autobahn), Some(floor)) = (of(Kind::Autobahn), of(Kind::Floor)) else {
            continue;
        };
        let target = autobahn / 20.0;
        let ours = [
            (Kind::WampRs, of(Kind::WampRs)),
            (Kind::WampRs1Thread, of(Kind::WampRs1Thread)),
        ];
        let met: Vec<&str> = ours
            .iter()
            .filter(|(_, value)| value.is_some_and(|v| v <= target))
            .map(|(kind, _)| kind.label())
            .collect();
        let verdict = if floor > target {
            format!("unattainable: the floor needs {:.2}× the target", floor / target)
        } else if met.is_empty() {
            "not met".to_owned()
        } else {
            format!("met ({})", met.join(", "))
        };
        let cell = |value: Option<f64>| match value {
            Some(v) => format!("{} ({:.3})", figure(v), v / autobahn),
            None => "n/a".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {metric} | {} | {} | {} | {} | {} | {verdict} |",
            scenario.name(),
            figure(autobahn),
            figure(target),
            figure(floor),
            cell(ours[0].1),
            cell(ours[1].1),
        );
    }
    out
}

/// Checks that every outcome is sane (smoke run): work was done, time
/// passed, payloads came back intact, events were delivered. wamp-rs must
/// run every scenario, and so must the floor (never n/a, never failed: a
/// floor bug fails the smoke run); another library may report a scenario as
/// not available (its own reason), but must run at least one. Returns the
/// problems found.
pub(crate) fn sanity_problems(kinds: &[Kind], results: &[ScenarioResults]) -> Vec<String> {
    let mut problems = Vec::new();
    for &kind in kinds {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::PeerResult;
    use crate::scenarios::Transport;

    /// An outcome of 1000 operations that cost `cpu_us_per_op` each.
    fn costing(cpu_us_per_op: f64) -> Measured {
        Measured::Done(Outcome {
            driver: PeerResult {
                ops: 1000,
                secs: 1.0,
                cpu_us: cpu_us_per_op * 1000.0,
                ok: true,
            },
            receiver: None,
            router_cpu_percent: 90.0,
        })
    }

    fn scenario(ours: f64, ours_1_thread: f64, autobahn: f64, floor: f64) -> ScenarioResults {
        let scenario = Scenario {
            workload: Workload::InFlight,
            transport: Transport::WebSocket,
            serializer: "json",
        };
        let measured = vec![
            (Kind::WampRs, costing(ours)),
            (Kind::WampRs1Thread, costing(ours_1_thread)),
            (Kind::Autobahn, costing(autobahn)),
            (Kind::Floor, costing(floor)),
        ];
        (scenario, measured)
    }

    #[test]
    fn the_verdict_names_who_meets_the_target_and_where_nobody_can() {
        let table = render_cpu_targets(&[
            scenario(10.0, 4.0, 100.0, 1.0),
            scenario(10.0, 8.0, 100.0, 1.0),
            scenario(70.0, 50.0, 200.0, 30.0),
        ]);
        let rows: Vec<&str> = table.lines().skip(2).collect();
        assert_eq!(rows.len(), 3, "{table}");
        assert!(
            rows[0].contains("| 5.0 |") && rows[0].ends_with("| met (wamp-rs 1-thread) |"),
            "{table}"
        );
        assert!(rows[0].contains("| 4.0 (0.040) |"), "{table}");
        assert!(rows[1].ends_with("| not met |"), "{table}");
        assert!(
            rows[2].ends_with("| unattainable: the floor needs 3.00× the target |"),
            "{table}"
        );
    }
}
