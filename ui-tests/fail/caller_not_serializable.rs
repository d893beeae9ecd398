use wamp_runtime::{procedure, CallContext, Client};

// A procedure whose parameter only deserializes compiles; its caller is
// unusable, and says why where it is used.
#[derive(serde::Deserialize)]
struct Order {
    quantity: u32,
}

#[procedure]
fn place(_ctx: CallContext, order: Order) -> u32 {
    order.quantity
}

async fn call_place(client: Client) {
    let _ = PlaceCaller::call(&client, Order { quantity: 1 }).await;
}

fn main() {
    let _ = call_place;
}
