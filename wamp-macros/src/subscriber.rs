//! `#[subscriber]`: the user's function, unchanged, plus a wrapper that reads
//! the event's arguments, plus an `inventory::submit!` of a `SubscriberEntry`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ReturnType;
use syn::spanned::Spanned as _;

use crate::attrs::Accepts;
use crate::handler::{Handler, Kind};

const ACCEPTS: Accepts = Accepts {
    context: "#[subscriber]",
    valid: &["name", "prefix", "client", "match"],
};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let handler = Handler::parse(args, item, &ACCEPTS, Kind::Subscriber)?;
    let Handler {
        function,
        signature,
        wrapper,
        ..
    } = &handler;
    let user_fn = &function.sig.ident;
    let on_error = quote! {{
        ::wamp_runtime::__private::event_argument_error(&__wamp_topic, __wamp_error);
        return;
    }};
    let on_missing_state = quote! {{
        ::wamp_runtime::__private::event_missing_state(&__wamp_topic, __wamp_missing);
        return;
    }};
    let read = signature.read_arguments(&on_error, &on_missing_state);
    let call_args = signature.call_arguments();
    let await_ = function.sig.asyncness.map(|_| quote!(.await));
    let handle = match &function.sig.output {
        ReturnType::Type(_, ty) if signature.returns_result => quote_spanned! {ty.span()=>
            if let ::core::result::Result::Err(__wamp_error) = __wamp_return {
                (&__wamp_error).wamp_error_kind().event_error(__wamp_error, &__wamp_topic);
            }
        },
        ReturnType::Type(_, ty) => quote_spanned! {ty.span()=>
            let () = __wamp_return;
        },
        ReturnType::Default => quote!(let () = __wamp_return;),
    };
    let submit = handler.submit(quote!(SubscriberEntry), handler.options.subscribe_options());

    Ok(quote! {
        #function

        #[doc(hidden)]
        #[allow(non_snake_case, clippy::used_underscore_binding)]
        fn #wrapper(
            __wamp_ctx: ::wamp_runtime::EventContext,
            __wamp_payload: ::wamp_runtime::Payload,
        ) -> ::wamp_runtime::__private::BoxFuture<'static, ()> {
            ::wamp_runtime::__private::Box::pin(async move {
                #[allow(unused_imports)]
                use ::wamp_runtime::__private::{DisplayTag as _, MappedTag as _};
                let __wamp_topic = ::wamp_runtime::__private::String::from(__wamp_ctx.topic());
                #read
                let __wamp_return = #user_fn(__wamp_ctx, #(#call_args),*) #await_;
                #handle
            })
        }

        #submit
    })
}
