//! Expansion tests: the request a derived order produces equals the one built
//! by hand with `inipay_core::mobile::PaymentRequest::builder`, for every
//! method, Korean text included, down to the signed EUC-KR body.

use inipay_core::billing::{BillingKeyRequest, BillingKind, CardUse, HppProduct, Period, SizeUnit};
use inipay_core::config::{Endpoints, Merchant, test_keys};
use inipay_core::mobile::{
    Carrier, HppMethod, Method, OfferPeriod, PaymentRequest, PaymentRequestBuilder, QuotaBase,
    Reserved, VbankDeadline,
};
use inipay_core::order::CheckoutContext;
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, FieldErrorKind, Text};
use inipay_core::{BillingOrder, Order};

const NEXT: &str = "https://shop.example.com/inicis/next";
const NOTI: &str = "https://shop.example.com/inicis/noti";
const TODAY: &str = "20240101";

fn merchant() -> Merchant {
    Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
    )
    .unwrap()
}

fn ctx(method: Method) -> CheckoutContext {
    CheckoutContext::new(method, NEXT)
        .with_noti_url(NOTI)
        .with_today_kst(TODAY)
}

/// Signs both requests and compares the EUC-KR bodies byte for byte.
fn assert_same_wire(derived: &PaymentRequest, by_hand: &PaymentRequest) -> Vec<u8> {
    let now = Timestamp::from_unix_millis(1_704_078_000_000);
    let a = derived.sign(&merchant(), now).unwrap();
    let b = by_hand.sign(&merchant(), now).unwrap();
    let body = a.to_euc_kr_body().unwrap();
    assert_eq!(body, b.to_euc_kr_body().unwrap());
    assert_eq!(a.action, b.action);
    body
}

#[derive(Order)]
#[inipay(
    methods(card, bank, vbank, phone(physical), culture, happy_money, smart_culture),
    noti,
    installments(2, 3, 6),
    merchant_name = "내 상점",
    reserved(vbank_receipt, card_points, hpp_corps(skt, kt), hpp_default_corp = kt)
)]
struct Shop {
    order_id: String,
    amount: u64,
    goods: Text<80>,
    buyer_name: String,
    buyer_phone: Option<String>,
    buyer_email: Option<String>,
    merchant_data: String,
    tax: Option<u64>,
    tax_free: u64,
    vbank_deadline: Option<VbankDeadline>,
    offer_period: OfferPeriod,
}

fn shop() -> Shop {
    Shop {
        order_id: "ORD20240101120000001".into(),
        amount: 55_000,
        goods: Text::new("P_GOODS", "테스트상품").unwrap(),
        buyer_name: "홍길동".into(),
        buyer_phone: Some("010-1234-5678".into()),
        buyer_email: None,
        merchant_data: "주문메모 ORD20240101120000001".into(),
        tax: Some(5_000),
        tax_free: 0,
        vbank_deadline: Some(VbankDeadline {
            date: "20240111".into(),
            time: Some("2359".into()),
        }),
        offer_period: OfferPeriod::Monthly,
    }
}

fn shop_by_hand(method: Method) -> PaymentRequestBuilder {
    let mut reserved = Reserved::recommended();
    reserved.vbank_receipt = true;
    reserved.card_points = true;
    reserved.hpp_corps = vec![Carrier::Skt, Carrier::Kt];
    reserved.hpp_default_corp = Some(Carrier::Kt);
    let mut b = PaymentRequest::builder(method, "ORD20240101120000001", Amount::won(55_000))
        .next_url(NEXT)
        .noti_url(NOTI)
        .goods("테스트상품")
        .buyer_name("홍길동")
        .buyer_phone("010-1234-5678")
        .merchant_data("주문메모 ORD20240101120000001")
        .tax(Amount::won(5_000))
        .tax_free(Amount::ZERO)
        .offer_period(OfferPeriod::Monthly)
        .merchant_name("내 상점")
        .quota_base(QuotaBase {
            months: vec![2, 3, 6],
            without_lump_sum: false,
        })
        .reserved(reserved);
    if method == Method::Vbank {
        b = b.vbank_deadline(
            VbankDeadline {
                date: "20240111".into(),
                time: Some("2359".into()),
            },
            TODAY,
        );
    }
    b
}

