//! A shop mounted with `inipay-actix` on 127.0.0.1, a real sandbox, and an
//! HTTP client playing the buyer's browser.
#![allow(dead_code, missing_docs)]

use actix_web::{App, HttpServer};
use inipay_actix::Inicis;
use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Keys, Merchant, test_keys};
use inipay_core::flow::{
    BillingConfig, BoxFuture, CheckoutSource, Flow, FlowConfig, FlowEvent, HandlerError,
    OrderLookup,
};
use inipay_core::ledger::{BillkeyKey, Ledger, MemoryStore, Payment, PaymentState};
use inipay_core::mobile::{HppMethod, Method, PaymentRequest};
use inipay_core::order::{CheckoutContext, Order};
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, FieldError, OrderId};
use inipay_sandbox::browser::AutoForm;
use inipay_sandbox::clock::Clock;
use inipay_sandbox::wire::Charset;
use inipay_sandbox::{Sandbox, SandboxConfig};
use std::sync::{Arc, Mutex};

/// 2024-01-01 12:00:00 KST.
pub const T0: u64 = 1_704_078_000_000;

/// A test order: any id starting with `ORD` exists and costs 1,000 won,
/// except `BIG...` (55,000 won) and `BADNAME...` (a buyer name too long).
pub struct TestOrder {
    id: String,
}

impl Order for TestOrder {
    const METHODS: &'static [Method] = &[
        Method::Card,
        Method::Bank,
        Method::Vbank,
        Method::Mobile(HppMethod::Physical),
    ];
    fn order_id(&self) -> &str {
        &self.id
    }
    fn amount(&self) -> Amount {
        Amount::won(1_000)
    }
    fn payment_request(&self, ctx: &CheckoutContext) -> Result<PaymentRequest, FieldError> {
        let name = if self.id.starts_with("BADNAME") {
            "가".repeat(40)
        } else {
            "홍길동".to_owned()
        };
        ctx.builder(self)
            .goods("테스트상품")
            .buyer_name(name)
            .build()
    }
}

pub struct Orders;

impl OrderLookup for Orders {
    type Order = TestOrder;
    fn find<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Option<TestOrder>> {
        Box::pin(async move {
            (id.starts_with("ORD") || id.starts_with("BADNAME"))
                .then(|| TestOrder { id: id.to_owned() })
        })
    }
}

/// Everything a test needs.
pub struct Harness {
    pub flow: Arc<Flow>,
    pub sandbox: Sandbox,
    pub clock: Clock,
    pub shop: String,
    pub ledger: Arc<MemoryStore>,
    pub events: Arc<Mutex<Vec<String>>>,
    pub http: reqwest::Client,
}

pub async fn start() -> Harness {
    start_with(|_| {}, |i| i).await
}

pub async fn start_with(
    config: impl FnOnce(&mut FlowConfig),
    adapt: impl FnOnce(Inicis) -> Inicis,
) -> Harness {
    start_as("INIpayTest", test_keys::inipay_test(), None, config, adapt).await
}

/// The billing test MID with billing keys sealed under `key`.
pub async fn start_billing(key: BillkeyKey) -> Harness {
    let billing = BillingConfig::new(key);
    start_as(
        "INIBillTst",
        test_keys::ini_bill_tst(),
        Some(billing),
        |_| {},
        |i| i,
    )
    .await
}

