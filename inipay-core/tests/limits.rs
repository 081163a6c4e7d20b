//! Size limits of every field the builders check: a value of exactly the
//! limit is accepted and one byte more is refused with a `TooLong` error that
//! names the field and the limit (PROTOCOL.md 2.2, 3.2, 3.6, 4.2-4.4).
//!
//! Mobile WEB text is counted in EUC-KR bytes (a Hangul syllable is 2), so
//! Korean values at the limit are twice as long in UTF-8 as the limit allows
//! in characters. Billing-key forms count UTF-8 bytes by default
//! ([`SizeUnit::Utf8Bytes`]) and EUC-KR bytes on request; INIAPI text counts
//! UTF-8 bytes (the bytes sent).

use inipay_core::billing::{BillingKeyRequest, InilitepayRequest, SizeUnit};
use inipay_core::iniapi::{
    BankCode, BillingCharge, BillingMethod, PartialRefund, PayMethod, Refund, RefundAccount,
};
use inipay_core::mobile::{AmountLimit, Method, PaymentRequest, PaymentRequestBuilder};
use inipay_core::types::{Amount, FieldError, FieldErrorKind, OrderId, Tid};
use secrecy::SecretString;

/// Asserts `err` is `TooLong` for `field` at `limit` with `limit + 1` bytes,
/// and that its message names both.
#[track_caller]
fn over(result: Result<impl std::fmt::Debug, FieldError>, field: &str, limit: usize) {
    let err = result.expect_err("one byte over the limit must be refused");
    assert_eq!(err.field, field, "{err}");
    assert_eq!(
        err.kind,
        FieldErrorKind::TooLong {
            limit,
            actual: limit + 1
        },
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(field) && msg.contains(&limit.to_string()),
        "{msg}"
    );
}

#[track_caller]
fn at(result: Result<impl std::fmt::Debug, FieldError>) {
    if let Err(e) = result {
        panic!("a value of exactly the limit must be accepted: {e}");
    }
}

/// `n` EUC-KR bytes of Korean (`가` is 2 bytes), plus `a` if `n` is odd.
fn korean_euc_kr(n: usize) -> String {
    let mut s = "가".repeat(n / 2);
    if n % 2 == 1 {
        s.push('a');
    }
    s
}

/// `n` UTF-8 bytes of Korean (`가` is 3 bytes), padded with `a`.
fn korean_utf8(n: usize) -> String {
    let mut s = "가".repeat(n / 3);
    s.push_str(&"a".repeat(n % 3));
    s
}

fn url(n: usize) -> String {
    let base = "https://shop.example.com/";
    format!("{base}{}", "a".repeat(n - base.len()))
}

fn email(n: usize) -> String {
    let domain = "@example.com";
    format!("{}{domain}", "a".repeat(n - domain.len()))
}

fn phone(n: usize) -> String {
    format!("010-1234-5678{}", "-".repeat(n - 13))
}

// ---------------------------------------------------------------- Mobile WEB

fn mobile() -> PaymentRequestBuilder {
    PaymentRequest::builder(Method::Card, "ORD1", Amount::won(1000))
        .goods("g")
        .buyer_name("n")
        .next_url("https://shop.example.com/next")
}

#[test]
fn p_goods_80_euc_kr_bytes() {
    assert_eq!(
        korean_euc_kr(80).len(),
        120,
        "120 UTF-8 bytes, 80 EUC-KR bytes"
    );
    at(mobile().goods(korean_euc_kr(80)).build());
    over(mobile().goods(korean_euc_kr(81)).build(), "P_GOODS", 80);
}

#[test]
fn p_uname_30_euc_kr_bytes() {
    at(mobile().buyer_name(korean_euc_kr(30)).build());
    over(
        mobile().buyer_name(korean_euc_kr(31)).build(),
        "P_UNAME",
        30,
    );
}

#[test]
fn p_mname_30_euc_kr_bytes() {
    at(mobile().merchant_name(korean_euc_kr(30)).build());
    over(
        mobile().merchant_name(korean_euc_kr(31)).build(),
        "P_MNAME",
        30,
    );
}

#[test]
fn p_noti_800_euc_kr_bytes() {
    at(mobile().merchant_data(korean_euc_kr(800)).build());
    over(
        mobile().merchant_data(korean_euc_kr(801)).build(),
        "P_NOTI",
        800,
    );
}

#[test]
fn p_oid_40_bytes_and_no_korean() {
    let ok = "A".repeat(40);
    at(PaymentRequest::builder(Method::Card, ok, Amount::won(1000))
        .goods("g")
        .buyer_name("n")
        .next_url("https://shop.example.com/next")
        .build());
    let long = "A".repeat(41);
    over(
        PaymentRequest::builder(Method::Card, long, Amount::won(1000))
            .goods("g")
            .buyer_name("n")
            .next_url("https://shop.example.com/next")
            .build(),
        "P_OID",
        40,
    );
    assert_eq!(
        OrderId::new("주문1").unwrap_err().kind,
        FieldErrorKind::NotAscii
    );
}

