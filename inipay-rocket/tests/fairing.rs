//! The fairing refuses to ignite a misconfigured app, and the routes answer
//! without a network (Rocket's local client; the sandbox flows are in the
//! workspace conformance suite, `tests/tests/conformance.rs`).

use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Keys, Merchant, test_keys};
use inipay_core::flow::{BoxFuture, CheckoutSource, Flow, FlowConfig, OrderLookup};
use inipay_core::ledger::MemoryStore;
use inipay_core::mobile::{Method, PaymentRequest};
use inipay_core::order::{CheckoutContext, Order};
use inipay_core::types::{Amount, FieldError};
use inipay_rocket::Inicis;
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;
use std::sync::Arc;

struct Cart(String);
impl Order for Cart {
    const METHODS: &'static [Method] = &[Method::Card];
    fn order_id(&self) -> &str {
        &self.0
    }
    fn amount(&self) -> Amount {
        Amount::won(1_000)
    }
    fn payment_request(&self, ctx: &CheckoutContext) -> Result<PaymentRequest, FieldError> {
        ctx.builder(self).goods("책").buyer_name("홍길동").build()
    }
}
struct Carts;
impl OrderLookup for Carts {
    type Order = Cart;
    fn find<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Option<Cart>> {
        Box::pin(async move { id.starts_with("CART-").then(|| Cart(id.to_owned())) })
    }
}

fn flow(merchant: Merchant, base: &str, mount: &str) -> Arc<Flow> {
    Arc::new(Flow::new(
        merchant,
        GatewayClient::new(ClientConfig::default()).unwrap(),
        Arc::new(MemoryStore::new()),
        FlowConfig::new(base, mount).unwrap(),
    ))
}

fn test_inicis(mount: &str) -> Inicis {
    let merchant = Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox("http://127.0.0.1:9").unwrap(),
    )
    .unwrap();
    Inicis::new(
        flow(merchant, "https://shop.example.com", mount),
        Arc::new(Carts) as Arc<dyn CheckoutSource>,
    )
    .result_page(|oid| format!("/orders/{oid}"))
}

async fn ignites(rocket: rocket::Rocket<rocket::Build>) -> bool {
    match rocket.ignite().await {
        Ok(_) => true,
        Err(e) => {
            // Reading the kind marks the error handled (Rocket panics on
            // dropping an unhandled one).
            assert!(
                matches!(e.kind(), rocket::error::ErrorKind::FailedFairings(f) if f.len() == 1),
                "{e:?}"
            );
            false
        }
    }
}

#[tokio::test]
async fn ignites_when_mounted_at_the_flow_mount() {
    let i = test_inicis("/inicis");
    assert_eq!(i.mount_path(), "/inicis");
    let r = rocket::build()
        .attach(i.fairing())
        .mount(i.mount_path(), i.routes());
    assert!(ignites(r).await);
}

#[tokio::test]
async fn root_mount() {
    let i = test_inicis("/");
    assert_eq!(i.mount_path(), "/");
    let r = rocket::build().attach(i.fairing()).mount("/", i.routes());
    let client = Client::tracked(r).await.unwrap();
    let res = client.get("/checkout/CART-1?method=CARD").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
}

#[tokio::test]
async fn refuses_routes_mounted_elsewhere_or_missing() {
    let i = test_inicis("/inicis");
    let wrong = rocket::build()
        .attach(i.fairing())
        .mount("/pay", i.routes());
    assert!(!ignites(wrong).await);
    let missing = rocket::build().attach(i.fairing());
    assert!(!ignites(missing).await);
}

#[tokio::test]
async fn refuses_two_integrations() {
    let a = test_inicis("/inicis");
    let b = test_inicis("/inicis");
    let r = rocket::build()
        .attach(a.fairing())
        .attach(b.fairing())
        .mount(a.mount_path(), a.routes());
    assert!(!ignites(r).await);
}

