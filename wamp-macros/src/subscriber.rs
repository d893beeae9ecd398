//! `#[subscriber]`: the user's function, unchanged, plus an
//! `inventory::submit!` of a `SubscriberEntry` holding
//! `wamp_runtime::typed::subscriber(names, function)`, and its typed
//! publisher.

use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::Accepts;
use crate::handler::{Handler, Kind, Rejected};

const ACCEPTS: Accepts = Accepts {
    context: "#[subscriber]",
    valid: &["name", "prefix", "client", "match", "publisher", "implements"],
};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> Result<TokenStream, Rejected> {
    let handler = Handler::parse(args, item, &ACCEPTS, Kind::Subscriber)?;
    Ok(handler.expand(quote!(SubscriberEntry), handler.options.subscribe_options()))
}
