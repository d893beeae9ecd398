//! The typed caller of a `#[procedure]` and the typed publisher of a
//! `#[subscriber]`: a unit struct next to the function whose `call` or
//! `publish` takes the handler's parameter types and whose `uri` is resolved
//! by `wamp_runtime::registry::entry_uri`, the rule of the registration.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ReturnType;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;

use crate::handler::{Handler, is_generic, is_named};

/// `multiply` → `MultiplyCaller`, `r#match` → `MatchCaller`.
fn default_name(function: &Ident, suffix: &str) -> Ident {
    let pascal: String = function
        .unraw()
        .to_string()
        .split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    format_ident!("{pascal}{suffix}", span = function.span())
}

/// What the generated struct needs from the handler: its name, its URI,
/// and the parameters a caller passes, with the builder calls sending them.
struct Remote<'a> {
    handler: &'a Handler,
    /// `client`, hygienic, so that a parameter of that name does not clash.
    client: Ident,
}

impl<'a> Remote<'a> {
    fn new(handler: &'a Handler) -> Self {
        Remote {
            handler,
            client: Ident::new("client", Span::mixed_site()),
        }
    }

    /// `static URI: EntryUri = ...; URI.get()`.
    fn uri_body(&self) -> TokenStream {
        let name = self.handler.name();
        let prefix = match &self.handler.options.prefix {
            Some(prefix) => quote!(::core::option::Option::Some(#prefix)),
            None => quote!(::core::option::Option::None),
        };
        quote! {
            static URI: ::wamp_runtime::caller::EntryUri =
                ::wamp_runtime::caller::EntryUri::new(::core::module_path!(), #prefix, #name);
            URI.get()
        }
    }

    /// The parameters a caller gives (every one but `State<T>`), and the
    /// builder calls that send them. Their serialization is a bound of the
    /// method, not of its body, so a handler whose argument types only
    /// deserialize still compiles; its caller is unusable, with the missing
    /// `Serialize` reported where it is used.
    fn arguments(&self) -> (Vec<TokenStream>, Vec<TokenStream>, Vec<TokenStream>) {
        let (mut params, mut sends, mut bounds) = (Vec::new(), Vec::new(), Vec::new());
        for param in &self.handler.signature.params {
            let (ident, ty) = (&param.ident, &param.ty);
            if is_generic(ty, "State") {
                continue;
            }
            params.push(quote!(#ident: #ty));
            if is_named(ty, "Args") {
                sends.push(quote_spanned!(ty.span()=> .args(#ident.0)));
            } else if is_named(ty, "Kwargs") || is_generic(ty, "Kwargs") {
                sends.push(quote_spanned!(ty.span()=> .kwargs(#ident.0)));
                if let Some(inner) = first_type_argument(ty) {
                    bounds.push(
                        quote_spanned!(inner.span()=> for<'__wamp> #inner: ::wamp_runtime::__private::serde::Serialize),
                    );
                }
            } else {
                sends.push(quote_spanned!(ty.span()=> .arg(#ident)));
                bounds.push(quote_spanned!(ty.span()=> for<'__wamp> #ty: ::wamp_runtime::__private::serde::Serialize));
            }
        }
        (params, sends, bounds)
    }
}

/// `T` of `Kwargs<T>`.
fn first_type_argument(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(arguments) = &path.path.segments.last()?.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        syn::GenericArgument::Type(inner) => Some(inner),
        _ => None,
    })
}

/// The caller of a `#[procedure]`.
pub(crate) fn procedure_caller(handler: &Handler) -> TokenStream {
    let function = &handler.function.sig.ident;
    let vis = &handler.function.vis;
    let caller = handler
        .options
        .caller
        .clone()
        .unwrap_or_else(|| default_name(function, "Caller"));
    let remote = Remote::new(handler);
    let client = &remote.client;
    let uri_body = remote.uri_body();
    let (params, sends, bounds) = remote.arguments();
    let (ok, err) = match &handler.function.sig.output {
        ReturnType::Default => (quote!(()), quote!(::core::convert::Infallible)),
        ReturnType::Type(_, ty) if handler.signature.returns_result => (
            quote_spanned!(ty.span()=> <#ty as ::wamp_runtime::__private::ResultParts>::Ok),
            quote_spanned!(ty.span()=> <#ty as ::wamp_runtime::__private::ResultParts>::Err),
        ),
        ReturnType::Type(_, ty) => (quote!(#ty), quote!(::core::convert::Infallible)),
    };
    let progress = match &handler.options.progress {
        Some(ty) => quote!(#ty),
        None => quote!(::wamp_runtime::Value),
    };
    let doc = format!(
        "The typed caller of [`{function}`], generated by `#[procedure]`: `{caller}::call(&client, ..)` \
         takes its parameters after the context (`State` ones left out). See `wamp_runtime::caller`."
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, Default)]
        #[allow(dead_code)]
        #vis struct #caller;

        #[allow(dead_code)]
        impl #caller {
            /// The procedure's full URI, as it is registered.
            #vis fn uri() -> &'static str {
                #uri_body
            }

            /// Calls the procedure; `.await` the returned call, or set its
            /// options first.
            #vis fn call(
                #client: &::wamp_runtime::Client,
                #(#params),*
            ) -> ::wamp_runtime::caller::TypedCall<#ok, #err, #progress>
            where
                #(#bounds,)*
            {
                ::wamp_runtime::caller::TypedCall::new(#client.call(Self::uri()) #(#sends)*)
            }
        }
    }
}

/// The publisher of a `#[subscriber]`.
pub(crate) fn subscriber_publisher(handler: &Handler) -> TokenStream {
    let function = &handler.function.sig.ident;
    let vis = &handler.function.vis;
    let publisher = handler
        .options
        .publisher
        .clone()
        .unwrap_or_else(|| default_name(function, "Publisher"));
    let remote = Remote::new(handler);
    let client = &remote.client;
    let uri_body = remote.uri_body();
    let (params, sends, bounds) = remote.arguments();
    let doc = format!(
        "The typed publisher of [`{function}`], generated by `#[subscriber]`: `{publisher}::publish(&client, ..)` \
         takes its parameters after the context (`State` ones left out). See `wamp_runtime::caller`."
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, Default)]
        #[allow(dead_code)]
        #vis struct #publisher;

        #[allow(dead_code)]
        impl #publisher {
            /// The topic's full URI, as it is subscribed.
            #vis fn uri() -> &'static str {
                #uri_body
            }

            /// Publishes an event to the topic; `.await` the returned
            /// publication, or `.acknowledged()` it, or set its options first.
            #vis fn publish(
                #client: &::wamp_runtime::Client,
                #(#params),*
            ) -> ::wamp_runtime::PublishBuilder
            where
                #(#bounds,)*
            {
                #client.publish(Self::uri()) #(#sends)*
            }
        }
    }
}
