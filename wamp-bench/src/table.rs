//! The result table: absolute figures per peer and the ratio wamp-rs /
//! autobahn-python, plus the router's CPU during each run.

use std::fmt::Write;

use crate::scenarios::{Outcome, Scenario, Workload};

/// The table's header line (the smoke test looks for it).
pub(crate) const HEADER: &str = "| scenario | metric | wamp-rs | autobahn | wamp-rs / autobahn | router CPU % (wamp-rs run) | router CPU % (autobahn run) |";

/// One figure of one scenario for both peers.
#[derive(Debug, Clone)]
struct Row {
    metric: &'static str,
    rs: f64,
    ab: f64,
}

fn rows(scenario: &Scenario, rs: &Outcome, ab: &Outcome) -> Vec<Row> {
    let row = |metric, f: &dyn Fn(&Outcome) -> f64| Row {
        metric,
        rs: f(rs),
        ab: f(ab),
    };
    match scenario.workload {
        Workload::Sequential | Workload::InFlight => vec![
            row("calls/s", &|o| o.driver.rate()),
            row("caller CPU µs/call", &|o| o.driver.cpu_per_op()),
        ],
        Workload::Publish => vec![
            row("events/s delivered", &|o| o.receiver.map_or(0.0, |r| r.rate())),
            row("publications/s sent", &|o| o.driver.rate()),
            row("publisher CPU µs/pub", &|o| o.driver.cpu_per_op()),
        ],
        Workload::Payload => vec![
            row("MB/s (one way)", &|o| o.megabytes_per_second()),
            row("caller CPU µs/call", &|o| o.driver.cpu_per_op()),
        ],
        Workload::Register => vec![
            row("seconds", &|o| o.driver.secs),
            row("CPU µs/registration", &|o| o.driver.cpu_per_op()),
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

/// Renders the markdown table of all results.
pub(crate) fn render(results: &[(Scenario, Outcome, Outcome)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{HEADER}");
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
    for (scenario, rs, ab) in results {
        for row in rows(scenario, rs, ab) {
            let ratio = if row.ab > 0.0 {
                format!("{:.2}", row.rs / row.ab)
            } else {
                "-".into()
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {:.0} | {:.0} |",
                scenario.name(),
                row.metric,
                figure(row.rs),
                figure(row.ab),
                ratio,
                rs.router_cpu_percent,
                ab.router_cpu_percent
            );
        }
        if matches!(scenario.workload, Workload::Payload) {
            let pass = |o: &Outcome| if o.driver.ok { "pass" } else { "FAIL" };
            let _ = writeln!(
                out,
                "| {} | echo intact | {} | {} | | | |",
                scenario.name(),
                pass(rs),
                pass(ab)
            );
        }
    }
    out
}

/// Checks that every outcome is sane (smoke run): work was done, time
/// passed, payloads came back intact, events were delivered. Returns the
/// problems found.
pub(crate) fn sanity_problems(results: &[(Scenario, Outcome, Outcome)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (scenario, rs, ab) in results {
        for (peer, outcome) in [("wamp-rs", rs), ("autobahn", ab)] {
            let name = scenario.name();
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
