//! Cross-crate test suites for inipay (trybuild, adapter conformance, end-to-end).
