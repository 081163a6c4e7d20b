//! A faithful local KG INICIS: payment windows, approval, net-cancel,
//! notifications with retries, virtual-account deposits, billing-key windows,
//! INIAPI v1/v2, a control API with fault injection and a dashboard. It runs
//! offline on 127.0.0.1, serving every INICIS path under one base URL
//! (PROTOCOL.md 7).
//!
//! Quickstart (library):
//!
//! ```no_run
//! use inipay_sandbox::{Sandbox, SandboxConfig};
//! # #[tokio::main] async fn main() -> Result<(), inipay_sandbox::StartError> {
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! // Point the client at it: Endpoints::sandbox(sandbox.base_url())
//! println!("payment window: {}", sandbox.url("/smart/payment/"));
//! println!("dashboard:      {}", sandbox.url("/sandbox/"));
//! # Ok(()) }
//! ```
//!
//! Binary: `cargo run -p inipay-sandbox -- --port 8081`.
//!
//! Tests drive notification retries with a manual clock instead of sleeping:
//!
//! ```
//! use inipay_sandbox::{SandboxConfig, clock::Clock};
//! use std::time::Duration;
//! let clock = Clock::manual(1_704_078_000_000);
//! let cfg = SandboxConfig::default().with_clock(clock.clone());
//! clock.advance(Duration::from_secs(600)); // the next retry is now due
//! assert_eq!(clock.kst_timestamp(), "20240101121000");
//! # let _ = cfg;
//! ```
//!
//! The sandbox never uses `inipay-core`: its form codec, hashes and ciphers
//! ([`wire`]) are written from PROTOCOL.md and anchored by its known-answer
//! vectors, so a client bug cannot hide behind the same sandbox bug.
//!
//! Test card numbers in the payment window: `4111111111111111` (and any other
//! number) approves; `4000000000000002` is declined at approval (승인거절);
//! `4000000000009995` fails at approval with insufficient funds (잔액부족).

pub mod billing;
pub mod browser;
pub mod clock;
pub mod config;
mod control;
pub mod faults;
pub mod iniapi;
pub mod mobile;
mod noti;
mod server;
pub mod state;
pub mod wire;

pub use config::{BillkeyIv, MerchantKeys, RepeatApproval, SandboxConfig};
pub use server::{ControlError, Sandbox, StartError};
