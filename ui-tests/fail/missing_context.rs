use wamp_runtime::{procedure, subscriber, CallContext, EventContext};

#[procedure]
fn no_parameters() -> i64 {
    1
}

#[procedure]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[procedure]
fn by_reference(_ctx: &CallContext) {}

#[subscriber]
fn wrong_context(_ctx: CallContext) {}

fn main() {
    let _ = EventContext::client;
}
