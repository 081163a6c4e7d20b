//! No secret, card, phone or account number (and no full buyer name or
//! e-mail) reaches a `Debug` or `Display` print of any request, reply or
//! error, even when the value was built from data containing them
//! (house rules; PROTOCOL.md 1.2 for the keys).

use inipay_core::billing::{
    BillingKeyRequest, BillingKeyResult, BillkeyIv, InilitepayRequest, decrypt_field,
};
#[cfg(feature = "client")]
use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Keys, Merchant, test_keys};
use inipay_core::encoding::{Charset, Form};
use inipay_core::iniapi::{
    ApiVersion, BankCode, BillingCharge, BillingMethod, BillingReply, IniapiConfig, InquiryReply,
    RefundAccount, RequestMeta, VacctPartialRefund, VacctRefund,
};
use inipay_core::mobile::{
    ApprovalReply, ApprovalRequest, AuthResult, Expected, Method, NetCancelRequest, NotiOptions,
    Notification, PaymentRequest,
};
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, BuyerName, Email, Mid, OrderId, Phone, Tid};
use secrecy::SecretString;

const BILLKEY: &str = "734f880246ece4ffdba841c1436399c9968d32cc";
const CARD: &str = "5365101234567898";
const PHONE: &str = "01098765432";
const PHONE_DASHED: &str = "010-9876-5432";
const EMAIL: &str = "secret.buyer@example.com";
const VACCT: &str = "56211101573948";
const REFUND_ACCT: &str = "1002856123456";
const NAME: &str = "홍길동";
const REG_NO: &str = "800101";
const CARD_PW: &str = "12";

/// Everything that must never be printed.
fn forbidden() -> Vec<&'static str> {
    let mut v = vec![
        BILLKEY,
        CARD,
        PHONE,
        PHONE_DASHED,
        "98765432",
        EMAIL,
        VACCT,
        REFUND_ACCT,
        NAME,
        // The encrypted refund account (A2) is as good as the number.
        "b4mftjDfaxGYpI5lC4andg==",
    ];
    v.extend(test_keys::ALL);
    v
}

#[track_caller]
fn assert_clean(label: &str, text: &str) {
    for s in forbidden() {
        assert!(!text.contains(s), "{label} prints {s:?}: {text}");
    }
}

/// Debug (plain and pretty) of `v`.
#[track_caller]
fn debug(label: &str, v: &impl std::fmt::Debug) {
    assert_clean(label, &format!("{v:?}"));
    assert_clean(label, &format!("{v:#?}"));
}

/// Debug and Display of an error, and of its whole source chain.
#[track_caller]
fn error(label: &str, e: &(dyn std::error::Error + 'static)) {
    debug(label, &e);
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        assert_clean(label, &err.to_string());
        cur = err.source();
    }
}

fn merchant(mid: &str, keys: Keys) -> Merchant {
    Merchant::test(
        mid,
        keys,
        Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
    )
    .unwrap()
}

fn now() -> Timestamp {
    Timestamp::from_unix_millis(1_704_078_000_000)
}

fn euc_kr(text: &str) -> Vec<u8> {
    encoding_rs::EUC_KR.encode(text).0.into_owned()
}

#[test]
fn config_and_values() {
    let m = merchant("INIpayTest", test_keys::inipay_test());
    debug("Merchant", &m);
    debug("Keys", m.keys());
    debug("Phone", &Phone::new(PHONE_DASHED).unwrap());
    debug("Email", &Email::new(EMAIL).unwrap());
    debug("BuyerName", &BuyerName::new(NAME).unwrap());
    // Errors built from bad personal data name the field, not the value.
    error(
        "Phone error",
        &Phone::new(format!("{PHONE_DASHED}-----------")).unwrap_err(),
    );
    error(
        "Email error",
        &Email::new(format!("{EMAIL}{}", "x".repeat(60))).unwrap_err(),
    );
    error(
        "BuyerName error",
        &BuyerName::new(NAME.repeat(10)).unwrap_err(),
    );
    error(
        "Mid error",
        &Mid::new(test_keys::INIPAYTEST_INIAPI_KEY).unwrap_err(),
    );
}

