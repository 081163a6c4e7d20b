//! Helpers shared by the integration tests: a plain HTTP client, an EUC-KR
//! form encoder written independently of the sandbox, a merchant-side
//! receiver for notifications and browser posts, and page scraping.
#![allow(dead_code, missing_docs)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use inipay_sandbox::clock::Clock;
use inipay_sandbox::{Sandbox, SandboxConfig};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// 2024-01-01 12:00:00 KST.
pub const T0: u64 = 1_704_078_000_000;

pub async fn start() -> (Sandbox, Clock) {
    start_with(|c| c).await
}

pub async fn start_with(f: impl FnOnce(SandboxConfig) -> SandboxConfig) -> (Sandbox, Clock) {
    let clock = Clock::manual(T0);
    let cfg = f(SandboxConfig::default().with_clock(clock.clone()));
    (Sandbox::start(cfg).await.unwrap(), clock)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Percent-encodes bytes the way browsers do for forms.
pub fn pct(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                s.push(b as char)
            }
            b' ' => s.push('+'),
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

pub fn euc_kr(s: &str) -> Vec<u8> {
    encoding_rs::EUC_KR.encode(s).0.into_owned()
}

pub fn from_euc_kr(b: &[u8]) -> String {
    encoding_rs::EUC_KR
        .decode_without_bom_handling(b)
        .0
        .into_owned()
}

/// An EUC-KR form body.
pub fn euc_form(fields: &[(&str, &str)]) -> Vec<u8> {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k.as_bytes()), pct(&euc_kr(v))))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// A UTF-8 form body.
pub fn utf8_form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k.as_bytes()), pct(v.as_bytes())))
        .collect::<Vec<_>>()
        .join("&")
}

/// Splits a raw `K=V&...` body into raw byte pairs (no decoding).
pub fn raw_pairs(body: &[u8]) -> Vec<(String, Vec<u8>)> {
    body.split(|b| *b == b'&')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let i = s.iter().position(|b| *b == b'=').unwrap_or(s.len());
            (
                String::from_utf8_lossy(&s[..i]).into_owned(),
                s.get(i + 1..).unwrap_or_default().to_vec(),
            )
        })
        .collect()
}

