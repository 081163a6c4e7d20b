//! `#[derive(BillingOrder)]`: an order that issues a billing key (빌키 발급,
//! PROTOCOL.md 3), expanded to an `inipay_core::order::BillingOrder` impl
//! whose request is `inipay_core::billing::BillingKeyRequest`.

use crate::ctxt::Ctxt;
use crate::order::role;
use crate::roles::{self, Kind, RoleDef, Roles, Source};
use crate::suggest;
use crate::text;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident, LitStr};

/// The inibill roles and sizes (`inipay_core::billing::limits`, PROTOCOL.md 3.2).
const ROLES: &[RoleDef] = &[
    role(
        "order_id",
        "orderid",
        "the order id",
        Kind::Text,
        Some(64),
        true,
        false,
    ),
    role(
        "amount",
        "price",
        "the price",
        Kind::Amount,
        None,
        true,
        false,
    ),
    role(
        "goods",
        "goodname",
        "the product name",
        Kind::Text,
        Some(80),
        true,
        true,
    ),
    role(
        "buyer_name",
        "buyername",
        "the buyer name",
        Kind::Text,
        Some(30),
        true,
        true,
    ),
    role(
        "buyer_phone",
        "buyertel",
        "the buyer phone",
        Kind::OptText,
        Some(40),
        false,
        false,
    ),
    role(
        "buyer_email",
        "buyeremail",
        "the buyer e-mail",
        Kind::OptText,
        Some(60),
        false,
        false,
    ),
    role(
        "merchant_data",
        "p_noti",
        "the merchant data",
        Kind::OptText,
        None,
        false,
        true,
    ),
    role(
        "period",
        "period",
        "the billing period",
        Kind::Period,
        None,
        false,
        true,
    ),
];

const STRUCT_KEYS: &[&str] = &[
    "billing",
    "flg_crypto",
    "below_1000",
    "card_use",
    "period_custom",
    "size_unit",
    "goods",
    "buyer_name",
    "merchant_data",
    "period",
    "crate",
];

/// Phone product kinds (`type`): attribute name, `HppProduct` variant.
const PRODUCTS: &[(&str, &str)] = &[("content", "Content"), ("physical", "Physical")];
const CARD_USES: &[(&str, &str)] = &[("personal", "Personal"), ("corporate", "Corporate")];
const UNITS: &[(&str, &str)] = &[("utf8", "Utf8Bytes"), ("euc_kr", "EucKrBytes")];

#[derive(Default)]
struct Opts {
    krate: Option<syn::Path>,
    /// `card`, or `phone` with its product variant (`None`: missing).
    kind: Option<(&'static str, Option<&'static str>, Span)>,
    /// `billing = ...` was given (perhaps wrong, already reported).
    kind_given: bool,
    flg_crypto: bool,
    below_1000: bool,
    card_use: Option<(&'static str, Span)>,
    period_custom: Option<LitStr>,
    size_unit: Option<&'static str>,
}

/// The derive's entry point.
pub(crate) fn expand(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let mut roles = Roles::new(ROLES);
    let mut opts = Opts::default();
    parse_struct_attrs(&mut cx, input, &mut opts, &mut roles);
    match &input.data {
        syn::Data::Struct(s) => roles.collect_fields(&mut cx, &s.fields),
        _ => {
            cx.error_spanned_by(
                &input.ident,
                "#[derive(BillingOrder)] works on a struct with named fields",
            );
            roles.excuse_all();
        }
    }
    let unit = if opts.size_unit == Some("EucKrBytes") {
        text::Unit::EucKr
    } else {
        text::Unit::Utf8
    };
    roles.check_literals(&mut cx, unit);
    roles.check_required(&mut cx, &input.ident);
    check(&mut cx, &opts, &roles, &input.ident, unit);
    let krate = match &opts.krate {
        Some(p) => quote!(#p),
        None => quote!(::inipay_core),
    };
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let p = quote!(#krate::__private);
    if cx.has_errors() {
        let errors = cx.to_compile_errors();
        return quote! {
            #errors
            #[automatically_derived]
            impl #impl_generics #p::BillingOrder for #name #ty_generics #where_clause {
                const KIND: #p::BillingKind = #p::BillingKind::Card;
                fn order_id(&self) -> &str {
                    ::core::unreachable!()
                }
                fn price(&self) -> #p::Amount {
                    ::core::unreachable!()
                }
                fn billing_request(&self, _: &str) -> ::core::result::Result<#p::BillingKeyRequest, #p::FieldError> {
                    ::core::unreachable!()
                }
            }
        };
    }
    emit(input, &opts, &roles, &krate)
}

