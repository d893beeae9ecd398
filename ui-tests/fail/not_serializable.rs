use wamp_runtime::{procedure, CallContext};

struct Report {
    lines: Vec<String>,
}

#[procedure]
fn report(_ctx: CallContext) -> Report {
    Report { lines: Vec::new() }
}

#[derive(Debug)]
struct Failure;

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failure")
    }
}

#[procedure]
fn fallible_report(_ctx: CallContext) -> Result<Report, Failure> {
    Err(Failure)
}

fn main() {}