#[test]
fn every_method_matches_the_builder() {
    let all = Method::all(HppMethod::Physical);
    assert_eq!(Shop::METHODS, &all[..]);
    for method in all {
        let derived = shop().payment_request(&ctx(method)).unwrap();
        let by_hand = shop_by_hand(method).build().unwrap();
        assert_eq!(derived, by_hand, "{method:?}");
        let body = assert_same_wire(&derived, &by_hand);
        let body = String::from_utf8(body).unwrap();
        // 테스트상품 and 홍길동 in EUC-KR, percent-encoded.
        assert!(
            body.contains("P_GOODS=%C5%D7%BD%BA%C6%AE%BB%F3%C7%B0"),
            "{body}"
        );
        assert!(body.contains("P_UNAME=%C8%AB%B1%E6%B5%BF"), "{body}");
        assert_eq!(
            body.contains("P_VBANK_DT=20240111"),
            method == Method::Vbank
        );
    }
}

macro_rules! phone_kind_case {
    ($name:ident, $kind:ident, $variant:ident) => {
        #[derive(Order)]
        #[inipay(methods(phone($kind)), goods = "월 구독", buyer_name = "김철수")]
        struct $name {
            order_id: &'static str,
            amount: u32,
        }

        let m = Method::Mobile(HppMethod::$variant);
        assert_eq!($name::METHODS, &[m]);
        let derived = $name {
            order_id: "P-1",
            amount: 1_000,
        }
        .payment_request(&CheckoutContext::new(m, NEXT))
        .unwrap();
        let by_hand = PaymentRequest::builder(m, "P-1", Amount::won(1_000))
            .next_url(NEXT)
            .goods("월 구독")
            .buyer_name("김철수")
            .build()
            .unwrap();
        assert_eq!(derived, by_hand);
        let body = assert_same_wire(&derived, &by_hand);
        let code = format!("P_HPP_METHOD={}", HppMethod::$variant.code());
        assert!(String::from_utf8(body).unwrap().contains(&code));
    };
}

#[test]
fn every_phone_kind_matches_the_builder() {
    phone_kind_case!(Content, content, Content);
    phone_kind_case!(Physical, physical, Physical);
    phone_kind_case!(BillingContent, billing_content, BillingContent);
    phone_kind_case!(BillingPhysical, billing_physical, BillingPhysical);
}

/// PROTOCOL.md 2.3.1, the complete example request, byte for byte.
#[derive(Order)]
#[inipay(methods(card), goods = "테스트상품")]
struct ProtocolExample {
    #[inipay(order_id, merchant_data)]
    oid: String,
    #[inipay(amount)]
    won: u32,
    buyer_name: &'static str,
    buyer_phone: &'static str,
    buyer_email: Option<&'static str>,
}

#[test]
fn protocol_example_request_from_a_derived_order() {
    let order = ProtocolExample {
        oid: "ORD20240101120000001".into(),
        won: 1000,
        buyer_name: "홍길동",
        buyer_phone: "010-1234-5678",
        buyer_email: Some("test@example.com"),
    };
    let ctx = CheckoutContext::new(Method::Card, NEXT).with_noti_url(NOTI);
    let form = order
        .payment_request(&ctx)
        .unwrap()
        .sign(&merchant(), Timestamp::from_unix_millis(1_704_078_000_000))
        .unwrap();
    let expected = "P_INI_PAYMENT=CARD&P_MID=INIpayTest&P_OID=ORD20240101120000001&P_AMT=1000&P_GOODS=%C5%D7%BD%BA%C6%AE%BB%F3%C7%B0&P_UNAME=%C8%AB%B1%E6%B5%BF&P_MOBILE=010-1234-5678&P_EMAIL=test%40example.com&P_NEXT_URL=https%3A%2F%2Fshop.example.com%2Finicis%2Fnext&P_NOTI_URL=https%3A%2F%2Fshop.example.com%2Finicis%2Fnoti&P_NOTI=ORD20240101120000001&P_CHARSET=utf8&P_TIMESTAMP=1704078000000&P_CHKFAKE=DmoyRuStniabOHAaP612Bmo%2FFOAfMKA1ktMoMH%2BQTNh%2FwN%2Fdckam1XbCe%2BpGPcAgHP9sIhYqz3FVeAOJeS72UQ%3D%3D&P_RESERVED=twotrs_isp%3DY%26block_isp%3DY%26twotrs_isp_noti%3DN%26apprun_check%3DY%26centerCd%3DY%26amt_hash%3DY";
    assert_eq!(
        String::from_utf8(form.to_euc_kr_body().unwrap()).unwrap(),
        expected
    );
}

