//! `Flow::start`: recovery at start-up, then delivery in the background on
//! an injected clock; `stop` lets the delivery in progress finish and
//! leaves the rest pending.

use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Merchant, test_keys};
use inipay_core::encoding::Charset;
use inipay_core::flow::{
    BackgroundOptions, Delivery, EventHandler, Flow, FlowConfig, HandlerError,
};
use inipay_core::ledger::{
    Direction, Event, Intent, Ledger, MemoryStore, Message, MessageKind, NewPayment,
};
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, Mid, OrderId, Tid};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T0: u64 = 1_700_000_000_000;

/// A handler that takes `pause` per event and records each id when done.
struct Slow {
    pause: Duration,
    started: tokio::sync::Notify,
    done: Mutex<Vec<String>>,
}

impl EventHandler for Slow {
    fn handle<'a>(
        &'a self,
        d: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
        Box::pin(async move {
            self.started.notify_one();
            tokio::time::sleep(self.pause).await;
            self.done.lock().unwrap().push(d.id.to_string());
            Ok(())
        })
    }
}

async fn approved(l: &dyn Ledger, order: &str, n: u64, pending: bool) {
    let o = OrderId::new(order).unwrap();
    let at = Timestamp::from_unix_millis(T0);
    l.create_payment(NewPayment::new(
        o.clone(),
        Mid::new("INIpayTest").unwrap(),
        Amount::won(1000),
        at,
    ))
    .await
    .unwrap();
    let m = Message::new(
        MessageKind::ApprovalReply,
        Direction::Inbound,
        Charset::EucKr,
        b"P_STATUS=00".to_vec(),
        at,
    )
    .order(o.clone());
    let i = Intent::new(
        o,
        Event::Approved {
            tid: Tid::new(format!("INIMX_CARDINIpayTest{n:020}")).unwrap(),
            amount: Amount::won(1000),
        },
    );
    if pending {
        // Journaled, then the process died before applying it.
        l.append(m, Some(i)).await.unwrap();
    } else {
        l.record(m, i).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_recovers_delivers_and_stops_after_the_delivery_in_progress() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    approved(ledger.as_ref(), "BG-1", 1, true).await;
    approved(ledger.as_ref(), "BG-2", 2, false).await;
    let handler = Arc::new(Slow {
        pause: Duration::from_millis(300),
        started: tokio::sync::Notify::new(),
        done: Mutex::new(Vec::new()),
    });
    let merchant = Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox("http://127.0.0.1:9").unwrap(),
    )
    .unwrap();
    let flow = Arc::new(
        Flow::new(
            merchant,
            GatewayClient::new(ClientConfig::default()).unwrap(),
            ledger.clone(),
            FlowConfig::new("http://127.0.0.1:8080", "/inicis").unwrap(),
        )
        .with_events(handler.clone()),
    );
    let clock = Arc::new(|| Timestamp::from_unix_millis(T0 + 1_000));
    let background = flow
        .start_with(
            BackgroundOptions::default()
                .poll(Duration::from_millis(10))
                .clock(clock),
        )
        .await
        .unwrap();
    // Recovery applied the pending approval before anything else.
    assert!(ledger.pending().await.unwrap().is_empty());
    // Stop while the first delivery is in the handler.
    handler.started.notified().await;
    background.stop().await;
    let done = handler.done.lock().unwrap().clone();
    assert_eq!(done.len(), 1, "the delivery in progress finished: {done:?}");
    let undelivered = ledger.outbox_undelivered(10).await.unwrap();
    assert_eq!(undelivered.len(), 1, "the other one waits: {undelivered:?}");
    assert_ne!(undelivered[0].id.as_str(), done[0]);
    assert_eq!(undelivered[0].attempts, 0, "never claimed");
    // A new start delivers the rest.
    let background = flow
        .start_with(BackgroundOptions::default().poll(Duration::from_millis(10)))
        .await
        .unwrap();
    for _ in 0..200 {
        if ledger.outbox_undelivered(10).await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    background.stop().await;
    assert!(ledger.outbox_undelivered(10).await.unwrap().is_empty());
    assert_eq!(handler.done.lock().unwrap().len(), 2);
}