fn unpct(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        match v[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < v.len() => {
                let h =
                    u8::from_str_radix(std::str::from_utf8(&v[i + 1..i + 3]).unwrap(), 16).unwrap();
                out.push(h);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Decodes a form body (percent-decoding, then EUC-KR or UTF-8).
pub fn decode_form(body: &[u8], utf8: bool) -> Vec<(String, String)> {
    raw_pairs(body)
        .into_iter()
        .map(|(k, v)| {
            let b = unpct(&v);
            let s = if utf8 {
                String::from_utf8(b).unwrap()
            } else {
                from_euc_kr(&b)
            };
            (k, s)
        })
        .collect()
}

/// Decodes an approval reply (raw values, only `%XX` escapes).
pub fn decode_reply(body: &[u8], utf8: bool) -> Vec<(String, String)> {
    decode_form(body, utf8)
}

pub fn get<'a>(pairs: &'a [(String, String)], k: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("field {k} missing in {pairs:?}"))
}

pub fn has(pairs: &[(String, String)], k: &str) -> bool {
    pairs.iter().any(|(n, _)| n == k)
}

/// Scripted replies of the receiver.
pub type Script = Arc<Mutex<VecDeque<(u16, &'static [u8])>>>;
/// Recorded requests.
pub type Log = Arc<Mutex<Vec<Received>>>;

/// A received request.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// A merchant-side server that records every request and answers from a
/// script (default `200 OK` with body `OK`).
#[derive(Clone)]
pub struct Receiver {
    pub base: String,
    pub got: Arc<Mutex<Vec<Received>>>,
    pub script: Script,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let st = (got.clone(), script.clone());
        async fn any(
            State((got, script)): State<(Log, Script)>,
            method: Method,
            uri: Uri,
            headers: HeaderMap,
            body: Bytes,
        ) -> (axum::http::StatusCode, Vec<u8>) {
            got.lock().unwrap().push(Received {
                method: method.to_string(),
                path: uri.to_string(),
                headers,
                body: body.to_vec(),
            });
            let (code, reply) = script.lock().unwrap().pop_front().unwrap_or((200, b"OK"));
            (
                axum::http::StatusCode::from_u16(code).unwrap(),
                reply.to_vec(),
            )
        }
        let app = Router::new().fallback(any).with_state(st);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { base, got, script }
    }

    pub fn url(&self, p: &str) -> String {
        format!("{}{}", self.base, p)
    }

    pub fn reply_with(&self, replies: &[(u16, &'static [u8])]) {
        self.script.lock().unwrap().extend(replies.iter().copied());
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// The hidden `session` id in a payment page.
pub fn session_of(html: &str) -> String {
    let pat = "name=\"session\" value=\"";
    let i = html.find(pat).expect("session field") + pat.len();
    html[i..i + html[i..].find('"').unwrap()].to_owned()
}

/// Meta tag content of an error page.
/// POSTs `fields` as a UTF-8 form to the sandbox path and returns the page text.
pub async fn post_utf8_page(sb: &Sandbox, path: &str, fields: &[(&str, &str)]) -> String {
    client()
        .post(sb.url(path))
        .body(utf8_form(fields))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub fn meta(html: &str, name: &str) -> Option<String> {
    let pat = format!("<meta name=\"{name}\" content=\"");
    let i = html.find(&pat)? + pat.len();
    Some(html[i..i + html[i..].find('"')?].to_owned())
}

/// Standard card order fields (EUC-KR values).
pub fn card_order(next: &str, oid: &str, amt: &str) -> Vec<(&'static str, String)> {
    vec![
        ("P_INI_PAYMENT", "CARD".into()),
        ("P_MID", "INIpayTest".into()),
        ("P_OID", oid.into()),
        ("P_AMT", amt.into()),
        ("P_GOODS", "테스트상품".into()),
        ("P_UNAME", "홍길동".into()),
        ("P_NEXT_URL", next.into()),
        (
            "P_RESERVED",
            "twotrs_isp=Y&block_isp=Y&twotrs_isp_noti=N&apprun_check=Y&centerCd=Y".into(),
        ),
    ]
}

pub fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Opens the window; returns the page (status 200 expected).
pub async fn open_window(sb: &Sandbox, path: &str, fields: &[(&'static str, String)]) -> String {
    let r = client()
        .post(sb.url(path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(euc_form(&as_refs(fields)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// Presses a button in the window; returns the raw response.
pub async fn press(
    sb: &Sandbox,
    session: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut f = vec![("session", session), ("action", action)];
    f.extend_from_slice(extra);
    client()
        .post(sb.url("/smart/sandbox/complete"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(utf8_form(&f))
        .send()
        .await
        .unwrap()
}

/// Calls approval with `P_MID`/`P_TID`; returns (content-type, body bytes).
pub async fn approve(sb: &Sandbox, mid: &str, tid: &str) -> (String, Vec<u8>) {
    let r = client()
        .post(sb.url("/smart/payReq.ini"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("P_MID={mid}&P_TID={tid}"))
        .send()
        .await
        .unwrap();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (ct, r.bytes().await.unwrap().to_vec())
}

pub fn ten_minutes() -> Duration {
    Duration::from_secs(600)
}

/// A fresh approved card transaction (window skipped); returns its approval TID.
pub async fn approved_card(sb: &Sandbox, oid: &str, amt: u64) -> String {
    let auth = sb.__seed_authenticated_card("INIpayTest", oid, amt);
    let (_, b) = approve(sb, "INIpayTest", &auth).await;
    get(&decode_reply(&b, false), "P_TID").to_owned()
}

pub const TS: &str = "20240101120000";
pub const IP: &str = "192.0.0.1";
pub const KEY: &str = "ItEQKi3rY7uvDS8l";
pub const IV: &str = "HYb3yQ4f65QL89==";
pub const BILL_KEY: &str = "rKnPljRn5m6J9Mzz";

pub fn sha512(s: &str) -> String {
    inipay_sandbox::wire::sha512_hex(s.as_bytes())
}

/// POSTs a v1 form (UTF-8) and returns the JSON reply.
pub async fn v1(sb: &Sandbox, path: &str, fields: &[(&str, &str)]) -> serde_json::Value {
    let r = client()
        .post(sb.url(path))
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(utf8_form(fields))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

/// v1 full refund of a card TID.
pub async fn v1_refund(sb: &Sandbox, tid: &str) -> serde_json::Value {
    let hash = sha512(&format!("{KEY}RefundCard{TS}{IP}INIpayTest{tid}"));
    v1(
        sb,
        "/api/v1/refund",
        &[
            ("type", "Refund"),
            ("paymethod", "Card"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "INIpayTest"),
            ("tid", tid),
            ("msg", "거래취소요청"),
            ("hashData", &hash),
        ],
    )
    .await
}

/// v1 partial refund of a card TID.
pub async fn v1_partial(sb: &Sandbox, tid: &str, price: u64, confirm: u64) -> serde_json::Value {
    let (p, c) = (price.to_string(), confirm.to_string());
    let hash = sha512(&format!(
        "{KEY}PartialRefundCard{TS}{IP}INIpayTest{tid}{p}{c}"
    ));
    v1(
        sb,
        "/api/v1/refund",
        &[
            ("type", "PartialRefund"),
            ("paymethod", "Card"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "INIpayTest"),
            ("tid", tid),
            ("msg", "부분취소"),
            ("price", &p),
            ("confirmPrice", &c),
            ("currency", "WON"),
            ("hashData", &hash),
        ],
    )
    .await
}

/// v1 billing charge with INIBillTst.
pub async fn v1_billing(
    sb: &Sandbox,
    paymethod: &str,
    moid: &str,
    price: &str,
    billkey: &str,
) -> serde_json::Value {
    let hash = sha512(&format!(
        "{BILL_KEY}Billing{paymethod}{TS}{IP}INIBillTst{moid}{price}{billkey}"
    ));
    v1(
        sb,
        "/api/v1/billing",
        &[
            ("type", "Billing"),
            ("paymethod", paymethod),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "INIBillTst"),
            ("url", "www.inicis.com"),
            ("moid", moid),
            ("goodName", "테스트상품"),
            ("buyerName", "홍길동"),
            ("buyerEmail", "test@test.com"),
            ("buyerTel", "01012345678"),
            ("price", price),
            ("currency", "WON"),
            ("billKey", billkey),
            ("authentification", "00"),
            ("cardQuota", "00"),
            ("quotaInterest", "0"),
            ("hashData", &hash),
        ],
    )
    .await
}

/// Waits (polling, not timing) until the sandbox has taken every injected
/// fault, i.e. the delayed call is inside its handler.
pub async fn until_faults_taken(sb: &Sandbox) {
    for _ in 0..2000 {
        let f = get_json(sb, "/sandbox/api/faults").await;
        if f["pending"].as_array().is_some_and(|a| a.is_empty()) {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the fault was never taken");
}

/// A v2 envelope over `data` (PHP-style compact JSON) with its hash.
pub fn v2_body(mid: &str, ty: &str, key: &str, data: &str, paymethod: Option<&str>) -> String {
    let hash = sha512(&format!("{key}{mid}{ty}{TS}{data}"));
    let pm = paymethod
        .map(|p| format!("\"paymethod\":\"{p}\","))
        .unwrap_or_default();
    format!(
        "{{\"mid\":\"{mid}\",\"type\":\"{ty}\",{pm}\"timestamp\":\"{TS}\",\"clientIp\":\"{IP}\",\"data\":{data},\"hashData\":\"{hash}\"}}"
    )
}

/// POSTs a v2 body to `/v2/pg/{service}`; returns the JSON reply.
pub async fn v2(sb: &Sandbox, service: &str, body: String) -> serde_json::Value {
    let r = client()
        .post(sb.url(&format!("/v2/pg/{service}")))
        .header("Content-Type", "application/json;charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// v1 inquiry (`/api/v1/extra`) by TID or order id under `mid` (INIAPI key `key`).
pub async fn v1_inquiry_as(
    sb: &Sandbox,
    mid: &str,
    key: &str,
    tid: &str,
    oid: &str,
) -> serde_json::Value {
    let hash = sha512(&format!("{key}ExtraInquiry{TS}{IP}{mid}"));
    v1(
        sb,
        "/api/v1/extra",
        &[
            ("type", "Extra"),
            ("paymethod", "Inquiry"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", mid),
            ("originalTid", tid),
            ("oid", oid),
            ("hashData", &hash),
        ],
    )
    .await
}

/// v1 inquiry of an `INIpayTest` TID.
pub async fn v1_inquiry(sb: &Sandbox, tid: &str) -> serde_json::Value {
    v1_inquiry_as(sb, "INIpayTest", KEY, tid, "").await
}

/// v2 inquiry (`/v2/pg/inquiry`) of `tid` under `mid` (INIAPI key `key`).
pub async fn v2_inquiry_as(sb: &Sandbox, mid: &str, key: &str, tid: &str) -> serde_json::Value {
    let data = format!("{{\"tid\":\"{tid}\"}}");
    v2(sb, "inquiry", v2_body(mid, "inquiry", key, &data, None)).await
}

/// v2 inquiry of an `INIpayTest` TID.
pub async fn v2_inquiry(sb: &Sandbox, tid: &str) -> serde_json::Value {
    v2_inquiry_as(sb, "INIpayTest", KEY, tid).await
}

/// GETs a sandbox path; returns the body text.
pub async fn get_text(sb: &Sandbox, path: &str) -> String {
    client()
        .get(sb.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// GETs a sandbox path and parses the JSON reply.
pub async fn get_json(sb: &Sandbox, path: &str) -> serde_json::Value {
    client()
        .get(sb.url(path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// An order of 1,005 won with P_NOTI_URL, P_RETURN_URL (`/return?oid=...`)
/// and `reserved` as P_RESERVED: 1trs for ISP and BANK unless `reserved`
/// asks for 2trs (PROTOCOL.md 2.1).
pub fn one_trs_order(
    rx: &Receiver,
    method: &str,
    oid: &str,
    reserved: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("P_INI_PAYMENT", method.into()),
        ("P_MID", "INIpayTest".into()),
        ("P_OID", oid.into()),
        ("P_AMT", "1005".into()),
        ("P_GOODS", "테스트상품".into()),
        ("P_UNAME", "홍길동".into()),
        ("P_NEXT_URL", rx.url("/next")),
        ("P_NOTI_URL", rx.url("/noti")),
        ("P_RETURN_URL", rx.url(&format!("/return?oid={oid}"))),
        ("P_NOTI", "merchant-data".into()),
        ("P_RESERVED", reserved.into()),
    ]
}

/// Issues a 20,000-won virtual account (bank 88, deadline 2024-01-05
/// 23:59:59) through the window and a 2trs approval; returns its TID.
pub async fn issue_vbank(sb: &Sandbox, rx: &Receiver, oid: &str) -> String {
    let fields = vec![
        ("P_INI_PAYMENT", "VBANK".to_owned()),
        ("P_MID", "INIpayTest".into()),
        ("P_OID", oid.into()),
        ("P_AMT", "20000".into()),
        ("P_GOODS", "상품".into()),
        ("P_UNAME", "홍길동".into()),
        ("P_NEXT_URL", rx.url("/next")),
        ("P_NOTI_URL", rx.url("/noti")),
        ("P_VBANK_DT", "20240105".into()),
        ("P_VBANK_TM", "2359".into()),
    ];
    let page = open_window(sb, "/smart/payment/", &fields).await;
    let r = press(sb, &session_of(&page), "approve", &[("bank_code", "88")]).await;
    let auth = inipay_sandbox::browser::AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
    let (_, b) = approve(sb, "INIpayTest", auth.fields.get("P_TID").unwrap()).await;
    get(&decode_reply(&b, false), "P_TID").to_owned()
}
