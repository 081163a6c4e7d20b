//! The fault soak (issue 13): the flow behind the Actix adapter, a real
//! sandbox on 127.0.0.1 and a durable SQLite ledger, driven by concurrent
//! buyers through every mobile method (card, account transfer, virtual
//! account + deposit, phone, the three gift cards), billing keys (card and
//! phone, issued through a second merchant `INIBillTst` on the same ledger)
//! with charges, and refunds, while faults are injected at random: approval
//! timeouts, 500s, garbled and tampered replies, failing net cancels,
//! failing or disagreeing inquiries, failing billing windows and charges,
//! duplicate and re-ordered notifications, forged notifications, forged and
//! replayed billing-key results, app restarts (graceful, and hard: requests
//! in flight cut off) with the ledger closed and reopened.
//!
//! At the end the loose ends are settled the way production settles them
//! (the sandbox retries its notifications; the reconciler runs with its
//! clock moved past the stuck-approval window) and the invariants are
//! checked against the sandbox's own record:
//!
//! - every gateway transaction of a soak order is in the ledger with the
//!   state, TID, amount and refunded total the gateway has; a net-cancelled
//!   one is never paid;
//! - every paid payment matches an approval (or a deposit) at the gateway;
//!   no forged notification was applied; each paid order had exactly one
//!   paid/deposited event id;
//! - no payment is left `authenticated` unless the reconciliation report
//!   lists it for a person (its net cancel refused by the gateway);
//! - every event was delivered, and again only after a hard stop cut its
//!   first delivery off (at least once, never twice within one run);
//! - every notification was eventually answered `OK`;
//! - every billing key the gateway issued is stored sealed and decrypts to
//!   the gateway's key (unless a hard stop cut the buyer's post of the
//!   result off before the app answered), with one `BillkeyIssued` event;
//!   no forged result stored a key; every charge at the gateway was
//!   answered success with its TID (or honestly "outcome unknown"), and
//!   none answered failure exists at the gateway;
//! - no panic.
//!
//! The last line is exactly `soak: P payments, F faults, V violations` (P:
//! gateway transactions, charges included); the exit status is 1 when
//! V > 0. A benchmark, not a test: `bench/soak.sh [--seconds N]`.
//!
//! Usage: `soak [--seconds N] [--buyers N] [--seed N]`.

use actix_web::{App, HttpServer};
use inipay_actix::Inicis;
use inipay_core::billing::{BillingKeyRequest, HppProduct};
use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Merchant, test_keys};
use inipay_core::flow::{
    Background, BackgroundOptions, BillingConfig, BoxFuture, Delivery, EventHandler, Flow,
    FlowConfig, FlowEvent, HandlerError, OrderLookup, RefundConfig, RefundRequest, refund_method,
};
use inipay_core::iniapi::{BillingCharge, BillingMethod, ClientIp, IniapiConfig, RequestMeta};
use inipay_core::ledger::{BillkeyKey, Ledger, PaymentState, SqliteStore};
use inipay_core::mobile::{HppMethod, Method, PaymentRequest};
use inipay_core::order::{CheckoutContext, Order};
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, FieldError, OrderId, Tid};
use inipay_sandbox::browser::AutoForm;
use inipay_sandbox::faults::{Endpoint, Fault};
use inipay_sandbox::state::{Method as SandboxMethod, TxnStatus};
use inipay_sandbox::wire::{Charset, Form};
use inipay_sandbox::{Sandbox, SandboxConfig};
use secrecy::ExposeSecret;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

const MOUNT: &str = "/inicis";
/// Where the billing merchant's routes are mounted (MID `INIBillTst`).
const BILL_MOUNT: &str = "/bill";
/// The key billing keys are sealed with in the ledger.
const BILLKEY_SEAL: [u8; 32] = [7; 32];

// ---------------------------------------------------------------------------
// Orders: `SK-{n}-{amount}`, every method.

#[derive(Debug, Clone)]
struct SoakOrder {
    id: String,
    amount: u64,
}

impl Order for SoakOrder {
    const METHODS: &'static [Method] = &[
        Method::Card,
        Method::Bank,
        Method::Vbank,
        Method::Mobile(HppMethod::Physical),
        Method::Culture,
        Method::HappyMoney,
        Method::SmartCulture,
    ];

    fn order_id(&self) -> &str {
        &self.id
    }

    fn amount(&self) -> Amount {
        Amount::won(self.amount)
    }

    fn payment_request(&self, ctx: &CheckoutContext) -> Result<PaymentRequest, FieldError> {
        ctx.builder(self)
            .goods("소크테스트")
            .buyer_name("홍길동")
            .build()
    }
}

struct Orders;

impl OrderLookup for Orders {
    type Order = SoakOrder;

    fn find<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, Option<SoakOrder>> {
        Box::pin(async move {
            let mut parts = order_id.strip_prefix("SK-")?.split('-');
            let _n: u64 = parts.next()?.parse().ok()?;
            let amount: u64 = parts.next()?.parse().ok()?;
            Some(SoakOrder {
                id: order_id.to_owned(),
                amount,
            })
        })
    }
}

// ---------------------------------------------------------------------------
// The app's event handler: what a merchant's app would remember.

/// The deliveries of one event id: (attempt number, app generation) of
/// each, and the event.
type Deliveries = (Vec<(u32, u64)>, FlowEvent);

#[derive(Default)]
struct Heard {
    /// Deliveries per event id.
    by_id: Mutex<HashMap<String, Deliveries>>,
    /// The app's generation: one more at every restart.
    generation: AtomicU64,
}

impl EventHandler for Heard {
    fn handle<'a>(
        &'a self,
        delivery: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Ok(mut m) = self.by_id.lock() {
            m.entry(delivery.id.to_string())
                .or_insert_with(|| (Vec::new(), delivery.event.clone()))
                .0
                .push((delivery.attempt, generation));
        }
        Box::pin(async { Ok(()) })
    }
}

// ---------------------------------------------------------------------------
// A tiny deterministic random source (xorshift64*), one per task.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

// ---------------------------------------------------------------------------
// The running app: flow + background + Actix server, restartable.