#[test]
fn p_mobile_20_bytes() {
    at(mobile().buyer_phone(phone(20)).build());
    over(mobile().buyer_phone(phone(21)).build(), "P_MOBILE", 20);
}

#[test]
fn p_email_60_bytes() {
    at(mobile().buyer_email(email(60)).build());
    over(mobile().buyer_email(email(61)).build(), "P_EMAIL", 60);
}

#[test]
fn urls_250_bytes() {
    at(mobile().next_url(url(250)).build());
    over(mobile().next_url(url(251)).build(), "P_NEXT_URL", 250);
    at(mobile().noti_url(url(250)).build());
    over(mobile().noti_url(url(251)).build(), "P_NOTI_URL", 250);
    at(mobile().return_url(url(250)).build());
    over(mobile().return_url(url(251)).build(), "P_RETURN_URL", 250);
}

#[test]
fn p_card_option_64_bytes() {
    let opt = |n: usize| format!("selcode=14{}", "_".repeat(n - 10));
    at(mobile().card_option(opt(64)).build());
    over(mobile().card_option(opt(65)).build(), "P_CARD_OPTION", 64);
}

#[test]
fn p_amt_8_digits_welcome_limit() {
    let b = |won| {
        PaymentRequest::builder(Method::Card, "ORD1", Amount::won(won))
            .goods("g")
            .buyer_name("n")
            .next_url("https://shop.example.com/next")
            .amount_limit(AmountLimit::EightDigits)
    };
    at(b(99_999_999).build());
    over(b(100_000_000).build(), "P_AMT", 8);
}

// ---------------------------------------------------- inibill billing key

fn inibill() -> inipay_core::billing::BillingKeyRequestBuilder {
    BillingKeyRequest::card("SUB-1", Amount::won(1000))
        .goods("g")
        .buyer_name("n")
        .return_url("https://shop.example.com/bill/return")
}

#[test]
fn inibill_goodname_80_bytes_in_both_units() {
    at(inibill().goods(korean_utf8(80)).build());
    over(inibill().goods(korean_utf8(81)).build(), "goodname", 80);
    let euc = |s| inibill().size_unit(SizeUnit::EucKrBytes).goods(s).build();
    at(euc(korean_euc_kr(80)));
    over(euc(korean_euc_kr(81)), "goodname", 80);
}

#[test]
fn inibill_buyername_30_bytes_in_both_units() {
    at(inibill().buyer_name(korean_utf8(30)).build());
    over(
        inibill().buyer_name(korean_utf8(31)).build(),
        "buyername",
        30,
    );
    let euc = |s| {
        inibill()
            .size_unit(SizeUnit::EucKrBytes)
            .buyer_name(s)
            .build()
    };
    at(euc(korean_euc_kr(30)));
    over(euc(korean_euc_kr(31)), "buyername", 30);
}

#[test]
fn inibill_other_fields() {
    let oid = |n: usize| {
        BillingKeyRequest::card("A".repeat(n), Amount::won(1000))
            .goods("g")
            .buyer_name("n")
            .return_url("https://shop.example.com/bill/return")
            .build()
    };
    at(oid(64));
    over(oid(65), "orderid", 64);
    at(inibill().buyer_email(email(60)).build());
    over(inibill().buyer_email(email(61)).build(), "buyeremail", 60);
    at(inibill().buyer_tel(phone(40)).build());
    over(inibill().buyer_tel(phone(41)).build(), "buyertel", 40);
    at(inibill().period_custom(korean_utf8(24)).build());
    over(
        inibill().period_custom(korean_utf8(25)).build(),
        "period_custom",
        24,
    );
    at(inibill().merchant_reserved("a".repeat(1000)).build());
    over(
        inibill().merchant_reserved("a".repeat(1001)).build(),
        "merchantreserved",
        1000,
    );
    let price = |won| {
        BillingKeyRequest::card("SUB-1", Amount::won(won))
            .goods("g")
            .buyer_name("n")
            .return_url("https://shop.example.com/bill/return")
            .build()
    };
    at(price(999_999_999_999));
    over(price(1_000_000_000_000), "price", 12);
}

// ---------------------------------------------------- inilitepay billing key

fn lite() -> inipay_core::billing::InilitepayRequestBuilder {
    InilitepayRequest::builder("ORDERID1234", Amount::won(1000))
        .goods("g")
        .buyer_name("n")
        .buyer_tel("01012345678")
        .buyer_email("test@example.com")
        .return_url("https://shop.example.com/bill/return")
}