/// Options that are not the builder's defaults: amount hash off, EUC-KR
/// results, card option, one-transaction bank with noti, app scheme.
#[derive(Order)]
#[inipay(
    methods(card, bank),
    noti,
    goods = "상품",
    amount_hash = false,
    charset = "euc-kr",
    card_option = "selcode=14",
    installments(3, no_lump_sum),
    reserved(
        twotrs_bank = false,
        apprun_check = false,
        app_scheme = "myapp://",
        ios_app,
        center_cd = false,
        below_1000,
        bank_receipt = false,
        escrow,
        ismart_use_sign,
        extra(merc_noint = "Y")
    )
)]
struct Options {
    order_id: String,
    amount: inipay_core::Amount,
    buyer_name: String,
}

#[test]
fn non_default_options_match_the_builder() {
    let mut r = Reserved::recommended();
    r.twotrs_bank = false;
    r.apprun_check = false;
    r.app_scheme = Some("myapp://".into());
    r.ios_app = true;
    r.center_cd = false;
    r.below_1000 = true;
    r.bank_receipt = Some(false);
    r.escrow = true;
    r.ismart_use_sign = true;
    r.extra.push(("merc_noint".into(), "Y".into()));
    let order = Options {
        order_id: "O-9".into(),
        amount: Amount::won(900),
        buyer_name: "이영희".into(),
    };
    for method in Options::METHODS {
        let derived = order.payment_request(&ctx(*method)).unwrap();
        let by_hand = PaymentRequest::builder(*method, "O-9", Amount::won(900))
            .next_url(NEXT)
            .noti_url(NOTI)
            .goods("상품")
            .buyer_name("이영희")
            .amount_hash(false)
            .result_charset(inipay_core::encoding::Charset::EucKr)
            .card_option("selcode=14")
            .quota_base(QuotaBase {
                months: vec![3],
                without_lump_sum: true,
            })
            .reserved(r.clone())
            .build()
            .unwrap();
        assert_eq!(derived, by_hand);
        assert_same_wire(&derived, &by_hand);
    }
}

#[test]
fn run_time_errors_are_typed() {
    // A method the order does not allow.
    let e = shop()
        .payment_request(&ctx(Method::Mobile(HppMethod::Content)))
        .unwrap_err();
    assert_eq!(e.field, "P_INI_PAYMENT");
    // `noti` declared, no noti URL in the context.
    let e = shop()
        .payment_request(&CheckoutContext::new(Method::Card, NEXT))
        .unwrap_err();
    assert_eq!((e.field, e.kind), ("P_NOTI_URL", FieldErrorKind::Missing));
    // A plain String is checked when the request is built.
    let mut long = shop();
    long.buyer_name = "가".repeat(16);
    let e = long.payment_request(&ctx(Method::Card)).unwrap_err();
    assert_eq!(e.field, "P_UNAME");
    assert_eq!(
        e.kind,
        FieldErrorKind::TooLong {
            limit: 30,
            actual: 32
        }
    );
    let mut emoji = shop();
    emoji.merchant_data = "🎁".into();
    assert_eq!(
        emoji.payment_request(&ctx(Method::Card)).unwrap_err().kind,
        FieldErrorKind::Unencodable('🎁')
    );
}

/// Generic order types: the capacity checks run per instantiation.
#[derive(Order)]
#[inipay(methods(card))]
struct Generic<'a, G: AsRef<str>> {
    order_id: &'a str,
    amount: u64,
    goods: std::borrow::Cow<'a, str>,
    buyer_name: &'a Text<30>,
    #[inipay(skip)]
    tag: G,
}

#[test]
fn generic_orders_work() {
    let name = Text::new("P_UNAME", "홍길동").unwrap();
    let g = Generic {
        order_id: "G-1",
        amount: 10,
        goods: "사과".into(),
        buyer_name: &name,
        tag: "x",
    };
    assert_eq!(AsRef::<str>::as_ref(&g.tag), "x");
    let req = g
        .payment_request(&CheckoutContext::new(Method::Card, NEXT))
        .unwrap();
    assert_eq!(req.goods.as_str(), "사과");
    assert_eq!(g.order_id(), "G-1");
    assert_eq!(g.amount(), Amount::won(10));
}

