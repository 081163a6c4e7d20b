//! Field roles shared by `#[derive(Order)]` and `#[derive(BillingOrder)]`:
//! which struct field (or literal) plays which INICIS field, and the checks
//! that can be made on it before type checking.

use crate::ctxt::Ctxt;
use crate::suggest;
use crate::text;
use crate::types;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Token, Type};

/// What Rust types a role accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Required text (`TextField`).
    Text,
    /// Optional text (`OptionalText`).
    OptText,
    /// An amount (`AmountField`).
    Amount,
    /// An optional amount (`OptionalAmount`).
    OptAmount,
    /// A virtual-account deadline.
    Deadline,
    /// An offer period.
    Period,
}

/// A role: its attribute key, the INICIS field it fills and its rules.
pub(crate) struct RoleDef {
    /// The attribute key (`amount`); also the field name that implies it.
    pub key: &'static str,
    /// The INICIS field (`P_AMT`).
    pub field: &'static str,
    /// A phrase for messages ("the amount").
    pub what: &'static str,
    /// Accepted types.
    pub kind: Kind,
    /// The EUC-KR byte limit, for text.
    pub limit: Option<usize>,
    /// Whether every order must fill it.
    pub required: bool,
    /// Whether a struct-level literal may fill it (`goods = "..."`).
    pub literal: bool,
}

/// Where a role's value comes from.
pub(crate) enum Source<'a> {
    /// A struct field.
    Field {
        /// The field.
        ident: &'a Ident,
        /// Its type.
        ty: &'a Type,
        /// Where the role was given (the key, or the field name if inferred).
        span: Span,
    },
    /// A literal from the struct attribute.
    Literal(LitStr),
}

/// Role assignments, in definition order.
pub(crate) struct Roles<'a> {
    defs: &'static [RoleDef],
    slots: Vec<Option<Source<'a>>>,
    /// Roles not to report as missing: a misspelt key probably meant them,
    /// or the fields could not be read at all.
    excused: Vec<&'static str>,
}

impl<'a> Roles<'a> {
    pub(crate) fn new(defs: &'static [RoleDef]) -> Roles<'a> {
        Roles {
            defs,
            slots: defs.iter().map(|_| None).collect(),
            excused: Vec::new(),
        }
    }

    fn index(&self, key: &str) -> Option<usize> {
        self.defs.iter().position(|d| d.key == key)
    }

    /// The source of `key`, if filled.
    pub(crate) fn get(&self, key: &str) -> Option<&Source<'a>> {
        self.index(key).and_then(|i| self.slots[i].as_ref())
    }

