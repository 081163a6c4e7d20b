//! Cross-crate test suites for inipay (trybuild, adapter conformance, end-to-end).
//!
//! The README's Rust examples are compiled here as doctests, so the front
//! page cannot drift from the API.

pub mod conformance;

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