pub async fn start_as(
    mid: &str,
    keys: Keys,
    billing: Option<BillingConfig>,
    config: impl FnOnce(&mut FlowConfig),
    adapt: impl FnOnce(Inicis) -> Inicis,
) -> Harness {
    let clock = Clock::manual(T0);
    let sandbox = Sandbox::start(SandboxConfig::default().with_clock(clock.clone()))
        .await
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let shop = format!("http://{}", listener.local_addr().unwrap());
    let merchant =
        Merchant::test(mid, keys, Endpoints::sandbox(sandbox.base_url()).unwrap()).unwrap();
    let ledger = Arc::new(MemoryStore::new());
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = events.clone();
    let handler = move |d: &inipay_core::flow::Delivery| -> Result<(), HandlerError> {
        let name = match &d.event {
            FlowEvent::Paid { .. } => "paid",
            FlowEvent::VbankIssued { .. } => "vbank_issued",
            FlowEvent::Deposited { .. } => "deposited",
            FlowEvent::Alert { .. } => "alert",
            _ => "other",
        };
        log.lock().unwrap().push(name.to_owned());
        Ok(())
    };
    let mut flow_config = FlowConfig::new(&shop, "/inicis").unwrap();
    config(&mut flow_config);
    let flow = Flow::new(
        merchant,
        GatewayClient::new(ClientConfig::default()).unwrap(),
        ledger.clone(),
        flow_config,
    )
    .with_events(Arc::new(handler));
    let flow = match billing {
        Some(b) => flow.with_billing(b),
        None => flow,
    };
    let flow = Arc::new(flow);
    let now = clock.clone();
    let inicis = Inicis::new(flow.clone(), Arc::new(Orders) as Arc<dyn CheckoutSource>)
        .result_page(|oid| format!("/orders/{oid}"))
        .clock(move || Timestamp::from_unix_millis(now.now_millis()));
    let inicis = adapt(inicis);
    let server = HttpServer::new(move || App::new().configure(|c| inicis.configure(c)))
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
    tokio::spawn(server);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Harness {
        flow,
        sandbox,
        clock,
        shop,
        ledger,
        events,
        http,
    }
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.shop, path)
    }

    pub async fn payment(&self, oid: &str) -> Payment {
        self.ledger
            .payment(&OrderId::new(oid).unwrap())
            .await
            .unwrap()
            .expect("payment recorded")
    }

    pub async fn state(&self, oid: &str) -> PaymentState {
        self.payment(oid).await.state
    }

    pub fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    /// GET the checkout page; returns the form it auto-submits.
    pub async fn checkout(&self, oid: &str, method: &str) -> AutoForm {
        let r = self
            .http
            .get(self.url(&format!("/inicis/checkout/{oid}?method={method}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert!(
            r.headers().get("set-cookie").is_none(),
            "no cookies anywhere"
        );
        let page = r.bytes().await.unwrap();
        let mut form = AutoForm::parse(&page).expect("auto-submitting form");
        // The page is UTF-8; the form says accept-charset="euc-kr", so a
        // browser encodes the values in EUC-KR.
        assert!(String::from_utf8_lossy(&page).contains("accept-charset=\"euc-kr\""));
        form.charset = Charset::EucKr;
        form
    }

    /// Posts a form like a browser; returns the response.
    pub async fn submit(&self, form: &AutoForm) -> reqwest::Response {
        let req = if form.get {
            let sep = if form.action.contains('?') { '&' } else { '?' };
            let q = String::from_utf8(form.body()).unwrap();
            self.http.get(format!("{}{sep}{q}", form.action))
        } else {
            self.http
                .post(&form.action)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form.body())
        };
        req.send().await.unwrap()
    }

    /// Opens the sandbox window with the checkout form and presses a button
    /// (`approve`, `cancel`, `decline`) with `extra` choices; returns the
    /// auth-result form the sandbox auto-submits to `P_NEXT_URL`.
    pub async fn pay(&self, form: &AutoForm, action: &str, extra: &[(&str, &str)]) -> AutoForm {
        let r = self.submit(form).await;
        assert_eq!(r.status(), 200);
        let window = r.bytes().await.unwrap();
        let text = String::from_utf8_lossy(&window).into_owned();
        assert!(text.contains("결제 승인 (Approve)"), "{text}");
        let page_form = AutoForm::parse(&window).expect("window form");
        let session = page_form.fields.get("session").unwrap().to_owned();
        let mut fields = vec![("session", session.as_str()), ("action", action)];
        fields.extend_from_slice(extra);
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let r = self
            .http
            .post(self.sandbox.url(&page_form.action))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.join("&"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        AutoForm::parse(&r.bytes().await.unwrap()).expect("auth result form")
    }

    /// Follows the auth result to `/next`; returns the `Location` of the 303.
    pub async fn finish(&self, auth: &AutoForm) -> String {
        assert!(auth.action.starts_with(&self.url("/inicis/next?oid=")));
        let r = self.submit(auth).await;
        assert_eq!(r.status(), 303);
        assert!(
            r.headers().get("set-cookie").is_none(),
            "no cookies anywhere"
        );
        r.headers()["location"].to_str().unwrap().to_owned()
    }

    /// The notification attempts for `tid` with `P_STATUS` `status`.
    pub fn notis(&self, tid: &str, status: &str) -> Vec<inipay_sandbox::state::NotiAttempt> {
        self.sandbox
            .noti_attempts()
            .into_iter()
            .filter(|a| a.tid == tid && a.status == status)
            .collect()
    }
}

pub const CARD: &[(&str, &str)] = &[
    ("card_code", "04"),
    ("card_number", "4111111111111111"),
    ("auth", "normal"),
];
