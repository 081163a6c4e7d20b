//! Procedural macros for inipay: `#[derive(Order)]`, `#[derive(BillingOrder)]`
//! and `merchant!`.
//!
//! Not used directly: enable the `derive` feature of `inipay-core` and use the
//! re-exports there, where every attribute is documented. Each macro parses,
//! checks (collecting every error with its span) and expands to code that
//! touches only `inipay_core::__private`.

mod billing;
mod ctxt;
mod merchant;
mod order;
mod roles;
mod suggest;
mod text;
mod types;

use proc_macro::TokenStream;

/// Implements `inipay_core::order::Order`; documented on `inipay_core::Order`.
#[proc_macro_derive(Order, attributes(inipay))]
pub fn derive_order(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    order::expand(&input).into()
}

/// Implements `inipay_core::order::BillingOrder`; documented on
/// `inipay_core::BillingOrder`.
#[proc_macro_derive(BillingOrder, attributes(inipay))]
pub fn derive_billing_order(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    billing::expand(&input).into()
}

/// Declares a merchant; documented on `inipay_core::merchant!`.
#[proc_macro]
pub fn merchant(input: TokenStream) -> TokenStream {
    merchant::expand(input.into()).into()
}