mod facade {
    pub use inipay_core as payments;
}

#[derive(Order)]
#[inipay(
    methods(bank),
    crate = "crate::facade::payments",
    goods = "g",
    buyer_name = "n"
)]
struct ThroughFacade {
    order_id: String,
    amount: u64,
}

#[test]
fn crate_override() {
    let req = ThroughFacade {
        order_id: "F-1".into(),
        amount: 5,
    }
    .payment_request(&CheckoutContext::new(Method::Bank, NEXT))
    .unwrap();
    assert_eq!(req.method, Method::Bank);
}

const RETURN: &str = "https://shop.example.com/bill/return";

#[derive(BillingOrder)]
#[inipay(billing = card, period = "M2", goods = "월정액", flg_crypto, below_1000, card_use = personal)]
struct Plan {
    order_id: String,
    amount: u64,
    buyer_name: String,
    buyer_phone: Option<String>,
    buyer_email: Option<String>,
    #[inipay(merchant_data)]
    memo: String,
}

/// The PROTOCOL.md 3.7 example values through a derived order, compared with
/// the billing builder, signed form included.
#[test]
fn card_billing_matches_the_builder() {
    let plan = Plan {
        order_id: "ORDERID1234".into(),
        amount: 1000,
        buyer_name: "홍길동".into(),
        buyer_phone: Some("01012345678".into()),
        buyer_email: Some("test@example.com".into()),
        memo: "plan-basic".into(),
    };
    let derived = plan.billing_request(RETURN).unwrap();
    let by_hand = BillingKeyRequest::card("ORDERID1234", Amount::won(1000))
        .goods("월정액")
        .buyer_name("홍길동")
        .buyer_tel("01012345678")
        .buyer_email("test@example.com")
        .merchant_data("plan-basic")
        .return_url(RETURN)
        .period(Period::Monthly)
        .card_use(CardUse::Personal)
        .merchant_reserved("below1000=Y")
        .encrypted(true)
        .build()
        .unwrap();
    assert!(derived == by_hand, "{derived:?} != {by_hand:?}");
    assert_eq!(
        (
            derived.buyer_tel.as_deref(),
            derived.merchant_reserved.as_deref()
        ),
        (Some("01012345678"), Some("below1000=Y"))
    );
    let m = Merchant::test(
        "INIBillTst",
        test_keys::ini_bill_tst(),
        Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
    )
    .unwrap();
    let now = Timestamp::from_unix_millis(1_704_078_000_000);
    assert_eq!(
        derived.sign(&m, now).unwrap().fields(),
        by_hand.sign(&m, now).unwrap().fields()
    );
    assert_eq!(Plan::KIND, BillingKind::Card);
    let bad = Plan {
        amount: 1_000_000_000_000,
        ..plan
    };
    assert_eq!(bad.billing_request(RETURN).unwrap_err().field, "price");
}

macro_rules! phone_billing_case {
    ($name:ident, $kind:ident, $variant:ident) => {
        #[derive(BillingOrder)]
        #[inipay(billing = phone($kind), period = "Y2", size_unit = euc_kr)]
        struct $name {
            order_id: &'static str,
            amount: u32,
            goods: Text<80>,
            buyer_name: &'static str,
        }

        let order = $name {
            order_id: "HPP-1",
            amount: 5_000,
            goods: Text::new("goodname", "연간 이용권").unwrap(),
            buyer_name: "김철수",
        };
        let derived = order.billing_request(RETURN).unwrap();
        let by_hand = BillingKeyRequest::phone("HPP-1", Amount::won(5_000), HppProduct::$variant)
            .goods("연간 이용권")
            .buyer_name("김철수")
            .return_url(RETURN)
            .period(Period::Yearly)
            .size_unit(SizeUnit::EucKrBytes)
            .build()
            .unwrap();
        assert!(derived == by_hand, "{derived:?} != {by_hand:?}");
        assert_eq!(derived.kind, BillingKind::Phone(HppProduct::$variant));
        assert_eq!($name::KIND, BillingKind::Phone(HppProduct::$variant));
        assert_eq!(derived.period, Some(Period::Yearly));
    };
}

#[test]
fn phone_billing_matches_the_builder() {
    phone_billing_case!(PhoneContent, content, Content);
    phone_billing_case!(PhonePhysical, physical, Physical);
}