#[test]
fn mobile_requests() {
    let m = merchant("INIpayTest", test_keys::inipay_test());
    let builder = PaymentRequest::builder(Method::Card, "ORD1", Amount::won(1000))
        .goods("테스트상품")
        .buyer_name(NAME)
        .buyer_phone(PHONE_DASHED)
        .buyer_email(EMAIL)
        .next_url("https://shop.example.com/next")
        .amount_hash(true);
    debug("PaymentRequestBuilder", &builder);
    let req = builder.build().unwrap();
    debug("PaymentRequest", &req);
    let form = req.sign(&m, now()).unwrap();
    debug("PaymentForm", &form);
    let tid = Tid::new("INIMX_AUTHINIpayTest20241029164022745656").unwrap();
    let approval = ApprovalRequest::new(
        &m,
        &tid,
        "http://127.0.0.1:8081/smart/payReq.ini",
        Charset::EucKr,
    )
    .unwrap();
    debug("ApprovalRequest", &approval);
    let nc = NetCancelRequest::new(
        &m,
        "http://127.0.0.1:8081/smart/payReq.ini",
        &tid,
        &OrderId::new("ORD1").unwrap(),
        Amount::won(1000),
        Some(now()),
    )
    .unwrap();
    debug("NetCancelRequest", &nc);
    // Signing without the key: the error says which key, never a value.
    let no_keys = merchant("INIpayTest", Keys::default());
    let err = PaymentRequest::builder(Method::Card, "ORD1", Amount::won(1000))
        .goods("g")
        .buyer_name("n")
        .next_url("https://shop.example.com/next")
        .amount_hash(true)
        .build()
        .unwrap()
        .sign(&no_keys, now())
        .unwrap_err();
    error("mobile SignError", &err);
}

fn card_reply() -> String {
    format!(
        "P_STATUS=00&P_AUTH_DT=20200821102612&P_AUTH_NO=22043784&P_RMESG1=성공&P_RMESG2=00\
         &P_TID=INIMX_ISP_INIpayTest20200821102612225347&P_FN_CD1=06&P_AMT=1005&P_TYPE=CARD\
         &P_UNAME={NAME}&P_MID=INIpayTest&P_OID=I1234567890123&P_NOTI=&P_CARD_NUM={CARD}\
         &P_CARD_ISSUER_CODE=04&P_CARD_PRTC_CODE=1&P_CARD_INTEREST=0&P_CARD_CHECKFLAG=1\
         &P_HPP_NUM={PHONE}&P_EMAIL={EMAIL}"
    )
}