#[test]
fn inilitepay_fields() {
    at(lite().goods(korean_utf8(40)).build());
    over(lite().goods(korean_utf8(41)).build(), "goodName", 40);
    at(lite()
        .size_unit(SizeUnit::EucKrBytes)
        .goods(korean_euc_kr(40))
        .build());
    over(
        lite()
            .size_unit(SizeUnit::EucKrBytes)
            .goods(korean_euc_kr(41))
            .build(),
        "goodName",
        40,
    );
    at(lite().buyer_name(korean_utf8(30)).build());
    over(lite().buyer_name(korean_utf8(31)).build(), "buyerName", 30);
    at(lite().buyer_tel(phone(40)).build());
    over(lite().buyer_tel(phone(41)).build(), "buyerTel", 40);
    at(lite().buyer_email(email(60)).build());
    over(lite().buyer_email(email(61)).build(), "buyerEmail", 60);
    at(lite().return_url(url(1000)).build());
    over(lite().return_url(url(1001)).build(), "returnUrl", 1000);
    let oid = |n: usize| {
        InilitepayRequest::builder("A".repeat(n), Amount::won(1000))
            .goods("g")
            .buyer_name("n")
            .buyer_tel("01012345678")
            .buyer_email("test@example.com")
            .return_url("https://shop.example.com/bill/return")
            .build()
    };
    at(oid(64));
    over(oid(65), "orderId", 64);
}

// -------------------------------------------------------------------- INIAPI

fn charge() -> inipay_core::iniapi::BillingChargeBuilder {
    charge_with("INIBillTst_1", "734f880246ece4ffdba841c1436399c9968d32cc")
}

fn charge_with(moid: &str, key: &str) -> inipay_core::iniapi::BillingChargeBuilder {
    BillingCharge::builder(
        BillingMethod::Card,
        moid,
        Amount::won(1000),
        SecretString::from(key.to_owned()),
    )
    .site_url("www.inicis.com")
    .goods_name("g")
    .buyer_name("n")
    .buyer_email("test@test.com")
    .buyer_tel("01012345678")
}

#[test]
fn iniapi_billing_fields() {
    at(charge().goods_name(korean_utf8(80)).build());
    over(charge().goods_name(korean_utf8(81)).build(), "goodName", 80);
    at(charge().buyer_name(korean_utf8(30)).build());
    over(
        charge().buyer_name(korean_utf8(31)).build(),
        "buyerName",
        30,
    );
    at(charge_with(&"A".repeat(40), "k").build());
    over(charge_with(&"A".repeat(41), "k").build(), "moid", 40);
    at(charge_with("m", &"k".repeat(40)).build());
    over(charge_with("m", &"k".repeat(41)).build(), "billKey", 40);
    at(charge().buyer_tel(phone(40)).build());
    over(charge().buyer_tel(phone(41)).build(), "buyerTel", 40);
    at(charge().buyer_email(email(60)).build());
    let err = charge().buyer_email(email(61)).build().unwrap_err();
    assert_eq!(err.field, "buyerEmail");
    assert_eq!(
        err.kind,
        FieldErrorKind::TooLong {
            limit: 60,
            actual: 61
        }
    );
}

#[test]
fn iniapi_refund_fields() {
    const TID: &str = "StdpayCARDINIpayTest20210101111111111111";
    at(Refund::new(PayMethod::Card, TID, &korean_utf8(100)));
    over(
        Refund::new(PayMethod::Card, TID, &korean_utf8(101)),
        "msg",
        100,
    );
    at(Refund::new(PayMethod::Card, &"T".repeat(40), "m"));
    over(
        Refund::new(PayMethod::Card, &"T".repeat(41), "m"),
        "tid",
        40,
    );
    at(Tid::new("T".repeat(40)));
    over(Tid::new("T".repeat(41)), "P_TID", 40);
    at(PartialRefund::new(
        PayMethod::Card,
        TID,
        &korean_utf8(100),
        Amount::won(1),
        Amount::won(2),
    ));
    over(
        PartialRefund::new(
            PayMethod::Card,
            TID,
            &korean_utf8(101),
            Amount::won(1),
            Amount::won(2),
        ),
        "msg",
        100,
    );
    let bank = || BankCode::new("20").unwrap();
    let num = |n: usize| SecretString::from("1".repeat(n));
    at(RefundAccount::new(bank(), num(20), "홍길동"));
    over(
        RefundAccount::new(bank(), num(21), "홍길동"),
        "refundAcctNum",
        20,
    );
    at(RefundAccount::new(bank(), num(9), &korean_utf8(30)));
    over(
        RefundAccount::new(bank(), num(9), &korean_utf8(31)),
        "refundAcctName",
        30,
    );
}

/// `P_TAX` at most 10% of `P_AMT`, `P_TAX + P_TAXFREE` at most `P_AMT`
/// (PROTOCOL.md 2.2): value limits rather than byte limits.
#[test]
fn p_tax_and_p_taxfree_bounds() {
    let range = |r: Result<PaymentRequest, FieldError>, field: &str, max: u64| {
        let e = r.unwrap_err();
        assert_eq!(e.field, field);
        assert_eq!(e.kind, FieldErrorKind::OutOfRange { min: 0, max });
    };
    at(mobile().tax(Amount::won(100)).build());
    range(mobile().tax(Amount::won(101)).build(), "P_TAX", 100);
    at(mobile()
        .tax(Amount::won(100))
        .tax_free(Amount::won(900))
        .build());
    range(
        mobile()
            .tax(Amount::won(100))
            .tax_free(Amount::won(901))
            .build(),
        "P_TAXFREE",
        1000,
    );
}
