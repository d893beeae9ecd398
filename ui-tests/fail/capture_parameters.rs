use wamp_runtime::{procedure, subscriber, Capture, CallContext, EventContext};

// `{id}` is given to no parameter.
#[procedure(name = "user.{id}.get", match = "wildcard")]
fn get(_ctx: CallContext) -> u64 {
    0
}

// `user` names no component of the name.
#[procedure(name = "user.{id}.rename", match = "wildcard")]
fn rename(_ctx: CallContext, id: Capture<u64>, user: Capture<String>) {
    let _ = (id, user);
}

// `id` is a capture, but the parameter reads an argument.
#[procedure(name = "user.{id}.delete", match = "wildcard")]
fn delete(_ctx: CallContext, id: u64) {
    let _ = id;
}

// Without a `name`, the function's name has no captures.
#[subscriber]
fn joined(_ctx: EventContext, room: Capture<String>) {
    let _ = room;
}

fn main() {
    // The callers are still made, so their uses raise nothing more.
    let _ = GetCaller::uri();
    let _ = JoinedPublisher::uri();
}