#[test]
fn mobile_replies_and_errors() {
    for charset in [Charset::EucKr, Charset::Utf8] {
        let bytes = match charset {
            Charset::EucKr => euc_kr(&card_reply()),
            _ => card_reply().into_bytes(),
        };
        let form = Form::parse(&bytes, charset).unwrap();
        debug("Form", &form);
        let reply = ApprovalReply::parse(&bytes, charset).unwrap();
        debug("ApprovalReply card", &reply);
        let ok = reply
            .verify(&Expected::new(
                Mid::new("INIpayTest").unwrap(),
                OrderId::new("I1234567890123").unwrap(),
                Amount::won(1005),
            ))
            .unwrap();
        debug("Approved card", &ok);
        let err = reply
            .verify(&Expected::new(
                Mid::new("INIpayTest").unwrap(),
                OrderId::new("I1234567890123").unwrap(),
                Amount::won(9),
            ))
            .unwrap_err();
        error("VerifyError", &err);
    }
    let vbank = format!(
        "P_STATUS=00&P_AUTH_DT=20160504112904&P_RMESG1=ok&P_TID=INIMX_VBNKINIpayTest20160504112903950668\
         &P_AMT=1000&P_TYPE=VBANK&P_UNAME={NAME}&P_MID=INIpayTest&P_OID=INIpayTest_1462328917187\
         &P_VACT_NUM={VACCT}&P_VACT_DATE=20160514&P_VACT_TIME=235900&P_VACT_NAME=이니시스㈜테스트입&P_VACT_BANK_CODE=88"
    );
    let reply = ApprovalReply::parse(&euc_kr(&vbank), Charset::EucKr).unwrap();
    debug("ApprovalReply vbank", &reply);
    let issued = reply
        .verify(&Expected::new(
            Mid::new("INIpayTest").unwrap(),
            OrderId::new("INIpayTest_1462328917187").unwrap(),
            Amount::won(1000),
        ))
        .unwrap();
    debug("Approved vbank", &issued);
    let nc = format!("P_STATUS=00&P_RMESG1=ok&P_TID=T1&P_UNAME={NAME}&P_VACT_NUM={VACCT}");
    debug(
        "NetCancelReply",
        &inipay_core::mobile::NetCancelReply::parse(&euc_kr(&nc), Charset::EucKr),
    );
    let phone = format!(
        "P_STATUS=00&P_AUTH_DT=20200821102612&P_RMESG1=ok&P_TID=INIMX_HPP_INIpayTest20200821102612225347\
         &P_AMT=1000&P_TYPE=MOBILE&P_UNAME={NAME}&P_MID=INIpayTest&P_OID=O1&P_HPP_CORP=SKT&P_HPP_NUM={PHONE}"
    );
    let reply = ApprovalReply::parse(&euc_kr(&phone), Charset::EucKr).unwrap();
    debug("ApprovalReply phone", &reply);
    // A malformed reply carrying personal data: the error names the field.
    let bad = format!("P_STATUS=00&P_TID=T&P_AMT=1,000&P_HPP_NUM={PHONE}&P_CARD_NUM={CARD}");
    let e = ApprovalReply::parse(bad.as_bytes(), Charset::Utf8).unwrap_err();
    error("approval ParseError", &e);
    // Auth result.
    let auth = format!(
        "P_STATUS=00&P_RMESG1=ok&P_TID=INIMX_AUTHINIpayTest20241029164022745656\
         &P_REQ_URL=https://ksmobile.inicis.com/smart/payReq.ini&P_AMT=1000&P_NOTI=x&P_UNAME={NAME}"
    );
    let a = AuthResult::parse(&euc_kr(&auth), Charset::EucKr).unwrap();
    debug("AuthResult", &a);
    let e = AuthResult::parse(
        format!("P_STATUS=00&P_TID={CARD}{CARD}{CARD}").as_bytes(),
        Charset::Utf8,
    )
    .unwrap_err();
    error("auth ParseError", &e);
    // Deposit notification.
    let noti = format!(
        "P_TID=INIMX_VBNKINIpayTest20160504112903950668&P_MID=INIpayTest&P_AUTH_DT=20160505093012\
         &P_STATUS=02&P_TYPE=VBANK&P_OID=INIpayTest_1462328917187&P_FN_CD1=88&P_AMT=1000\
         &P_UNAME={NAME}&P_RMESG1=P_VACCT_NO%3D{VACCT}%7CP_EXP_DT%3D20160514235900"
    );
    let n = Notification::parse(&euc_kr(&noti), &NotiOptions::default()).unwrap();
    debug("Notification", &n);
    let bad = format!("P_STATUS=02&P_AMT=x{VACCT}&P_UNAME={NAME}");
    let e = Notification::parse(bad.as_bytes(), &NotiOptions::default()).unwrap_err();
    error("noti ParseError", &e);
}

