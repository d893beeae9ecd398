use wamp_runtime::{procedure, subscriber, CallContext, EventContext};

// The caller and publisher options take Rust names and types, not strings.
#[procedure(caller = 1, progress = "u32")]
fn first(_ctx: CallContext) {}

#[procedure(caller = callers::Second, progress)]
fn second(_ctx: CallContext) {}

#[subscriber(publisher = "Announce", caller = Announcer)]
fn announced(_ctx: EventContext) {}

fn main() {}
