//! `#[subscriber]`: the user's function, unchanged, plus an
//! `inventory::submit!` of a `SubscriberEntry` holding
//! `wamp_runtime::typed::subscriber(names, function)`, and its typed
//! publisher.

use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::Accepts;
use crate::handler::{Handler, Kind};

const ACCEPTS: Accepts = Accepts {
    context: "#[subscriber]",
    valid: &["name", "prefix", "client", "match", "publisher"],
};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let handler = Handler::parse(args, item, &ACCEPTS, Kind::Subscriber)?;
    let function = &handler.function;
    let submit = handler.submit(quote!(SubscriberEntry), handler.options.subscribe_options());
    let publisher = crate::caller::subscriber_publisher(&handler);
    Ok(quote! {
        #function

        #submit

        #publisher
    })
}
