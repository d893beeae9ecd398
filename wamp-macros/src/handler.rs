//! What `#[procedure]` and `#[subscriber]` share: checking the function's
//! signature and generating the code that reads its parameters.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{FnArg, ItemFn, Pat, ReturnType, Type};

use crate::attrs::{Accepts, CommonOptions, Errors, Opts, lit_str};

/// Procedure or subscriber.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Procedure,
    Subscriber,
}

impl Kind {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Procedure => "procedure",
            Kind::Subscriber => "subscriber",
        }
    }

    fn context(self) -> &'static str {
        match self {
            Kind::Procedure => "CallContext",
            Kind::Subscriber => "EventContext",
        }
    }
}

/// How one parameter after the context is filled.
enum Param {
    /// A named parameter, positional (at this index) or keyword-only.
    Named {
        ident: Ident,
        ty: Box<Type>,
        position: Option<usize>,
    },
    /// `Args`: the remaining positional arguments.
    Args { ident: Ident },
    /// `Kwargs`: the remaining keyword arguments; `Kwargs<T>`: the same,
    /// deserialized into `T` (`typed`).
    Kwargs { ident: Ident, ty: Box<Type>, typed: bool },
    /// `State<T>`: a value of the server's, not read from the payload.
    State { ident: Ident, ty: Box<Type> },
}

/// The checked signature of a handler function.
pub(crate) struct Signature {
    params: Vec<Param>,
    pub(crate) returns_result: bool,
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}

fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name && s.arguments.is_empty())
}

/// `NAME<...>` (or a path ending in it).
fn is_generic(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name && matches!(s.arguments, syn::PathArguments::AngleBracketed(_)))
}

/// `State<T>` (or a path ending in it).
fn is_state(ty: &Type) -> bool {
    is_generic(ty, "State")
}

/// Checks the function and reads its parameters; every problem is reported.
pub(crate) fn check(function: &ItemFn, kind: Kind, errors: &mut Errors) -> Option<Signature> {
    let noun = kind.noun();
    let context = kind.context();
    let sig = &function.sig;
    let mut failed = false;
    let mut fail = |errors: &mut Errors, tokens: &dyn quote::ToTokens, message: String| {
        errors.push(syn::Error::new_spanned(tokens, message));
        failed = true;
    };
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        fail(
            errors,
            &sig.generics,
            format!("a {noun} cannot be generic: the types of its parameters must be known to decode the arguments"),
        );
    }
    if let Some(variadic) = &sig.variadic {
        fail(
            errors,
            variadic,
            format!("a {noun} cannot be variadic; take `Args` instead"),
        );
    }
    if let Some(constness) = &sig.constness {
        fail(errors, constness, format!("a {noun} cannot be a `const fn`"));
    }
    if let Some(unsafety) = &sig.unsafety {
        fail(errors, unsafety, format!("a {noun} cannot be an `unsafe fn`"));
    }
    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        None => fail(
            errors,
            &sig.ident,
            format!(
                "a {noun} takes the `{context}` as its first parameter, e.g. `fn {}(ctx: {context}, ...)`",
                sig.ident
            ),
        ),
        Some(FnArg::Receiver(receiver)) => fail(
            errors,
            receiver,
            format!("a {noun} cannot take `self`; make it a free function (outside any `impl` block)"),
        ),
        Some(FnArg::Typed(first)) => {
            if matches!(&*first.ty, Type::Reference(r) if is_named(&r.elem, context)) {
                fail(
                    errors,
                    &first.ty,
                    format!("take the `{context}` by value: `ctx: {context}`"),
                );
            } else if !is_named(&first.ty, context) {
                fail(
                    errors,
                    &first.ty,
                    format!("the first parameter of a {noun} must be the `{context}`, e.g. `ctx: {context}`"),
                );
            }
        }
    }
    let mut params = Vec::new();
    let mut position = Some(0usize);
    let mut seen_args = false;
    let mut seen_kwargs = false;
    for input in inputs {
        let FnArg::Typed(typed) = input else {
            if let FnArg::Receiver(receiver) = input {
                fail(errors, receiver, format!("a {noun} cannot take `self`"));
            }
            continue;
        };
        let ident = match &*typed.pat {
            Pat::Ident(pat) if pat.subpat.is_none() && pat.by_ref.is_none() => pat.ident.clone(),
            other => {
                fail(
                    errors,
                    other,
                    format!(
                        "the parameters of a {noun} must be plain names, as they name its keyword arguments; \
                         destructure inside the function"
                    ),
                );
                continue;
            }
        };
        let ty = &typed.ty;
        if let Type::ImplTrait(_) = &**ty {
            fail(
                errors,
                ty,
                format!("a {noun} cannot take `impl Trait` parameters: name a concrete type"),
            );
            continue;
        }
        if let Type::Reference(_) = &**ty {
            fail(
                errors,
                ty,
                format!("a {noun} cannot borrow its arguments: take an owned type (e.g. `String` instead of `&str`)"),
            );
            continue;
        }
        if is_state(ty) {
            params.push(Param::State { ident, ty: ty.clone() });
        } else if is_named(ty, "Args") {
            if seen_args {
                fail(errors, ty, "only one parameter may take `Args`".to_owned());
            }
            seen_args = true;
            position = None;
            params.push(Param::Args { ident });
        } else if is_named(ty, "Kwargs") || is_generic(ty, "Kwargs") {
            if seen_kwargs {
                fail(errors, ty, "only one parameter may take `Kwargs`".to_owned());
            }
            seen_kwargs = true;
            params.push(Param::Kwargs {
                ident,
                ty: ty.clone(),
                typed: is_generic(ty, "Kwargs"),
            });
        } else {
            params.push(Param::Named {
                ident,
                ty: ty.clone(),
                position,
            });
            position = position.map(|p| p + 1);
        }
    }
    let returns_result = match &sig.output {
        ReturnType::Default => false,
        ReturnType::Type(_, ty) => last_segment(ty).is_some_and(|s| s.ident == "Result"),
    };
    (!failed).then_some(Signature { params, returns_result })
}

