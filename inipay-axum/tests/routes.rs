//! The axum routes without INICIS: the deployment refusal, the method table,
//! the body limit, the root mount, and the notification's source address
//! with and without `ConnectInfo` (over real TCP on 127.0.0.1). Nothing here
//! reaches a gateway. The payment flows themselves run in the conformance
//! suite (`tests/tests/conformance.rs`), against the sandbox.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode};
use axum::response::Response;
use inipay_axum::Inicis;
use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Keys, Merchant, test_keys};
use inipay_core::flow::{BoxFuture, CheckoutSource, DeployProblem, Flow, FlowConfig, OrderLookup};
use inipay_core::ledger::{Direction, Ledger, MemoryStore, MessageKind};
use inipay_core::mobile::{Method as PayMethod, PaymentRequest};
use inipay_core::order::{CheckoutContext, Order};
use inipay_core::types::{Amount, FieldError, OrderId};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

struct Cart(String);
impl Order for Cart {
    const METHODS: &'static [PayMethod] = &[PayMethod::Card];
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

fn source() -> Arc<dyn CheckoutSource> {
    Arc::new(Carts)
}

fn production_merchant() -> Merchant {
    let keys = Keys {
        mobile_hash_key: Some("0123456789ABCDEF0123456789ABCDEF".to_owned().into()),
        ..Keys::default()
    };
    Merchant::production("SHOPMID001", keys, Endpoints::production()).unwrap()
}

/// A test merchant whose gateway is a closed port (nothing is reached).
fn test_merchant() -> Merchant {
    Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox("http://127.0.0.1:9").unwrap(),
    )
    .unwrap()
}

fn flow(merchant: Merchant, base: &str, mount: &str, ledger: Arc<dyn Ledger>) -> Arc<Flow> {
    Arc::new(Flow::new(
        merchant,
        GatewayClient::new(ClientConfig::default()).unwrap(),
        ledger,
        FlowConfig::new(base, mount).unwrap(),
    ))
}

fn test_flow(mount: &str) -> Arc<Flow> {
    flow(
        test_merchant(),
        "http://127.0.0.1:8080",
        mount,
        Arc::new(MemoryStore::new()),
    )
}

async fn call(app: &Router, method: Method, uri: &str, body: impl Into<Body>) -> Response {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .body(body.into())
        .unwrap();
    app.clone().oneshot(req).await.unwrap()
}

async fn body_of(res: Response) -> Vec<u8> {
    to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec()
}

fn header<'a>(res: &'a Response, name: &str) -> Option<&'a str> {
    res.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn production_with_an_http_base_url_is_refused() {
    let f = flow(
        production_merchant(),
        "http://shop.example.com",
        "/inicis",
        Arc::new(MemoryStore::new()),
    );
    let err = Inicis::try_new(f.clone(), source()).unwrap_err();
    assert_eq!(err.problems(), [DeployProblem::InsecurePublicBaseUrl]);

    // The one-line mounting with `new` refuses to serve instead: every path
    // under the mount, every method; the app's own routes still answer.
    let app = Router::new()
        .route("/", axum::routing::get(|| async { "shop" }))
        .route(
            "/inicisX",
            axum::routing::get(|| async { "not under the mount" }),
        )
        .merge(Inicis::new(f, source()).router());
    for (method, uri) in [
        (Method::GET, "/inicis/checkout/CART-1?method=CARD"),
        (Method::POST, "/inicis/next?oid=CART-1"),
        (Method::POST, "/inicis/noti"),
        (Method::GET, "/inicis/return?oid=CART-1"),
        (Method::POST, "/inicis/billing/return?oid=CART-1"),
        (Method::GET, "/inicis/noti"),
        (Method::PUT, "/inicis/anything/else"),
        (Method::GET, "/inicis"),
        (Method::GET, "/inicis/"),
    ] {
        let res = call(&app, method.clone(), uri, "P_STATUS=00").await;
        assert_eq!(
            res.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{method} {uri}"
        );
        assert_eq!(header(&res, "cache-control"), Some("no-store"));
        assert!(body_of(res).await.is_empty(), "{method} {uri}");
    }
    assert_eq!(call(&app, Method::GET, "/", "").await.status(), 200);
    assert_eq!(call(&app, Method::GET, "/inicisX", "").await.status(), 200);
}

