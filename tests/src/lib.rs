//! Cross-crate test suites for inipay (trybuild, adapter conformance, end-to-end).

pub mod conformance;