impl Signature {
    /// Statements reading every parameter into a local `__wamp_arg_<name>`,
    /// running `on_error` (with the error in `__wamp_error`) when one fails,
    /// and `on_missing_state` (with the `MissingState` in `__wamp_missing`)
    /// when a state value is not there.
    pub(crate) fn read_arguments(&self, on_error: &TokenStream, on_missing_state: &TokenStream) -> TokenStream {
        let mut states = TokenStream::new();
        let mut named = TokenStream::new();
        let mut rest = TokenStream::new();
        for param in &self.params {
            match param {
                Param::Named { ident, ty, position } => {
                    let local = local(ident);
                    let name = ident.unraw().to_string();
                    let read = match position {
                        Some(index) => quote_spanned! {ty.span()=>
                            __wamp_reader.positional::<#ty>(#index, #name, ::core::stringify!(#ty))
                        },
                        None => quote_spanned! {ty.span()=>
                            __wamp_reader.keyword::<#ty>(#name, ::core::stringify!(#ty))
                        },
                    };
                    named.extend(quote! {
                        let #local: #ty = match #read {
                            ::core::result::Result::Ok(value) => value,
                            ::core::result::Result::Err(__wamp_error) => #on_error,
                        };
                    });
                }
                Param::Args { ident } => {
                    let local = local(ident);
                    rest.extend(quote!(let #local = __wamp_reader.rest_args();));
                }
                Param::Kwargs {
                    ident, typed: false, ..
                } => {
                    let local = local(ident);
                    rest.extend(quote!(let #local = __wamp_reader.rest_kwargs();));
                }
                Param::Kwargs { ident, ty, typed: true } => {
                    let local = local(ident);
                    rest.extend(quote_spanned! {ty.span()=>
                        let #local: #ty = match __wamp_reader.rest_kwargs_as() {
                            ::core::result::Result::Ok(value) => value,
                            ::core::result::Result::Err(__wamp_error) => #on_error,
                        };
                    });
                }
                Param::State { ident, ty } => {
                    let local = local(ident);
                    states.extend(quote_spanned! {ty.span()=>
                        let #local: #ty = match <#ty as ::wamp_runtime::__private::StateParam>::from_states(&__wamp_states) {
                            ::core::result::Result::Ok(value) => value,
                            ::core::result::Result::Err(__wamp_missing) => #on_missing_state,
                        };
                    });
                }
            }
        }
        // One look at the client's states for every `State<T>` parameter.
        let states = (!states.is_empty()).then(|| quote!(let __wamp_states = __wamp_ctx.states(); #states));
        quote! {
            #states
            let mut __wamp_reader = ::wamp_runtime::ArgumentReader::new(__wamp_payload);
            #named
            #rest
            if let ::core::result::Result::Err(__wamp_error) = __wamp_reader.finish() {
                #on_error
            }
        }
    }

    /// The locals to pass to the user's function after the context.
    pub(crate) fn call_arguments(&self) -> Vec<Ident> {
        self.params
            .iter()
            .map(|param| match param {
                Param::Named { ident, .. }
                | Param::Args { ident }
                | Param::Kwargs { ident, .. }
                | Param::State { ident, .. } => local(ident),
            })
            .collect()
    }

    /// The keys of the state types the handler takes, for its entry.
    pub(crate) fn state_keys(&self) -> TokenStream {
        let keys = self.params.iter().filter_map(|param| match param {
            Param::State { ty, .. } => {
                Some(quote_spanned!(ty.span()=> <#ty as ::wamp_runtime::__private::StateParam>::KEY))
            }
            _ => None,
        });
        quote!(&[#(#keys),*])
    }
}

fn local(ident: &Ident) -> Ident {
    format_ident!("__wamp_arg_{}", ident.unraw())
}

/// The name of the generated wrapper of `function`.
pub(crate) fn wrapper_name(function: &ItemFn, kind: Kind) -> Ident {
    Ident::new(
        &format!("__wamp_{}_{}", kind.noun(), function.sig.ident.unraw()),
        Span::call_site(),
    )
}

/// A handler attribute's input, parsed and checked: what both
/// `#[procedure]` and `#[subscriber]` start from.
pub(crate) struct Handler {
    pub(crate) function: ItemFn,
    pub(crate) options: CommonOptions,
    pub(crate) signature: Signature,
    pub(crate) wrapper: Ident,
}

impl Handler {
    /// Parses the attribute's options (those `accepts` allows) and the
    /// function, reporting every mistake at once.
    pub(crate) fn parse(args: TokenStream, item: TokenStream, accepts: &Accepts, kind: Kind) -> syn::Result<Handler> {
        let mut errors = Errors::default();
        let opts: Opts = syn::parse2(args)?;
        let function: ItemFn = syn::parse2(item)?;
        let options = CommonOptions::parse(opts, accepts, &mut errors);
        let signature = check(&function, kind, &mut errors);
        errors.finish()?;
        let Some(signature) = signature else {
            return Err(syn::Error::new_spanned(
                &function.sig,
                format!("invalid {}", kind.noun()),
            ));
        };
        let wrapper = wrapper_name(&function, kind);
        Ok(Handler {
            function,
            options,
            signature,
            wrapper,
        })
    }

    /// The `inventory::submit!` of the registry entry `entry` (a path such as
    /// `ProcedureEntry`) for the wrapper, with the given entry options.
    pub(crate) fn submit(&self, entry: TokenStream, entry_options: TokenStream) -> TokenStream {
        let user_fn = &self.function.sig.ident;
        let name = self
            .options
            .name
            .clone()
            .unwrap_or_else(|| lit_str(user_fn.to_string().trim_start_matches("r#"), user_fn.span()));
        let function_name = lit_str(&user_fn.to_string(), user_fn.span());
        let prefix_and_client = self.options.prefix_and_client();
        let wrapper = &self.wrapper;
        let states = self.signature.state_keys();
        quote! {
            ::wamp_runtime::__private::inventory::submit! {
                ::wamp_runtime::registry::#entry::new(
                    ::core::module_path!(),
                    #name,
                    #wrapper,
                    ::wamp_runtime::registry::Location::new(#function_name, ::core::file!(), ::core::line!()),
                )
                #prefix_and_client
                .options(#entry_options)
                .states(#states)
            }
        }
    }
}
