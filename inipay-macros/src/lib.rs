//! Procedural macros for inipay: `#[derive(Order)]` and `merchant!`.
//!
//! Not used directly: enable the `derive` feature of `inipay-core` and use the
//! re-exports there. This crate is filled in by the derive issue; today it
//! exports nothing.
