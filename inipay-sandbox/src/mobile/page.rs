//! HTML of the payment window (Korean with English beside it), the window
//! error page, and the auto-submitting result form.

use crate::server;
use crate::state::{Method, Session};
use crate::wire::{Charset, html_escape as esc};
use axum::http::StatusCode;
use axum::response::Response;

/// The sandbox pages' shared style: readable from a 360-pixel phone up,
/// large touch targets, the approve button in INICIS red.
pub(crate) const STYLE: &str = "body{font-family:sans-serif;max-width:34rem;margin:1rem auto;padding:0 1rem;color:#222;line-height:1.45;word-break:keep-all;overflow-wrap:break-word}\
h1{font-size:1.3rem;border-bottom:3px solid #e4002b;padding-bottom:.4rem}h1 small{font-weight:normal;color:#555}\
table{border-collapse:collapse;width:100%}td,th{padding:.35rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}\
fieldset{margin:.8rem 0;border:1px solid #bbb;border-radius:6px}legend{font-weight:bold;padding:0 .3rem}\
label{display:block;margin:.35rem 0}input,select{font-size:1rem;padding:.3rem;max-width:100%;box-sizing:border-box}\
input[type=radio],input[type=checkbox]{margin-right:.4rem}\
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}\
.actions button{flex:1 1 9rem;font-size:1rem;padding:.8rem .6rem;border-radius:6px;border:1px solid #888;background:#f3f3f3;color:#222;cursor:pointer}\
.actions .approve{background:#e4002b;border-color:#e4002b;color:#fff;font-weight:bold}\
.note{font-size:.85rem;color:#555}.amount{font-size:1.15rem}";

/// Card companies offered (code, name) (PROTOCOL.md 2.10).
pub const CARDS: &[(&str, &str)] = &[
    ("04", "현대카드"),
    ("06", "국민카드"),
    ("11", "BC카드"),
    ("12", "삼성카드"),
    ("14", "신한카드"),
    ("03", "롯데카드"),
    ("16", "NH카드"),
    ("17", "하나카드"),
];

/// Banks offered (code, name) (PROTOCOL.md 2.10).
pub const BANKS: &[(&str, &str)] = &[
    ("88", "신한은행"),
    ("04", "국민은행"),
    ("20", "우리은행"),
    ("81", "하나은행"),
    ("11", "농협"),
    ("03", "기업은행"),
    ("90", "카카오뱅크"),
    ("92", "토스뱅크"),
];

/// Carriers offered.
pub const CARRIERS: &[(&str, &str)] = &[("SKT", "SK텔레콤"), ("KTF", "KT"), ("LGT", "LG U+")];

