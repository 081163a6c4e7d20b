//! INIAPI calls through the gateway client against tiny local servers on
//! 127.0.0.1: the exact bytes sent (PROTOCOL.md 4.2-4.5, 5.2-5.6), the typed
//! reply parsed (numbers for strings, nulls), statuses and retry rules.
#![cfg(feature = "client")]

use inipay_core::client::{ClientConfig, ClientError, GatewayClient};
use inipay_core::config::{Endpoints, Merchant, Mode, test_keys};
use inipay_core::iniapi::{
    ApiVersion, BankCode, BillingCharge, BillingMethod, IniapiConfig, Inquiry, PartialRefund,
    PayMethod, Refund, RefundAccount, ReplyError, RequestMeta, TxStatus, VacctRefund,
};
use inipay_core::outcome::Outcome;
use inipay_core::time::Timestamp;
use inipay_core::types::Amount;
use secrecy::SecretString;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// 2024-01-01 12:00:00 KST.
const T_20240101120000: u64 = 1_704_078_000_000;
const TID: &str = "StdpayCARDINIpayTest20210101111111111111";
const BILLKEY: &str = "734f880246ece4ffdba841c1436399c9968d32cc";

/// What the server saw: request line, lower-cased headers, body.
#[derive(Default, Clone)]
struct Seen {
    head: String,
    body: Vec<u8>,
}

struct Server {
    base: String,
    count: Arc<AtomicUsize>,
    last: Arc<tokio::sync::Mutex<Seen>>,
}

/// Answers every request with `status` and `body` (JSON content type).
async fn server(status: &'static str, body: &'static [u8]) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let last: Arc<tokio::sync::Mutex<Seen>> = Arc::default();
    let (c, l) = (count.clone(), last.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            c.fetch_add(1, Ordering::SeqCst);
            let l = l.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                let mut seen = Seen::default();
                loop {
                    let n = sock.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                    if let Some(p) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&got[..p]).to_ascii_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| {
                                l.strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if got.len() >= p + 4 + len {
                            seen = Seen {
                                head,
                                body: got[p + 4..p + 4 + len].to_vec(),
                            };
                            break;
                        }
                    }
                }
                *l.lock().await = seen;
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body).await;
            });
        }
    });
    Server { base, count, last }
}

fn client() -> GatewayClient {
    GatewayClient::new(ClientConfig {
        connect_timeout: Duration::from_millis(500),
        total_timeout: Duration::from_secs(5),
        ..ClientConfig::default()
    })
    .unwrap()
}

fn inipay_test(base: &str) -> Merchant {
    Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox(base).unwrap(),
    )
    .unwrap()
}

fn ini_bill_tst(base: &str) -> Merchant {
    Merchant::test(
        "INIBillTst",
        test_keys::ini_bill_tst(),
        Endpoints::sandbox(base).unwrap(),
    )
    .unwrap()
}

fn meta(ip: &str) -> RequestMeta {
    RequestMeta::new(Timestamp::from_unix_millis(T_20240101120000), ip).unwrap()
}

fn v1() -> IniapiConfig {
    IniapiConfig {
        version: ApiVersion::V1,
    }
}

fn v2() -> IniapiConfig {
    IniapiConfig {
        version: ApiVersion::V2,
    }
}

fn charge() -> BillingCharge {
    BillingCharge::builder(
        BillingMethod::Card,
        "INIBillTst_20240101120000",
        Amount::won(1000),
        SecretString::from(BILLKEY.to_owned()),
    )
    .site_url("www.inicis.com")
    .goods_name("테스트상품")
    .buyer_name("홍길동")
    .buyer_email("test@test.com")
    .buyer_tel("01012345678")
    .build()
    .unwrap()
}