#[test]
fn billing_key_forms_results_and_errors() {
    let m = merchant("INIBillTst", test_keys::ini_bill_tst());
    let b = BillingKeyRequest::card("SUB-1", Amount::won(1000))
        .goods("월정액")
        .buyer_name(NAME)
        .buyer_email(EMAIL)
        .buyer_tel(PHONE)
        .return_url("https://shop.example.com/bill/return")
        .encrypted(true);
    debug("BillingKeyRequestBuilder", &b);
    let req = b.build().unwrap();
    debug("BillingKeyRequest", &req);
    let form = req.sign(&m, now()).unwrap();
    debug("BillingKeyForm", &form);
    let lb = InilitepayRequest::builder("ORDERID1234", Amount::won(1000))
        .goods("월정액")
        .buyer_name(NAME)
        .buyer_tel(PHONE)
        .buyer_email(EMAIL)
        .return_url("https://shop.example.com/bill/return");
    debug("InilitepayRequestBuilder", &lb);
    let lr = lb.build().unwrap();
    debug("InilitepayRequest", &lr);
    debug("inilitepay BillingKeyForm", &lr.sign(&m, now()).unwrap());

    // A result whose billkey is encrypted (A4) and carries a card number.
    let body = format!(
        "resultcode=00&resultmsg=ok&billkey=V6LdAjEUr5zcaqNlP2a%2B%2FJV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX\
         &orderid=SUB-1&mid=INIBillTst&cardno={CARD}&hppno={PHONE}"
    );
    for cs in [Charset::Utf8, Charset::EucKr] {
        let r = BillingKeyResult::parse(body.as_bytes(), cs).unwrap();
        debug("BillingKeyResult", &r);
        if let BillingKeyResult::Issued(i) = &r {
            debug("Issued", i);
            let key = i.billkey(&m, &form, BillkeyIv::Zero).unwrap();
            debug("decrypted billkey", &key);
            // Decrypting with the wrong IV fails without printing anything.
            let e = i.billkey(&m, &form, BillkeyIv::KeyPrefix).unwrap_err();
            error("billkey DecryptError", &e);
        }
    }
    let e = decrypt_field(
        "billkey",
        &format!("{BILLKEY}{CARD}"),
        m.inilite_key().unwrap(),
        BillkeyIv::Zero,
    )
    .unwrap_err();
    error("decrypt_field error", &e);
    let e = BillingKeyResult::parse(
        format!("resultmsg={CARD}&billkey={BILLKEY}").as_bytes(),
        Charset::Utf8,
    )
    .unwrap_err();
    error("ResultError", &e);
}

fn meta() -> RequestMeta {
    RequestMeta::new(now(), "192.0.0.1").unwrap()
}

