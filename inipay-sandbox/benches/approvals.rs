//! Approvals per second: a bounded-duration load generator on 127.0.0.1.
//!
//! Each of `BENCH_CONCURRENCY` (default 32) workers registers an
//! authenticated card session in memory (what the payment window does when
//! the tester presses "approve") and then calls `POST /smart/payReq.ini` over
//! real HTTP with one shared keep-alive client, checking `P_STATUS=00`. The
//! generator and the server share the machine's cores.
//!
//! Run: `cargo bench -p inipay-sandbox --bench approvals` (`BENCH_SECS`,
//! default 5).

use inipay_sandbox::{Sandbox, SandboxConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let secs = env_u64("BENCH_SECS", 5);
    let workers = env_u64("BENCH_CONCURRENCY", 32);
    let sandbox = Arc::new(
        Sandbox::start(SandboxConfig::default())
            .await
            .expect("sandbox starts"),
    );
    let url = sandbox.url("/smart/payReq.ini");
    let client = reqwest::Client::new();
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    // Warm-up: open the keep-alive connections.
    for i in 0..workers {
        let tid = sandbox.__seed_authenticated_card("INIpayTest", &format!("warm{i}"), 1000);
        let _ = client
            .post(&url)
            .body(format!("P_MID=INIpayTest&P_TID={tid}"))
            .send()
            .await;
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (sandbox, client, url) = (sandbox.clone(), client.clone(), url.clone());
        let (done, failed, stop) = (done.clone(), failed.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let tid =
                    sandbox.__seed_authenticated_card("INIpayTest", &format!("B{w}_{n}"), 1000);
                let ok = match client
                    .post(&url)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(format!("P_MID=INIpayTest&P_TID={tid}"))
                    .send()
                    .await
                {
                    Ok(r) => r
                        .bytes()
                        .await
                        .is_ok_and(|b| b.starts_with(b"P_STATUS=00&")),
                    Err(_) => false,
                };
                if ok {
                    done.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    println!(
        "approvals: {n} in {elapsed:.2} s = {:.0} approvals/s ({} failed, {workers} workers, {} cores shared with the generator)",
        n as f64 / elapsed,
        failed.load(Ordering::Relaxed),
        std::thread::available_parallelism().map_or(0, |p| p.get()),
    );
}