/// The complete v1 billing exchange of PROTOCOL.md 4.2.
#[tokio::test]
async fn billing_charge_v1_sends_the_documented_body_and_parses_the_reply() {
    let srv = server(
        "200 OK",
        r#"{"resultCode":"00","resultMsg":"[신용카드|빌링이 정상적으로 이루어졌습니다.]","tid":"INIAPICARDINIBillTst20240101120000123456","payDate":"20240101","payTime":"120001","payAuthCode":"00862734","cardCode":"04","checkFlg":"0","payAuthQuota":"00","prtcCode":"1","price":"1000"}"#.as_bytes(),
    )
    .await;
    let merchant = ini_bill_tst(&srv.base);
    let request = v1().sign(&charge(), &merchant, &meta("192.0.0.1")).unwrap();
    let ex = client().billing_charge(&request).await.unwrap();

    let seen = srv.last.lock().await.clone();
    assert!(
        seen.head.starts_with("post /api/v1/billing http/1.1"),
        "{}",
        seen.head
    );
    assert!(
        seen.head
            .contains("content-type: application/x-www-form-urlencoded; charset=utf-8"),
        "{}",
        seen.head
    );
    assert_eq!(
        String::from_utf8(seen.body).unwrap(),
        "type=Billing&paymethod=Card&timestamp=20240101120000&clientIp=192.0.0.1&mid=INIBillTst&url=www.inicis.com&moid=INIBillTst_20240101120000&goodName=%ED%85%8C%EC%8A%A4%ED%8A%B8%EC%83%81%ED%92%88&buyerName=%ED%99%8D%EA%B8%B8%EB%8F%99&buyerEmail=test%40test.com&buyerTel=01012345678&price=1000&currency=WON&billKey=734f880246ece4ffdba841c1436399c9968d32cc&authentification=00&cardQuota=00&quotaInterest=0&hashData=5221a587e945accefb10c6a1074a6255111e2fb82c8f692de7d8c21369013724db8e371f929aabf06a0b0149ba8d1e191d07ec50943267ec629c2c774f0f5fbd"
    );
    assert_eq!(ex.raw.status, 200);
    assert!(ex.raw.body.starts_with(br#"{"resultCode":"00""#));
    let reply = ex.parsed.unwrap();
    assert_eq!(reply.result.outcome, Outcome::Success);
    assert_eq!(
        reply.tid.as_deref(),
        Some("INIAPICARDINIBillTst20240101120000123456")
    );
    assert_eq!(reply.pay_auth_code.as_deref(), Some("00862734"));
    assert_eq!(reply.card_code.as_deref(), Some("04"));
    assert_eq!(reply.partial_cancel_allowed, Some(true));
    assert_eq!(reply.price, Some(Amount::won(1000)));
    assert_eq!(srv.count.load(Ordering::SeqCst), 1);
}

/// The complete v2 billing request of PROTOCOL.md 5.2 (its body carries
/// clientIp 192.0.0.0; v2 does not hash the IP, so V12 still holds).
#[tokio::test]
async fn billing_charge_v2_sends_the_documented_json_envelope() {
    let srv = server(
        "200 OK",
        br#"{"resultCode":"01","resultMsg":"[1195][billing key not registered]","tid":null,"price":null}"#,
    )
    .await;
    let merchant = ini_bill_tst(&srv.base);
    let request = v2().sign(&charge(), &merchant, &meta("192.0.0.0")).unwrap();
    let ex = client().billing_charge(&request).await.unwrap();
    let seen = srv.last.lock().await.clone();
    assert!(
        seen.head.starts_with("post /v2/pg/billing http/1.1"),
        "{}",
        seen.head
    );
    assert!(
        seen.head
            .contains("content-type: application/json;charset=utf-8"),
        "{}",
        seen.head
    );
    assert_eq!(
        String::from_utf8(seen.body).unwrap(),
        r#"{"mid":"INIBillTst","type":"billing","paymethod":"Card","timestamp":"20240101120000","clientIp":"192.0.0.0","data":{"url":"www.inicis.com","moid":"INIBillTst_20240101120000","goodName":"테스트상품","buyerName":"홍길동","buyerEmail":"test@test.com","buyerTel":"01012345678","price":"1000","billKey":"734f880246ece4ffdba841c1436399c9968d32cc","authentification":"00","cardQuota":"00","quotaInterest":"0"},"hashData":"f9facbe185be1010814e8df07711ac000dbe5a28421e7ba7aa4300b6042de5d4e4d240224e8249bf04157349914fb58eca0c0b70cf575e1db4c0d5b80deaf1bc"}"#
    );
    let reply = ex.parsed.unwrap();
    assert_eq!(reply.result.outcome, Outcome::GatewayError);
    assert_eq!(reply.result.detail.as_deref(), Some("1195"));
    assert_eq!(reply.tid, None);
    assert_eq!(reply.price, None);
}

/// PROTOCOL.md 4.3: request example and real reply capture.
#[tokio::test]
async fn refund_v1_sends_the_documented_body_and_parses_the_captured_reply() {
    let srv = server(
        "200 OK",
        r#"{"resultCode":"00","resultMsg":"정상처리되었습니다.","cancelDate":"20220210","cancelTime":"004139","receiptInfo":"","cshrCancelNum":"","detailResultCode":""}"#.as_bytes(),
    )
    .await;
    let merchant = inipay_test(&srv.base);
    let refund = Refund::new(PayMethod::Card, TID, "거래취소요청").unwrap();
    let request = v1().sign(&refund, &merchant, &meta("192.0.0.1")).unwrap();
    let ex = client().refund(&request).await.unwrap();
    let seen = srv.last.lock().await.clone();
    assert!(seen.head.starts_with("post /api/v1/refund http/1.1"));
    assert_eq!(
        String::from_utf8(seen.body).unwrap(),
        "type=Refund&paymethod=Card&timestamp=20240101120000&clientIp=192.0.0.1&mid=INIpayTest&tid=StdpayCARDINIpayTest20210101111111111111&msg=%EA%B1%B0%EB%9E%98%EC%B7%A8%EC%86%8C%EC%9A%94%EC%B2%AD&hashData=1a6d92c3e4a67d3b31be1395b908591082802218a678ae3d5d9d9329dd0ddd09af6a88da254613eececd456f67b0ca576a5366a1e1164c9c39e3546523103d59"
    );
    let reply = ex.parsed.unwrap();
    assert!(reply.result.is_success());
    assert_eq!(reply.cancel_date.as_deref(), Some("20220210"));
    assert_eq!(reply.cancel_time.as_deref(), Some("004139"));
    assert!(!reply.is_already_cancelled());
}

/// PROTOCOL.md 4.3 Vacct: the `[ENC]` account number is percent-encoded on
/// the wire and the hash is V10.
#[tokio::test]
async fn vacct_refund_goes_through_refund_with_the_encrypted_account() {
    let srv = server(
        "200 OK",
        r#"{"resultCode":"01","resultMsg":"기 취소 거래","detailResultCode":"512626"}"#.as_bytes(),
    )
    .await;
    let merchant = inipay_test(&srv.base);
    let account = RefundAccount::new(
        BankCode::new("20").unwrap(),
        SecretString::from("123456789".to_owned()),
        "홍길동",
    )
    .unwrap();
    let refund =
        VacctRefund::new("INIMX_VBNKINIpayTest20160504112903950668", "환불", account).unwrap();
    let request = v1().sign(&refund, &merchant, &meta("192.0.0.1")).unwrap();
    let ex = client().refund(&request).await.unwrap();
    let body = String::from_utf8(srv.last.lock().await.body.clone()).unwrap();
    assert!(
        body.starts_with("type=Refund&paymethod=Vacct&timestamp=20240101120000&clientIp=192.0.0.1&mid=INIpayTest&tid=INIMX_VBNKINIpayTest20160504112903950668&"),
        "{body}"
    );
    assert!(
        body.contains("&refundAcctNum=qwMHVJqsmXKoR%2Bd8wQTS4g%3D%3D&refundBankCode=20&"),
        "{body}"
    );
    assert!(body.ends_with("&hashData=ab0bda87f27a712ccb9a3310f6c0d9acf03385c14daeac200608e87aaadc47d312df86e9dbd678c909b7ce372486b3e346e07d0e5622fdf5929d7d6a4e4faf61"), "{body}");
    assert!(!body.contains("123456789"));
    let reply = ex.parsed.unwrap();
    assert_eq!(reply.result.outcome, Outcome::GatewayError);
    assert!(reply.is_already_cancelled());
}

/// A JSON reply whose amounts and counters are numbers, not strings, with
/// nulls for absent values.
#[tokio::test]
async fn partial_refund_reads_numbers_instead_of_strings() {
    let srv = server(
        "200 OK",
        br#"{"resultCode":"00","resultMsg":"ok","tid":"StdpayCARDINIpayTest20240101120001123456","prtcTid":"StdpayCARDINIpayTest20210101111111111111","prtcPrice":500,"prtcRemains":500,"prtcCnt":1,"prtcType":1,"prtcDate":20240101,"prtcTime":"120001","detailResultCode":null}"#,
    )
    .await;
    let merchant = inipay_test(&srv.base);
    let refund = PartialRefund::new(
        PayMethod::Card,
        TID,
        "부분취소",
        Amount::won(500),
        Amount::won(1000),
    )
    .unwrap();
    let request = v1().sign(&refund, &merchant, &meta("192.0.0.1")).unwrap();
    let ex = client().partial_refund(&request).await.unwrap();
    let body = String::from_utf8(srv.last.lock().await.body.clone()).unwrap();
    assert!(
        body.starts_with("type=PartialRefund&paymethod=Card&timestamp=20240101120000&clientIp=192.0.0.1&mid=INIpayTest&tid=StdpayCARDINIpayTest20210101111111111111&"),
        "{body}"
    );
    assert!(body.contains("&price=500&confirmPrice=500&"), "{body}");
    assert!(body.ends_with("&hashData=a66b0a5dc8c30b885536339ad0d215ef211301ef7f97483c1f273fd0ea929fb68f75609ff26d1adfdf9572a40be1b5f61579c7caf4745f62caeeca577efddc93"), "{body}");
    let reply = ex.parsed.unwrap();
    assert!(reply.result.is_success());
    assert_eq!(reply.refunded, Some(Amount::won(500)));
    assert_eq!(reply.remaining, Some(Amount::won(500)));
    assert_eq!(reply.count, Some(1));
    assert_eq!(reply.kind.as_deref(), Some("1"));
    assert_eq!(reply.date.as_deref(), Some("20240101"));
    assert_eq!(reply.result.detail, None);
    assert!(reply.check_remaining(refund.confirm_price()).is_ok());
    assert!(reply.check_remaining(Amount::won(400)).is_err());
}

/// PROTOCOL.md 5.6 (V15), with a reply using numbers and nulls.
#[tokio::test]
async fn inquiry_v2_sends_the_documented_envelope_and_reads_numbers() {
    let srv = server(
        "200 OK",
        br#"{"resultCode":"00","resultMsg":"ok","tid":"StdpayCARDINIpayTest20210101111111111111","mid":"INIpayTest","oid":null,"price":1000,"status":0,"transactionStatus":"0","availablePartCancelPrice":700,"vacctInfo":null}"#,
    )
    .await;
    let merchant = inipay_test(&srv.base);
    let request = v2()
        .sign(
            &Inquiry::by_tid(TID).unwrap(),
            &merchant,
            &meta("192.0.0.1"),
        )
        .unwrap();
    let ex = client().inquiry(&request).await.unwrap();
    let seen = srv.last.lock().await.clone();
    assert!(seen.head.starts_with("post /v2/pg/inquiry http/1.1"));
    assert_eq!(
        String::from_utf8(seen.body).unwrap(),
        r#"{"mid":"INIpayTest","type":"inquiry","timestamp":"20240101120000","clientIp":"192.0.0.1","data":{"tid":"StdpayCARDINIpayTest20210101111111111111"},"hashData":"0f4b4f411960a92f048d9bbd8a9cc9524912d67b7f751fa7bf2458b60533e1efc1729cb30fd6867c95fd7a4bd1a7e9b376d1eadb8e529d776b32efb11c8efaf4"}"#
    );
    let reply = ex.parsed.unwrap();
    assert_eq!(reply.price, Some(Amount::won(1000)));
    assert_eq!(reply.status, Some(TxStatus::Approved));
    assert_eq!(reply.available_partial_cancel, Some(Amount::won(700)));
    assert_eq!(reply.oid, None);
    assert_eq!(reply.vacct, None);
}

/// PROTOCOL.md 4.5 (V11): no TID in the hash, `originalTid` in the body.
#[tokio::test]
async fn inquiry_v1_body() {
    let srv = server(
        "200 OK",
        br#"{"resultCode":"00","resultMsg":"ok","status":"9"}"#,
    )
    .await;
    let merchant = inipay_test(&srv.base);
    let request = v1()
        .sign(
            &Inquiry::by_tid(TID).unwrap(),
            &merchant,
            &meta("192.0.0.1"),
        )
        .unwrap();
    let ex = client().inquiry(&request).await.unwrap();
    let body = String::from_utf8(srv.last.lock().await.body.clone()).unwrap();
    assert_eq!(
        body,
        "type=Extra&paymethod=Inquiry&timestamp=20240101120000&clientIp=192.0.0.1&mid=INIpayTest&originalTid=StdpayCARDINIpayTest20210101111111111111&hashData=d858b62f64c2e6f7b42db0ea17c09d201389f8960de649bb57f8672e6410bae9bc885a4704cc6fff67f82ea71f148d20b31010954b67a0937c9960c38319c557"
    );
    assert_eq!(ex.parsed.unwrap().status, Some(TxStatus::NotFound));
}

/// A 500 on a refund: sent once, outcome unknown, body kept for the journal.
#[tokio::test]
async fn refund_500_is_outcome_unknown_and_not_retried() {
    let srv = server("500 Internal Server Error", b"<html>error</html>").await;
    let merchant = inipay_test(&srv.base);
    let refund = Refund::new(PayMethod::Card, TID, "거래취소요청").unwrap();
    let request = v1().sign(&refund, &merchant, &meta("192.0.0.1")).unwrap();
    let err = GatewayClient::new(ClientConfig {
        idempotent_retries: 3,
        ..ClientConfig::default()
    })
    .unwrap()
    .refund(&request)
    .await
    .unwrap_err();
    match &err {
        ClientError::Status { status, reply } => {
            assert_eq!(*status, 500);
            assert_eq!(reply.body, b"<html>error</html>");
        }
        other => panic!("expected a status error, got {other:?}"),
    }
    assert!(err.is_outcome_unknown());
    assert_eq!(srv.count.load(Ordering::SeqCst), 1);
}

/// A 500 on an inquiry is retried (the only idempotent INIAPI call).
#[tokio::test]
async fn inquiry_500_is_retried() {
    let srv = server("500 Internal Server Error", b"{}").await;
    let merchant = inipay_test(&srv.base);
    let request = v1()
        .sign(
            &Inquiry::by_tid(TID).unwrap(),
            &merchant,
            &meta("192.0.0.1"),
        )
        .unwrap();
    let err = GatewayClient::new(ClientConfig {
        idempotent_retries: 2,
        ..ClientConfig::default()
    })
    .unwrap()
    .inquiry(&request)
    .await
    .unwrap_err();
    assert!(
        matches!(err, ClientError::Status { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(srv.count.load(Ordering::SeqCst), 3);
}

/// A 200 whose body is not JSON (a wrong URL answers HTML, PROTOCOL.md 4.1):
/// the raw bytes are kept and the parse error is typed.
#[tokio::test]
async fn non_json_reply_is_a_typed_parse_error_with_raw_bytes() {
    let srv = server("200 OK", b"resultCode=00&resultMsg=OK").await;
    let merchant = ini_bill_tst(&srv.base);
    let request = v1().sign(&charge(), &merchant, &meta("192.0.0.1")).unwrap();
    let ex = client().billing_charge(&request).await.unwrap();
    assert_eq!(ex.raw.body, b"resultCode=00&resultMsg=OK");
    assert!(matches!(ex.parsed, Err(ReplyError::NotJson { .. })));
}

/// A request handed to the wrong call is refused before anything is sent.
#[tokio::test]
async fn wrong_request_for_the_call_sends_nothing() {
    let srv = server("200 OK", br#"{"resultCode":"00"}"#).await;
    let merchant = inipay_test(&srv.base);
    let refund = Refund::new(PayMethod::Card, TID, "거래취소요청").unwrap();
    let request = v1().sign(&refund, &merchant, &meta("192.0.0.1")).unwrap();
    assert_eq!(request.origin.mode, Mode::Test);
    let c = client();
    let err = c.billing_charge(&request).await.unwrap_err();
    assert!(matches!(err, ClientError::WrongRequest { .. }), "{err:?}");
    assert!(!err.is_outcome_unknown());
    assert!(matches!(
        c.inquiry(&request).await,
        Err(ClientError::WrongRequest { .. })
    ));
    assert!(matches!(
        c.partial_refund(&request).await,
        Err(ClientError::WrongRequest { .. })
    ));
    assert_eq!(srv.count.load(Ordering::SeqCst), 0);
}
