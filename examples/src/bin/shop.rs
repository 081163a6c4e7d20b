//! The inipay demo shop, offline: `cargo run -p inipay-examples --bin shop`,
//! then open the printed URL. `PORT` changes the port (default 8080),
//! `INIPAY_SANDBOX_PORT` the sandbox's (default 8081: its dashboard keeps
//! one URL), `INIPAY_DEMO_DB` the SQLite ledger file (default
//! `inipay-demo.db`).

use inipay_examples::shop::{self, ShopConfig};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .init();
    let config = match ShopConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("inipay demo shop: {e}");
            return ExitCode::FAILURE;
        }
    };
    let running = match shop::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("inipay demo shop did not start: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            return ExitCode::FAILURE;
        }
    };
    println!();
    println!("  inipay 데모샵 (demo shop):  {}", running.url);
    println!(
        "  INICIS 샌드박스 대시보드 (sandbox dashboard):  {}",
        running.sandbox.url("/sandbox/")
    );
    println!("  Ctrl-C to stop.");
    println!();
    let served = running.server.await;
    // Deliveries in progress finish; the rest wait in the outbox.
    running.background.stop().await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}