    /// The definition of `key`.
    pub(crate) fn def(&self, key: &str) -> Option<&'static RoleDef> {
        self.defs.iter().find(|d| d.key == key)
    }

    /// Reports an unknown key among `known` and excuses the role it most
    /// likely meant, so no "missing role" error follows the typo.
    pub(crate) fn unknown_key(
        &mut self,
        cx: &mut Ctxt,
        span: Span,
        what: &str,
        key: &str,
        known: &[&str],
    ) {
        cx.error_at(span, suggest::unknown_message(what, key, known));
        if let Some(s) = suggest::closest(key, known)
            && let Some(d) = self.defs.iter().find(|d| d.key == s)
        {
            self.excused.push(d.key);
        }
    }

    /// The keys a struct-level literal may fill.
    pub(crate) fn literal_keys(&self) -> Vec<&'static str> {
        self.defs
            .iter()
            .filter(|d| d.literal)
            .map(|d| d.key)
            .collect()
    }

    /// Records a struct-level literal for `key` (checked by
    /// [`check_literals`](Self::check_literals) once every option is known).
    pub(crate) fn set_literal(&mut self, key: &str, lit: LitStr) {
        let Some(i) = self.index(key) else { return };
        self.slots[i] = Some(Source::Literal(lit));
    }

    /// Checks every literal: the period's shape, text rules and the byte
    /// limit in `unit`.
    pub(crate) fn check_literals(&self, cx: &mut Ctxt, unit: text::Unit) {
        for (def, slot) in self.defs.iter().zip(&self.slots) {
            let Some(Source::Literal(lit)) = slot else {
                continue;
            };
            if def.kind == Kind::Period {
                check_period_literal(cx, lit, def.field);
            } else if let Err(p) = text::check(&lit.value(), def.limit, true, unit) {
                cx.error_spanned_by(lit, text::message(def.field, def.limit, &p));
            }
        }
    }

    fn assign(&mut self, cx: &mut Ctxt, key: &str, src: Source<'a>) {
        let Some(i) = self.index(key) else { return };
        let def = &self.defs[i];
        let span = match &src {
            Source::Field { span, .. } => *span,
            Source::Literal(l) => l.span(),
        };
        match &self.slots[i] {
            Some(Source::Field { ident, .. }) => cx.error_at(
                span,
                format!(
                    "duplicate role `{key}`: field `{ident}` already is {} ({}); mark one of them #[inipay(skip)]",
                    def.what, def.field
                ),
            ),
            Some(Source::Literal(_)) => cx.error_at(
                span,
                format!(
                    "duplicate role `{key}`: the struct attribute already sets {} ({}) to a literal; remove `{key} = \"...\"` or this field's role",
                    def.what, def.field
                ),
            ),
            None => self.slots[i] = Some(src),
        }
    }

    /// Reads every field's `#[inipay(...)]` roles (or infers one from the
    /// field's name) and checks what the syntax shows.
    pub(crate) fn collect_fields(&mut self, cx: &mut Ctxt, fields: &'a syn::Fields) {
        let named = match fields {
            syn::Fields::Named(n) => n,
            other => {
                cx.error_spanned_by(
                    other,
                    "inipay derives need a struct with named fields, e.g. `struct Order { order_id: String, amount: u64, ... }`",
                );
                self.excuse_all();
                return;
            }
        };
        let keys: Vec<&'static str> = self
            .defs
            .iter()
            .map(|d| d.key)
            .chain(std::iter::once("skip"))
            .collect();
        for field in &named.named {
            let Some(ident) = &field.ident else { continue };
            let mut roles: Vec<(String, Span)> = Vec::new();
            let mut skip: Option<Span> = None;
            let mut attributed = false;
            let mut unknown: Vec<(Span, String)> = Vec::new();
            for attr in field.attrs.iter().filter(|a| a.path().is_ident("inipay")) {
                attributed = true;
                let res = attr.parse_nested_meta(|meta| {
                    let key = path_key(&meta);
                    let span = meta.path.span();
                    if key == "skip" {
                        skip = Some(span);
                    } else if self.index(&key).is_some() {
                        if roles.iter().any(|(k, _)| *k == key) {
                            cx.error_at(span, format!("`{key}` is given twice on this field"));
                        } else {
                            roles.push((key, span));
                        }
                    } else {
                        unknown.push((span, key));
                    }
                    skip_value(&meta)
                });
                if let Err(e) = res {
                    cx.syn_error(e);
                }
            }
            for (span, key) in unknown {
                self.unknown_key(cx, span, "field role", &key, &keys);
            }
            if let Some(s) = skip {
                if let Some((k, _)) = roles.first() {
                    cx.error_at(
                        s,
                        format!("`skip` contradicts the role `{k}` on the same field; keep one"),
                    );
                }
                continue;
            }
            if !attributed && self.index(&ident.to_string()).is_some() {
                roles.push((ident.to_string(), ident.span()));
            }
            for (key, span) in roles {
                self.check_type(cx, &key, &field.ty, span);
                self.assign(
                    cx,
                    &key,
                    Source::Field {
                        ident,
                        ty: &field.ty,
                        span,
                    },
                );
            }
        }
    }

    /// Excuses every role (the input's shape is wrong, roles are moot).
    pub(crate) fn excuse_all(&mut self) {
        self.excused = self.defs.iter().map(|d| d.key).collect();
    }

    fn check_type(&self, cx: &mut Ctxt, key: &str, ty: &Type, _span: Span) {
        let Some(def) = self.def(key) else { return };
        let inner = match def.kind {
            Kind::Amount => ty,
            Kind::OptAmount => types::strip_option(ty),
            _ => return,
        };
        if let Some(msg) = types::bad_amount_type(inner) {
            cx.error_spanned_by(inner, format!("{} ({}): {msg}", def.what, def.field));
        }
    }

    /// Reports each required role that nothing fills, at `at` (the struct name).
    pub(crate) fn check_required(&self, cx: &mut Ctxt, at: &Ident) {
        for (def, slot) in self.defs.iter().zip(&self.slots) {
            if def.required && slot.is_none() && !self.excused.contains(&def.key) {
                let how = if def.literal {
                    format!(
                        "mark a field #[inipay({k})], name a field `{k}`, or give a literal #[inipay({k} = \"...\")]",
                        k = def.key
                    )
                } else {
                    format!(
                        "mark a field #[inipay({k})] or name a field `{k}`",
                        k = def.key
                    )
                };
                cx.error_spanned_by(
                    at,
                    format!(
                        "missing {} ({}), which INICIS requires: {how}",
                        def.what, def.field
                    ),
                );
            }
        }
    }

    /// `const` assertions that each bounded text type fits its INICIS limit,
    /// spanned at the field type. With type parameters the check moves into
    /// the generated method as an inline `const` block (`in_fn`).
    pub(crate) fn capacity_checks(&self, krate: &TokenStream, in_fn: bool) -> TokenStream {
        let mut out = TokenStream::new();
        for (def, slot) in self.defs.iter().zip(&self.slots) {
            let (Some(limit), Some(Source::Field { ty, .. })) = (def.limit, slot) else {
                continue;
            };
            if types::is_unbounded_text(types::strip_option(ty)) {
                // `String`, `&str`, ...: nothing to check at compile time; the
                // value is checked when the request is built.
                continue;
            }
            let trait_ = match def.kind {
                Kind::Text => quote!(TextField),
                Kind::OptText => quote!(OptionalText),
                _ => continue,
            };
            let msg = format!(
                "{} holds at most {limit} EUC-KR bytes, but `{}` can hold more: use `Text<{limit}>` or a smaller capacity",
                def.field,
                types::display(types::strip_option(ty)),
            );
            let span = types::capacity_span(ty);
            let ty_tokens = if in_fn {
                quote!(#ty)
            } else {
                types::erase_lifetimes(ty)
            };
            let assertion = quote_spanned! {span=>
                ::core::assert!(
                    #krate::__private::fits(<#ty_tokens as #krate::__private::#trait_>::CAPACITY, #limit),
                    #msg
                )
            };
            out.extend(if in_fn {
                quote_spanned!(span=> const { #assertion };)
            } else {
                quote_spanned!(span=> const _: () = #assertion;)
            });
        }
        out
    }

    /// An expression for a required text role: `&str`.
    pub(crate) fn text_expr(&self, krate: &TokenStream, key: &str) -> TokenStream {
        match self.get(key) {
            Some(Source::Field { ident, ty, .. }) => {
                quote_spanned!(ty.span()=> <#ty as #krate::__private::TextField>::as_text(&self.#ident))
            }
            Some(Source::Literal(l)) => quote!(#l),
            None => quote!(""),
        }
    }

    /// An expression for an optional text role: `Option<&str>`.
    pub(crate) fn opt_text_expr(&self, krate: &TokenStream, key: &str) -> TokenStream {
        match self.get(key) {
            Some(Source::Field { ident, ty, .. }) => {
                quote_spanned!(ty.span()=> <#ty as #krate::__private::OptionalText>::opt_text(&self.#ident))
            }
            Some(Source::Literal(l)) => quote!(::core::option::Option::Some(#l)),
            None => quote!(::core::option::Option::None::<&str>),
        }
    }

    /// An expression for a required amount role: `Amount`.
    pub(crate) fn amount_expr(&self, krate: &TokenStream, key: &str) -> TokenStream {
        match self.get(key) {
            Some(Source::Field { ident, ty, .. }) if types::bad_amount_type(ty).is_none() => {
                quote_spanned!(ty.span()=> <#ty as #krate::__private::AmountField>::to_amount(&self.#ident))
            }
            _ => quote!(#krate::__private::Amount::ZERO),
        }
    }

    /// An expression for an optional amount role: `Option<Amount>`.
    pub(crate) fn opt_amount_expr(&self, krate: &TokenStream, key: &str) -> TokenStream {
        match self.get(key) {
            Some(Source::Field { ident, ty, .. })
                if types::bad_amount_type(types::strip_option(ty)).is_none() =>
            {
                quote_spanned!(ty.span()=> <#ty as #krate::__private::OptionalAmount>::opt_amount(&self.#ident))
            }
            _ => quote!(::core::option::Option::None::<#krate::__private::Amount>),
        }
    }
}

fn check_period_literal(cx: &mut Ctxt, lit: &LitStr, field: &str) {
    let v = lit.value();
    let ok = v == "M2"
        || v == "Y2"
        || ((v.len() == 16 || v.len() == 24) && v.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        cx.error_spanned_by(
            lit,
            format!(
                "{field} must be \"M2\" (monthly), \"Y2\" (yearly), or a date range of 16 digits YYYYMMDDYYYYMMDD (24 with times)"
            ),
        );
    }
}

/// The key of a nested meta as written (`amount`, or a path like `a::b`).
pub(crate) fn path_key(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| {
            let p = &meta.path;
            quote!(#p).to_string().replace(' ', "")
        })
}

/// Consumes whatever follows a key (`= value` up to the next comma, or a
/// parenthesized group) so parsing continues after an error.
pub(crate) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let input = meta.input;
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        while !input.is_empty() && !input.peek(Token![,]) {
            input.parse::<proc_macro2::TokenTree>()?;
        }
    } else if input.peek(syn::token::Paren) {
        input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

/// Parses `= "..."` after a key.
pub(crate) fn lit_str(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

/// Parses an optional `= true|false` after a flag key; a bare flag is `true`.
pub(crate) fn flag(meta: &ParseNestedMeta<'_>) -> syn::Result<bool> {
    if meta.input.peek(Token![=]) {
        let b: syn::LitBool = meta.value()?.parse()?;
        Ok(b.value)
    } else {
        Ok(true)
    }
}

/// Records `key` as seen; a second occurrence is an error at its span.
pub(crate) fn first_time(cx: &mut Ctxt, seen: &mut Vec<String>, key: &str, span: Span) -> bool {
    if seen.iter().any(|k| k == key) {
        cx.error_at(
            span,
            format!("duplicate key `{key}`: it is already given above"),
        );
        false
    } else {
        seen.push(key.to_owned());
        true
    }
}

/// `crate = "..."`: the path generated code uses for `inipay_core`.
pub(crate) fn crate_path(cx: &mut Ctxt, lit: &LitStr) -> Option<syn::Path> {
    match lit.parse::<syn::Path>() {
        Ok(p) => Some(p),
        Err(_) => {
            cx.error_spanned_by(
                lit,
                "`crate` must be a path to inipay_core, e.g. `crate = \"::my_facade::inipay_core\"`",
            );
            None
        }
    }
}
