use wamp_runtime::{subscriber, EventContext};

#[subscriber(prefix = "com..example")]
fn on_event(_ctx: EventContext) {}

fn main() {}
