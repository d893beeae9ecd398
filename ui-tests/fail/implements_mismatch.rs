use wamp_runtime::{procedure, subscriber, CallContext, EventContext};

mod contract {
    use wamp_runtime::{CallContext, EventContext};

    #[wamp_runtime::procedure]
    pub fn place(ctx: CallContext, item: String, quantity: u32) -> u64;

    #[wamp_runtime::subscriber]
    pub fn shipped(ctx: EventContext, order: u64);
}

// The implementation's types must be the declaration's.
#[procedure(implements = contract::PlaceCaller)]
fn place(_ctx: CallContext, item: String, quantity: u64) -> u64 {
    item.len() as u64 * quantity
}

#[subscriber(implements = contract::ShippedPublisher)]
fn shipped(_ctx: EventContext, order: String) {
    let _ = order;
}

fn main() {}
