use wamp_runtime::{procedure, subscriber, Capture, CallContext, EventContext};

mod contract {
    use wamp_runtime::{Capture, CallContext, EventContext};

    #[wamp_runtime::procedure(name = "order.{number}.cancel")]
    pub fn cancel(ctx: CallContext, number: Capture<u32>, reason: String) -> bool;

    #[wamp_runtime::procedure(name = "order.{number}.refund")]
    pub fn refund(ctx: CallContext, number: Capture<u32>) -> bool;

    #[wamp_runtime::subscriber(name = "order.{number}.shipped")]
    pub fn shipped(ctx: EventContext, number: Capture<u32>);
}

// The types fit, but the capture is called otherwise.
#[procedure(implements = contract::CancelCaller, match = "wildcard")]
fn cancel(_ctx: CallContext, order: Capture<u32>, reason: String) -> bool {
    *order > 0 && !reason.is_empty()
}

// The types fit, but `number` would be read from the arguments.
#[procedure(implements = contract::RefundCaller, match = "wildcard")]
fn refund(_ctx: CallContext, number: u32) -> bool {
    number > 0
}

// A name with captures, implemented without `match = "wildcard"`.
#[subscriber(implements = contract::ShippedPublisher)]
fn shipped(_ctx: EventContext, number: Capture<u32>) {
    let _ = number;
}

fn main() {}
