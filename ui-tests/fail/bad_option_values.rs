use wamp_runtime::{procedure, subscriber, CallContext, EventContext};

// Every mistake of one attribute is reported at once.
#[procedure(invoke = "rand", match = "regex", concurrency = 0, disclose_caller = "yes", name = 5)]
fn add(_ctx: CallContext, a: i64, b: i64) -> i64 {
    a + b
}

#[subscriber(match = "prefix", match = "exact")]
fn on_event(_ctx: EventContext) {}

fn main() {}
