use wamp_runtime::{procedure, subscriber, CallContext, EventContext};

#[procedure(invok = "roundrobin")]
fn add(_ctx: CallContext, a: i64, b: i64) -> i64 {
    a + b
}

// `invoke` is an option of procedures only.
#[subscriber(invoke = "roundrobin")]
fn on_event(_ctx: EventContext) {}

fn main() {}