#[tokio::test]
async fn production_with_https_serves_and_test_merchants_need_nothing() {
    let ready = flow(
        production_merchant(),
        "https://shop.example.com",
        "/inicis",
        Arc::new(MemoryStore::new()),
    );
    let app = Inicis::try_new(ready, source()).unwrap().router();
    let res = call(&app, Method::GET, "/inicis/checkout/CART-1?method=CARD", "").await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(header(&res, "cache-control"), Some("no-store"));
    assert!(Inicis::try_new(test_flow("/inicis"), source()).is_ok());
}

#[tokio::test]
async fn checkout_errors_are_plain_text() {
    let app = Inicis::new(test_flow("/inicis"), source()).router();
    for (uri, status) in [
        ("/inicis/checkout/NOPE?method=CARD", 404),
        ("/inicis/checkout/%FF?method=CARD", 404),
        ("/inicis/checkout/CART-1", 400),
        ("/inicis/checkout/CART-1?method=", 400),
        ("/inicis/checkout/CART-1?method=BITCOIN", 400),
    ] {
        let res = call(&app, Method::GET, uri, "").await;
        assert_eq!(res.status(), status, "{uri}");
        assert_eq!(
            header(&res, "content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(header(&res, "cache-control"), Some("no-store"));
        assert!(!body_of(res).await.is_empty(), "{uri}");
    }
}

/// Only the methods of the table: the others (including `HEAD` on a `GET`
/// route) are not routed, `404` with an empty body, as on actix.
#[tokio::test]
async fn other_methods_are_not_routed() {
    let app = Inicis::new(test_flow("/inicis"), source()).router();
    for (method, uri) in [
        (Method::GET, "/inicis/noti"),
        (Method::HEAD, "/inicis/noti"),
        (Method::POST, "/inicis/checkout/CART-1?method=CARD"),
        (Method::HEAD, "/inicis/checkout/CART-1?method=CARD"),
        (Method::POST, "/inicis/return?oid=CART-1"),
        (Method::PUT, "/inicis/next?oid=CART-1"),
        (Method::DELETE, "/inicis/billing/return?oid=CART-1"),
        (Method::OPTIONS, "/inicis/next"),
        (Method::GET, "/inicis/unknown"),
        (Method::GET, "/inicis/noti/"),
    ] {
        let res = call(&app, method.clone(), uri, "").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {uri}");
        assert!(res.headers().get("allow").is_none(), "{method} {uri}");
        assert!(body_of(res).await.is_empty(), "{method} {uri}");
    }
}

#[tokio::test]
async fn browser_answers() {
    let app = Inicis::new(test_flow("/inicis"), source())
        .result_page(|oid| format!("/shop/orders/{oid}"))
        .router();
    let res = call(&app, Method::GET, "/inicis/return?oid=CART-1", "").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(header(&res, "location"), Some("/shop/orders/CART-1"));
    assert_eq!(header(&res, "cache-control"), Some("no-store"));
    assert!(res.headers().get("set-cookie").is_none());
    let res = call(&app, Method::GET, "/inicis/return?oid=%FF", "").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(body_of(res).await, b"unknown order");
    let res = call(&app, Method::POST, "/inicis/next", "P_STATUS=01").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        header(&res, "content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(body_of(res).await, b"payment result without an order id");
    // A user cancel on GET: journaled by the flow, the buyer sent on.
    let res = call(&app, Method::GET, "/inicis/next?oid=CART-2&P_STATUS=01", "").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(header(&res, "location"), Some("/shop/orders/CART-2"));

    // A result page the app built that cannot be a header is a 500, logged.
    let broken = Inicis::new(test_flow("/inicis"), source())
        .result_page(|oid| format!("/orders/{oid}\r\nSet-Cookie: x=1"))
        .router();
    let res = call(&broken, Method::GET, "/inicis/return?oid=CART-1", "").await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(res.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn over_limit_billing_result_is_journaled_truncated() {
    let ledger = Arc::new(MemoryStore::new());
    let app = Inicis::new(
        flow(
            test_merchant(),
            "http://127.0.0.1:8080",
            "/inicis",
            ledger.clone(),
        ),
        source(),
    )
    .body_limit(100)
    .router();
    let res = call(
        &app,
        Method::POST,
        "/inicis/billing/return?oid=BILL-1",
        vec![b'r'; 1_000],
    )
    .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body_of(res).await.is_empty());
    let msgs = ledger
        .messages_of(&OrderId::new("BILL-1").unwrap())
        .await
        .unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].message.kind, MessageKind::BillingResult);
    assert_eq!(msgs[0].message.direction, Direction::Inbound);
    assert_eq!(msgs[0].message.body, vec![b'r'; 100]);
    assert_eq!(msgs[1].message.direction, Direction::Local);
    assert_eq!(
        String::from_utf8_lossy(&msgs[1].message.body),
        "reason=body_over_limit&route=billing_return&limit=100&kept=100&received=1000"
    );
}

#[tokio::test]
async fn mounted_at_the_root() {
    let app = Inicis::new(test_flow("/"), source()).router();
    let res = call(&app, Method::GET, "/checkout/CART-1?method=CARD", "").await;
    assert_eq!(res.status(), 200);
    let res = call(&app, Method::GET, "/return?oid=CART-1", "").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let refused = flow(
        production_merchant(),
        "http://shop.example.com",
        "/",
        Arc::new(MemoryStore::new()),
    );
    let app = Inicis::new(refused, source()).router();
    for uri in ["/", "/noti", "/anything/else"] {
        let res = call(&app, Method::POST, uri, "").await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{uri}");
    }
}

/// Without `ConnectInfo` the peer is unknown: the allow-list refuses the
/// notification (`403`, empty body), nothing panics.
#[tokio::test]
async fn without_connect_info_a_notification_is_refused() {
    let app = Inicis::new(test_flow("/inicis"), source()).router();
    let res = call(&app, Method::POST, "/inicis/noti", "not a notification").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&res, "content-type"), Some("text/plain"));
    assert!(body_of(res).await.is_empty());
}

