//! What `#[procedure]` and `#[subscriber]` share: checking the function's
//! signature and wrapping it in its public adapter
//! (`wamp_runtime::typed`) inside a registry entry.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{FnArg, ItemFn, LitStr, Pat, ReturnType, Type};

use crate::attrs::{Accepts, CommonOptions, Errors, Opts, lit_str};
use crate::captures::Template;

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

/// Where a parameter's value comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ParamKind {
    /// The call's (or event's) arguments: `T`, `Args`, `Kwargs<T>`.
    Payload,
    /// The server's state: `State<T>`; no caller gives it.
    State,
    /// A component of the URI: `Capture<T>`, which the caller gives in the
    /// URI, not in the arguments.
    Capture,
}

/// One parameter after the context: its name (that of its keyword
/// argument, or of its capture) and its type.
pub(crate) struct Param {
    pub(crate) ident: Ident,
    pub(crate) ty: Box<Type>,
    pub(crate) kind: ParamKind,
}

impl Param {
    /// Whether it is read from the payload (a `State<T>` or `Capture<T>`
    /// is not).
    pub(crate) fn is_argument(&self) -> bool {
        self.kind == ParamKind::Payload
    }

    /// The name of its keyword argument, or of its capture: `type` for
    /// `r#type`.
    pub(crate) fn name(&self) -> String {
        self.ident.unraw().to_string()
    }
}

/// The checked signature of a handler function.
pub(crate) struct Signature {
    pub(crate) params: Vec<Param>,
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

pub(crate) fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name && s.arguments.is_empty())
}

/// `NAME<...>` (or a path ending in it).
pub(crate) fn is_generic(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name && matches!(s.arguments, syn::PathArguments::AngleBracketed(_)))
}

/// `T` of `Wrapper<T>` (`Kwargs<T>`, `Capture<T>`).
pub(crate) fn first_type_argument(ty: &syn::Type) -> Option<&syn::Type> {
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
        if is_named(ty, "Args") {
            if seen_args {
                fail(errors, ty, "only one parameter may take `Args`".to_owned());
            }
            seen_args = true;
        } else if is_named(ty, "Kwargs") || is_generic(ty, "Kwargs") {
            if seen_kwargs {
                fail(errors, ty, "only one parameter may take `Kwargs`".to_owned());
            }
            seen_kwargs = true;
        }
        let kind = if is_generic(ty, "State") {
            ParamKind::State
        } else if is_generic(ty, "Capture") {
            ParamKind::Capture
        } else {
            ParamKind::Payload
        };
        params.push(Param {
            ident,
            ty: ty.clone(),
            kind,
        });
    }
    let returns_result = match &sig.output {
        ReturnType::Default => false,
        ReturnType::Type(_, ty) => last_segment(ty).is_some_and(|s| s.ident == "Result"),
    };
    (!failed).then_some(Signature { params, returns_result })
}

