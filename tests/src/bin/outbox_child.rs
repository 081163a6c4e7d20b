//! An app process for the crash tests (`tests/tests/outbox_crash.rs`): it
//! opens a durable ledger as an app would and stops at a chosen point,
//! where the test kills it with SIGKILL.
//!
//! - `record URL ORDER N`: records an approved payment (its event goes to
//!   the outbox in the same transaction), prints `recorded`, then waits
//!   forever: killed between the transition and the handler call.
//! - `hang URL LOG`: delivers; the handler writes `start ID` to LOG, prints
//!   `in-handler ID` and never returns: killed inside the handler.
//! - `seed URL N`: records N approved payments (`SEED-0`..) and exits.
//! - `deliver-traced URL LOG`: delivers everything due with a handler that
//!   writes `start ID PID` and `end ID PID` around a short pause, and exits.
//! - `deliver URL LOG OFFSET_MS`: delivers everything due at the system
//!   clock + OFFSET_MS with a handler that dedupes by event id (it appends
//!   `done ID` to LOG unless LOG has it), prints `delivered N` and exits.

use inipay_core::encoding::Charset;
use inipay_core::flow::{Delivery, Dispatcher, EventHandler, HandlerError};
use inipay_core::ledger::{Direction, Event, Intent, Ledger, Message, MessageKind, NewPayment};
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, Mid, OrderId, Tid};
use inipay_tests::conformance::ledgers::open_ledger;
use std::future::Future;
use std::io::Write as _;
use std::pin::Pin;
use std::sync::Arc;

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn append(log: &str, line: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("log file");
    // One write of the whole line: with O_APPEND, lines of two processes
    // never interleave.
    f.write_all(format!("{line}\n").as_bytes())
        .expect("log write");
    f.sync_all().expect("log sync");
}

struct Hang(String);

impl EventHandler for Hang {
    fn handle<'a>(
        &'a self,
        d: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
        Box::pin(async move {
            append(&self.0, &format!("start {}", d.id));
            say(&format!("in-handler {}", d.id));
            std::future::pending::<()>().await;
            Ok(())
        })
    }
}

/// The app's idempotent handler: applies each event id once.
struct Dedupe(String);

impl EventHandler for Dedupe {
    fn handle<'a>(
        &'a self,
        d: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
        Box::pin(async move {
            let done = format!("done {}", d.id);
            let seen = std::fs::read_to_string(&self.0).unwrap_or_default();
            if !seen.lines().any(|l| l == done) {
                append(&self.0, &done);
            }
            Ok(())
        })
    }
}

/// Records an approved payment of 1,000 won for `order`.
async fn approve(ledger: &dyn Ledger, order: OrderId, n: u64) {
    let now = Timestamp::now();
    ledger
        .create_payment(NewPayment::new(
            order.clone(),
            Mid::new("INIpayTest").expect("mid"),
            Amount::won(1000),
            now,
        ))
        .await
        .expect("payment");
    let tid = Tid::new(format!("INIMX_CARDINIpayTest{n:020}")).expect("tid");
    let reply = Message::new(
        MessageKind::ApprovalReply,
        Direction::Inbound,
        Charset::EucKr,
        b"P_STATUS=00&P_TYPE=CARD&P_AMT=1000".to_vec(),
        now,
    )
    .order(order.clone());
    let rec = ledger
        .record(
            reply,
            Intent::new(
                order,
                Event::Approved {
                    tid,
                    amount: Amount::won(1000),
                },
            ),
        )
        .await
        .expect("record");
    assert!(rec.applied.is_transition());
}

/// Traces each delivery's start and end with the process id.
struct Traced(String);

impl EventHandler for Traced {
    fn handle<'a>(
        &'a self,
        d: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
        Box::pin(async move {
            let pid = std::process::id();
            append(&self.0, &format!("start {} {pid}", d.id));
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
            append(&self.0, &format!("end {} {pid}", d.id));
            Ok(())
        })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().expect("missing argument");
    let ledger: Arc<dyn Ledger> = open_ledger(&arg(1)).await;
    match arg(0).as_str() {
        "record" => {
            let order = OrderId::new(arg(2)).expect("order id");
            let n: u64 = arg(3).parse().expect("number");
            approve(ledger.as_ref(), order, n).await;
            say("recorded");
            std::future::pending::<()>().await;
        }
        "seed" => {
            let count: u64 = arg(2).parse().expect("count");
            for n in 0..count {
                let order = OrderId::new(format!("SEED-{n}")).expect("order id");
                approve(ledger.as_ref(), order, 1_000 + n).await;
            }
            say("seeded");
        }
        "deliver-traced" => {
            let d = Dispatcher::new(ledger, Arc::new(Traced(arg(2))))
                .with_config(inipay_core::flow::DispatchConfig::default());
            let mut total = 0;
            loop {
                let r = d.deliver_due(Timestamp::now()).await.expect("deliver");
                assert!(r.failed.is_empty() && r.lost_lease.is_empty(), "{r:?}");
                if r.delivered.is_empty() {
                    break;
                }
                total += r.delivered.len();
            }
            say(&format!("delivered {total}"));
        }

        "hang" => {
            let d = Dispatcher::new(ledger, Arc::new(Hang(arg(2))));
            let _ = d.deliver_due(Timestamp::now()).await;
            say("hang returned");
        }
        "deliver" => {
            let offset: u64 = arg(3).parse().expect("offset");
            let now = Timestamp::now().plus_secs(offset / 1000);
            let d = Dispatcher::new(ledger, Arc::new(Dedupe(arg(2))));
            let r = d.deliver_due(now).await.expect("deliver");
            assert!(r.failed.is_empty(), "{:?}", r.failed);
            say(&format!("delivered {}", r.delivered.len()));
        }
        other => panic!("unknown mode {other}"),
    }
}