#[tokio::test]
async fn refuses_a_bad_proxy_header_name() {
    let i = test_inicis("/inicis").trusted_proxy_header("X Forwarded For");
    let r = rocket::build()
        .attach(i.fairing())
        .mount(i.mount_path(), i.routes());
    assert!(!ignites(r).await);
    let i = test_inicis("/inicis").trusted_proxy_header("X-Forwarded-For");
    let r = rocket::build()
        .attach(i.fairing())
        .mount(i.mount_path(), i.routes());
    assert!(ignites(r).await);
}

/// A production merchant (non-test MID and keys, `Endpoints::production()`;
/// nothing here contacts INICIS: ignite does not call the gateway).
fn production_merchant() -> Merchant {
    let keys = Keys {
        mobile_hash_key: Some("0123456789ABCDEF0123456789ABCDEF".to_owned().into()),
        ..Keys::default()
    };
    Merchant::production("SHOPMID001", keys, Endpoints::production()).unwrap()
}

#[tokio::test]
async fn production_needs_https() {
    for (base, ok) in [
        ("http://shop.example.com", false),
        ("https://shop.example.com", true),
    ] {
        let i = Inicis::new(
            flow(production_merchant(), base, "/inicis"),
            Arc::new(Carts) as Arc<dyn CheckoutSource>,
        );
        assert_eq!(i.flow().deployment_problems().is_empty(), ok, "{base}");
        let r = rocket::build()
            .attach(i.fairing())
            .mount(i.mount_path(), i.routes());
        assert_eq!(ignites(r).await, ok, "{base}");
    }
}

#[tokio::test]
async fn routes_without_a_network() {
    let i = test_inicis("/inicis");
    let r = rocket::build()
        .attach(i.fairing())
        .mount(i.mount_path(), i.routes());
    let client = Client::tracked(r).await.unwrap();

    let page = client
        .get("/inicis/checkout/CART-1?method=card")
        .dispatch()
        .await;
    assert_eq!(page.status(), Status::Ok);
    assert_eq!(page.content_type(), Some(ContentType::HTML));
    assert!(page.headers().get_one("Set-Cookie").is_none());
    assert_eq!(page.headers().get_one("Cache-Control"), Some("no-store"));

    let bad = client
        .get("/inicis/checkout/CART-1?method=VBANK")
        .dispatch()
        .await;
    assert_eq!(bad.status(), Status::BadRequest);
    assert!(bad.into_string().await.unwrap().contains("P_INI_PAYMENT"));

    // A user cancel (P_STATUS=01) in EUC-KR goes to the result page.
    let cancel = client
        .post("/inicis/next?oid=CART-1")
        .header(ContentType::Form)
        .body(b"P_STATUS=01&P_RMESG1=%BB%E7%BF%EB%C0%DA".as_slice())
        .dispatch()
        .await;
    assert_eq!(cancel.status(), Status::SeeOther);
    assert_eq!(cancel.headers().get_one("Location"), Some("/orders/CART-1"));

    // Unreadable notification from loopback (allowed for a test merchant):
    // recorded by the flow, 400 with an empty body.
    let loopback: std::net::SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let noti = client
        .post("/inicis/noti")
        .remote(loopback)
        .body(b"\xff\xfe".as_slice())
        .dispatch()
        .await;
    assert_eq!(noti.status(), Status::BadRequest);
    assert_eq!(noti.into_bytes().await.unwrap_or_default(), b"");
    // Without a peer address the source is unknown: refused (fail closed).
    let unknown = client
        .post("/inicis/noti")
        .body(b"\xff\xfe".as_slice())
        .dispatch()
        .await;
    assert_eq!(unknown.status(), Status::Forbidden);

    let big = client
        .post("/inicis/noti")
        .body(vec![b'a'; inipay_rocket::BODY_LIMIT + 1])
        .dispatch()
        .await;
    assert_eq!(big.status(), Status::PayloadTooLarge);
    assert_eq!(big.content_type(), None);
    assert_eq!(big.into_bytes().await.unwrap_or_default(), b"");
}