impl Signature {
    /// The parameters' names, as the adapter takes them: `["a", "b"]`.
    fn names(&self) -> TokenStream {
        let names = self.params.iter().map(|param| {
            let name = param.ident.unraw().to_string();
            quote_spanned!(param.ident.span()=> #name)
        });
        quote!([#(#names),*])
    }

    /// The parameters' types as a tuple, each checked at its own span (see
    /// `wamp_runtime::typed::CheckedParameter`), so that a type that does not
    /// fit is one error, at that type.
    fn types(&self, fallback: Span) -> TokenStream {
        let first = self.params.first().map_or(fallback, |p| p.ty.span());
        let last = self.params.last().map_or(fallback, |p| p.ty.span());
        let mut inner = TokenStream::new();
        for param in &self.params {
            let ty = &param.ty;
            let check = match param.kind {
                ParamKind::State => quote!(CheckedState),
                ParamKind::Capture => quote!(CheckedCapture),
                ParamKind::Payload => quote!(CheckedParameter),
            };
            inner.extend(quote_spanned!(ty.span()=> <#ty as ::wamp_runtime::__private::#check>::Type,));
        }
        let mut open = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, inner);
        open.set_span(first.join(last).unwrap_or(first));
        quote!(#open)
    }
}

/// An attribute that cannot expand: its errors, and what to emit besides
/// the function so that its uses do not fail too (its caller, when only
/// the options are wrong).
pub(crate) struct Rejected {
    pub(crate) error: syn::Error,
    pub(crate) fallback: TokenStream,
}

impl From<syn::Error> for Rejected {
    fn from(error: syn::Error) -> Self {
        Rejected {
            error,
            fallback: TokenStream::new(),
        }
    }
}

/// A handler attribute's input, parsed and checked: what both
/// `#[procedure]` and `#[subscriber]` start from.
pub(crate) struct Handler {
    /// The function; a declaration's has an empty body, never emitted.
    pub(crate) function: ItemFn,
    pub(crate) options: CommonOptions,
    pub(crate) signature: Signature,
    /// `fn name(..) -> T;` without a body: the contract of a handler that
    /// another crate implements, which generates only the caller (or
    /// publisher).
    pub(crate) declaration: bool,
    kind: Kind,
}

/// The options that make a URI or a caller: the only ones a declaration
/// takes (how it is served belongs to the implementation), and the ones an
/// implementation takes from the declaration it names.
const CONTRACT_OPTIONS: &[&str] = &["name", "prefix", "caller", "progress", "publisher"];

/// A function as written, or a declaration (`fn f(..) -> T;`) given the
/// empty body it never gets.
fn parse_function(item: TokenStream) -> syn::Result<(ItemFn, bool)> {
    match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => Ok((function, false)),
        Err(error) => match syn::parse2::<syn::ForeignItemFn>(item) {
            Ok(declared) => Ok((
                ItemFn {
                    attrs: declared.attrs,
                    vis: declared.vis,
                    sig: declared.sig,
                    block: Box::new(syn::parse_quote!({})),
                },
                true,
            )),
            Err(_) => Err(error),
        },
    }
}

/// Reports the options that do not fit a declaration, or an implementation.
fn check_contract_options(opts: &Opts, declaration: bool, kind: Kind, errors: &mut Errors) {
    let noun = kind.noun();
    let implements = opts.0.iter().find(|o| o.key == "implements");
    for opt in &opts.0 {
        let key = opt.key.to_string();
        if declaration && key == "implements" {
            errors.spanned(
                &opt.key,
                format!("only a {noun} with a body `implements` a declaration"),
            );
        } else if declaration && !CONTRACT_OPTIONS.contains(&key.as_str()) {
            errors.spanned(
                &opt.key,
                format!(
                    "`{key}` is not an option of a {noun} declaration (a `fn` without a body); \
                     set it on the function that `implements` it"
                ),
            );
        } else if implements.is_some() && CONTRACT_OPTIONS.contains(&key.as_str()) {
            errors.spanned(
                &opt.key,
                format!("`{key}` cannot be combined with `implements`: the declaration it names sets it"),
            );
        }
    }
}

/// Reports the captures of the name and the `Capture` parameters that do
/// not go together. An implementation's captures are its declaration's,
/// checked where it names it (see `caller::implements_check`).
fn check_captures(
    function: &ItemFn,
    options: &CommonOptions,
    signature: &Signature,
    declaration: bool,
    errors: &mut Errors,
) {
    if options.implements.is_some() {
        return;
    }
    let template = options
        .name
        .as_ref()
        .and_then(|name| Template::parse(&name.value()).ok().map(|template| (name, template)));
    let captures: Vec<&str> = template.as_ref().map_or_else(Vec::new, |(_, t)| t.captures().collect());
    if let (Some((name, _)), Some(first)) = (&template, captures.first()) {
        // A declaration registers nothing: its implementation says how.
        if !declaration && options.policy != Some(wamp_protocol::MatchPolicy::Wildcard) {
            let fix = match options.policy {
                Some(policy) => format!(
                    "set `match = \"wildcard\"` instead of `match = \"{}\"`",
                    policy.as_str()
                ),
                None => "add `match = \"wildcard\"`".to_owned(),
            };
            errors.spanned(
                name,
                format!("a name with captures (`{{{first}}}`) is registered as a wildcard pattern: {fix}"),
            );
        }
        for capture in &captures {
            match signature.params.iter().find(|param| param.name() == *capture) {
                None => errors.spanned(
                    name,
                    format!(
                        "the capture `{{{capture}}}` has no parameter: add `{capture}: Capture<T>` to the function"
                    ),
                ),
                Some(param) if param.kind != ParamKind::Capture => {
                    let ty = &param.ty;
                    errors.spanned(
                        ty,
                        format!(
                            "`{capture}` is a capture of the name (`{{{capture}}}`): take it as `Capture<{}>`",
                            quote!(#ty).to_string().replace(' ', "")
                        ),
                    );
                }
                Some(_) => {}
            }
        }
    }
    for param in signature.params.iter().filter(|param| param.kind == ParamKind::Capture) {
        let name = param.name();
        if captures.contains(&name.as_str()) {
            continue;
        }
        let written = match &options.name {
            Some(written) => format!("the name `{}`", written.value()),
            None => format!("the name (the function's, `{}`)", function.sig.ident.unraw()),
        };
        errors.spanned(
            &param.ident,
            format!(
                "`{name}` is a `Capture` parameter, but {written} has no `{{{name}}}` component; \
                 name the component it takes, e.g. `name = \"item.{{{name}}}\"`"
            ),
        );
    }
}

impl Handler {
    /// Parses the attribute's options (those `accepts` allows) and the
    /// function, reporting every mistake at once.
    pub(crate) fn parse(
        args: TokenStream,
        item: TokenStream,
        accepts: &Accepts,
        kind: Kind,
    ) -> Result<Handler, Rejected> {
        let mut errors = Errors::default();
        let opts: Opts = syn::parse2(args)?;
        let (function, declaration) = parse_function(item)?;
        check_contract_options(&opts, declaration, kind, &mut errors);
        let opts_name_given = opts.0.iter().any(|opt| opt.key == "name");
        let options = CommonOptions::parse(opts, accepts, &mut errors);
        let signature = check(&function, kind, &mut errors);
        let Some(signature) = signature else {
            errors.finish()?;
            return Err(syn::Error::new_spanned(&function.sig, format!("invalid {}", kind.noun())).into());
        };
        // A name given but invalid has been reported; its captures are unknown.
        let name_rejected = opts_name_given && options.name.is_none();
        if !name_rejected {
            check_captures(&function, &options, &signature, declaration, &mut errors);
        }
        let handler = Handler {
            function,
            options,
            signature,
            declaration,
            kind,
        };
        match errors.finish() {
            Ok(()) => Ok(handler),
            // Only the options are wrong: the caller is still made (with
            // the defaults of what is wrong), so its uses raise no error.
            Err(error) => Err(Rejected {
                error,
                fallback: handler.remote(),
            }),
        }
    }

    /// The caller or publisher; nothing for an implementation, whose
    /// caller is its declaration's.
    fn remote(&self) -> TokenStream {
        if self.options.implements.is_some() {
            return TokenStream::new();
        }
        match self.kind {
            Kind::Procedure => crate::caller::procedure_caller(self),
            Kind::Subscriber => crate::caller::subscriber_publisher(self),
        }
    }

    /// The function behind its public adapter, as a `&'static dyn` handler:
    /// `typed::procedure::<(PlainFn, (f64, f64), _), _>(["a", "b"], add)`,
    /// with every marker the signature tells given, so that a mistake is
    /// blamed on the parameter or return type that causes it.
    fn adapter(&self) -> TokenStream {
        let user_fn = &self.function.sig.ident;
        let names = self.signature.names();
        let types = self.signature.types(user_fn.span());
        let kind = match self.function.sig.asyncness {
            Some(_) => quote!(::wamp_runtime::handler::AsyncFn),
            None => quote!(::wamp_runtime::handler::PlainFn),
        };
        let result_span = match &self.function.sig.output {
            ReturnType::Default => user_fn.span(),
            ReturnType::Type(_, ty) => ty.span(),
        };
        let (handler_trait, call) = match self.kind {
            Kind::Procedure if self.signature.returns_result => (
                quote!(ProcedureHandler),
                quote_spanned!(result_span=> ::wamp_runtime::typed::fallible::<#kind, #types, _, _>),
            ),
            Kind::Procedure => (
                quote!(ProcedureHandler),
                quote_spanned!(result_span=> ::wamp_runtime::typed::procedure::<#kind, #types, _, _>),
            ),
            Kind::Subscriber => (
                quote!(EventHandler),
                quote_spanned!(result_span=> ::wamp_runtime::typed::subscriber::<#kind, #types, _>),
            ),
        };
        // An implementation's captures are its declaration's, known there.
        // At the return type too: a parameter that does not fit is blamed
        // there once, not again at this call.
        let captures = match (&self.options.implements, self.template()) {
            (Some(declaration), _) => quote_spanned!(result_span=> .captures(#declaration::TEMPLATE)),
            (None, Some(_)) => {
                let template = self.written_name();
                quote_spanned!(result_span=> .captures(#template))
            }
            (None, None) => TokenStream::new(),
        };
        // At the return type, where a result that does not convert is blamed.
        quote_spanned! {result_span=> {
            const HANDLER: &dyn ::wamp_runtime::handler::#handler_trait = &#call(#names, #user_fn) #captures;
            HANDLER
        }}
    }

    pub(crate) fn is_procedure(&self) -> bool {
        self.kind == Kind::Procedure
    }

    /// The function as written, its registry entry and its caller (or
    /// publisher); a declaration's caller only; an implementation's entry
    /// at its declaration's URI, with the check that it fits.
    pub(crate) fn expand(&self, entry: TokenStream, entry_options: TokenStream) -> TokenStream {
        if self.declaration {
            return self.remote();
        }
        let function = &self.function;
        let submit = self.submit(entry, entry_options);
        let remote = match &self.options.implements {
            Some(declaration) => crate::caller::implements_check(self, declaration),
            None => self.remote(),
        };
        quote! {
            #function

            #submit

            #remote
        }
    }

    /// The last part of the URI as registered: `name`, else the
    /// function's name, with an empty component in the place of each
    /// capture (`user..get` for `user.{id}.get`).
    pub(crate) fn name(&self) -> LitStr {
        let written = self.written_name();
        match self.template() {
            Some(template) => lit_str(&template.registered(), written.span()),
            None => written,
        }
    }

    /// The last part of the URI as written, captures included.
    pub(crate) fn written_name(&self) -> LitStr {
        let user_fn = &self.function.sig.ident;
        self.options
            .name
            .clone()
            .unwrap_or_else(|| lit_str(&user_fn.unraw().to_string(), user_fn.span()))
    }

    /// The name as a template, when it has captures.
    pub(crate) fn template(&self) -> Option<Template> {
        let name = self.options.name.as_ref()?;
        Template::parse(&name.value()).ok().filter(Template::has_captures)
    }

    /// The `inventory::submit!` of the registry entry `entry` (a path such as
    /// `ProcedureEntry`) around the function's adapter, with the given
    /// entry options.
    fn submit(&self, entry: TokenStream, entry_options: TokenStream) -> TokenStream {
        let user_fn = &self.function.sig.ident;
        let name = self.name();
        let function_name = lit_str(&user_fn.to_string(), user_fn.span());
        let prefix_and_client = self.options.prefix_and_client();
        let handler = self.adapter();
        let signature = crate::describe::signature(self);
        // An implementation is served from its own module (defaults,
        // client) at its declaration's URI.
        let implements = match &self.options.implements {
            Some(declaration) => quote! {
                .implements(#declaration::MODULE_PATH, #declaration::PREFIX, #declaration::NAME)
            },
            None => TokenStream::new(),
        };
        quote! {
            ::wamp_runtime::__private::inventory::submit! {
                ::wamp_runtime::registry::#entry::new(
                    ::core::module_path!(),
                    #name,
                    #handler,
                    ::wamp_runtime::registry::Location::new(#function_name, ::core::file!(), ::core::line!()),
                )
                #implements
                #prefix_and_client
                .options(#entry_options)
                .signature(#signature)
            }
        }
    }
}
