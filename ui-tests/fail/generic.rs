use wamp_runtime::{procedure, CallContext};

#[procedure]
fn first<T: serde::de::DeserializeOwned>(_ctx: CallContext, items: Vec<T>) -> usize {
    items.len()
}

#[procedure]
fn count(_ctx: CallContext, items: impl IntoIterator<Item = i64>) -> usize {
    items.into_iter().count()
}

fn main() {}
