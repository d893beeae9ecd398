//! The typed caller of a `#[procedure]` and the typed publisher of a
//! `#[subscriber]`: a unit struct next to the function whose `call` or
//! `publish` takes the handler's parameter types and whose `uri` is resolved
//! by `wamp_runtime::registry::entry_uri`, the rule of the registration.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ReturnType;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;

use crate::handler::{Handler, ParamKind, first_type_argument, is_generic, is_named};

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

    /// Where the entry is declared (what an implementation elsewhere
    /// takes), and `uri()` resolved from it.
    fn place_and_uri(&self, what: &str, item: &Ident) -> TokenStream {
        let vis = &self.handler.function.vis;
        let name = self.handler.name();
        let template = self.handler.written_name();
        let prefix = match &self.handler.options.prefix {
            Some(prefix) => quote!(::core::option::Option::Some(#prefix)),
            None => quote!(::core::option::Option::None),
        };
        let uri_doc = format!("The {what}'s full URI, as it is registered (`registry::entry_uri`).");
        let description = crate::describe::doc_comment(&self.handler.function.attrs);
        quote! {
            /// The module the handler is declared in (`module_path!()`).
            #vis const MODULE_PATH: &'static str = ::core::module_path!();
            /// The handler's own prefix (`prefix = ".."`).
            #vis const PREFIX: ::core::option::Option<&'static str> = #prefix;
            /// The last part of the URI as registered (`name = ".."`, else the
            /// function's name), with an empty component for each capture.
            #vis const NAME: &'static str = #name;
            /// The declaration's doc comment: the description of its entry in
            /// the service catalog, unless the implementation has its own.
            #vis const DESCRIPTION: &'static str = #description;
            /// The last part of the URI as written, its captures' placeholders
            /// included (`user.{id}.get`); `NAME` when it has none.
            #vis const TEMPLATE: &'static str = #template;

            #[doc = #uri_doc]
            #vis fn uri() -> &'static str {
                static URI: ::wamp_runtime::caller::EntryUri =
                    ::wamp_runtime::caller::EntryUri::new(#item::MODULE_PATH, #item::PREFIX, #item::NAME);
                URI.get()
            }
        }
    }

    /// For a declaration, its types named (see [`declared_types`]).
    fn declared_types(&self) -> TokenStream {
        if !self.handler.declaration {
            return TokenStream::new();
        }
        declared_types(&self.handler.function.sig)
    }

    /// The declaration's own doc comments, for the generated struct.
    fn docs(&self) -> Vec<&syn::Attribute> {
        if !self.handler.declaration {
            return Vec::new();
        }
        self.handler
            .function
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("doc"))
            .collect()
    }

    /// The parameters a caller gives (every one but `State<T>`), and the
    /// builder calls that send them. Their serialization is a bound of the
    /// method, not of its body, so a handler whose argument types only
    /// deserialize still compiles; its caller is unusable, with the missing
    /// `Serialize` reported where it is used. A capture is given as its
    /// value (`T` of `Capture<T>`), which goes into the URI.
    fn arguments(&self) -> Arguments {
        let mut arguments = Arguments::default();
        let Arguments {
            params,
            sends,
            bounds,
            captures,
            capture_params,
            capture_bounds,
        } = &mut arguments;
        for param in &self.handler.signature.params {
            let (ident, ty) = (&param.ident, &param.ty);
            match param.kind {
                ParamKind::State => continue,
                ParamKind::Capture => {
                    let inner = first_type_argument(ty).map_or_else(|| quote!(#ty), |inner| quote!(#inner));
                    let name = param.name();
                    params.push(quote!(#ident: #inner));
                    capture_params.push(quote!(#ident: #inner));
                    let displays = quote_spanned!(ty.span()=> for<'__wamp> #inner: ::core::fmt::Display);
                    bounds.push(displays.clone());
                    capture_bounds.push(displays);
                    // Through a generic function: its `Display` bound is the
                    // method's, so a capture type that only parses still compiles.
                    captures.push(quote!((#name, ::wamp_runtime::__private::displayed(&#ident))));
                    continue;
                }
                ParamKind::Payload => {}
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
        arguments
    }

    /// With captures: the builder to the concrete URI (`start` is
    /// `call_captured` or `publish_captured`) and `concrete_uri(..)`;
    /// without: the builder to `uri()` (`start` is `call` or `publish`).
    fn start(&self, arguments: &Arguments, start: &str) -> (TokenStream, TokenStream) {
        let client = &self.client;
        if arguments.captures.is_empty() {
            let method = Ident::new(start, Span::call_site());
            return (quote!(#client.#method(Self::uri())), TokenStream::new());
        }
        let vis = &self.handler.function.vis;
        let function = format_ident!("{start}_captured");
        let (captures, capture_params, bounds) = (
            &arguments.captures,
            &arguments.capture_params,
            &arguments.capture_bounds,
        );
        let concrete = quote! {
            /// The concrete URI for these captures: `uri()` with each
            /// placeholder's component filled.
            ///
            /// # Errors
            /// A capture whose text is not one URI component (empty, or with
            /// a `.`, `#` or whitespace).
            #vis fn concrete_uri(
                #(#capture_params),*
            ) -> ::core::result::Result<::std::string::String, ::wamp_runtime::capture::CaptureError>
            where
                #(#bounds,)*
            {
                ::wamp_runtime::capture::fill(Self::uri(), Self::TEMPLATE, &[#(#captures),*])
            }
        };
        (
            quote!(::wamp_runtime::caller::#function(#client, Self::uri(), Self::TEMPLATE, &[#(#captures),*])),
            concrete,
        )
    }
}

/// What a caller takes and sends (see [`Remote::arguments`]).
#[derive(Default)]
struct Arguments {
    /// The parameters of `call` (or `publish`).
    params: Vec<TokenStream>,
    /// The builder calls adding the arguments.
    sends: Vec<TokenStream>,
    /// The `where` bounds of `call`.
    bounds: Vec<TokenStream>,
    /// `("id", &id)` as a `Display`, for the URI.
    captures: Vec<TokenStream>,
    /// The parameters of `concrete_uri`, and its `where` bounds.
    capture_params: Vec<TokenStream>,
    capture_bounds: Vec<TokenStream>,
}

/// The types of a declaration, whose signature is never emitted, named
/// once: they must exist, and their imports count as used.
pub(crate) fn declared_types(sig: &syn::Signature) -> TokenStream {
    let inputs = sig.inputs.iter().filter_map(|input| match input {
        syn::FnArg::Typed(typed) => Some(&typed.ty),
        syn::FnArg::Receiver(_) => None,
    });
    let output = &sig.output;
    quote! {
        const _: ::core::marker::PhantomData<fn(#(#inputs),*) #output> = ::core::marker::PhantomData;
    }
}

/// The result and error types a caller decodes: those of the handler's
/// `Result` (through `ResultParts`, so that aliases such as
/// `io::Result<T>` work), else its return type and `Infallible`.
pub(crate) fn result_types(handler: &Handler) -> (TokenStream, TokenStream) {
    match &handler.function.sig.output {
        ReturnType::Default => (quote!(()), quote!(::core::convert::Infallible)),
        ReturnType::Type(_, ty) if handler.signature.returns_result => (
            quote_spanned!(ty.span()=> <#ty as ::wamp_runtime::__private::ResultParts>::Ok),
            quote_spanned!(ty.span()=> <#ty as ::wamp_runtime::__private::ResultParts>::Err),
        ),
        ReturnType::Type(_, ty) => (quote!(#ty), quote!(::core::convert::Infallible)),
    }
}

/// The types of the parameters a caller gives, `State` ones left out and
/// captures as their values' types.
fn argument_types(handler: &Handler) -> Vec<&syn::Type> {
    handler
        .signature
        .params
        .iter()
        .filter_map(|param| match param.kind {
            ParamKind::State => None,
            ParamKind::Capture => Some(first_type_argument(&param.ty).unwrap_or(&param.ty)),
            ParamKind::Payload => Some(&*param.ty),
        })
        .collect()
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
    let place_and_uri = remote.place_and_uri("procedure", &caller);
    let docs = remote.docs();
    let declared_types = remote.declared_types();
    let arguments = remote.arguments();
    let (start, concrete_uri) = remote.start(&arguments, "call");
    let Arguments {
        params, sends, bounds, ..
    } = &arguments;
    let (ok, err) = result_types(handler);
    let progress = match &handler.options.progress {
        Some(ty) => quote!(#ty),
        None => quote!(::wamp_runtime::Value),
    };
    let doc = format!(
        "The typed caller of the procedure `{function}`, generated by `#[procedure]`: `{caller}::call(&client, ..)` \
         takes its parameters after the context (`State` ones left out, captures as their values). \
         See `wamp_runtime::caller`."
    );
    quote! {
        #(#docs)*
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, Default)]
        #[allow(dead_code)]
        #vis struct #caller;

        #declared_types

        #[allow(dead_code)]
        impl #caller {
            #place_and_uri

            /// Calls the procedure; `.await` the returned call, or set its
            /// options first.
            #vis fn call(
                #client: &::wamp_runtime::Client,
                #(#params),*
            ) -> ::wamp_runtime::caller::TypedCall<#ok, #err, #progress>
            where
                #(#bounds,)*
            {
                ::wamp_runtime::caller::TypedCall::new(#start #(#sends)*)
            }

            #concrete_uri
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
    let place_and_uri = remote.place_and_uri("topic", &publisher);
    let docs = remote.docs();
    let declared_types = remote.declared_types();
    let arguments = remote.arguments();
    let (start, concrete_uri) = remote.start(&arguments, "publish");
    let Arguments {
        params, sends, bounds, ..
    } = &arguments;
    let doc = format!(
        "The typed publisher of the topic of `{function}`, generated by `#[subscriber]`: \
         `{publisher}::publish(&client, ..)` takes its parameters after the context (`State` ones left out, \
         captures as their values). See `wamp_runtime::caller`."
    );
    quote! {
        #(#docs)*
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, Default)]
        #[allow(dead_code)]
        #vis struct #publisher;

        #declared_types

        #[allow(dead_code)]
        impl #publisher {
            #place_and_uri

            /// Publishes an event to the topic; `.await` the returned
            /// publication, or `.acknowledged()` it, or set its options first.
            #vis fn publish(
                #client: &::wamp_runtime::Client,
                #(#params),*
            ) -> ::wamp_runtime::PublishBuilder
            where
                #(#bounds,)*
            {
                #start #(#sends)*
            }

            #concrete_uri
        }
    }
}

/// For a function that `implements = Declaration`: a check that its
/// parameter, result and error types are the declaration's, as the
/// declaration's `call` (or `publish`) function must fit the signature
/// made from the implementation's types. A mismatch is a type error at the
/// `implements` path.
pub(crate) fn implements_check(handler: &Handler, declaration: &syn::Path) -> TokenStream {
    let types = argument_types(handler);
    let span = declaration.span();
    let (expected, function) = if handler.is_procedure() {
        let (ok, err) = result_types(handler);
        (
            quote_spanned!(span=> fn(&::wamp_runtime::Client, #(#types),*) -> ::wamp_runtime::caller::TypedCall<#ok, #err, _>),
            quote_spanned!(span=> #declaration::call),
        )
    } else {
        (
            quote_spanned!(span=> fn(&::wamp_runtime::Client, #(#types),*) -> ::wamp_runtime::PublishBuilder),
            quote_spanned!(span=> #declaration::publish),
        )
    };
    let captures = implements_captures(handler, declaration);
    quote_spanned! {span=>
        const _: () = {
            // The fn pointer spelled out is the check; no alias would say more.
            #[allow(dead_code, clippy::type_complexity)]
            fn implements_the_declaration() {
                let _: #expected = #function;
            }
        };

        #captures
    }
}

/// The part of [`implements_check`] that types cannot make: a capture is
/// given as its value's type, so the fn pointers agree whether a parameter
/// is `Capture<u64>` or `u64`. The declaration's template is only known
/// where it is compiled, so these are `const` assertions on it: every
/// `Capture` parameter is one of its captures, as many as it has, and a
/// template with captures is implemented as a wildcard.
fn implements_captures(handler: &Handler, declaration: &syn::Path) -> TokenStream {
    let template = quote_spanned!(declaration.span()=> #declaration::TEMPLATE);
    let path = quote!(#declaration).to_string().replace(' ', "");
    let mut checks = TokenStream::new();
    let captures: Vec<_> = handler
        .signature
        .params
        .iter()
        .filter(|param| param.kind == ParamKind::Capture)
        .collect();
    // The messages are `assert!` format strings: their braces are text.
    let text = |message: String| message.replace('{', "{{").replace('}', "}}");
    for param in &captures {
        let name = param.name();
        let message = text(format!(
            "`{name}` is a `Capture` parameter, but the name of `{path}` has no `{{{name}}}` component"
        ));
        checks.extend(quote_spanned! {param.ident.span()=>
            const _: () = ::core::assert!(::wamp_runtime::__private::names_capture(#template, #name), #message);
        });
    }
    let count = captures.len();
    let message = text(format!(
        "the name of `{path}` has a capture that no `Capture` parameter of `{}` takes (it takes {count})",
        handler.function.sig.ident
    ));
    checks.extend(quote_spanned! {declaration.span()=>
        const _: () = ::core::assert!(::wamp_runtime::__private::capture_count(#template) <= #count, #message);
    });
    if handler.options.policy != Some(wamp_protocol::MatchPolicy::Wildcard) {
        let message = text(format!(
            "the name of `{path}` has captures: implement it with `match = \"wildcard\"`"
        ));
        checks.extend(quote_spanned! {declaration.span()=>
            const _: () = ::core::assert!(::wamp_runtime::__private::capture_count(#template) == 0, #message);
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(function: &str, suffix: &str) -> String {
        let ident: Ident = syn::parse_str(function).expect("an identifier");
        default_name(&ident, suffix).to_string()
    }

    #[test]
    fn default_names_are_the_function_in_camel_case_with_a_suffix() {
        assert_eq!(name_of("multiply", "Caller"), "MultiplyCaller");
        assert_eq!(name_of("invoice_total", "Caller"), "InvoiceTotalCaller");
        assert_eq!(name_of("message_received", "Publisher"), "MessageReceivedPublisher");
        assert_eq!(name_of("r#match", "Caller"), "MatchCaller");
        assert_eq!(name_of("_private__twice", "Caller"), "PrivateTwiceCaller");
        assert_eq!(name_of("count_to2", "Caller"), "CountTo2Caller");
    }
}
