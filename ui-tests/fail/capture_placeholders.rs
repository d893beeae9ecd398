use wamp_runtime::{procedure, CallContext};

#[procedure(name = "user.{}.get", match = "wildcard")]
fn empty(_ctx: CallContext) {}

#[procedure(name = "user.{a b}.get", match = "wildcard")]
fn spaced(_ctx: CallContext) {}

#[procedure(name = "user.x{id}.get", match = "wildcard")]
fn partial(_ctx: CallContext) {}

#[procedure(name = "{id}.copy.{id}", match = "wildcard")]
fn twice(_ctx: CallContext, id: wamp_runtime::Capture<u64>) {
    let _ = id;
}

#[procedure(name = "{id}", match = "wildcard")]
fn alone(_ctx: CallContext, id: wamp_runtime::Capture<u64>) {
    let _ = id;
}

// Only a name has captures.
#[procedure(prefix = "tenant.{tenant}", name = "users", match = "wildcard")]
fn in_prefix(_ctx: CallContext) {}

mod module {
    wamp_runtime::wamp_module!(prefix = "{tenant}.app");
}

fn main() {}