/// One raw HTTP/1.1 exchange on 127.0.0.1 (`Connection: close`); when
/// `declared` is longer than `body`, the write side is shut after `body`.
fn exchange(addr: SocketAddr, head: &str, declared: usize, body: &[u8]) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{head}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {declared}\r\n\r\n"
    )
    .unwrap();
    s.write_all(body).unwrap();
    if declared > body.len() {
        s.shutdown(std::net::Shutdown::Write).unwrap();
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// Served with `into_make_service_with_connect_info`, the TCP peer is the
/// source (127.0.0.1 is allowed for a test merchant: the unreadable body is
/// then a `400`, not a `403`); a body cut short by the sender is a `400`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_with_connect_info_the_peer_is_the_source() {
    let app = Inicis::new(test_flow("/inicis"), source()).router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await
    });
    let answers = tokio::task::spawn_blocking(move || {
        let body = b"not a notification";
        let whole = exchange(addr, "POST /inicis/noti HTTP/1.1", body.len(), body);
        let cut = exchange(addr, "POST /inicis/noti HTTP/1.1", 1_000, b"P_STATUS=02");
        (whole, cut)
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    let (whole, cut) = answers;
    assert!(whole.starts_with("HTTP/1.1 400 "), "{whole}");
    assert!(cut.starts_with("HTTP/1.1 400 "), "{cut}");
    assert!(cut.contains("content-length: 0\r\n"), "empty body: {cut}");
}
