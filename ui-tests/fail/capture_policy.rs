use wamp_runtime::{procedure, subscriber, Capture, CallContext, EventContext};

// Captures are components of a wildcard pattern: say so.
#[procedure(name = "user.{id}.get")]
fn get(_ctx: CallContext, id: Capture<u64>) -> u64 {
    *id
}

#[procedure(name = "user.{id}.list", match = "prefix")]
fn list(_ctx: CallContext, id: Capture<u64>) -> u64 {
    *id
}

#[subscriber(name = "sensor.{room}.temperature", match = "exact")]
fn temperature(_ctx: EventContext, room: Capture<String>, celsius: f64) {
    let _ = (room, celsius);
}

fn main() {}