#[test]
fn iniapi_requests_replies_and_errors() {
    let bill = merchant("INIBillTst", test_keys::ini_bill_tst());
    let pay = merchant("INIpayTest", test_keys::inipay_test());
    let builder = BillingCharge::builder(
        BillingMethod::Card,
        "INIBillTst_1",
        Amount::won(1000),
        SecretString::from(BILLKEY.to_owned()),
    )
    .site_url("www.inicis.com")
    .goods_name("테스트상품")
    .buyer_name(NAME)
    .buyer_email(EMAIL)
    .buyer_tel(PHONE)
    .reg_no(SecretString::from(REG_NO.to_owned()))
    .card_pw(SecretString::from(CARD_PW.to_owned()));
    debug("BillingChargeBuilder", &builder);
    let charge = builder.build().unwrap();
    debug("BillingCharge", &charge);
    for version in [ApiVersion::V1, ApiVersion::V2] {
        let r = (IniapiConfig { version }).sign(&charge, &bill, &meta());
        match r {
            Ok(r) => debug("ApiRequest billing", &r),
            // regNo/cardPw are v1 only.
            Err(e) => error("billing SignError", &e),
        }
    }
    let account = RefundAccount::new(
        BankCode::new("20").unwrap(),
        SecretString::from(REFUND_ACCT.to_owned()),
        NAME,
    )
    .unwrap();
    debug("RefundAccount", &account);
    let vr = VacctRefund::new(
        "StdpayVBNKINIpayTest20231012133902671264",
        "환불",
        account.clone(),
    )
    .unwrap();
    debug("VacctRefund", &vr);
    let vpr = VacctPartialRefund::new(
        "StdpayVBNKINIpayTest20231012133902671264",
        "환불",
        Amount::won(700),
        Amount::won(1000),
        account,
    )
    .unwrap();
    debug("VacctPartialRefund", &vpr);
    for version in [ApiVersion::V1, ApiVersion::V2] {
        let c = IniapiConfig { version };
        debug("ApiRequest vacct", &c.sign(&vr, &pay, &meta()).unwrap());
        debug(
            "ApiRequest vacct partial",
            &c.sign(&vpr, &pay, &meta()).unwrap(),
        );
    }
    // Missing INIAPI IV: a typed error naming the key.
    let no_keys = merchant("INIpayTest", Keys::default());
    let err = IniapiConfig::default()
        .sign(&vr, &no_keys, &meta())
        .unwrap_err();
    error("iniapi SignError", &err);
    // Errors built from secret-bearing input.
    let err = BillingCharge::builder(
        BillingMethod::Card,
        "INIBillTst_1",
        Amount::won(1000),
        SecretString::from(format!("{BILLKEY}{BILLKEY}")),
    )
    .build()
    .unwrap_err();
    error("billKey FieldError", &err);
    let err = RefundAccount::new(
        BankCode::new("20").unwrap(),
        SecretString::from(format!("{REFUND_ACCT}{REFUND_ACCT}")),
        NAME,
    )
    .unwrap_err();
    error("refundAcctNum FieldError", &err);

    let reply = format!(
        r#"{{"resultCode":"00","resultMsg":"ok","tid":"INIAPICARDINIBillTst20240101120000123456","price":"1000","cardNum":"{CARD}"}}"#
    );
    debug(
        "BillingReply",
        &BillingReply::parse(reply.as_bytes()).unwrap(),
    );
    let inquiry = format!(
        r#"{{"resultCode":"00","resultMsg":"ok","buyerName":"{NAME}","buyerTel":"{PHONE}","buyerMail":"{EMAIL}","vacctInfo":{{"accountNumber":"{VACCT}","accountName":"{NAME}","bankCode":"88"}}}}"#
    );
    debug(
        "InquiryReply",
        &InquiryReply::parse(inquiry.as_bytes()).unwrap(),
    );
    let bad = format!(r#"{{"resultCode":"00","price":"{CARD},{PHONE}"}}"#);
    error(
        "ReplyError field",
        &InquiryReply::parse(bad.as_bytes()).unwrap_err(),
    );
    let bad = format!(r#"{{"resultCode":"00","buyerTel":"{PHONE}""#);
    error(
        "ReplyError json",
        &InquiryReply::parse(bad.as_bytes()).unwrap_err(),
    );
}

/// The client's errors and raw replies never print the body (which carries
/// the billkey, card and account numbers).
#[cfg(feature = "client")]
#[tokio::test]
async fn client_errors_and_exchanges() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // (`resultMsg` is INICIS's own text and is kept verbatim; the secrets
    // ride in fields INICIS does echo or might add.)
    let body = format!(
        r#"{{"resultCode":"00","resultMsg":"ok","cardNum":"{CARD}","buyerTel":"{PHONE}","billKey":"{BILLKEY}"}}"#
    );
    let reply_body = body.clone();
    tokio::spawn(async move {
        for status in ["200 OK", "500 Internal Server Error"] {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = vec![0u8; 65536];
            let mut got = Vec::new();
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
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if got.len() >= p + 4 + len {
                        break;
                    }
                }
            }
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reply_body.len()
            );
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(reply_body.as_bytes()).await;
        }
    });
    let m = Merchant::test(
        "INIBillTst",
        test_keys::ini_bill_tst(),
        Endpoints::sandbox(&base).unwrap(),
    )
    .unwrap();
    let charge = BillingCharge::builder(
        BillingMethod::Card,
        "INIBillTst_1",
        Amount::won(1000),
        SecretString::from(BILLKEY.to_owned()),
    )
    .site_url("www.inicis.com")
    .goods_name("g")
    .buyer_name(NAME)
    .buyer_email(EMAIL)
    .buyer_tel(PHONE)
    .build()
    .unwrap();
    let request = IniapiConfig::default().sign(&charge, &m, &meta()).unwrap();
    let client = GatewayClient::new(ClientConfig::default()).unwrap();
    let ex = client.billing_charge(&request).await.unwrap();
    assert_eq!(ex.raw.body, body.as_bytes());
    debug("Exchange", &ex);
    let err = client.billing_charge(&request).await.unwrap_err();
    error("ClientError::Status", &err);
    let err = client.inquiry(&request).await.unwrap_err();
    error("ClientError::WrongRequest", &err);
}
