use wamp_runtime::{procedure, subscriber, CallContext, Client, EventContext};

// A mistake in the options is one error: the caller and the publisher are
// still generated, so their uses compile.
#[procedure(invok = "roundrobin")]
fn multiply(_ctx: CallContext, a: f64, b: f64) -> f64 {
    a * b
}

#[subscriber(match = "everything")]
fn noticed(_ctx: EventContext, note: String) {
    let _ = note;
}

async fn use_them(client: Client) {
    let _ = MultiplyCaller::call(&client, 1.0, 2.0).await;
    let _ = NoticedPublisher::publish(&client, "note".into()).await;
}

fn main() {
    let _ = use_them;
}
