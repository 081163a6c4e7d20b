//! `#[derive(BillingOrder)]`: an order that issues a billing key (빌키 발급,
//! PROTOCOL.md 3), expanded to an `inipay_core::order::BillingOrder` impl.

use crate::ctxt::Ctxt;
use crate::order::role;
use crate::roles::{self, Kind, RoleDef, Roles};
use crate::suggest;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident};

/// The inibill roles (PROTOCOL.md 3.2). inibill sizes are unpublished
/// (PROTOCOL.md 8.10): only the inilitepay limits that are known apply.
const ROLES: &[RoleDef] = &[
    role(
        "order_id",
        "orderid",
        "the order id",
        Kind::Text,
        Some(40),
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
        None,
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
    "goods",
    "buyer_name",
    "merchant_data",
    "period",
    "crate",
];

const KINDS: &[(&str, &str)] = &[("card", "Card"), ("phone", "Phone")];

#[derive(Default)]
struct Opts {
    krate: Option<syn::Path>,
    kind: Option<&'static str>,
    /// `billing = ...` was given (perhaps unknown, already reported).
    kind_given: bool,
    flg_crypto: bool,
    below_1000: bool,
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
    roles.check_required(&mut cx, &input.ident);
    if !opts.kind_given {
        cx.error_spanned_by(
            &input.ident,
            "missing the billing-key kind: add #[inipay(billing = card)] or #[inipay(billing = phone)]",
        );
    }
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
                const ENCRYPTED_BILLKEY: bool = false;
                const BELOW_1000: bool = false;
                fn billing_fields(&self) -> ::core::result::Result<#p::BillingFields, #p::FieldError> {
                    ::core::unreachable!()
                }
            }
        };
    }
    let generic = input.generics.type_params().next().is_some()
        || input.generics.const_params().next().is_some();
    let (free_checks, fn_checks) = if generic {
        (TokenStream::new(), roles.capacity_checks(&krate, true))
    } else {
        (roles.capacity_checks(&krate, false), TokenStream::new())
    };
    let kind = Ident::new(
        KINDS
            .iter()
            .find(|(k, _)| Some(*k) == opts.kind)
            .map_or("Card", |x| x.1),
        Span::call_site(),
    );
    let flg = opts.flg_crypto;
    let below = opts.below_1000;
    let order_id = roles.text_expr(&krate, "order_id");
    let amount = roles.amount_expr(&krate, "amount");
    let goods = roles.text_expr(&krate, "goods");
    let buyer_name = roles.text_expr(&krate, "buyer_name");
    let phone = roles.opt_text_expr(&krate, "buyer_phone");
    let email = roles.opt_text_expr(&krate, "buyer_email");
    let period = roles.period_expr(&krate, "period");
    let data = roles.opt_text_expr(&krate, "merchant_data");
    quote! {
        #free_checks
        #[automatically_derived]
        impl #impl_generics #p::BillingOrder for #name #ty_generics #where_clause {
            const KIND: #p::BillingKind = #p::BillingKind::#kind;
            const ENCRYPTED_BILLKEY: bool = #flg;
            const BELOW_1000: bool = #below;

            fn billing_fields(&self) -> ::core::result::Result<#p::BillingFields, #p::FieldError> {
                #fn_checks
                #p::BillingFields::new(
                    #order_id,
                    #amount,
                    #goods,
                    #buyer_name,
                    #phone,
                    #email,
                    #period,
                    #data,
                )
            }
        }
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
                let hint = match key.as_str() {
                    "methods" | "installments" | "reserved" | "noti" => format!(
                        "`{key}` belongs to #[derive(Order)] (Mobile WEB payments); a billing-key order takes one of: {}",
                        STRUCT_KEYS.join(", ")
                    ),
                    _ => {
                        roles.unknown_key(cx, span, "key", &key, STRUCT_KEYS);
                        return roles::skip_value(&meta);
                    }
                };
                cx.error_at(span, hint);
                return roles::skip_value(&meta);
            }
            if !roles::first_time(cx, &mut seen, &key, span) {
                return roles::skip_value(&meta);
            }
            match key.as_str() {
                "billing" => {
                    opts.kind_given = true;
                    let id: Ident = meta.value()?.parse()?;
                    match KINDS.iter().find(|(k, _)| id == k) {
                        Some(&(k, _)) => opts.kind = Some(k),
                        None => {
                            let names: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
                            cx.error_spanned_by(
                                &id,
                                suggest::unknown_message("billing-key kind", &id.to_string(), &names),
                            );
                        }
                    }
                }
                "flg_crypto" => opts.flg_crypto = roles::flag(&meta)?,
                "below_1000" => opts.below_1000 = roles::flag(&meta)?,
                "crate" => {
                    let lit = roles::lit_str(&meta)?;
                    opts.krate = roles::crate_path(cx, &lit);
                }
                k if literal_keys.contains(&k) => {
                    let lit = roles::lit_str(&meta)?;
                    roles.set_literal(cx, k, lit);
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
