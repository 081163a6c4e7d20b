//! Runnable example shops for inipay.
//!
//! The demo shop is one command, offline: `cargo run -p inipay-examples --bin
//! shop`, then open <http://127.0.0.1:8080>. It runs an in-process INICIS
//! sandbox, an SQLite ledger file and the [`inipay_actix`] routes; see
//! [`shop`].

pub mod shop;