struct RunningApp {
    flow: Arc<Flow>,
    background: Background,
    server: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

struct World {
    sandbox: Sandbox,
    db: PathBuf,
    port: u16,
    base_url: String,
    heard: Arc<Heard>,
    app: RwLock<Option<Arc<Flow>>>,
    /// The billing merchant's flow (same ledger), while the app runs.
    bill_app: RwLock<Option<Arc<Flow>>>,
    http: reqwest::Client,
    /// The merchant's own INIAPI client (billing charges).
    client: GatewayClient,
    billkey_key: BillkeyKey,
    /// Billing-key orders and charges the soak made.
    billing: Mutex<Vec<PlannedBilling>>,
    charges: Mutex<Vec<ChargeMade>>,
    /// Faults injected (each counted once, whether or not it fired).
    faults: AtomicU64,
    fault_kinds: Mutex<BTreeMap<&'static str, u64>>,
    /// Why journeys stopped early, by kind.
    interruptions: Mutex<BTreeMap<String, (u64, String)>>,
    /// Orders the soak created, with what the buyer did.
    orders: Mutex<Vec<Planned>>,
    next_order: AtomicU64,
    stop: AtomicBool,
    /// Forged notifications posted (and how the app answered them).
    forged: AtomicU64,
    /// App generations that ended with a hard stop (requests in flight cut
    /// off): an event delivered then may be delivered again (at least once).
    hard_ended: Mutex<std::collections::HashSet<u64>>,
}

#[derive(Debug, Clone)]
struct Planned {
    oid: String,
    method: &'static str,
    amount: u64,
    /// A forged deposit or payment notification was posted and no real one
    /// may follow: the order must never be paid.
    forged_only: bool,
}

impl World {
    fn fault(&self, kind: &'static str) {
        self.faults.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut m) = self.fault_kinds.lock() {
            *m.entry(kind).or_default() += 1;
        }
    }

    /// Counts why a journey stopped early (its reason without numbers).
    fn interruption(&self, reason: &str) {
        let kind: String = reason
            .chars()
            .take_while(|c| *c != ':')
            .filter(|c| !c.is_ascii_digit())
            .collect();
        if let Ok(mut m) = self.interruptions.lock() {
            let e = m.entry(kind).or_insert_with(|| (0, reason.to_owned()));
            e.0 += 1;
        }
    }

    fn inject(&self, kind: &'static str, endpoint: Endpoint, fault: Fault) {
        self.sandbox.inject(endpoint, fault, 1);
        self.fault(kind);
    }

    fn flow(&self) -> Option<Arc<Flow>> {
        self.app.read().ok().and_then(|a| a.clone())
    }

    fn bill_flow(&self) -> Option<Arc<Flow>> {
        self.bill_app.read().ok().and_then(|a| a.clone())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{MOUNT}{path}", self.base_url)
    }