/// Name of a card or bank code.
pub fn code_name(table: &[(&str, &'static str)], code: &str) -> &'static str {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
        .unwrap_or("")
}

fn select(name: &str, opts: &[(&str, &str)]) -> String {
    let mut s = format!("<select name=\"{name}\">");
    for (code, label) in opts {
        s.push_str(&format!(
            "<option value=\"{code}\">{label} ({code})</option>"
        ));
    }
    s.push_str("</select>");
    s
}

/// `12,345` (thousands separators for display only; wire amounts never
/// carry commas).
pub(crate) fn group(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whether the window offers a cash receipt (현금영수증): BANK with
/// `bank_receipt=Y`, VBANK with `vbank_receipt=Y` (PROTOCOL.md 2.2.1).
pub fn offers_cash_receipt(r: &crate::state::PaymentRequest) -> bool {
    match r.method {
        Method::Bank => r.flag("bank_receipt"),
        Method::Vbank => r.flag("vbank_receipt"),
        _ => false,
    }
}

fn cash_receipt_fieldset(r: &crate::state::PaymentRequest) -> String {
    let (supply, tax) = crate::state::CashReceipt::split(r.amt, r.tax, r.taxfree);
    let phone: String = r.mobile.chars().filter(char::is_ascii_digit).collect();
    format!(
        "<fieldset><legend>현금영수증 (Cash receipt)</legend>\
         <label><input type=\"checkbox\" name=\"cshr\" value=\"Y\" checked>현금영수증 발행 (issue a cash receipt)</label>\
         <label><input type=\"radio\" name=\"cshr_type\" value=\"0\" checked>소득공제용 (income deduction)</label>\
         <label><input type=\"radio\" name=\"cshr_type\" value=\"1\">지출증빙용 (expense proof)</label>\
         <label>휴대폰/사업자번호 (phone or business number)<br><input name=\"cshr_no\" value=\"{}\" inputmode=\"numeric\"></label>\
         <p class=\"note\">공급가액 (supply) {}원 · 부가세 (VAT) {}원</p></fieldset>",
        esc(if phone.is_empty() {
            "01012345678"
        } else {
            &phone
        }),
        group(supply),
        group(tax)
    )
}

/// The payment window for a session.
pub fn payment_page(s: &Session) -> Response {
    let r = &s.req;
    let mut choices = String::new();
    match r.method {
        Method::Card => {
            choices.push_str(&format!(
                "<fieldset><legend>카드 선택 (Card)</legend>{}<br>\
                 <label>카드번호 (Card number)<br><input name=\"card_number\" value=\"4111111111111111\" inputmode=\"numeric\" size=\"19\"></label>\
                 <label><input type=\"radio\" name=\"auth\" value=\"normal\" checked>안심클릭/앱카드 (3-D Secure / app card)</label>\
                 <label><input type=\"radio\" name=\"auth\" value=\"isp\">ISP (BC/국민)</label>",
                select("card_code", CARDS)
            ));
            if r.amt >= 50_000 {
                let months: Vec<String> = if r.quotabase.is_empty() {
                    ["00", "02", "03", "06", "12"].iter().map(|s| s.to_string()).collect()
                } else {
                    r.quotabase
                        .iter()
                        .filter(|m| m.as_str() != "99")
                        .map(|m| if m == "01" { "00".into() } else { m.clone() })
                        .collect()
                };
                let opts: Vec<(&str, String)> = months
                    .iter()
                    .map(|m| {
                        let label = if m == "00" {
                            "일시불 (lump sum)".to_owned()
                        } else {
                            format!("{}개월 ({} months)", m.trim_start_matches('0'), m.trim_start_matches('0'))
                        };
                        (m.as_str(), label)
                    })
                    .collect();
                let opts_ref: Vec<(&str, &str)> = opts.iter().map(|(a, b)| (*a, b.as_str())).collect();
                choices.push_str(&format!("<label>할부 (Installments)<br>{}</label>", select("quota", &opts_ref)));
            }
            choices.push_str(
                "<p class=\"note\">테스트 카드번호 (test cards): 4111111111111111 승인 (approved) · \
                 4000000000000002 승인거절 (declined at approval) · 4000000000009995 잔액부족 (insufficient funds at approval)</p></fieldset>",
            );
        }
        Method::Bank => choices.push_str(&format!(
            "<fieldset><legend>출금 은행 (Bank)</legend>{}</fieldset>",
            select("bank_code", BANKS)
        )),
        Method::Vbank => choices.push_str(&format!(
            "<fieldset><legend>입금 은행 (Virtual account bank)</legend>{}\
             <p class=\"note\">승인 후 가상계좌가 발급되고, 입금은 대시보드의 입금통보 버튼으로 합니다 \
             (the account is issued at approval; simulate the deposit with the dashboard's deposit button)</p></fieldset>",
            select("bank_code", BANKS)
        )),
        Method::Mobile => choices.push_str(&format!(
            "<fieldset><legend>휴대폰 (Phone)</legend>{}<label>휴대폰 번호 (Phone number)<br>\
             <input name=\"phone\" value=\"{}\" inputmode=\"tel\"></label></fieldset>",
            select("carrier", CARRIERS),
            esc(if r.mobile.is_empty() { "01012345678" } else { &r.mobile })
        )),
        Method::Culture | Method::Hpmn | Method::Dgcl => choices.push_str(
            "<fieldset><legend>상품권 (Gift card)</legend><label>PIN 번호 (PIN)<br><input name=\"pin\" value=\"1234567890123456\"></label></fieldset>",
        ),
    }
    if offers_cash_receipt(r) {
        choices.push_str(&cash_receipt_fieldset(r));
    }
    if let Some(scheme) = r.option("app_scheme") {
        choices.push_str(&format!(
            "<p class=\"note\">앱 복귀 스킴 (app_scheme): <code>{}</code> — ISP/은행 앱 인증 후 이 스킴으로 돌아옵니다 \
             (after the ISP or bank app, the phone returns through this scheme){}</p>",
            esc(scheme),
            if r.flag("iosapp") { " · iOS 앱 (iosapp=Y)" } else { "" }
        ));
    }
    let body = format!(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>INICIS sandbox 결제 (payment)</title>\
         <style>{STYLE}</style></head><body>\
         <h1>KG이니시스 샌드박스 결제 <small>(INICIS sandbox payment)</small></h1>\
         <table><tr><th>상점 (Merchant)</th><td>{mname} ({mid})</td></tr>\
         <tr><th>주문번호 (Order)</th><td>{oid}</td></tr>\
         <tr><th>상품 (Goods)</th><td>{goods}</td></tr>\
         <tr><th>구매자 (Buyer)</th><td>{uname}</td></tr>\
         <tr><th>결제수단 (Method)</th><td>{label}</td></tr>\
         <tr><th>결제금액 (Amount)</th><td data-amount=\"{amt}\" class=\"amount\"><b>{amt_g}원</b> (KRW)</td></tr></table>\
         <form method=\"post\" action=\"/smart/sandbox/complete\" accept-charset=\"utf-8\">\
         <input type=\"hidden\" name=\"session\" value=\"{tid}\">{choices}<div class=\"actions\">\
         <button class=\"approve\" name=\"action\" value=\"approve\">결제 승인 (Approve)</button>\
         <button name=\"action\" value=\"decline\">인증 실패 (Decline)</button>\
         <button name=\"action\" value=\"cancel\">사용자 취소 (Cancel)</button></div></form>\
         <p class=\"note\">이 화면은 로컬 시뮬레이터입니다. 실제 결제는 일어나지 않습니다. \
         (This is a local simulator; no real payment happens.)</p></body></html>",
        mname = esc(if r.mname.is_empty() { "-" } else { &r.mname }),
        mid = esc(&r.mid),
        oid = esc(&r.oid),
        goods = esc(&r.goods),
        uname = esc(&r.uname),
        label = r.method.label(),
        amt = r.amt,
        amt_g = group(r.amt),
        tid = esc(&s.auth_tid),
    );
    server::html(body)
}

/// The window error page, with the code in a meta tag for tests.
pub fn error_page(code: Option<&str>, kind: &str, message: &str) -> Response {
    let code_html = code
        .map(|c| format!("<p>오류코드 (error code): <b>[{c}]</b></p>"))
        .unwrap_or_default();
    server::html(format!(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"inicis-error-code\" content=\"{code}\"><meta name=\"inicis-error-kind\" content=\"{kind}\">\
         <title>결제 오류 (payment error)</title><style>{STYLE}</style></head><body>\
         <h1>결제 요청 오류 <small>(Payment request error)</small></h1>{code_html}<p>{msg}</p>\
         <p class=\"note\">요청 값을 고친 뒤 다시 시도하세요. (Fix the request and try again; no payment was made.)</p></body></html>",
        code = code.unwrap_or(""),
        kind = esc(kind),
        msg = esc(message),
    ))
}

/// A page that auto-submits `fields` to `action` in `charset` (the document
/// itself is encoded in that charset, so a browser submits the values in it),
/// with a visible button as a no-JavaScript fallback.
pub fn auto_submit(
    action: &str,
    method_get: bool,
    fields: &[(&str, String)],
    charset: Charset,
) -> Response {
    let cs = match charset {
        Charset::EucKr => "euc-kr",
        Charset::Utf8 => "utf-8",
    };
    let mut inputs = String::new();
    for (k, v) in fields {
        inputs.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
            esc(k),
            esc(v)
        ));
    }
    let html = format!(
        "<!doctype html><html><head><meta charset=\"{cs}\"><title>INICIS</title></head>\
         <body onload=\"document.forms[0].submit()\">\
         <form method=\"{m}\" action=\"{a}\" accept-charset=\"{cs}\">\n{inputs}\
         <noscript><button type=\"submit\">계속 (Continue)</button></noscript></form></body></html>",
        m = if method_get { "get" } else { "post" },
        a = esc(action),
    );
    server::respond(
        StatusCode::OK,
        &format!("text/html; charset={}", charset.http_name()),
        charset.encode(&html),
    )
}

/// `303 See Other` to `url` (the 1trs browser landing on P_RETURN_URL).
pub fn redirect(url: &str) -> Response {
    let mut r = server::respond(
        StatusCode::SEE_OTHER,
        "text/html; charset=UTF-8",
        format!("<a href=\"{}\">계속 (Continue)</a>", esc(url)),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(url) {
        r.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    r
}