fn emit(input: &DeriveInput, opts: &Opts, roles: &Roles<'_>, krate: &TokenStream) -> TokenStream {
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let p = quote!(#krate::__private);
    let generic = input.generics.type_params().next().is_some()
        || input.generics.const_params().next().is_some();
    let (free_checks, fn_checks) = if generic {
        (TokenStream::new(), roles.capacity_checks(krate, true))
    } else {
        (roles.capacity_checks(krate, false), TokenStream::new())
    };
    let kind = match opts.kind {
        Some((_, Some(product), _)) => {
            let v = Ident::new(product, Span::call_site());
            quote!(#p::BillingKind::Phone(#p::HppProduct::#v))
        }
        _ => quote!(#p::BillingKind::Card),
    };
    let order_id = roles.text_expr(krate, "order_id");
    let amount = roles.amount_expr(krate, "amount");
    let goods = roles.text_expr(krate, "goods");
    let buyer_name = roles.text_expr(krate, "buyer_name");
    let mut values = vec![
        quote!(order_id: #order_id),
        quote!(price: #amount),
        quote!(goods: #goods),
        quote!(buyer_name: #buyer_name),
    ];
    for key in ["buyer_phone", "buyer_email", "merchant_data"] {
        if roles.get(key).is_some() {
            let k = Ident::new(key, Span::call_site());
            let e = roles.opt_text_expr(krate, key);
            values.push(quote!(#k: #e));
        }
    }
    let some = |t: TokenStream| quote!(::core::option::Option::Some(#t));
    let mut config = Vec::new();
    match roles.get("period") {
        Some(Source::Field { ident, ty, .. }) => {
            let e =
                quote_spanned!(ty.span()=> <#ty as #p::OptionalPeriod>::opt_period(&self.#ident));
            values.push(quote!(period: #e));
        }
        Some(Source::Literal(l)) => {
            let e = some(quote!(#l));
            config.push(quote!(period: #e));
        }
        None => {}
    }
    if opts.flg_crypto {
        config.push(quote!(encrypted: true));
    }
    if opts.below_1000 {
        config.push(quote!(below_1000: true));
    }
    if let Some((v, _)) = opts.card_use {
        let v = Ident::new(v, Span::call_site());
        let e = some(quote!(#p::CardUse::#v));
        config.push(quote!(card_use: #e));
    }
    if let Some(l) = &opts.period_custom {
        let e = some(quote!(#l));
        config.push(quote!(period_custom: #e));
    }
    if let Some(u) = opts.size_unit {
        let u = Ident::new(u, Span::call_site());
        let e = some(quote!(#p::SizeUnit::#u));
        config.push(quote!(size_unit: #e));
    }
    // `..DEFAULT` only when a field is left out (clippy's needless_update).
    let config_rest = (config.len() < 6).then(|| quote!(..#p::BillingConfig::DEFAULT));
    let values_rest = (values.len() < 8).then(|| quote!(..#p::BillingValues::EMPTY));
    quote! {
        #free_checks
        #[automatically_derived]
        impl #impl_generics #p::BillingOrder for #name #ty_generics #where_clause {
            const KIND: #p::BillingKind = #kind;

            #[inline]
            fn order_id(&self) -> &str {
                #order_id
            }

            #[inline]
            fn price(&self) -> #p::Amount {
                #amount
            }

            #[inline]
            fn billing_request(
                &self,
                return_url: &str,
            ) -> ::core::result::Result<#p::BillingKeyRequest, #p::FieldError> {
                #fn_checks
                const CONFIG: #p::BillingConfig = #p::BillingConfig { #(#config,)* #config_rest };
                #p::billing_request(
                    <Self as #p::BillingOrder>::KIND,
                    return_url,
                    &CONFIG,
                    #p::BillingValues { #(#values,)* #values_rest },
                )
            }
        }
    }
}

/// The checks that need the whole input.
fn check(cx: &mut Ctxt, opts: &Opts, roles: &Roles<'_>, name: &Ident, unit: text::Unit) {
    if !opts.kind_given {
        cx.error_spanned_by(
            name,
            "missing the billing-key kind: add #[inipay(billing = card)] or #[inipay(billing = phone(content))]",
        );
    }
    if let Some(Source::Literal(l)) = roles.get("merchant_data") {
        let v = l.value();
        if !v.is_ascii() || v.contains(['&', '"']) || v.chars().any(|c| c.is_ascii_control()) {
            cx.error_spanned_by(
                l,
                "p_noti (the merchant data) is printable ASCII without & or \"; base64-encode anything else",
            );
        }
    }
    if let Some(l) = &opts.period_custom
        && let Err(p) = text::check(&l.value(), Some(24), true, unit)
    {
        cx.error_spanned_by(l, text::message("period_custom", Some(24), &p));
    }
    let Some(("phone", _, _)) = opts.kind else {
        return;
    };
    // Phone billing-key forms carry no buyer contact, custom period or card choice.
    for key in ["buyer_phone", "buyer_email"] {
        if let Some(Source::Field { span, .. }) = roles.get(key) {
            let field = roles.def(key).map_or(key, |d| d.field);
            cx.error_at(
                *span,
                format!("{field} is sent only with card billing; this order is `billing = phone(...)`: remove the role or mark the field #[inipay(skip)]"),
            );
        }
    }
    if let Some((_, span)) = opts.card_use {
        cx.error_at(span, "card_use (carduse) applies to card billing only");
    }
    if let Some(l) = &opts.period_custom {
        cx.error_spanned_by(l, "period_custom applies to card billing only");
    }
    if let Some(Source::Literal(l)) = roles.get("period")
        && !matches!(l.value().as_str(), "M2" | "Y2")
    {
        cx.error_spanned_by(l, "phone billing shows a period of \"M2\" (monthly) or \"Y2\" (yearly) only, not a date range");
    }
}

fn parse_struct_attrs<'a>(
    cx: &mut Ctxt,
    input: &'a DeriveInput,
    opts: &mut Opts,
    roles: &mut Roles<'a>,
) {
    let mut seen: Vec<String> = Vec::new();
    let literal_keys = roles.literal_keys();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("inipay")) {
        let res = attr.parse_nested_meta(|meta| {
            let key = roles::path_key(&meta);
            let span = meta.path.span();
            if !STRUCT_KEYS.contains(&key.as_str()) {
                if matches!(key.as_str(), "methods" | "installments" | "reserved" | "noti") {
                    cx.error_at(
                        span,
                        format!(
                            "`{key}` belongs to #[derive(Order)] (Mobile WEB payments); a billing-key order takes one of: {}",
                            STRUCT_KEYS.join(", ")
                        ),
                    );
                } else {
                    roles.unknown_key(cx, span, "key", &key, STRUCT_KEYS);
                }
                return roles::skip_value(&meta);
            }
            if !roles::first_time(cx, &mut seen, &key, span) {
                return roles::skip_value(&meta);
            }
            match key.as_str() {
                "billing" => {
                    opts.kind_given = true;
                    let input = meta.value()?;
                    let id: Ident = input.parse()?;
                    let product = if input.peek(syn::token::Paren) {
                        let content;
                        syn::parenthesized!(content in input);
                        Some(content.parse::<Ident>()?)
                    } else {
                        None
                    };
                    match (id.to_string().as_str(), product) {
                        ("card", None) => opts.kind = Some(("card", None, id.span())),
                        ("card", Some(p)) => cx.error_spanned_by(&p, "card billing takes no product kind"),
                        ("phone", Some(p)) => match PRODUCTS.iter().find(|(n, _)| p == n) {
                            Some(&(_, v)) => opts.kind = Some(("phone", Some(v), id.span())),
                            None => {
                                let names: Vec<&str> = PRODUCTS.iter().map(|(n, _)| *n).collect();
                                cx.error_spanned_by(&p, suggest::unknown_message("phone product kind", &p.to_string(), &names));
                            }
                        },
                        ("phone", None) => cx.error_spanned_by(
                            &id,
                            "phone billing needs its product kind (`type`), which must match the carrier contract: billing = phone(content) or billing = phone(physical)",
                        ),
                        (other, _) => cx.error_spanned_by(
                            &id,
                            suggest::unknown_message("billing-key kind", other, &["card", "phone"]),
                        ),
                    }
                }
                "flg_crypto" => opts.flg_crypto = roles::flag(&meta)?,
                "below_1000" => opts.below_1000 = roles::flag(&meta)?,
                "card_use" => {
                    let id: Ident = meta.value()?.parse()?;
                    match CARD_USES.iter().find(|(n, _)| id == n) {
                        Some(&(_, v)) => opts.card_use = Some((v, span)),
                        None => {
                            let names: Vec<&str> = CARD_USES.iter().map(|(n, _)| *n).collect();
                            cx.error_spanned_by(&id, suggest::unknown_message("card use", &id.to_string(), &names));
                        }
                    }
                }
                "period_custom" => opts.period_custom = Some(roles::lit_str(&meta)?),
                "size_unit" => {
                    let id: Ident = meta.value()?.parse()?;
                    match UNITS.iter().find(|(n, _)| id == n) {
                        Some(&(_, v)) => opts.size_unit = Some(v),
                        None => {
                            let names: Vec<&str> = UNITS.iter().map(|(n, _)| *n).collect();
                            cx.error_spanned_by(&id, suggest::unknown_message("size unit", &id.to_string(), &names));
                        }
                    }
                }
                "crate" => {
                    let lit = roles::lit_str(&meta)?;
                    opts.krate = roles::crate_path(cx, &lit);
                }
                k if literal_keys.contains(&k) => {
                    let lit = roles::lit_str(&meta)?;
                    roles.set_literal(k, lit);
                }
                _ => roles::skip_value(&meta)?,
            }
            Ok(())
        });
        if let Err(e) = res {
            cx.syn_error(e);
        }
    }
}