    async fn start_app(&self) -> Result<RunningApp, String> {
        let ledger: Arc<dyn Ledger> = Arc::new(
            SqliteStore::open(&self.db)
                .await
                .map_err(|e| format!("ledger: {e}"))?,
        );
        let merchant = Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox(self.sandbox.base_url()).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        let config = FlowConfig::new(&self.base_url, MOUNT).map_err(|e| e.to_string())?;
        let client = GatewayClient::new(ClientConfig {
            total_timeout: Duration::from_millis(1500),
            ..ClientConfig::default()
        })
        .map_err(|e| e.to_string())?;
        let refunds = RefundConfig::new(ClientIp::parse("127.0.0.1").map_err(|e| e.to_string())?);
        let flow = Arc::new(
            Flow::new(merchant, client, ledger, config)
                .with_events(self.heard.clone())
                .with_refunds(refunds),
        );
        let background = flow
            .start_with(BackgroundOptions::default().poll(Duration::from_millis(200)))
            .await
            .map_err(|e| format!("background: {e}"))?;
        let inicis = Inicis::new(flow.clone(), Arc::new(Orders));
        // A second merchant for billing keys, on the same ledger; the first
        // flow's background task delivers its events too (one outbox).
        let bill_merchant = Merchant::test(
            "INIBillTst",
            test_keys::ini_bill_tst(),
            Endpoints::sandbox(self.sandbox.base_url()).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        let bill_flow = Arc::new(
            Flow::new(
                bill_merchant,
                self.client.clone(),
                flow.ledger().clone(),
                FlowConfig::new(&self.base_url, BILL_MOUNT).map_err(|e| e.to_string())?,
            )
            .with_events(self.heard.clone())
            .with_billing(BillingConfig::new(
                BillkeyKey::new("soak", &BILLKEY_SEAL).map_err(|e| e.to_string())?,
            )),
        );
        let bill = Inicis::new(bill_flow.clone(), Arc::new(Orders));
        let mut last = None;
        let mut listener = None;
        for _ in 0..100 {
            match std::net::TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(e) => {
                    last = Some(e);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        let listener = listener.ok_or_else(|| format!("bind: {last:?}"))?;
        let server = HttpServer::new(move || {
            App::new()
                .configure(|c| inicis.configure(c))
                .configure(|c| bill.configure(c))
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(5)
        .listen(listener)
        .map_err(|e| e.to_string())?
        .run();
        let handle = server.handle();
        let task = tokio::spawn(server);
        if let Ok(mut a) = self.app.write() {
            *a = Some(flow.clone());
        }
        if let Ok(mut a) = self.bill_app.write() {
            *a = Some(bill_flow);
        }
        Ok(RunningApp {
            flow,
            background,
            server: handle,
            task,
        })
    }
}

async fn stop_app(w: &World, app: RunningApp, graceful: bool) {
    if let Ok(mut a) = w.app.write() {
        *a = None;
    }
    if let Ok(mut a) = w.bill_app.write() {
        *a = None;
    }
    if !graceful && let Ok(mut h) = w.hard_ended.lock() {
        h.insert(w.heard.generation.load(Ordering::SeqCst));
    }
    app.server.stop(graceful).await;
    let _ = app.task.await;
    app.background.stop().await;
    drop(app.flow);
    w.heard.generation.fetch_add(1, Ordering::SeqCst);
}

// ---------------------------------------------------------------------------
// The buyer's browser, without panics: every step may meet a restart.

struct Page {
    status: u16,
    body: Vec<u8>,
}

async fn read(r: Result<reqwest::Response, reqwest::Error>) -> Result<Page, String> {
    let r = r.map_err(|e| format!("request: {e}"))?;
    let status = r.status().as_u16();
    let body = r.bytes().await.map_err(|e| format!("body: {e}"))?.to_vec();
    Ok(Page { status, body })
}

fn submit_charset(page: &[u8], form: &AutoForm) -> Charset {
    let text = String::from_utf8_lossy(page).to_ascii_lowercase();
    if text.contains("accept-charset=\"euc-kr\"") {
        Charset::EucKr
    } else {
        form.charset
    }
}

async fn submit(w: &World, page: &Page) -> Result<Page, String> {
    let form = AutoForm::parse(&page.body).ok_or("no auto-submitting form")?;
    let body = form.fields.encode(submit_charset(&page.body, &form));
    let r = if form.get {
        let sep = if form.action.contains('?') { '&' } else { '?' };
        let query = String::from_utf8(body).map_err(|_| "query not ASCII")?;
        w.http
            .get(format!("{}{sep}{query}", form.action))
            .send()
            .await
    } else {
        w.http
            .post(&form.action)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
    };
    read(r).await
}

fn session_of(window: &Page) -> Result<String, String> {
    let html = String::from_utf8_lossy(&window.body);
    let pat = "name=\"session\" value=\"";
    let start = html.find(pat).ok_or("no session in the window")? + pat.len();
    let end = html[start..].find('"').ok_or("no session end")? + start;
    Ok(html[start..end].to_owned())
}

async fn press(
    w: &World,
    session: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> Result<Page, String> {
    let mut pairs = vec![("session", session), ("action", action)];
    pairs.extend_from_slice(extra);
    let body = Form::from_pairs(pairs).encode(Charset::Utf8);
    read(
        w.http
            .post(w.sandbox.url("/smart/sandbox/complete"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await,
    )
    .await
}

async fn post_noti(w: &World, body: String) -> Result<Page, String> {
    read(
        w.http
            .post(w.url("/noti"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await,
    )
    .await
}

fn forged_noti(status: &str, pay_type: &str, tid: &str, oid: &str, amount: u64) -> String {
    format!(
        "P_TID={tid}&P_MID=INIpayTest&P_AUTH_DT=20240101120500&P_STATUS={status}&P_TYPE={pay_type}&P_OID={oid}&P_FN_CD1=88&P_AMT={amount}&P_RMESG1=&P_NOTI="
    )
}

const METHODS: [&str; 7] = ["CARD", "BANK", "VBANK", "MOBILE", "CULTURE", "HPMN", "DGCL"];

async fn payment_state(w: &World, oid: &str) -> Option<(PaymentState, Option<String>)> {
    let flow = w.flow()?;
    let oid = OrderId::new(oid).ok()?;
    let p = flow.ledger().payment(&oid).await.ok()??;
    Some((p.state, p.tid.map(|t| t.as_str().to_owned())))
}

/// One buyer's journey; `Err` is an interruption (a restart, a fault the
/// buyer saw), never a violation: those are judged at the end.
async fn journey(w: &World, rng: &mut Rng) -> Result<(), String> {
    if rng.chance(12) {
        return journey_billing(w, rng).await;
    }
    let n = w.next_order.fetch_add(1, Ordering::Relaxed);
    let method = METHODS[rng.below(METHODS.len() as u64) as usize];
    let amount = 1_000 + 10 * rng.below(500);
    let oid = format!("SK-{n}-{amount}");
    let mut plan = Planned {
        oid: oid.clone(),
        method,
        amount,
        forged_only: false,
    };

    let checkout = read(
        w.http
            .get(w.url(&format!("/checkout/{oid}?method={method}")))
            .send()
            .await,
    )
    .await?;
    if checkout.status != 200 {
        return Err(format!("checkout {}", checkout.status));
    }
    // Abandoned after checkout, and a forged "paid" notification for it
    // (two-transaction card: a `00` notification must never pay it).
    if method == "CARD" && rng.chance(4) {
        plan.forged_only = true;
        push(w, plan);
        w.forged.fetch_add(1, Ordering::Relaxed);
        w.fault("forged_paid_noti");
        let tid = format!("INIMX_CARDINIpayTest2024010112050{:09}", n % 1_000_000_000);
        post_noti(w, forged_noti("00", "CARD", &tid, &oid, amount)).await?;
        return Ok(());
    }
    push(w, plan.clone());
    let window = submit(w, &checkout).await?;
    if window.status != 200 {
        return Err(format!("window {}", window.status));
    }
    let session = session_of(&window)?;
    let (action, extra): (&str, Vec<(&str, &str)>) = match rng.below(100) {
        0..=3 => ("cancel", vec![]),
        4..=6 if method == "CARD" => ("approve", vec![("card_number", "4000000000000002")]),
        7..=8 if method == "CARD" => ("approve", vec![("card_number", "4000000000009995")]),
        _ if method == "CARD" => ("approve", vec![("card_number", "4111111111111111")]),
        _ => ("approve", vec![]),
    };
    let result = press(w, &session, action, &extra).await?;
    if result.status != 200 {
        return Err(format!("window result {}", result.status));
    }
    // Faults on the approval the app is about to make.
    if action == "approve" && rng.chance(25) {
        match rng.below(6) {
            0 => w.inject(
                "approval_timeout",
                Endpoint::Approval,
                Fault::Delay { millis: 3_000 },
            ),
            1 => w.inject("approval_500", Endpoint::Approval, Fault::Http500),
            2 => w.inject("approval_garbled", Endpoint::Approval, Fault::Garbled),
            3 => w.inject(
                "approval_amount_tampered",
                Endpoint::Approval,
                Fault::TamperAmount,
            ),
            4 => w.inject(
                "approval_oid_tampered",
                Endpoint::Approval,
                Fault::TamperOrderId,
            ),
            _ => {
                w.inject("approval_500", Endpoint::Approval, Fault::Http500);
                w.inject("net_cancel_500", Endpoint::NetCancel, Fault::Http500);
            }
        }
    }
    let next = submit(w, &result).await?;
    if next.status != 303 {
        return Err(format!("next {}", next.status));
    }
    let Some((state, tid)) = payment_state(w, &oid).await else {
        return Err("no payment after next".into());
    };
    match state {
        PaymentState::VbankIssued => {
            let tid = tid.ok_or("issued without TID")?;
            if rng.chance(15) {
                // A forged deposit (입금통보) with the real TID, order id and
                // amount; no real deposit follows.
                set_forged(w, &oid);
                w.forged.fetch_add(1, Ordering::Relaxed);
                w.fault("forged_deposit");
                post_noti(w, forged_noti("02", "VBANK", &tid, &oid, amount)).await?;
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(rng.below(200))).await;
            if rng.chance(30) {
                match rng.below(4) {
                    0 => w.inject("noti_duplicated", Endpoint::Noti, Fault::DuplicateNoti),
                    1 => w.inject("noti_reordered", Endpoint::Noti, Fault::ReorderNoti),
                    2 => w.inject("inquiry_500", Endpoint::Inquiry, Fault::Http500),
                    _ => w.inject(
                        "inquiry_amount_tampered",
                        Endpoint::Inquiry,
                        Fault::TamperAmount,
                    ),
                }
            }
            w.sandbox
                .deposit_vbank(&tid)
                .map_err(|e| format!("deposit: {e:?}"))?;
        }
        PaymentState::Approved
            if rng.chance(30)
                && tid
                    .as_deref()
                    .and_then(|t| Tid::new(t).ok())
                    .is_some_and(|t| refund_method(&t).is_some()) =>
        {
            let flow = w.flow().ok_or("app restarting")?;
            if rng.chance(20) {
                w.inject("refund_500", Endpoint::IniapiV1, Fault::Http500);
            }
            let request = if rng.chance(50) && matches!(method, "CARD") {
                RefundRequest::partial(Amount::won(amount / 2), "부분취소 soak")
            } else {
                RefundRequest::full("취소 soak")
            };
            flow.refund(&oid, request, Timestamp::now())
                .await
                .map_err(|e| format!("refund: {e}"))?;
        }
        _ => {}
    }
    Ok(())
}

fn push(w: &World, plan: Planned) {
    if let Ok(mut o) = w.orders.lock() {
        o.push(plan);
    }
}

fn set_forged(w: &World, oid: &str) {
    if let Ok(mut o) = w.orders.lock()
        && let Some(p) = o.iter_mut().find(|p| p.oid == oid)
    {
        p.forged_only = true;
    }
}

// ---------------------------------------------------------------------------
// Billing keys (빌링키) and charges: issuance through the billing flow's page,
// the sandbox's inibill window and the adapter's `billing/return`; charges
// through INIAPI with the key revealed from the ledger.

/// A billing-key order of the soak and what became of it.
#[derive(Debug, Clone)]
struct PlannedBilling {
    oid: String,
    /// Phone (HPP) rather than card.
    phone: bool,
    /// Only a forged result was posted: no key may be stored.
    forged_only: bool,
    /// The app answered the buyer's post of the window's result (a hard
    /// stop may cut it off: then INICIS's key never reached the app, as
    /// when a buyer closes the browser, and nobody can be charged on it).
    answered: bool,
}

/// A charge the soak made and the answer it got.
#[derive(Debug, Clone)]
struct ChargeMade {
    moid: String,
    amount: u64,
    answer: ChargeAnswer,
}

/// What the gateway answered a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ChargeAnswer {
    /// Success, with the charge's TID.
    Charged(String),
    /// A definite failure: nothing may have been charged.
    Failed,
    /// No usable answer (timeout, 5xx): the card may have been charged
    /// (`ClientError::is_outcome_unknown`); a merchant must look it up.
    Unknown,
}

async fn journey_billing(w: &World, rng: &mut Rng) -> Result<(), String> {
    let n = w.next_order.fetch_add(1, Ordering::Relaxed);
    let phone = rng.chance(40);
    let amount = 1_000 + 100 * rng.below(90);
    let oid = format!("SKB-{n}");
    let flow = w.bill_flow().ok_or("app restarting")?;
    let mut plan = PlannedBilling {
        oid: oid.clone(),
        phone,
        forged_only: false,
        answered: false,
    };
    // A forged billing-key result (PROTOCOL.md 3.4: unsigned) for an order
    // nobody started: never stored.
    if rng.chance(8) {
        plan.forged_only = true;
        push_billing(w, plan);
        w.forged.fetch_add(1, Ordering::Relaxed);
        w.fault("forged_billing_result");
        let body = format!(
            "resultcode=00&resultmsg=OK&billkey=0123456789abcdef0123456789abcdef01234567&orderid={oid}&mid=INIBillTst&tid=INIBillTst{n:020}&cardcd=06&cardno=536510******1234"
        );
        let r = read(
            w.http
                .post(format!(
                    "{}/bill/billing/return?oid={oid}&n=forged{n}",
                    w.base_url
                ))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await,
        )
        .await?;
        return if r.status == 303 {
            Ok(())
        } else {
            Err(format!("forged billing result {}", r.status))
        };
    }
    push_billing(w, plan);
    let request = if phone {
        BillingKeyRequest::phone(&oid, Amount::won(amount), HppProduct::Content)
    } else {
        BillingKeyRequest::card(&oid, Amount::won(amount))
    }
    .goods("월 구독")
    .buyer_name("홍길동")
    .return_url("https://replaced.invalid/")
    .build()
    .map_err(|e| format!("billing request: {e}"))?;
    let page = flow
        .billing_checkout(request, Timestamp::now())
        .await
        .map_err(|e| format!("billing checkout: {e}"))?;
    if rng.chance(8) {
        w.inject(
            "billing_window_500",
            Endpoint::BillingWindow,
            Fault::Http500,
        );
    }
    let page = Page {
        status: 200,
        body: page.html.into_bytes(),
    };
    let window = submit(w, &page).await?;
    if window.status != 200 {
        return Err(format!("billing window {}", window.status));
    }
    let session = session_of(&window)?;
    let action = if rng.chance(5) { "cancel" } else { "approve" };
    let choice: &[(&str, &str)] = if phone {
        &[("carrier", "SKT"), ("phone", "01012345678")]
    } else {
        &[("card_code", "06"), ("card_number", "5365101234561234")]
    };
    let mut pairs = vec![("session", session.as_str()), ("action", action)];
    pairs.extend_from_slice(choice);
    let result = read(
        w.http
            .post(w.sandbox.url("/inibill/sandbox/complete"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(Form::from_pairs(pairs).encode(Charset::Utf8))
            .send()
            .await,
    )
    .await?;
    if result.status != 200 {
        return Err(format!("billing window result {}", result.status));
    }
    let back = submit(w, &result).await?;
    if back.status != 303 {
        return Err(format!("billing return {}", back.status));
    }
    if let Ok(mut o) = w.billing.lock()
        && let Some(p) = o.iter_mut().find(|p| p.oid == oid)
    {
        p.answered = true;
    }
    // The same result replayed: refused, nothing changes.
    if rng.chance(10) {
        w.fault("billing_result_replayed");
        let again = submit(w, &result).await?;
        if again.status != 303 {
            return Err(format!("replayed billing return {}", again.status));
        }
    }
    if action != "approve" {
        return Ok(());
    }
    // Charges: the first one, and sometimes the next period's.
    let charges = 1 + rng.below(2);
    for c in 0..charges {
        let flow = w.bill_flow().ok_or("app restarting")?;
        let order = OrderId::new(&oid).map_err(|e| e.to_string())?;
        let Some(key) = flow
            .ledger()
            .reveal_billkey(&w.billkey_key, &order)
            .await
            .map_err(|e| format!("reveal: {e}"))?
        else {
            return Err("no billing key stored after issuance".into());
        };
        if rng.chance(15) {
            w.inject("billing_charge_500", Endpoint::IniapiV1, Fault::Http500);
        }
        let moid = format!("SKC-{n}-{c}");
        let method = if phone {
            BillingMethod::Hpp
        } else {
            BillingMethod::Card
        };
        let charge = BillingCharge::builder(method, &moid, Amount::won(amount), key)
            .site_url("127.0.0.1")
            .goods_name("월 구독")
            .buyer_name("홍길동")
            .buyer_email("buyer@example.com")
            .buyer_tel("01012345678")
            .build()
            .map_err(|e| format!("charge: {e}"))?;
        let meta = RequestMeta::new(Timestamp::now(), "127.0.0.1").map_err(|e| e.to_string())?;
        let signed = IniapiConfig::default()
            .sign(&charge, flow.merchant(), &meta)
            .map_err(|e| format!("sign: {e}"))?;
        let tid = match w.client.billing_charge(&signed).await {
            Ok(ex) => match ex.parsed {
                Ok(reply) if reply.result.is_success() => {
                    Some(reply.tid.ok_or("charged without a TID")?)
                }
                _ => None,
            },
            Err(e) if e.is_outcome_unknown() => {
                push_charge(w, moid, amount, ChargeAnswer::Unknown);
                return Err(format!("charge outcome unknown: {e}"));
            }
            Err(_) => None,
        };
        let answer = match tid {
            Some(t) => ChargeAnswer::Charged(t),
            None => ChargeAnswer::Failed,
        };
        push_charge(w, moid, amount, answer);
    }
    Ok(())
}

fn push_charge(w: &World, moid: String, amount: u64, answer: ChargeAnswer) {
    if let Ok(mut m) = w.charges.lock() {
        m.push(ChargeMade {
            moid,
            amount,
            answer,
        });
    }
}

fn push_billing(w: &World, plan: PlannedBilling) {
    if let Ok(mut o) = w.billing.lock() {
        o.push(plan);
    }
}

/// The billing invariants: every key the gateway issued to a soak order is
/// stored sealed, decrypts to the gateway's key, and was announced to the app
/// once; no forged result stored a key; every charge the gateway recorded was
/// answered success to the soak with the same TID and amount, and no charge
/// answered failure exists at the gateway.
async fn check_billing(w: &World, ledger: &Arc<dyn Ledger>, violations: &mut Vec<String>) {
    let plans = w.billing.lock().map(|o| o.clone()).unwrap_or_default();
    let charges = w.charges.lock().map(|o| o.clone()).unwrap_or_default();
    let heard = w.heard.by_id.lock().map(|m| m.clone()).unwrap_or_default();
    let issued = w.sandbox.billkeys();
    let mut v = |s: String| violations.push(s);
    let mut stored = 0usize;
    let mut lost_in_transit = 0usize;
    for p in &plans {
        let Ok(oid) = OrderId::new(&p.oid) else {
            continue;
        };
        let key = match ledger.reveal_billkey(&w.billkey_key, &oid).await {
            Ok(k) => k,
            Err(e) => {
                v(format!("{}: billing key: {e}", p.oid));
                continue;
            }
        };
        let gateway = issued.iter().filter(|b| b.oid == p.oid).count();
        let events = heard
            .values()
            .filter(|(_, e)| {
                matches!(e, FlowEvent::BillkeyIssued { order_id, .. } if order_id.as_str() == p.oid)
            })
            .count();
        match key {
            Some(k) => {
                stored += 1;
                if p.forged_only {
                    v(format!("{}: a forged billing result was stored", p.oid));
                }
                let mine = issued
                    .iter()
                    .any(|b| b.oid == p.oid && b.key == k.expose_secret());
                if !mine {
                    v(format!(
                        "{}: the stored key is not the one the gateway issued",
                        p.oid
                    ));
                }
                if events != 1 {
                    v(format!("{}: {events} billkey-issued events", p.oid));
                }
                let kind = if p.phone { "HPP" } else { "Card" };
                if !issued.iter().any(|b| b.oid == p.oid && b.paymethod == kind) {
                    v(format!("{}: issued as another method than {kind}", p.oid));
                }
            }
            None => {
                if gateway > 0 && p.answered {
                    v(format!(
                        "{}: the gateway issued a key the ledger lost",
                        p.oid
                    ));
                }
                if gateway > 0 && !p.answered {
                    lost_in_transit += 1;
                }
                if events > 0 {
                    v(format!(
                        "{}: billkey-issued event without a stored key",
                        p.oid
                    ));
                }
            }
        }
    }
    let soak_issued = issued.iter().filter(|b| b.oid.starts_with("SKB-")).count();
    if lost_in_transit > 0 {
        eprintln!(
            "soak: {lost_in_transit} billing keys issued whose result a hard stop cut off before the app answered"
        );
    }
    if soak_issued != stored + lost_in_transit {
        v(format!(
            "gateway issued {soak_issued} billing keys, ledger stores {stored}"
        ));
    }
    let txns = w.sandbox.transactions();
    for t in txns.iter().filter(|t| t.oid.starts_with("SKC-")) {
        match charges.iter().find(|c| c.moid == t.oid) {
            Some(c) if c.amount != t.amount => v(format!(
                "{}: gateway charged {}, the soak asked {}",
                t.oid, t.amount, c.amount
            )),
            Some(ChargeMade {
                answer: ChargeAnswer::Charged(tid),
                ..
            }) if *tid == t.tid => {}
            // Said unknown, and it was charged: the answer was honest.
            Some(ChargeMade {
                answer: ChargeAnswer::Unknown,
                ..
            }) => {}
            Some(c) => v(format!(
                "{}: gateway charged {} as {}, the soak was told {:?}",
                t.oid, t.amount, t.tid, c.answer
            )),
            None => v(format!("{}: a charge nobody made", t.oid)),
        }
    }
    for c in charges
        .iter()
        .filter(|c| matches!(c.answer, ChargeAnswer::Charged(_)))
    {
        if !txns.iter().any(|t| t.oid == c.moid) {
            v(format!(
                "{}: told charged, the gateway has no such charge",
                c.moid
            ));
        }
    }
}

// ---------------------------------------------------------------------------
// The checks.

const PAID: [PaymentState; 4] = [
    PaymentState::Approved,
    PaymentState::VbankDeposited,
    PaymentState::PartiallyRefunded,
    PaymentState::Refunded,
];

async fn check(w: &World, ledger: &Arc<dyn Ledger>, violations: &mut Vec<String>) {
    let txns = w.sandbox.transactions();
    let orders = w.orders.lock().map(|o| o.clone()).unwrap_or_default();
    let heard = w.heard.by_id.lock().map(|m| m.clone()).unwrap_or_default();
    let mut v = |s: String| violations.push(s);

    // Every gateway transaction of the soak's orders against the ledger.
    for t in txns.iter().filter(|t| t.oid.starts_with("SK-")) {
        let Ok(oid) = OrderId::new(&t.oid) else {
            v(format!("{}: sandbox order id not valid", t.oid));
            continue;
        };
        let p = match ledger.payment(&oid).await {
            Ok(Some(p)) => p,
            Ok(None) => {
                v(format!(
                    "{}: gateway transaction {} unknown to the ledger",
                    t.oid, t.tid
                ));
                continue;
            }
            Err(e) => {
                v(format!("{}: ledger: {e}", t.oid));
                continue;
            }
        };
        let same_tid = p.tid.as_ref().map(|x| x.as_str()) == Some(t.tid.as_str());
        let deposited = t.vbank.as_ref().is_some_and(|vb| vb.deposited);
        let expected = match t.status {
            TxnStatus::NetCancelled => None,
            TxnStatus::VbankWaiting => Some(PaymentState::VbankIssued),
            TxnStatus::Cancelled => Some(PaymentState::Refunded),
            TxnStatus::Approved if t.remaining < t.amount => Some(PaymentState::PartiallyRefunded),
            TxnStatus::Approved if t.method == SandboxMethod::Vbank => {
                Some(PaymentState::VbankDeposited)
            }
            TxnStatus::Approved => Some(PaymentState::Approved),
        };
        match expected {
            None => {
                if same_tid && PAID.contains(&p.state) {
                    v(format!(
                        "{}: net-cancelled at the gateway but {} in the ledger",
                        t.oid, p.state
                    ));
                }
            }
            Some(state) => {
                if !same_tid || p.state != state {
                    v(format!(
                        "{}: gateway {:?} (deposited {deposited}, remaining {}) but ledger {} tid match {same_tid}",
                        t.oid, t.status, t.remaining, p.state
                    ));
                }
                if p.amount.get() != t.amount {
                    v(format!(
                        "{}: amount {} vs gateway {}",
                        t.oid,
                        p.amount.get(),
                        t.amount
                    ));
                }
                if p.refunded.get() != t.amount - t.remaining {
                    v(format!(
                        "{}: refunded {} vs gateway {}",
                        t.oid,
                        p.refunded.get(),
                        t.amount - t.remaining
                    ));
                }
            }
        }
    }

    // What the reconciliation report puts in front of a person.
    let later = Timestamp::from_unix_millis(Timestamp::now().unix_millis() + 24 * 3_600_000);
    let listed: std::collections::HashSet<String> = match ledger.reconciliation(later).await {
        Ok(r) => r
            .failed_net_cancels
            .iter()
            .chain(&r.stuck_authenticated)
            .map(|p| p.order_id.as_str().to_owned())
            .collect(),
        Err(e) => {
            v(format!("reconciliation report: {e}"));
            Default::default()
        }
    };
    let mut stuck = 0usize;

    // Every order the buyers made, against the gateway and the events.
    for o in &orders {
        let Ok(oid) = OrderId::new(&o.oid) else {
            continue;
        };
        let p = match ledger.payment(&oid).await {
            Ok(p) => p,
            Err(e) => {
                v(format!("{}: ledger: {e}", o.oid));
                continue;
            }
        };
        let paid_ids = heard
            .iter()
            .filter(|(_, (_, e))| {
                matches!(e, FlowEvent::Paid { .. } | FlowEvent::Deposited { .. })
                    && e.order_id().map(|x| x.as_str()) == Some(o.oid.as_str())
            })
            .count();
        let Some(p) = p else {
            if paid_ids > 0 {
                v(format!(
                    "{}: app told paid, no payment in the ledger",
                    o.oid
                ));
            }
            continue;
        };
        if p.amount.get() != o.amount {
            v(format!(
                "{}: ledger amount {} for an order of {}",
                o.oid,
                p.amount.get(),
                o.amount
            ));
        }
        let paid = PAID.contains(&p.state);
        if paid {
            let tid = p
                .tid
                .as_ref()
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default();
            let gateway = txns.iter().find(|t| t.tid == tid);
            let confirmed = gateway.is_some_and(|t| {
                t.oid == o.oid
                    && t.amount == o.amount
                    && match t.method {
                        SandboxMethod::Vbank => t.vbank.as_ref().is_some_and(|vb| vb.deposited),
                        _ => t.status != TxnStatus::NetCancelled,
                    }
            });
            if !confirmed {
                v(format!(
                    "{}: {} in the ledger without a matching gateway payment",
                    o.oid, p.state
                ));
            }
            if o.forged_only {
                v(format!(
                    "{} ({}): a forged notification was applied ({})",
                    o.oid, o.method, p.state
                ));
            }
        }
        let want = usize::from(paid);
        if paid_ids != want {
            v(format!(
                "{}: {paid_ids} distinct paid/deposited events for a {} payment",
                o.oid, p.state
            ));
        }
        // An approval whose outcome stayed unknown (its net cancel refused
        // by the gateway, which says why only in words) must be in front of a
        // person: listed in the reconciliation report. Money at the gateway
        // for it is a violation of the first loop.
        if p.state == PaymentState::Authenticated && listed.contains(o.oid.as_str()) {
            stuck += 1;
        }
        if p.state == PaymentState::Authenticated && !listed.contains(o.oid.as_str()) {
            let kinds: Vec<String> = ledger
                .messages_of(&oid)
                .await
                .map(|m| {
                    m.iter()
                        .take(6)
                        .map(|e| {
                            format!(
                                "{:?}/{:?}: {}",
                                e.message.kind,
                                e.message.direction,
                                Charset::EucKr.decode(&e.message.body).unwrap_or_else(|_| {
                                    String::from_utf8_lossy(&e.message.body).into_owned()
                                })
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            v(format!(
                "{} ({}): still authenticated after reconciliation (updated {}, journal {kinds:?})",
                o.oid,
                o.method,
                p.updated_at.unix_millis()
            ));
        }
    }

    if stuck > 0 {
        eprintln!(
            "soak: {stuck} approvals of unknown outcome listed for a person (their net cancel refused)"
        );
    }
    check_billing(w, ledger, violations).await;
    let mut v = |s: String| violations.push(s);

    // Every event delivered; no delivery of an id twice.
    match ledger.outbox_undelivered(1_000).await {
        Ok(u) if !u.is_empty() => v(format!("{} events never delivered", u.len())),
        Ok(_) => {}
        Err(e) => v(format!("outbox: {e}")),
    }
    // At least once, and again only after a delivery a hard stop cut off
    // (the handler ran, the acknowledgement was lost): never twice within
    // one run of the app, never after a graceful stop.
    let hard = w.hard_ended.lock().map(|h| h.clone()).unwrap_or_default();
    for (id, (deliveries, _)) in &heard {
        for pair in deliveries.windows(2) {
            let ((_, g0), (_, g1)) = (pair[0], pair[1]);
            if !(hard.contains(&g0) && g1 > g0) {
                v(format!(
                    "event {id} delivered again without a hard stop in between (attempt, generation: {deliveries:?})"
                ));
            }
        }
    }

    // Every notification eventually answered OK.
    for j in w.sandbox.noti_jobs() {
        if !j.done {
            v(format!(
                "notification {} ({} for {}) never answered OK after {} attempts",
                j.id, j.status, j.tid, j.attempts
            ));
        }
    }
}

// ---------------------------------------------------------------------------

struct Args {
    seconds: u64,
    buyers: u64,
    seed: u64,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        seconds: 30,
        buyers: 8,
        seed: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?
            .parse::<u64>()
            .map_err(|e| format!("{flag}: {e}"))?;
        match flag.as_str() {
            "--seconds" => a.seconds = value.max(1),
            "--buyers" => a.buyers = value.max(1),
            "--seed" => a.seed = value,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(a)
}

static PANICS: AtomicU64 = AtomicU64::new(0);

fn main() {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("usage: soak [--seconds N] [--buyers N] [--seed N]: {e}");
            std::process::exit(2);
        }
    };
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("soak: runtime: {e}");
            std::process::exit(2);
        }
    };
    let code = runtime.block_on(run(args));
    std::process::exit(code);
}

async fn run(args: Args) -> i32 {
    let dir = std::env::temp_dir().join(format!("inipay-soak-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("soak: {e}");
        return 2;
    }
    let sandbox = match Sandbox::start(
        SandboxConfig {
            fault_delay_cap: Duration::from_secs(5),
            noti_timeout: Duration::from_secs(5),
            ..SandboxConfig::default()
        }
        .with_noti_schedule(Duration::from_millis(300), Duration::from_secs(24 * 3600)),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("soak: sandbox: {e}");
            return 2;
        }
    };
    let port = match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(a) => a.port(),
        Err(e) => {
            eprintln!("soak: port: {e}");
            return 2;
        }
    };
    let http = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("soak: http client: {e}");
            return 2;
        }
    };
    let client = match GatewayClient::new(ClientConfig {
        total_timeout: Duration::from_millis(1500),
        ..ClientConfig::default()
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("soak: gateway client: {e}");
            return 2;
        }
    };
    let billkey_key = match BillkeyKey::new("soak", &BILLKEY_SEAL) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("soak: billkey key: {e}");
            return 2;
        }
    };
    let w = Arc::new(World {
        sandbox,
        db: dir.join("ledger.db"),
        port,
        base_url: format!("http://127.0.0.1:{port}"),
        heard: Arc::new(Heard::default()),
        app: RwLock::new(None),
        bill_app: RwLock::new(None),
        http,
        client,
        billkey_key,
        billing: Mutex::new(Vec::new()),
        charges: Mutex::new(Vec::new()),
        faults: AtomicU64::new(0),
        fault_kinds: Mutex::new(BTreeMap::new()),
        interruptions: Mutex::new(BTreeMap::new()),
        orders: Mutex::new(Vec::new()),
        next_order: AtomicU64::new(1),
        stop: AtomicBool::new(false),
        forged: AtomicU64::new(0),
        hard_ended: Mutex::new(std::collections::HashSet::new()),
    });
    let mut app = match w.start_app().await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("soak: app: {e}");
            return 2;
        }
    };
    eprintln!(
        "soak: {} buyers for {} s (seed {}), app {}, sandbox {}, ledger {}",
        args.buyers,
        args.seconds,
        args.seed,
        w.base_url,
        w.sandbox.base_url(),
        w.db.display()
    );

    let started = Instant::now();
    let mut buyers = Vec::new();
    let interrupted = Arc::new(AtomicU64::new(0));
    for b in 0..args.buyers {
        let w = w.clone();
        let interrupted = interrupted.clone();
        let seed = args.seed.wrapping_mul(1_000).wrapping_add(b);
        buyers.push(tokio::spawn(async move {
            let mut rng = Rng::new(seed);
            while !w.stop.load(Ordering::Relaxed) {
                if w.flow().is_none() {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                if let Err(e) = journey(&w, &mut rng).await {
                    interrupted.fetch_add(1, Ordering::Relaxed);
                    w.interruption(&e);
                }
            }
        }));
    }

    // Restarts: every few seconds, alternately graceful and hard.
    let mut restarts = 0u64;
    let mut rng = Rng::new(args.seed ^ 0xA5A5);
    let deadline = started + Duration::from_secs(args.seconds);
    while Instant::now() < deadline {
        let pause = Duration::from_millis(2_000 + rng.below(4_000));
        tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
        if Instant::now() >= deadline {
            break;
        }
        let graceful = restarts.is_multiple_of(2);
        w.fault(if graceful {
            "app_restart_graceful"
        } else {
            "app_restart_hard"
        });
        stop_app(&w, app, graceful).await;
        restarts += 1;
        app = match w.start_app().await {
            Ok(a) => a,
            Err(e) => {
                eprintln!("soak: app restart: {e}");
                return 2;
            }
        };
    }
    w.stop.store(true, Ordering::Relaxed);
    for b in buyers {
        if let Err(e) = b.await {
            eprintln!("soak: a buyer task failed: {e}");
        }
    }
    let driven = started.elapsed();

    // Settle: no more faults; the sandbox retries its notifications until
    // each is answered OK (a re-ordered one is released by one more deposit
    // notification); the reconciler runs as it would over the next hours.
    w.sandbox.clear_faults();
    settle_held_notification(&w).await;
    let settle_deadline = Instant::now() + Duration::from_secs(60);
    while w.sandbox.noti_jobs().iter().any(|j| !j.done) && Instant::now() < settle_deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let base = Timestamp::now().unix_millis();
    for minutes in [16u64, 20, 30, 60, 120, 240] {
        let at = Timestamp::from_unix_millis(base + minutes * 60_000);
        match app.flow.reconcile(at).await {
            Ok(r) => {
                if !r.needs_a_person.is_empty() || !r.net_cancel_failed.is_empty() {
                    eprintln!(
                        "soak: reconcile +{minutes} min: needs a person {:?}, net cancel failed {:?}",
                        r.needs_a_person, r.net_cancel_failed
                    );
                }
                if !r.net_cancelled.is_empty() {
                    eprintln!(
                        "soak: reconcile +{minutes} min: net-cancelled {}",
                        r.net_cancelled.len()
                    );
                }
            }
            Err(e) => eprintln!("soak: reconcile: {e}"),
        }
        if let Some(d) = app.flow.dispatcher()
            && let Err(e) = d.deliver_due(at).await
        {
            eprintln!("soak: deliver: {e}");
        }
    }
    // The reconciler's net cancels may have queued nothing new at the
    // sandbox; wait once more for notifications.
    while w.sandbox.noti_jobs().iter().any(|j| !j.done) && Instant::now() < settle_deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let mut violations = Vec::new();
    let ledger = app.flow.ledger().clone();
    check(&w, &ledger, &mut violations).await;
    stop_app(&w, app, true).await;
    let panics = PANICS.load(Ordering::SeqCst);
    if panics > 0 {
        violations.push(format!("{panics} panics"));
    }

    let txns: Vec<_> = w
        .sandbox
        .transactions()
        .into_iter()
        .filter(|t| t.oid.starts_with("SK-") || t.oid.starts_with("SKC-"))
        .collect();
    let count = |s: TxnStatus| txns.iter().filter(|t| t.status == s).count();
    let orders = w.orders.lock().map(|o| o.len()).unwrap_or(0);
    let billing = w.billing.lock().map(|o| o.len()).unwrap_or(0);
    let charged = w
        .charges
        .lock()
        .map(|c| {
            c.iter()
                .filter(|c| matches!(c.answer, ChargeAnswer::Charged(_)))
                .count()
        })
        .unwrap_or(0);
    let attempts = w.sandbox.noti_attempts();
    let not_ok = attempts.iter().filter(|a| a.reply != "OK").count();
    let pending_faults = w.sandbox.pending_faults().len();
    eprintln!(
        "soak: drove {:.1} s: {orders} orders, {billing} billing-key orders ({charged} charges), {} journeys interrupted, {restarts} app restarts, {} forged notifications",
        driven.as_secs_f64(),
        interrupted.load(Ordering::Relaxed),
        w.forged.load(Ordering::Relaxed),
    );
    eprintln!(
        "soak: gateway transactions {}: approved {}, vbank waiting {}, cancelled {}, net-cancelled {}",
        txns.len(),
        count(TxnStatus::Approved),
        count(TxnStatus::VbankWaiting),
        count(TxnStatus::Cancelled),
        count(TxnStatus::NetCancelled)
    );
    eprintln!(
        "soak: notifications {} attempts ({not_ok} not answered OK, then retried); faults by kind: {:?}; cleared unfired {pending_faults}",
        attempts.len(),
        w.fault_kinds.lock().map(|m| m.clone()).unwrap_or_default()
    );
    let (events, redelivered) = w
        .heard
        .by_id
        .lock()
        .map(|m| {
            (
                m.len(),
                m.values()
                    .map(|(d, _)| d.len().saturating_sub(1))
                    .sum::<usize>(),
            )
        })
        .unwrap_or_default();
    eprintln!(
        "soak: events {events} delivered ({redelivered} again after a hard stop cut the first delivery off)"
    );
    eprintln!(
        "soak: journeys stopped early, by reason: {:?}",
        w.interruptions
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    );
    for v in violations.iter().take(50) {
        eprintln!("violation: {v}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    w.sandbox.clear_faults();
    println!(
        "soak: {} payments, {} faults, {} violations",
        txns.len(),
        w.faults.load(Ordering::Relaxed),
        violations.len()
    );
    i32::from(!violations.is_empty())
}

/// A re-ordered notification waits in the sandbox for the next one: one
/// more virtual account, issued and deposited, releases it.
async fn settle_held_notification(w: &World) {
    for _ in 0..3 {
        let mut rng = Rng::new(7);
        let n = w.next_order.fetch_add(1, Ordering::Relaxed);
        let oid = format!("SK-{n}-1000");
        push(
            w,
            Planned {
                oid: oid.clone(),
                method: "VBANK",
                amount: 1_000,
                forged_only: false,
            },
        );
        let ok = async {
            let checkout = read(
                w.http
                    .get(w.url(&format!("/checkout/{oid}?method=VBANK")))
                    .send()
                    .await,
            )
            .await?;
            let window = submit(w, &checkout).await?;
            let session = session_of(&window)?;
            let result = press(w, &session, "approve", &[]).await?;
            let _ = submit(w, &result).await?;
            let (_, tid) = payment_state(w, &oid).await.ok_or("no payment")?;
            w.sandbox
                .deposit_vbank(&tid.ok_or("no tid")?)
                .map_err(|e| format!("{e:?}"))?;
            let _ = rng.next();
            Ok::<(), String>(())
        }
        .await;
        if ok.is_ok() {
            return;
        }
    }
}
