//! `wamp_module!(...)`: a `ModuleEntry` with the module's prefix and defaults.

use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::{Accepts, CommonOptions, Errors, Opts};

const ACCEPTS: Accepts = Accepts {
    context: "wamp_module!",
    valid: &[
        "prefix",
        "client",
        "match",
        "invoke",
        "disclose_caller",
        "concurrency",
        "queue_limit",
    ],
};

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let opts: Opts = syn::parse2(input)?;
    if opts.0.is_empty() {
        errors.push(syn::Error::new(
            proc_macro2::Span::call_site(),
            "wamp_module! needs at least one option, e.g. `wamp_module!(prefix = \"accounting\")`",
        ));
    }
    let options = CommonOptions::parse(opts, &ACCEPTS, &mut errors);
    errors.finish()?;
    let prefix_and_client = options.prefix_and_client();
    let procedure_defaults = options.register_options();
    let subscription_defaults = options.subscribe_options();
    Ok(quote! {
        ::wamp_runtime::__private::inventory::submit! {
            ::wamp_runtime::registry::ModuleEntry::new(
                ::core::module_path!(),
                ::wamp_runtime::registry::Location::new("wamp_module!", ::core::file!(), ::core::line!()),
            )
            #prefix_and_client
            .procedure_defaults(#procedure_defaults)
            .subscription_defaults(#subscription_defaults)
        }
    })
}
