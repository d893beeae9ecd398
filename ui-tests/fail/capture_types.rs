use wamp_runtime::{procedure, Capture, CallContext, Client};

struct Point {
    x: i64,
}

// A capture is parsed from its URI component: `Point` is not `FromStr`.
#[procedure(name = "point.{at}.show", match = "wildcard")]
fn show(_ctx: CallContext, at: Capture<Point>) -> i64 {
    at.x
}

/// Parses, but has no `Display`: its caller cannot fill the URI.
struct Code(u32);

impl std::str::FromStr for Code {
    type Err = std::num::ParseIntError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(Code)
    }
}

#[procedure(name = "code.{code}.check", match = "wildcard")]
fn check(_ctx: CallContext, code: Capture<Code>) -> u32 {
    code.0
}

async fn use_it(client: &Client) {
    let _ = CheckCaller::call(client, Code(7)).await;
}

fn main() {
    let _ = use_it;
}
