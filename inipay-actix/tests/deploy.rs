//! Without a network (actix's test service): a production merchant with an
//! http public base URL is refused (`try_new` fails, a scope from `new`
//! answers 503 everywhere), and an over-limit billing result is journaled
//! truncated before the 413. Nothing here contacts INICIS: no route that
//! would reach the gateway gets past the refusal.

use actix_web::{App, test};
use inipay_actix::Inicis;
use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Keys, Merchant, test_keys};
use inipay_core::flow::{BoxFuture, CheckoutSource, DeployProblem, Flow, FlowConfig, OrderLookup};
use inipay_core::ledger::{Direction, Ledger, MemoryStore, MessageKind};
use inipay_core::mobile::{Method, PaymentRequest};
use inipay_core::order::{CheckoutContext, Order};
use inipay_core::types::{Amount, FieldError, OrderId};
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

fn production_merchant() -> Merchant {
    let keys = Keys {
        mobile_hash_key: Some("0123456789ABCDEF0123456789ABCDEF".to_owned().into()),
        ..Keys::default()
    };
    Merchant::production("SHOPMID001", keys, Endpoints::production()).unwrap()
}

fn flow(merchant: Merchant, base: &str, ledger: Arc<dyn Ledger>) -> Arc<Flow> {
    Arc::new(Flow::new(
        merchant,
        GatewayClient::new(ClientConfig::default()).unwrap(),
        ledger,
        FlowConfig::new(base, "/inicis").unwrap(),
    ))
}

fn source() -> Arc<dyn CheckoutSource> {
    Arc::new(Carts)
}

#[test]
fn production_with_an_http_base_url_is_refused() {
    actix_web::rt::System::new().block_on(async {
        let f = flow(
            production_merchant(),
            "http://shop.example.com",
            Arc::new(MemoryStore::new()),
        );
        let err = Inicis::try_new(f.clone(), source()).unwrap_err();
        assert_eq!(err.problems(), [DeployProblem::InsecurePublicBaseUrl]);
        assert!(err.to_string().contains("https"), "{err}");

        // The one-line mounting with `new` refuses to serve instead.
        let inicis = Inicis::new(f, source());
        let app = test::init_service(App::new().configure(|c| inicis.configure(c))).await;
        for req in [
            test::TestRequest::get().uri("/inicis/checkout/CART-1?method=CARD"),
            test::TestRequest::post()
                .uri("/inicis/next?oid=CART-1")
                .set_payload(
                    "P_STATUS=00&P_TID=T&P_REQ_URL=https://ksmobile.inicis.com/smart/payReq.ini",
                ),
            test::TestRequest::post()
                .uri("/inicis/noti")
                .set_payload("P_STATUS=02"),
            test::TestRequest::get().uri("/inicis/return?oid=CART-1"),
        ] {
            let res = test::call_service(&app, req.to_request()).await;
            assert_eq!(res.status(), 503);
            assert!(test::read_body(res).await.is_empty());
        }
    });
}

#[test]
fn production_with_https_serves_and_test_merchants_need_nothing() {
    actix_web::rt::System::new().block_on(async {
        let ready = flow(
            production_merchant(),
            "https://shop.example.com",
            Arc::new(MemoryStore::new()),
        );
        let inicis = Inicis::try_new(ready, source()).unwrap();
        let app = test::init_service(App::new().configure(|c| inicis.configure(c))).await;
        let page = test::TestRequest::get()
            .uri("/inicis/checkout/CART-1?method=CARD")
            .to_request();
        assert_eq!(test::call_service(&app, page).await.status(), 200);

        let test_merchant = Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox("http://127.0.0.1:9").unwrap(),
        )
        .unwrap();
        let dev = Arc::new(Flow::new(
            test_merchant,
            GatewayClient::new(ClientConfig::default()).unwrap(),
            Arc::new(MemoryStore::new()),
            FlowConfig::new("http://127.0.0.1:8080", "/inicis").unwrap(),
        ));
        assert!(Inicis::try_new(dev, source()).is_ok());
    });
}

#[test]
fn over_limit_billing_result_is_journaled_truncated() {
    actix_web::rt::System::new().block_on(async {
        let ledger = Arc::new(MemoryStore::new());
        let test_merchant = Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox("http://127.0.0.1:9").unwrap(),
        )
        .unwrap();
        let inicis = Inicis::new(
            flow(test_merchant, "http://127.0.0.1:8080", ledger.clone()),
            source(),
        )
        .body_limit(100);
        let app = test::init_service(App::new().configure(|c| inicis.configure(c))).await;
        let req = test::TestRequest::post()
            .uri("/inicis/billing/return?oid=BILL-1")
            .set_payload(vec![b'r'; 1_000])
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), 413);
        assert!(test::read_body(res).await.is_empty());
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
    });
}
